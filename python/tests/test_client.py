"""ncmonitor.protocol and the parts of ncmonitor.client that need no extension: encoding, builders, numbering, the
events file, bounded memory, closing. Delivery to the extension's real server (hello, acks, reconnects, refusals,
run/stop) is tested from Node, in test/integration/python/client.test.ts."""

from __future__ import annotations

import json
import math
import os
import socket
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any, List
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ncmonitor import protocol  # noqa: E402
from ncmonitor.client import MonitorClient, last_sequence_number  # noqa: E402


class FakeScalar:
    """Stands in for a numpy/torch scalar: not a float, but has .item()."""

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


class FakeArray:
    def __init__(self, values: List[Any]) -> None:
        self.values = values

    def tolist(self) -> List[Any]:
        return self.values


def read_lines(path: str) -> List[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class ProtocolTests(unittest.TestCase):
    def test_constants_come_from_the_generated_schema(self) -> None:
        with open(Path(protocol.__file__).parent / "schemas" / "messages.schema.json", encoding="utf-8") as handle:
            constants = json.load(handle)["constants"]
        self.assertEqual(protocol.PROTOCOL_VERSION, constants["PROTOCOL_VERSION"])
        self.assertEqual(protocol.TOKEN_HEADER, constants["TOKEN_HEADER"])
        self.assertEqual(protocol.MAX_MESSAGE_BYTES, constants["MAX_MESSAGE_BYTES"])
        self.assertEqual(set(protocol.TRAINER_MESSAGE_TYPES), {"hello", "run/didStart", "epoch/didEnd", "metrics/didUpdate", "log", "run/didEnd"})

    def test_encoding_is_compact_and_maps_non_finite_numbers_to_null(self) -> None:
        text = protocol.encode({"type": "x", "values": (1.5, math.nan, -math.inf), "name": "Fähre"})
        self.assertEqual(text, '{"type":"x","values":[1.5,null,null],"name":"Fähre"}')
        self.assertEqual(protocol.encode({"a": FakeScalar(0.5), "b": FakeArray([1, float("nan")])}), '{"a":0.5,"b":[1,null]}')
        with self.assertRaisesRegex(TypeError, "cannot be sent"):
            protocol.encode({"a": object()})

    def test_builders_write_camel_case(self) -> None:
        event = protocol.epoch_did_end(epoch=2, total_epochs=5, loss=0.5, train_accuracy=0.9, learning_rate=0.1, duration_ms=3.0, images_per_second=7.0)
        self.assertEqual(
            event,
            {"type": "epoch/didEnd", "epoch": 2, "totalEpochs": 5, "loss": 0.5, "trainAccuracy": 0.9, "learningRate": 0.1, "durationMs": 3.0, "imagesPerSecond": 7.0},
        )
        start = protocol.run_did_start(
            run_name="r", run_folder="f", config={}, backend={"name": "cpu"}, dataset={"source": "s", "class_names": ["a"], "train_counts": [1], "test_count": 1}, total_epochs=1
        )
        self.assertEqual(start["dataset"], {"source": "s", "classNames": ["a"], "trainCounts": [1], "testCount": 1})
        self.assertEqual(start["backend"], {"name": "cpu", "skipped": []})
        self.assertRegex(start["startedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_bad_levels_and_reasons_are_refused_with_the_options(self) -> None:
        with self.assertRaisesRegex(ValueError, "'info', 'warning', 'error'"):
            protocol.log("warn", "x")
        with self.assertRaisesRegex(ValueError, "'completed', 'stopped', 'failed'"):
            protocol.run_did_end(reason="done", epoch=1, duration_ms=1)
        self.assertEqual(len(protocol.log("info", "x" * 200_000)["message"]), 100_000)

    def test_every_example_is_valid_and_an_invalid_message_is_explained(self) -> None:
        for seq, event in enumerate(protocol.examples(), start=1):
            message = json.loads(protocol.encode({**event, "seq": seq}))
            self.assertEqual(protocol.validate_trainer_message(message), [], event["type"])
        broken = json.loads(protocol.encode({**protocol.epoch_did_end(epoch=1, total_epochs=1, loss=math.nan, train_accuracy=1, learning_rate=1, duration_ms=1, images_per_second=1), "seq": 1}))
        self.assertEqual([str(issue) for issue in protocol.validate_trainer_message(broken)], ["loss: expected a number, got null"])
        self.assertEqual([issue.path for issue in protocol.validate_trainer_message({"type": "nope"})], ["type"])

    def test_extension_messages_are_decoded_or_refused(self) -> None:
        self.assertEqual(protocol.decode_extension_message('{"type":"ack","seq":3}'), {"type": "ack", "seq": 3})
        for bad in ("nope", '{"type":"ack","seq":-1}', '{"type":"run/start"}'):
            with self.assertRaises(ValueError):
                protocol.decode_extension_message(bad)


class OfflineClientTests(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.events = os.path.join(self.folder.name, "events.jsonl")
        self.warnings: List[str] = []

    def client(self, url: Any = None, token: Any = None, **options: Any) -> MonitorClient:
        client = MonitorClient(url, token, "run-1", events_path=self.events, on_warning=self.warnings.append, **options)
        self.addCleanup(client.close, 0)
        return client

    def test_without_an_extension_every_event_is_numbered_and_written(self) -> None:
        client = self.client()
        client.start()  # no URL: nothing to start
        self.assertFalse(client.enabled)
        client.log("info", "one")
        client.epoch_did_end(epoch=1, total_epochs=1, loss=math.inf, train_accuracy=1, learning_rate=1, duration_ms=1, images_per_second=1)
        client.send({"type": "log", "level": "info", "message": "two", "seq": 99})  # a seq given by the caller is replaced
        self.assertTrue(client.close())
        lines = read_lines(self.events)
        self.assertEqual([line["seq"] for line in lines], [1, 2, 3])
        self.assertIsNone(lines[1]["loss"])
        with open(self.events, encoding="utf-8") as handle:
            self.assertEqual(handle.readline(), '{"type":"log","level":"info","message":"one","seq":1}\n')
        self.assertIsNone(client.log("info", "late"))
        self.assertIn("after close()", self.warnings[-1])

    def test_a_resumed_run_continues_the_numbering(self) -> None:
        with open(self.events, "w", encoding="utf-8") as handle:
            handle.write('{"type":"log","level":"info","message":"a","seq":4}\n{"type":"epoch/didE')  # torn last line
        self.assertEqual(last_sequence_number(self.events), 4)
        client = self.client()
        client.log("info", "b")
        client.close()
        with open(self.events, encoding="utf-8") as handle:
            self.assertTrue(handle.read().endswith('"seq":5}\n'))

    def test_messages_from_many_threads_keep_file_order_equal_to_seq_order(self) -> None:
        client = self.client()
        threads = [threading.Thread(target=lambda: [client.log("info", str(i)) for i in range(200)]) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
        self.assertEqual([line["seq"] for line in read_lines(self.events)], list(range(1, 801)))

    def test_unacknowledged_backlog_is_bounded_and_keeps_run_did_start(self) -> None:
        client = self.client("ws://127.0.0.1:9/", "token", max_backlog_bytes=2000)  # never started: nothing is acknowledged
        client.run_did_start(run_name="r", run_folder="f", config={}, backend={"name": "cpu"}, dataset={"source": "s", "classNames": [], "trainCounts": [], "testCount": 0}, total_epochs=1)
        for index in range(100):
            client.log("info", f"message {index:03d}")
        statistics = client.statistics()
        kept = statistics["unacknowledged"]
        self.assertLess(kept, 101)
        self.assertEqual(statistics["dropped"], 101 - kept)
        with client._lock:  # noqa: SLF001 - the backlog itself is what this test is about
            backlog = list(client._backlog.values())
            size = client._backlog_bytes
        self.assertEqual(backlog[0].type, "run/didStart")
        self.assertEqual([item.seq for item in backlog[1:]], list(range(102 - kept + 1, 102)))  # the newest logs
        self.assertLessEqual(size, 2000)
        self.assertEqual(sum(1 for warning in self.warnings if "dropped from memory" in warning), 1)
        self.assertEqual(len(read_lines(self.events)), 101)  # the file keeps everything

    def test_a_closed_port_neither_blocks_sending_nor_closing_beyond_its_timeout(self) -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        listener.close()
        client = self.client(f"ws://127.0.0.1:{port}/", "token")
        client.start()
        for epoch in range(1, 501):
            client.epoch_did_end(epoch=epoch, total_epochs=500, loss=1, train_accuracy=0, learning_rate=1, duration_ms=1, images_per_second=1)
        started = time.monotonic()
        self.assertFalse(client.close(timeout=0.3))
        self.assertLess(time.monotonic() - started, 0.3 + 2.5)  # the timeout plus the bounded thread join
        self.assertFalse(client.connected)
        self.assertEqual(len(read_lines(self.events)), 500)
        self.assertTrue(any("cannot reach the extension" in warning for warning in self.warnings))
        self.assertTrue(any("500 message(s) were not acknowledged" in warning for warning in self.warnings))

    def test_from_environment(self) -> None:
        with mock.patch.dict(os.environ, {"NC_MONITOR_URL": "", "NC_MONITOR_TOKEN": "", "NC_MONITOR_RUN_ID": ""}):
            client = MonitorClient.from_environment("r", events_path=self.events, on_warning=self.warnings.append)
            self.assertFalse(client.enabled)
            client.close()
        with mock.patch.dict(os.environ, {"NC_MONITOR_URL": "ws://127.0.0.1:9/", "NC_MONITOR_TOKEN": "", "NC_MONITOR_RUN_ID": "r"}):
            client = MonitorClient.from_environment(events_path=self.events, on_warning=self.warnings.append)
            self.assertFalse(client.enabled)
            self.assertIn("NC_MONITOR_TOKEN", self.warnings[-1])
            client.close()
        with mock.patch.dict(os.environ, {"NC_MONITOR_URL": "ws://127.0.0.1:9/", "NC_MONITOR_TOKEN": "t", "NC_MONITOR_RUN_ID": "from-env"}):
            client = MonitorClient.from_environment(events_path=self.events, on_warning=self.warnings.append)
            self.assertTrue(client.enabled)
            self.assertEqual(client.run_id, "from-env")
            client.close(0)

    def test_bad_arguments_are_refused_at_once(self) -> None:
        with self.assertRaisesRegex(ValueError, "not a ws:// URL"):
            MonitorClient("http://127.0.0.1:1/", "t", "r")
        with self.assertRaisesRegex(ValueError, "run_id"):
            MonitorClient("ws://127.0.0.1:1/", "t", "")
        with self.assertRaisesRegex(FileNotFoundError, "does not exist"):
            MonitorClient(None, None, "r", events_path=os.path.join(self.folder.name, "missing", "events.jsonl"))
        client = self.client()
        with self.assertRaisesRegex(ValueError, "hello is sent by the client"):
            client.send({"type": "hello"})
        with self.assertRaisesRegex(TypeError, "type"):
            client.send({"level": "info"})

    def test_on_stop_registered_after_the_request_runs_at_once(self) -> None:
        client = self.client()
        calls: List[str] = []
        client._receive('{"type":"run/stop"}')  # noqa: SLF001 - what the background thread does when it arrives
        client.on_stop(lambda: calls.append("late"))
        self.assertTrue(client.stop_requested)
        self.assertEqual(calls, ["late"])


if __name__ == "__main__":
    unittest.main()
