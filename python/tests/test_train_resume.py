"""Checkpoints and --resume in the PyTorch engine: the checkpoint file (atomic replace, what it restores, refusals of
damaged or foreign ones), the collapse history replayed from events.jsonl, and whole runs as real processes: a run
stopped after epoch 1 (in-process, exactly there) or by SIGTERM (wherever the signal lands) and resumed with
``--resume RUN_FOLDER`` ends with the same metrics as an uninterrupted run of the same seed."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PACKAGE_ROOT))

import torch  # noqa: E402

from ncmonitor.metrics import CollapseTracker  # noqa: E402
from ncmonitor.train.checkpoint import CheckpointError, read_checkpoint, restore_checkpoint, save_checkpoint  # noqa: E402
from ncmonitor.train.methods import create_method  # noqa: E402
from ncmonitor.train.models import build_model  # noqa: E402
from ncmonitor.train.optim import create_optimizer  # noqa: E402
from ncmonitor.train.resume import replay_collapse_history  # noqa: E402

TOLERANCE = 1e-6

# cRT on a ResNet-8 (batch norm), SGD with momentum, augmentation, evaluation every epoch: the stop and resume cross
# the first stage, the classifier re-initialisation, the fresh optimiser and the class-balanced frozen-body stage.
CRT_RUN = {
    "name": "resume",
    "dataset": {"name": "synthetic", "classes": 4, "imageSize": 8, "trainPerClass": 40, "testPerClass": 10},
    "imbalance": {"profile": "exponential", "factor": 10},
    "model": {"architecture": "resnet8", "featureDim": 8, "width": 4},
    "method": {"name": "crt", "classifierEpochs": 2, "classifierLearningRate": 0.02},
    "augmentation": {"randomCropPadding": 2, "horizontalFlip": True},
    "optimizer": {"name": "sgd", "learningRate": 0.05},
    "evaluation": {"everyEpochs": 1},
    "batchSize": 16,
    "epochs": 4,
    "backend": "cpu",
    "seed": 3,
}


def engine(args: List[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ncmonitor.train", *args], capture_output=True, text=True, timeout=timeout, env=engine_env())


def engine_env() -> Dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NC_MONITOR_")}
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return env


def read_events(folder: str) -> List[Dict[str, Any]]:
    with open(os.path.join(folder, "events.jsonl"), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def assert_close(test: unittest.TestCase, actual: Any, expected: Any, path: str = "") -> None:
    """Equal structure; numbers equal to TOLERANCE (relative to max(1, |expected|)); timings are not compared."""
    if isinstance(expected, dict):
        test.assertIsInstance(actual, dict, path)
        keys = set(expected) - {"seq", "durationMs", "evaluationMs", "imagesPerSecond", "timestamp"}
        test.assertEqual(set(actual) - {"seq", "durationMs", "evaluationMs", "imagesPerSecond", "timestamp"}, keys, path)
        for key in keys:
            assert_close(test, actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        test.assertIsInstance(actual, list, path)
        test.assertEqual(len(actual), len(expected), path)
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_close(test, a, e, f"{path}[{index}]")
    elif isinstance(expected, float) and not isinstance(actual, bool) and isinstance(actual, (int, float)):
        test.assertLessEqual(abs(actual - expected), TOLERANCE * max(1.0, abs(expected)), f"{path}: {actual} != {expected}")
    else:
        test.assertEqual(actual, expected, path)


def small_model_and_optimizer(seed: int = 0):
    model = build_model({"architecture": "resnet8", "featureDim": 8, "width": 4}, (1, 8, 8), 3, seed)
    optimizer = create_optimizer(model.parameters(), {"name": "adam", "learningRate": 0.01, "weightDecay": 0.0})
    return model, optimizer


class CheckpointFileTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="ncmonitor-checkpoint-")
        self.path = os.path.join(self.folder, "checkpoint")
        self.method = create_method({"name": "cross-entropy"}, train_counts=[3, 2, 1], total_epochs=5, seed=0, device=torch.device("cpu"))

    def tearDown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def trained(self, seed: int):
        model, optimizer = small_model_and_optimizer(seed)
        model(torch.randn(4, 1, 8, 8)).sum().backward()
        optimizer.step()
        return model, optimizer

    def save(self, model, optimizer, epoch: int) -> None:
        save_checkpoint(self.path, epoch=epoch, model=model, optimizer=optimizer, optimizer_name="adam", method=self.method)

    def test_restores_model_batch_norm_optimizer_and_random_state(self) -> None:
        model, optimizer = self.trained(1)
        torch.manual_seed(42)
        self.save(model, optimizer, 3)
        expected_draw = torch.rand(3)
        self.assertEqual(sorted(os.listdir(self.folder)), ["checkpoint"], "no temporary file is left behind")
        restored, fresh_optimizer = small_model_and_optimizer(2)
        checkpoint = read_checkpoint(self.path)
        self.assertEqual((checkpoint.epoch, checkpoint.optimizer_name, checkpoint.method_name), (3, "adam", "cross-entropy"))
        torch.manual_seed(0)
        restore_checkpoint(checkpoint, restored, fresh_optimizer, self.method)
        self.assertTrue(torch.equal(torch.rand(3), expected_draw), "torch's generator continues where it was")
        for (name, value), (_, other) in zip(model.state_dict().items(), restored.state_dict().items()):
            self.assertTrue(torch.equal(value, other), name)
        original, loaded = optimizer.state_dict(), fresh_optimizer.state_dict()
        self.assertEqual(original["param_groups"], loaded["param_groups"], "hyper-parameters, tuples included")
        for index, state in original["state"].items():
            for key, value in state.items():
                self.assertTrue(torch.equal(torch.as_tensor(value), torch.as_tensor(loaded["state"][index][key])), f"{index}.{key}")

    def test_a_failed_save_keeps_the_previous_checkpoint(self) -> None:
        model, optimizer = self.trained(1)
        self.save(model, optimizer, 1)
        before = Path(self.path).read_bytes()

        def torn_save(payload, handle):
            handle.write(b"half a checkpoint")
            raise OSError(28, "No space left on device")

        with mock.patch("ncmonitor.train.checkpoint.torch.save", torn_save):
            with self.assertRaises(OSError):
                self.save(model, optimizer, 2)
        self.assertEqual(Path(self.path).read_bytes(), before)
        self.assertEqual(read_checkpoint(self.path).epoch, 1)

    def test_damaged_missing_and_foreign_checkpoints_are_refused_with_what_to_do(self) -> None:
        with self.assertRaisesRegex(CheckpointError, r"no checkpoint in .*stopped before its first epoch ended.*Start a new run"):
            read_checkpoint(self.path)
        Path(self.path).write_bytes(b"\x80\x02garbage")
        with self.assertRaisesRegex(CheckpointError, r"checkpoint cannot be read .*damaged"):
            read_checkpoint(self.path)
        torch.save({"model": {}}, self.path)
        with self.assertRaisesRegex(CheckpointError, "is not a checkpoint of this pytorch engine"):
            read_checkpoint(self.path)
        os.remove(self.path)
        os.makedirs(self.path)
        with self.assertRaisesRegex(CheckpointError, r"checkpoint of the TypeScript trainer.*node dist/trainer.js run --resume"):
            read_checkpoint(self.path)

    def test_a_checkpoint_of_another_model_is_refused(self) -> None:
        model, optimizer = self.trained(1)
        self.save(model, optimizer, 1)
        other = build_model({"architecture": "mlp", "featureDim": 8, "hiddenUnits": [16]}, (1, 8, 8), 3, 0)
        with self.assertRaisesRegex(CheckpointError, "does not fit the model of config.json"):
            restore_checkpoint(read_checkpoint(self.path), other, create_optimizer(other.parameters(), {"name": "adam", "learningRate": 0.1, "weightDecay": 0}), self.method)


def report(epoch: int, cosine: float, recall: float) -> Dict[str, Any]:
    return {
        "epoch": epoch,
        "split": "test",
        "recallPerClass": [1.0, 0.9, recall],
        "minorityCollapse": {"tailClasses": [2], "tailClassifierCosinePerClass": [cosine], "tailClassifierCosine": cosine, "etfCosine": -0.5},
    }


class CollapseReplayTest(unittest.TestCase):
    def test_the_history_up_to_the_checkpoint_is_replayed_and_later_evaluations_are_not(self) -> None:
        history = [report(1, 0.1, 0.6), report(2, 0.95, 0.6), report(3, 0.97, 0.0), report(4, 0.2, 0.7)]
        folder = tempfile.mkdtemp(prefix="ncmonitor-replay-")
        path = os.path.join(folder, "events.jsonl")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"type": "run/didStart", "seq": 1}) + "\n")
            for seq, item in enumerate(history, start=2):
                handle.write(json.dumps({"type": "metrics/didUpdate", "seq": seq, "epoch": item["epoch"], "reports": [item]}) + "\n")
            handle.write('{"type": "metrics/didUp')  # torn by a crash
        direct = CollapseTracker({"collapseCosine": 0.9, "collapseRecall": 0.05})
        for item in history[:3]:
            direct.update([item])
        replayed = CollapseTracker({"collapseCosine": 0.9, "collapseRecall": 0.05})
        replay_collapse_history(path, replayed, 3)
        self.assertEqual(replayed.flag, direct.flag)
        self.assertEqual((replayed.flag["classes"], replayed.flag["onsetEpoch"]), ([2], 2), "the onset of epoch 2 survives the stop")
        shutil.rmtree(folder, ignore_errors=True)


class ResumeRunTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="ncmonitor-resume-")
        self.runs = os.path.join(self.folder, "runs")

    def tearDown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def config(self, config: Dict[str, Any]) -> str:
        path = os.path.join(self.folder, f"{config['name']}.ltrun.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle)
        return path

    def uninterrupted(self, config_path: str) -> List[Dict[str, Any]]:
        result = engine(["--config", config_path, "--out", self.runs, "--run-id", "uninterrupted", "--quiet"])
        self.assertEqual(result.returncode, 0, result.stderr)
        return read_events(os.path.join(self.runs, "uninterrupted"))

    def stop_after_first_checkpoint(self, config_path: str, run_id: str) -> str:
        """The engine's own pieces in this process, with a stop requested as soon as epoch 1's checkpoint exists:
        the run ends at epoch 1 exactly, as a stop between epoch 1 and 2 does."""
        from ncmonitor.client import MonitorClient
        from ncmonitor.train.config import load_run_config
        from ncmonitor.train.device import choose_device
        from ncmonitor.train.loop import train_run
        from ncmonitor.train.reporter import Reporter
        from ncmonitor.train.run_folder import create_run_folder
        from ncmonitor.train.stop import StopSignal

        loaded = load_run_config(config_path)
        stored = {"runId": run_id, "runName": loaded.run_name, "sourceFile": loaded.path, "config": loaded.config}
        folder = create_run_folder(self.runs, run_id, stored)
        client = MonitorClient(None, None, run_id, events_path=folder.events_path)
        stop = StopSignal()

        def check_stop() -> None:
            if os.path.exists(folder.checkpoint_path):
                stop.request("the test asked the run to stop")

        outcome = train_run(stored, folder, Reporter(client, quiet=True), stop, choose_device("cpu"), check_stop)
        client.run_did_end(reason="stopped", epoch=outcome.epoch, duration_ms=1.0)
        client.close()
        self.assertEqual((outcome.stopped, outcome.epoch), (True, 1))
        return folder.path

    def assert_same_run(self, resumed: List[Dict[str, Any]], uninterrupted: List[Dict[str, Any]], stopped_at: int) -> None:
        def of(events, kind):
            return {event["epoch"]: event for event in events if event["type"] == kind}

        total = CRT_RUN["epochs"]
        starts = [event for event in resumed if event["type"] == "run/didStart"]
        self.assertEqual([event["startEpoch"] for event in starts], [0, stopped_at])
        self.assertEqual([event["seq"] for event in resumed], list(range(1, len(resumed) + 1)), "seq continues after the stop")
        ends = [event for event in resumed if event["type"] == "run/didEnd"]
        self.assertEqual([(event["reason"], event["epoch"]) for event in ends], [("stopped", stopped_at), ("completed", total)])
        self.assertEqual(sorted(of(resumed, "epoch/didEnd")), list(range(1, total + 1)))
        for epoch in range(1, total + 1):
            assert_close(self, of(resumed, "epoch/didEnd")[epoch], of(uninterrupted, "epoch/didEnd")[epoch], f"epoch {epoch}")
            assert_close(self, of(resumed, "metrics/didUpdate")[epoch], of(uninterrupted, "metrics/didUpdate")[epoch], f"metrics {epoch}")

    def test_a_run_stopped_after_epoch_1_and_resumed_ends_like_an_uninterrupted_one(self) -> None:
        config_path = self.config(CRT_RUN)
        expected = self.uninterrupted(config_path)
        folder = self.stop_after_first_checkpoint(config_path, "stopped")
        with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["reason"], "stopped")
        result = engine(["--resume", folder])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"resuming from the checkpoint of epoch 1 in {folder}", result.stdout)
        self.assertIn("run completed at epoch 4", result.stdout)
        self.assert_same_run(read_events(folder), expected, 1)
        with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
            summary = json.load(handle)
        with open(os.path.join(self.runs, "uninterrupted", "summary.json"), encoding="utf-8") as handle:
            assert_close(self, {**summary, "runId": "x"}, {**json.load(handle), "runId": "x"})
        self.assertEqual(read_checkpoint(os.path.join(folder, "checkpoint")).epoch, 4)
        again = engine(["--resume", folder])
        self.assertEqual(again.returncode, 2)
        self.assertIn("the run already finished all 4 epochs", again.stderr)

    def test_sigterm_keeps_the_checkpoint_and_prints_the_resume_hint(self) -> None:
        config = {**CRT_RUN, "name": "sigterm", "method": {"name": "tau-normalisation", "tau": 1}, "optimizer": {"name": "adam", "learningRate": 0.01}, "epochs": 12}
        config_path = self.config(config)
        expected = self.uninterrupted(config_path)
        child = subprocess.Popen(
            [sys.executable, "-m", "ncmonitor.train", "--config", config_path, "--out", self.runs, "--run-id", "sigterm"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=engine_env(),
        )
        try:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith("epoch"):
                    child.send_signal(signal.SIGTERM)
                    break
            stdout, stderr = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        self.assertEqual(child.returncode, 0, stderr)
        folder = os.path.join(self.runs, "sigterm")
        stopped_at = read_events(folder)[-1]["epoch"]
        self.assertTrue(1 <= stopped_at < 12, stopped_at)
        self.assertIn(f"checkpoint of epoch {stopped_at} kept; continue with --resume {folder}", stdout)
        result = engine(["--resume", folder, "--device", "cpu", "--quiet"])
        self.assertEqual(result.returncode, 0, result.stderr)
        events = read_events(folder)
        self.assertEqual([event["startEpoch"] for event in events if event["type"] == "run/didStart"], [0, stopped_at])
        final = [event for event in events if event["type"] == "metrics/didUpdate"][-1]
        assert_close(self, final, [event for event in expected if event["type"] == "metrics/didUpdate"][-1])
        classifier_norms = final["reports"][-1]["classifierNorms"]
        self.assertTrue(all(math.isclose(norm, 1.0, rel_tol=1e-5) for norm in classifier_norms), "τ = 1: the metrics see unit rows")

    def test_bad_resumes_exit_2_and_leave_the_folder_alone(self) -> None:
        config_path = self.config({**CRT_RUN, "name": "bad", "model": {"architecture": "mlp", "featureDim": 8, "hiddenUnits": [8]}})
        combined = engine(["--resume", self.folder, "--config", config_path, "--run-id", "x"])
        self.assertEqual(combined.returncode, 2)
        self.assertIn("--config, --run-id cannot be combined with --resume", combined.stderr)
        missing = engine(["--resume", os.path.join(self.folder, "nowhere")])
        self.assertEqual(missing.returncode, 2)
        self.assertIn("no such folder", missing.stderr)
        not_a_run = engine(["--resume", self.folder])
        self.assertEqual(not_a_run.returncode, 2)
        self.assertIn("is not a run folder: config.json is missing", not_a_run.stderr)

        folder = os.path.join(self.runs, "early")
        from ncmonitor.train.config import load_run_config
        from ncmonitor.train.run_folder import create_run_folder

        loaded = load_run_config(config_path)
        create_run_folder(self.runs, "early", {"runId": "early", "runName": "bad", "sourceFile": config_path, "config": loaded.config})
        with open(os.path.join(folder, "events.jsonl"), "w", encoding="utf-8") as handle:
            handle.write('{"type": "run/didStart", "seq": 1}\n')
        before = Path(folder, "events.jsonl").read_bytes()
        early = engine(["--resume", folder])
        self.assertEqual(early.returncode, 2)
        self.assertIn("no checkpoint in", early.stderr)
        with open(os.path.join(folder, "trainer.pid"), "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))  # a live process that is not the engine
        busy = engine(["--resume", folder])
        self.assertEqual(busy.returncode, 2)
        self.assertIn(f"is still being trained by process {os.getpid()}", busy.stderr)
        self.assertEqual(Path(folder, "events.jsonl").read_bytes(), before, "nothing was appended")


if __name__ == "__main__":
    unittest.main()
