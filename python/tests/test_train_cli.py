"""The PyTorch engine's command line and what it reads and prints: JSONC configs, config errors (exit code 2 with
FILE: field.path: message), engine limits, the progress lines, and whole runs as real processes (run folder written,
events in order, a stop by SIGTERM). The run against the extension's real server is in
test/integration/python/engine.test.ts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PACKAGE_ROOT))

from ncmonitor.train import jsonc  # noqa: E402
from ncmonitor.train.progress import format_epoch_line, to_precision  # noqa: E402

TINY = {
    "name": "tiny",
    "dataset": {"name": "synthetic", "classes": 4, "imageSize": 8, "trainPerClass": 40, "testPerClass": 10},
    "imbalance": {"profile": "exponential", "factor": 10},
    "model": {"architecture": "mlp", "featureDim": 8, "hiddenUnits": [16]},
    "optimizer": {"name": "adam", "learningRate": 0.01},
    "batchSize": 16,
    "epochs": 2,
    "backend": "cpu",
    "seed": 1,
}


def engine(args, timeout=300, **kwargs):
    env = {key: value for key, value in os.environ.items() if not key.startswith("NC_MONITOR_")}
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return subprocess.run([sys.executable, "-m", "ncmonitor.train", *args], capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def write_config(folder: str, config, name: str = "tiny.ltrun.json") -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(config if isinstance(config, str) else json.dumps(config, indent=2))
    return path


class JsoncTest(unittest.TestCase):
    def test_comments_and_trailing_commas(self) -> None:
        text = '{\n  // a comment\n  "a": "http://x/*y*/", /* block\n comment */ "b": [1, 2,],\n}\n'
        self.assertEqual(jsonc.loads(text), {"a": "http://x/*y*/", "b": [1, 2]})

    def test_syntax_errors_keep_their_position_in_the_original_text(self) -> None:
        with self.assertRaises(jsonc.JsoncError) as caught:
            jsonc.loads('{\n  // comment\n  "a": 1\n  "b": 2\n}')
        self.assertEqual(caught.exception.line, 4)
        with self.assertRaisesRegex(jsonc.JsoncError, "empty"):
            jsonc.loads("  // nothing\n")


class ProgressTest(unittest.TestCase):
    def test_numbers_print_like_javascript_to_precision(self) -> None:
        # Number.prototype.toPrecision(3) as ECMA-262 §21.1.3.5 defines it.
        cases = {0.41: "0.410", 2.114: "2.11", 1234.5: "1.23e+3", 0.0000123: "0.0000123", 1.234e-7: "1.23e-7", -0.5: "-0.500", 0.0: "0.00", 99.96: "100"}
        for value, expected in cases.items():
            self.assertEqual(to_precision(value), expected, value)
        self.assertEqual(to_precision(None), "—")

    def test_the_epoch_line(self) -> None:
        epoch = {"epoch": 3, "totalEpochs": 30, "loss": 0.23151, "trainAccuracy": 0.931, "imagesPerSecond": 351.5}
        report = {
            "split": "test",
            "accuracy": 0.61,
            "shotGroupAccuracy": {"many": 0.902, "medium": 0.634, "few": None},
            "nc1": 2.114,
            "nc2": {"classMeanMaxAngle": 0.41, "classifierMaxAngle": 0.15},
            "nc3": 0.92,
            "nc4": 0.21,
            "minorityCollapse": {"tailClassifierCosine": 0.27},
        }
        collapse = {"active": True, "classes": [8, 9], "onsetEpoch": 2}
        line = format_epoch_line(epoch, {"epoch": 3, "reports": [{"split": "train"}, report], "collapse": collapse})
        self.assertEqual(
            line,
            "epoch  3/30  loss 0.2315  train 93.1%  352 img/s  test 61.0% (many 90.2% / medium 63.4% / few —)  NC1 2.11  NC2 0.410/0.150  "
            "NC3 0.920  NC4 0.210  tail cos 0.270  ⚠ collapse: classes 8,9 since epoch 2",
        )


class DeviceTest(unittest.TestCase):
    def test_backends(self) -> None:
        import torch

        from ncmonitor.train.device import DeviceError, choose_device

        expected = "cuda" if torch.cuda.is_available() else "cpu"
        self.assertEqual(choose_device("auto").device.type, expected)
        wasm = choose_device("wasm")
        self.assertEqual(wasm.device.type, expected, "a TensorFlow.js backend means auto")
        self.assertRegex(wasm.warnings[0], r'backend "wasm" is a TensorFlow.js backend; the pytorch engine uses "auto"')
        forced = choose_device("auto", "cpu")
        self.assertEqual((forced.device.type, forced.name, forced.skipped), ("cpu", "pytorch-cpu", []))
        if not torch.cuda.is_available():
            self.assertEqual(choose_device("auto").skipped[0]["backend"], "pytorch-cuda")
            with self.assertRaisesRegex(DeviceError, "--device cuda: .*use --device auto or --device cpu"):
                choose_device("auto", "cuda")


class CommandLineTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="ncmonitor-train-")

    def test_an_invalid_config_exits_2_naming_the_file_and_field(self) -> None:
        path = write_config(self.folder, {**TINY, "optimizer": {"name": "adam", "learningRate": -1}, "epochz": 3})
        result = engine(["--config", path, "--out", os.path.join(self.folder, "runs")])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(f"{path}: optimizer.learningRate: ", result.stderr)
        self.assertIn(f'{path}: epochz: unknown field "epochz"', result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.folder, "runs")), "nothing is created for an invalid config")

    def test_a_json_syntax_error_exits_2_with_its_line(self) -> None:
        path = write_config(self.folder, '{\n  "name": "x",\n  "epochs": 2 3\n}')
        result = engine(["--config", path])
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr, rf"{path}:3:\d+: \(root\): JSON syntax error")

    def test_a_method_of_the_typescript_trainer_only_exits_2_naming_it(self) -> None:
        path = write_config(self.folder, {**TINY, "method": {"name": "allnc"}})
        result = engine(["--config", path])
        self.assertEqual(result.returncode, 2)
        self.assertIn(f'{path}: method.name: method "allnc" is not implemented in the pytorch engine', result.stderr)
        self.assertIn('"engine": "tfjs"', result.stderr)

    def test_a_tiny_run_writes_its_run_folder_and_prints_progress(self) -> None:
        path = write_config(self.folder, {**TINY, "engine": "pytorch", "evaluation": {"everyEpochs": 2}, "epochs": 3})
        result = engine(["--config", path, "--run-id", "tiny-run", "--device", "cpu"])
        self.assertEqual(result.returncode, 0, result.stderr)
        run = os.path.join(self.folder, "runs", "tiny-run")  # default --out: runs/ next to the config
        with open(os.path.join(run, "config.json"), encoding="utf-8") as handle:
            stored = json.load(handle)
        self.assertEqual((stored["runId"], stored["runName"], stored["sourceFile"]), ("tiny-run", "tiny", path))
        self.assertEqual(stored["config"]["optimizer"]["weightDecay"], 0.0005, "config.json holds the defaults filled in")
        with open(os.path.join(run, "events.jsonl"), encoding="utf-8") as handle:
            events = [json.loads(line) for line in handle]
        types = [event["type"] for event in events if event["type"] != "log"]
        self.assertEqual(types, ["run/didStart", "epoch/didEnd", "epoch/didEnd", "metrics/didUpdate", "epoch/didEnd", "metrics/didUpdate", "run/didEnd"])
        self.assertEqual([event["seq"] for event in events], list(range(1, len(events) + 1)))
        start = next(event for event in events if event["type"] == "run/didStart")
        self.assertEqual(start["dataset"]["trainCounts"], [40, 18, 8, 4])  # floor(40 · 10^(−i/3))
        self.assertEqual(start["backend"]["name"], "pytorch-cpu")
        metrics = [event for event in events if event["type"] == "metrics/didUpdate"]
        self.assertEqual([event["epoch"] for event in metrics], [2, 3], "every 2 epochs and after the last")
        self.assertEqual([report["split"] for report in metrics[-1]["reports"]], ["train", "test"])
        with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
            summary = json.load(handle)
        self.assertEqual((summary["reason"], summary["epoch"], summary["totalEpochs"], summary["backend"]), ("completed", 3, 3, "pytorch-cpu"))
        self.assertEqual(summary["collapse"], metrics[-1]["collapse"])
        self.assertFalse(os.path.exists(os.path.join(run, "trainer.pid")))
        self.assertRegex(result.stdout, r"epoch 3/3  loss \d+\.\d{4}  train \d+\.\d%  \d+ img/s  test \d+\.\d%")
        self.assertIn("run completed at epoch 3", result.stdout)
        again = engine(["--config", path, "--run-id", "tiny-run", "--quiet"])
        self.assertEqual(again.returncode, 1)
        self.assertIn("already holds a run", again.stderr)

    def test_a_corrupt_dataset_fails_the_run_with_exit_code_1_and_an_error_naming_the_file(self) -> None:
        data = os.path.join(self.folder, "fmnist")
        os.makedirs(data)
        for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
            with open(os.path.join(data, name), "wb") as handle:
                handle.write(bytes([0, 0, 8, 99, 0, 0, 0, 1]))
        path = write_config(self.folder, {**TINY, "dataset": {"name": "fashion-mnist", "path": data}})
        result = engine(["--config", path, "--run-id", "corrupt", "--quiet"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("train-images-idx3-ubyte: wrong magic number 0x00000863", result.stderr)
        self.assertNotIn("Traceback", result.stderr, "an input error needs no stack trace")
        with open(os.path.join(self.folder, "runs", "corrupt", "events.jsonl"), encoding="utf-8") as handle:
            last = json.loads(handle.read().strip().split("\n")[-1])
        self.assertEqual((last["type"], last["reason"], last["epoch"]), ("run/didEnd", "failed", 0))
        self.assertRegex(last["error"], r"idx3-ubyte: wrong magic number")
        self.assertFalse(os.path.exists(os.path.join(self.folder, "runs", "corrupt", "trainer.pid")))

    def test_sigterm_stops_after_the_current_step_with_reason_stopped(self) -> None:
        path = write_config(self.folder, {**TINY, "epochs": 500})
        env = {key: value for key, value in os.environ.items() if not key.startswith("NC_MONITOR_")}
        env["PYTHONPATH"] = str(PACKAGE_ROOT)
        child = subprocess.Popen(
            [sys.executable, "-m", "ncmonitor.train", "--config", path, "--run-id", "stop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            deadline = time.monotonic() + 120
            assert child.stdout is not None
            while time.monotonic() < deadline:
                line = child.stdout.readline()
                if line.startswith("epoch"):
                    break
            child.send_signal(signal.SIGTERM)
            stdout, stderr = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        self.assertEqual(child.returncode, 0, stderr)
        self.assertIn("run stopped at epoch", stdout)
        with open(os.path.join(self.folder, "runs", "stop", "events.jsonl"), encoding="utf-8") as handle:
            last = json.loads(handle.read().strip().split("\n")[-1])
        self.assertEqual(last["type"], "run/didEnd")
        self.assertEqual(last["reason"], "stopped")
        self.assertLess(last["epoch"], 500)


if __name__ == "__main__":
    unittest.main()
