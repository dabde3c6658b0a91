"""A minimal RFC 6455 WebSocket client on a plain socket: what the monitor client needs, nothing more.

Why hand-written: the client must work on a bare Python (standard library only; no ``websockets`` package). Scope:
``ws://`` URLs (the extension listens on 127.0.0.1 only), the opening handshake with a custom header (the run's
secret) and the ``Sec-WebSocket-Accept`` check, masked client frames, text/binary messages with fragmented frames
reassembled on receive, ping → pong, and the closing handshake. No extensions (no compression), no TLS.

``WebSocketConnection`` is not thread-safe: one thread owns it (``MonitorClient``'s background thread).
"""

from __future__ import annotations

import base64
import hashlib
import os
import select
import socket
import struct
import time
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

# RFC 6455 §1.3: the GUID appended to the client's key before hashing.
_HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OPCODE_CONTINUATION = 0x0
OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9
OPCODE_PONG = 0xA
_CONTROL_OPCODES = (OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG)
_KNOWN_OPCODES = (OPCODE_CONTINUATION, OPCODE_TEXT, OPCODE_BINARY) + _CONTROL_OPCODES

CLOSE_NORMAL = 1000
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009
_CLOSE_NO_STATUS = 1005  # RFC 6455 §7.4.1: reported when a close frame carries no code (never sent)

_MAX_HANDSHAKE_BYTES = 64 * 1024


class WebSocketError(Exception):
    """The connection failed or the peer broke the protocol; reconnecting may help."""


class HandshakeRefused(WebSocketError):
    """The server answered the upgrade with an HTTP status instead of 101: a wrong secret (401) or not a WebSocket
    endpoint. Retrying with the same request cannot succeed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: int
    payload: bytes


@dataclass(frozen=True)
class TextMessage:
    text: str


@dataclass(frozen=True)
class BinaryMessage:
    data: bytes


@dataclass(frozen=True)
class CloseMessage:
    """The peer closed: its status code (1005 when it sent none) and reason."""

    code: int
    reason: str


Received = Union[TextMessage, BinaryMessage, CloseMessage]


# ---------------------------------------------------------------------------------------------------------------------
# Frames


def mask_payload(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key repeated (RFC 6455 §5.3); the same call unmasks. Done on big integers so that a
    megabyte costs microseconds, not a Python loop per byte."""
    if len(key) != 4:
        raise ValueError("a masking key has exactly 4 bytes")
    length = len(payload)
    if length == 0:
        return b""
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")


def encode_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask_key: Optional[bytes] = None) -> bytes:
    """One frame. Clients must mask (``mask_key``: 4 random bytes); servers must not (``mask_key=None``)."""
    if opcode not in _KNOWN_OPCODES:
        raise ValueError(f"unknown opcode {opcode:#x}")
    if opcode in _CONTROL_OPCODES and (len(payload) > 125 or not fin):
        raise ValueError("control frames carry at most 125 bytes and cannot be fragmented (RFC 6455 §5.5)")
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if mask_key is not None else 0
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if mask_key is None:
        return header + payload
    return header + mask_key + mask_payload(payload, mask_key)


class FrameDecoder:
    """Turns a byte stream into frames, however the bytes arrive (one byte at a time or many frames at once)."""

    def __init__(self, *, max_frame_bytes: int, expect_masked: bool = False) -> None:
        self._buffer = bytearray()
        self._max_frame_bytes = max_frame_bytes
        self._expect_masked = expect_masked

    def feed(self, data: bytes) -> List[Frame]:
        self._buffer += data
        frames: List[Frame] = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return frames
            frames.append(frame)

    def _next_frame(self) -> Optional[Frame]:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise WebSocketError("the server set reserved bits (RSV1-3) without a negotiated extension")
        opcode = first & 0x0F
        if opcode not in _KNOWN_OPCODES:
            raise WebSocketError(f"the server sent an unknown opcode {opcode:#x}")
        masked = bool(second & 0x80)
        if masked != self._expect_masked:
            raise WebSocketError("a server must not mask its frames" if masked else "a client must mask its frames")
        length = second & 0x7F
        offset = 2
        if length == 126:
            if len(buffer) < 4:
                return None
            (length,) = struct.unpack_from("!H", buffer, 2)
            offset = 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            (length,) = struct.unpack_from("!Q", buffer, 2)
            offset = 10
        fin = bool(first & 0x80)
        if opcode in _CONTROL_OPCODES and (length > 125 or not fin):
            raise WebSocketError("the server sent a fragmented or oversized control frame")
        if length > self._max_frame_bytes:
            raise FrameTooBig(f"the server sent a frame of {length} bytes (limit {self._max_frame_bytes})")
        key = b""
        if masked:
            if len(buffer) < offset + 4:
                return None
            key = bytes(buffer[offset : offset + 4])
            offset += 4
        if len(buffer) < offset + length:
            return None
        payload = bytes(buffer[offset : offset + length])
        del buffer[: offset + length]
        if masked:
            payload = mask_payload(payload, key)
        return Frame(fin, opcode, payload)


