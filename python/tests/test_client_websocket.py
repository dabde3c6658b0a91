"""ncmonitor.websocket: frames, masking, reassembly and the handshake checks, against the examples of RFC 6455 itself
(§1.3 and §5.7); the client against the extension's real server is tested from Node (test/integration/python/)."""

from __future__ import annotations

import os
import struct
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ncmonitor.websocket import (  # noqa: E402
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_CONTINUATION,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    Frame,
    FrameDecoder,
    FrameTooBig,
    HandshakeRefused,
    MessageAssembler,
    WebSocketError,
    accept_key,
    check_handshake,
    close_payload,
    encode_frame,
    handshake_request,
    mask_payload,
    parse_close_payload,
    parse_handshake_response,
    parse_ws_url,
)

# RFC 6455 §5.7, byte for byte.
RFC_HELLO_UNMASKED = bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
RFC_HELLO_MASKED = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
RFC_MASK_KEY = bytes([0x37, 0xFA, 0x21, 0x3D])
RFC_FRAGMENTS = (bytes([0x01, 0x03, 0x48, 0x65, 0x6C]), bytes([0x80, 0x02, 0x6C, 0x6F]))
RFC_PING = bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])


def server_decoder(limit: int = 1 << 20) -> FrameDecoder:
    return FrameDecoder(max_frame_bytes=limit)


class EncodingTests(unittest.TestCase):
    def test_rfc_examples_encode_byte_for_byte(self) -> None:
        self.assertEqual(encode_frame(OPCODE_TEXT, b"Hello"), RFC_HELLO_UNMASKED)
        self.assertEqual(encode_frame(OPCODE_TEXT, b"Hello", mask_key=RFC_MASK_KEY), RFC_HELLO_MASKED)
        self.assertEqual(encode_frame(OPCODE_TEXT, b"Hel", fin=False) + encode_frame(OPCODE_CONTINUATION, b"lo"), b"".join(RFC_FRAGMENTS))
        self.assertEqual(encode_frame(OPCODE_PING, b"Hello"), RFC_PING)

    def test_length_forms_switch_at_126_and_65536(self) -> None:
        # RFC 6455 §5.7: 256 bytes use the 16-bit form (0x7E 0x0100), 64 KiB the 64-bit form (0x7F ...0x010000).
        self.assertEqual(encode_frame(OPCODE_BINARY, bytes(256))[:4], bytes([0x82, 0x7E, 0x01, 0x00]))
        self.assertEqual(encode_frame(OPCODE_BINARY, bytes(65536))[:10], bytes([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]))
        for length, header in ((125, 2), (126, 4), (65535, 4), (65536, 10)):
            frame = encode_frame(OPCODE_BINARY, bytes(length))
            self.assertEqual(len(frame), header + length, length)
            self.assertEqual(server_decoder().feed(frame), [Frame(True, OPCODE_BINARY, bytes(length))])

    def test_masking_is_its_own_inverse_and_matches_a_bytewise_xor(self) -> None:
        key = os.urandom(4)
        payload = os.urandom(100_003)
        masked = mask_payload(payload, key)
        self.assertEqual(masked, bytes(byte ^ key[index % 4] for index, byte in enumerate(payload)))
        self.assertEqual(mask_payload(masked, key), payload)
        self.assertEqual(mask_payload(b"", key), b"")
        # Leading zero bytes survive the integer arithmetic.
        self.assertEqual(mask_payload(bytes(7), b"\0\0\0\0"), bytes(7))

    def test_control_frames_are_limited(self) -> None:
        with self.assertRaises(ValueError):
            encode_frame(OPCODE_PING, bytes(126))
        with self.assertRaises(ValueError):
            encode_frame(OPCODE_CLOSE, b"", fin=False)
        self.assertEqual(len(close_payload(1000, "x" * 500)), 125)
        self.assertEqual(parse_close_payload(close_payload(4003, "replaced")).reason, "replaced")
        self.assertEqual(parse_close_payload(b"").code, 1005)


class DecodingTests(unittest.TestCase):
    def test_frames_arrive_whatever_the_chunking(self) -> None:
        stream = RFC_HELLO_UNMASKED + encode_frame(OPCODE_TEXT, "é".encode() * 200) + RFC_PING
        for chunk in (1, 3, 7, len(stream)):
            decoder = server_decoder()
            frames = []
            for start in range(0, len(stream), chunk):
                frames += decoder.feed(stream[start : start + chunk])
            self.assertEqual([frame.opcode for frame in frames], [OPCODE_TEXT, OPCODE_TEXT, OPCODE_PING], chunk)
            self.assertEqual(frames[1].payload.decode(), "é" * 200)

    def test_a_masked_frame_decodes_when_masks_are_expected(self) -> None:
        self.assertEqual(FrameDecoder(max_frame_bytes=100, expect_masked=True).feed(RFC_HELLO_MASKED), [Frame(True, OPCODE_TEXT, b"Hello")])

    def test_fragments_reassemble_with_a_ping_in_between(self) -> None:
        assembler = MessageAssembler(max_message_bytes=100)
        frames = server_decoder().feed(RFC_FRAGMENTS[0] + RFC_PING + RFC_FRAGMENTS[1])
        results = [assembler.add(frame) for frame in frames]
        self.assertEqual(results, [None, (OPCODE_PING, b"Hello"), (OPCODE_TEXT, b"Hello")])

    def test_protocol_violations_are_refused(self) -> None:
        with self.assertRaisesRegex(WebSocketError, "must not mask"):
            server_decoder().feed(RFC_HELLO_MASKED)
        with self.assertRaisesRegex(WebSocketError, "reserved bits"):
            server_decoder().feed(bytes([0xC1, 0x00]))
        with self.assertRaisesRegex(WebSocketError, "unknown opcode"):
            server_decoder().feed(bytes([0x83, 0x00]))
        with self.assertRaisesRegex(WebSocketError, "control frame"):
            server_decoder().feed(bytes([0x09, 0x00]))
        with self.assertRaises(FrameTooBig):
            server_decoder(limit=10).feed(encode_frame(OPCODE_TEXT, bytes(11)))
        assembler = MessageAssembler(max_message_bytes=4)
        with self.assertRaisesRegex(WebSocketError, "continuation"):
            assembler.add(Frame(True, OPCODE_CONTINUATION, b"x"))
        assembler.add(Frame(False, OPCODE_TEXT, b"abc"))
        with self.assertRaisesRegex(WebSocketError, "new message"):
            assembler.add(Frame(True, OPCODE_TEXT, b"x"))
        with self.assertRaises(FrameTooBig):
            MessageAssembler(max_message_bytes=4).add(Frame(False, OPCODE_BINARY, b"abcde"))

    def test_a_pong_is_passed_through(self) -> None:
        self.assertEqual(MessageAssembler(max_message_bytes=4).add(Frame(True, OPCODE_PONG, b"")), (OPCODE_PONG, b""))


class HandshakeTests(unittest.TestCase):
    def test_accept_key_of_the_rfc_example(self) -> None:
        # RFC 6455 §1.3.
        self.assertEqual(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_the_request_carries_the_upgrade_and_the_secret(self) -> None:
        request = handshake_request("127.0.0.1", 5000, "/", "a2V5", {"x-nc-monitor-token": "s3cret"}).decode()
        self.assertTrue(request.startswith("GET / HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n"))
        for line in ("Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: a2V5", "Sec-WebSocket-Version: 13", "x-nc-monitor-token: s3cret"):
            self.assertIn(f"\r\n{line}\r\n", request)
        self.assertTrue(request.endswith("\r\n\r\n"))
        with self.assertRaisesRegex(ValueError, "line break"):
            handshake_request("h", 1, "/", "k", {"x": "a\r\nInjected: 1"})

    def test_responses_are_checked(self) -> None:
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        good = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        check_handshake(*parse_handshake_response(good), key)
        with self.assertRaisesRegex(WebSocketError, "Sec-WebSocket-Accept"):
            check_handshake(*parse_handshake_response(good.replace(b"s3pP", b"AAAA")), key)
        with self.assertRaises(HandshakeRefused) as refused:
            check_handshake(*parse_handshake_response(b"HTTP/1.1 401 Unauthorized\r\nConnection: close"), key)
        self.assertEqual(refused.exception.status, 401)
        with self.assertRaisesRegex(WebSocketError, "did not answer with HTTP"):
            parse_handshake_response(b"SSH-2.0-OpenSSH")

    def test_urls(self) -> None:
        self.assertEqual(parse_ws_url("ws://127.0.0.1:41234/"), ("127.0.0.1", 41234, "/"))
        self.assertEqual(parse_ws_url("ws://127.0.0.1:41234"), ("127.0.0.1", 41234, "/"))
        self.assertEqual(parse_ws_url("ws://localhost/run?token=x"), ("localhost", 80, "/run?token=x"))
        for bad, reason in (("wss://127.0.0.1:1/", "not a ws://"), ("http://x/", "not a ws://"), ("ws:///", "no host"), ("ws://h:99999/", "invalid port")):
            with self.assertRaisesRegex(ValueError, reason):
                parse_ws_url(bad)


class LengthFieldTests(unittest.TestCase):
    def test_a_frame_waits_for_its_extended_length(self) -> None:
        frame = encode_frame(OPCODE_TEXT, bytes(300))
        decoder = server_decoder()
        self.assertEqual(decoder.feed(frame[:3]), [])  # half of the 16-bit length
        self.assertEqual(decoder.feed(frame[3:]), [Frame(True, OPCODE_TEXT, bytes(300))])
        self.assertEqual(struct.unpack("!H", frame[2:4])[0], 300)


if __name__ == "__main__":
    unittest.main()