class FrameTooBig(WebSocketError):
    pass


class MessageAssembler:
    """Joins a text or binary message sent in fragments (RFC 6455 §5.4); control frames may come between them."""

    def __init__(self, *, max_message_bytes: int) -> None:
        self._opcode: Optional[int] = None
        self._parts: List[bytes] = []
        self._size = 0
        self._max_message_bytes = max_message_bytes

    def add(self, frame: Frame) -> Optional[Tuple[int, bytes]]:
        """``(opcode, payload)`` of a complete data message, or of a control frame as it is; None mid-message."""
        if frame.opcode in _CONTROL_OPCODES:
            return frame.opcode, frame.payload
        if frame.opcode == OPCODE_CONTINUATION:
            if self._opcode is None:
                raise WebSocketError("the server sent a continuation frame with no message to continue")
        else:
            if self._opcode is not None:
                raise WebSocketError("the server started a new message before finishing the previous one")
            self._opcode = frame.opcode
        self._size += len(frame.payload)
        if self._size > self._max_message_bytes:
            raise FrameTooBig(f"the server sent a message over {self._max_message_bytes} bytes")
        self._parts.append(frame.payload)
        if not frame.fin:
            return None
        opcode, payload = self._opcode, b"".join(self._parts)
        self._opcode, self._parts, self._size = None, [], 0
        return opcode, payload


def close_payload(code: int, reason: str = "") -> bytes:
    encoded = reason.encode("utf-8")[:123]  # 125 bytes at most, 2 of them the code
    return struct.pack("!H", code) + encoded


def parse_close_payload(payload: bytes) -> CloseMessage:
    if len(payload) < 2:
        return CloseMessage(_CLOSE_NO_STATUS, "")
    (code,) = struct.unpack_from("!H", payload)
    return CloseMessage(code, payload[2:].decode("utf-8", errors="replace"))


# ---------------------------------------------------------------------------------------------------------------------
# Handshake


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer to ``key`` (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + _HANDSHAKE_GUID).encode("ascii")).digest()).decode("ascii")


def parse_ws_url(url: str) -> Tuple[str, int, str]:
    """``(host, port, path with query)`` of a ``ws://`` URL; ValueError naming the problem otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "ws":
        raise ValueError(f"{url!r} is not a ws:// URL: the extension listens on ws://127.0.0.1:PORT/ (wss:// is not supported)")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host: expected ws://127.0.0.1:PORT/")
    try:
        port = parts.port or 80
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port: expected ws://127.0.0.1:PORT/") from None
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return parts.hostname, port, path


def handshake_request(host: str, port: int, path: str, key: str, headers: Mapping[str, str]) -> bytes:
    for name, value in headers.items():
        if any(character in f"{name}{value}" for character in "\r\n"):
            raise ValueError(f"header {name!r} contains a line break")
    host_header = f"[{host}]" if ":" in host else host
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host_header}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def parse_handshake_response(head: bytes) -> Tuple[int, str, Dict[str, str]]:
    """Status code, reason phrase and headers (names lower-cased) of an HTTP response head."""
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/") or not status_line[1].isdigit():
        raise WebSocketError(f"the server did not answer with HTTP: {lines[0][:80]!r}")
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line[1]), status_line[2] if len(status_line) > 2 else "", headers


def check_handshake(status: int, reason: str, headers: Mapping[str, str], key: str) -> None:
    if status != 101:
        raise HandshakeRefused(status, reason)
    if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in headers.get("connection", "").lower():
        raise WebSocketError("the server answered 101 without upgrading to websocket")
    if headers.get("sec-websocket-accept") != accept_key(key):
        raise WebSocketError("the server's Sec-WebSocket-Accept does not match our key: not a WebSocket server")
    if headers.get("sec-websocket-extensions"):
        raise WebSocketError(f"the server enabled an extension we did not offer: {headers['sec-websocket-extensions']}")


# ---------------------------------------------------------------------------------------------------------------------
# The connection


class WebSocketConnection:
    """An open client connection. ``read_available`` is meant to be called when ``select`` says the socket is
    readable; it answers pings and the peer's close by itself."""

    def __init__(self, sock: socket.socket, leftover: bytes = b"", *, max_message_bytes: int = 1 << 20) -> None:
        self.sock = sock
        self._decoder = FrameDecoder(max_frame_bytes=max_message_bytes)
        self._assembler = MessageAssembler(max_message_bytes=max_message_bytes)
        self._pending = leftover
        self._close_sent = False
        self.closed = False

    @classmethod
    def connect(
        cls,
        url: str,
        headers: Optional[Mapping[str, str]] = None,
        *,
        timeout: float = 5.0,
        io_timeout: float = 30.0,
        max_message_bytes: int = 1 << 20,
    ) -> "WebSocketConnection":
        """Opens the TCP connection and performs the opening handshake (each within ``timeout`` seconds). Raises
        OSError (nothing listening, time-out), HandshakeRefused (an HTTP answer other than 101) or WebSocketError (not a
        WebSocket server). Afterwards a send that the server does not take within ``io_timeout`` seconds raises
        OSError: a server that stopped reading counts as gone."""
        host, port, path = parse_ws_url(url)
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            key = base64.b64encode(os.urandom(16)).decode("ascii")
            sock.sendall(handshake_request(host, port, path, key, headers or {}))
            received = bytearray()
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    if received:
                        status, reason, _ = parse_handshake_response(bytes(received).split(b"\r\n\r\n")[0])
                        raise HandshakeRefused(status, reason)
                    raise WebSocketError("the server closed the connection during the handshake")
                received += chunk
                if len(received) > _MAX_HANDSHAKE_BYTES:
                    raise WebSocketError("the server's handshake response is too long")
            head, _, leftover = bytes(received).partition(b"\r\n\r\n")
            status, reason, response_headers = parse_handshake_response(head)
            check_handshake(status, reason, response_headers, key)
            sock.settimeout(io_timeout)
        except BaseException:
            sock.close()
            raise
        return cls(sock, leftover, max_message_bytes=max_message_bytes)

    def fileno(self) -> int:
        return self.sock.fileno()

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask_key=os.urandom(4)))

    def send_text(self, text: str) -> None:
        self._send_frame(OPCODE_TEXT, text.encode("utf-8"))

    def send_ping(self, payload: bytes = b"") -> None:
        self._send_frame(OPCODE_PING, payload)

    def send_close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        if self._close_sent or self.closed:
            return
        self._close_sent = True
        try:
            self._send_frame(OPCODE_CLOSE, close_payload(code, reason))
        except OSError:
            pass

    def read_available(self) -> List[Received]:
        """Reads what the socket has now (one recv) and returns the complete messages. Raises WebSocketError when the
        connection ended without a close frame or the peer broke the protocol."""
        if self._pending:
            data, self._pending = self._pending, b""
        else:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, socket.timeout):
                return []
            except OSError as error:
                raise WebSocketError(f"the connection failed: {error}") from error
            if not data:
                raise WebSocketError("the server closed the connection")
        received: List[Received] = []
        try:
            frames = self._decoder.feed(data)
        except FrameTooBig:
            self.send_close(CLOSE_TOO_BIG, "message too big")
            raise
        except WebSocketError:
            self.send_close(CLOSE_PROTOCOL_ERROR, "protocol error")
            raise
        for frame in frames:
            complete = self._assembler.add(frame)
            if complete is None:
                continue
            opcode, payload = complete
            if opcode == OPCODE_TEXT:
                try:
                    received.append(TextMessage(payload.decode("utf-8")))
                except UnicodeDecodeError:
                    self.send_close(CLOSE_INVALID_DATA, "text is not UTF-8")
                    raise WebSocketError("the server sent a text message that is not UTF-8") from None
            elif opcode == OPCODE_BINARY:
                received.append(BinaryMessage(payload))
            elif opcode == OPCODE_PING:
                self._send_frame(OPCODE_PONG, payload)
            elif opcode == OPCODE_CLOSE:
                message = parse_close_payload(payload)
                # Echo the code (RFC 6455 §5.5.1), then the server closes the TCP connection.
                self.send_close(message.code if message.code != _CLOSE_NO_STATUS else CLOSE_NORMAL)
                self.closed = True
                received.append(message)
                return received
        return received

    def has_buffered_data(self) -> bool:
        return bool(self._pending)

    def wait_readable(self, timeout: float) -> bool:
        if self._pending:
            return True
        readable, _, _ = select.select([self.sock], [], [], timeout)
        return bool(readable)

    def close(self, code: int = CLOSE_NORMAL, reason: str = "", *, linger: float = 1.0) -> None:
        """Sends a close frame and waits (up to ``linger`` seconds) for the server's, then closes the socket."""
        try:
            if not self.closed:
                self.send_close(code, reason)
                deadline = time.monotonic() + linger
                while not self.closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self.wait_readable(remaining):
                        break
                    try:
                        self.read_available()
                    except WebSocketError:
                        break
        finally:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass
