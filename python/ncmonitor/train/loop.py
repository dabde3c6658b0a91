"""The whole run (src/trainer/training/trainRun.ts, in PyTorch): device, data, model and method, then epochs of
training (epoch.py) with an evaluation of every metric each ``evaluation.everyEpochs`` epochs and after the last, a
checkpoint after each epoch (checkpoint.py), a graceful stop between steps, and ``--resume`` from the checkpoint.

Both engines see the same batches for a seed (epoch.py); initial weights differ (torch's generator).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional

import torch

from .checkpoint import restore_checkpoint, save_checkpoint
from .data import DeviceImages, load_dataset_splits, normalisation_statistics
from .device import DeviceChoice
from .epoch import train_epoch
from .evaluation import evaluate_splits
from .methods import create_method
from .models import build_model, parameter_count
from .multilabel import BinaryCrossEntropy, MultiLabelData, load_multi_label_data
from .multilabel.evaluation import evaluate_multi_label_splits, save_predictions
from .optim import create_optimizer
from .reporter import Reporter
from .resume import ResumePoint, replay_collapse_history
from .run_folder import RunFolder, write_json_atomically
from .stop import StopSignal


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""

    def __init__(self, message: str, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch


@dataclass
class RunOutcome:
    stopped: bool
    epoch: int


def _js_number(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(value)


def train_run(
    stored: Mapping[str, Any],
    folder: RunFolder,
    reporter: Reporter,
    stop: StopSignal,
    choice: DeviceChoice,
    check_stop: Callable[[], None] = lambda: None,
    resume: Optional[ResumePoint] = None,
) -> RunOutcome:
    """Trains ``stored['config']`` into ``folder``; with ``resume``, from its checkpoint on (``stored`` is then the run
    folder's config.json)."""
    config = stored["config"]
    checkpoint_path = folder.checkpoint_path
    device = choice.device
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed batch shapes: let cuDNN pick its fastest kernels once
    with open(folder.pid_path, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    try:
        for warning in choice.warnings:
            reporter.log("warning", warning)
        for skipped in choice.skipped:
            reporter.log("info", f"backend {skipped['backend']} skipped: {skipped['reason']}")
        reporter.log("info", f"backend: {choice.detail}")

        config_dir = os.path.dirname(stored["sourceFile"])

        def load_splits(imbalance: Mapping[str, Any]):
            return load_dataset_splits(
                config["dataset"],
                imbalance,
                config["seed"],
                config_dir=config_dir,
                on_progress=lambda message: reporter.log("info", message),
            )

        # Multi-label runs load the full splits and build (or read) their label matrices; the rest get the config's.
        multi_label: Optional[MultiLabelData] = None
        labels_config = config.get("labels") or {}
        if labels_config.get("mode", "single") == "multi-label":
            multi_label = load_multi_label_data(
                labels_config, config["imbalance"], config["seed"], config_dir, lambda: load_splits({"profile": "none", "factor": 1})
            )
            splits = multi_label.splits
        else:
            splits = load_splits(config["imbalance"])
        train, test = splits.train, splits.test
        class_count = len(train.class_names)
        stats = normalisation_statistics(train) if config["augmentation"]["normalise"] else None
        if multi_label is not None:
            # One sigmoid per label with binary cross-entropy (the schema allows no other method there).
            method = BinaryCrossEntropy()
        else:
            method = create_method(
                config["method"],
                train_counts=splits.train_counts,
                total_epochs=config["epochs"],
                seed=config["seed"],
                device=device,
                learning_rate=config["optimizer"]["learningRate"],
            )
        model = build_model(config["model"], (train.channels, train.height, train.width), class_count, config["seed"], method.feature_output)
        model.to(device)
        # Convolutions and pooling on the CPU run about twice as fast on NHWC tensors (oneDNN) as on NCHW ones.
        channels_last = device.type == "cpu" and config["model"]["architecture"] != "mlp"
        if channels_last:
            model.to(memory_format=torch.channels_last)
        method.prepare(model)
        optimizer = create_optimizer(model.parameters(), config["optimizer"])
        from ..metrics import CollapseTracker  # needs PyTorch only when a run starts

        tracker = CollapseTracker(dict(config["metrics"]), class_names=train.class_names)
        start_epoch = 0
        if resume is not None:
            restore_checkpoint(resume.checkpoint, model, optimizer, method)
            start_epoch = resume.checkpoint.epoch
            replay_collapse_history(folder.events_path, tracker, start_epoch)

        diagnostics = []
        if config["model"]["featureDim"] < class_count - 1:
            diagnostics.append(
                f"featureDim {config['model']['featureDim']} < C − 1 = {class_count - 1}: the class means cannot reach a simplex ETF"
            )
        if multi_label is not None:
            diagnostics.append(
                f"multi-label run: {class_count} labels, sigmoid outputs trained with binary cross-entropy; the training counts are label counts; "
                "train accuracy is the exact-match rate (every label right at σ(z) > 0.5); NC1–NC4 and per-class recall are computed on the "
                "single-label samples, per-label recall and precision on all"
            )
        reporter.run_did_start(
            run_name=stored["runName"],
            run_folder=folder.path,
            config=config,
            backend={"name": choice.name, "skipped": choice.skipped},
            dataset={"source": splits.source, "classNames": train.class_names, "trainCounts": splits.train_counts, "testCount": test.count},
            total_epochs=config["epochs"],
            start_epoch=start_epoch,
            diagnostics=diagnostics,
        )
        reporter.log(
            "info",
            f"{splits.source}: {train.count} training images ({'/'.join(str(c) for c in splits.train_counts)}), {test.count} test; "
            f"model {config['model']['architecture']} with {parameter_count(model)} parameters",
        )
        if resume is not None:
            reporter.log("info", f"resuming from the checkpoint of epoch {start_epoch} in {folder.path}")
        device_splits = {"train": DeviceImages(train, device, stats, channels_last), "test": DeviceImages(test, device, stats, channels_last)}
        multi_hot = None
        label_matrices: Dict[str, Any] = {}
        label_statistics_cache: Dict[str, Dict[str, Any]] = {}
        if multi_label is not None:
            from ..metrics.multilabel import label_statistics

            multi_hot = torch.from_numpy(multi_label.train_labels.values.astype("float32")).to(device)
            label_matrices = {"train": multi_label.train_labels, "test": multi_label.test_labels}
            label_statistics_cache["train"] = label_statistics(multi_label.train_labels.values)

        epoch = start_epoch
        stopped = False
        while epoch < config["epochs"] and not stopped:
            plan = method.plan_epoch(epoch + 1, model)
            if plan.reset_optimizer:
                optimizer = create_optimizer(model.parameters(), config["optimizer"])
            result = train_epoch(
                device_splits["train"], train.labels, model, method, plan, optimizer, epoch + 1, config, stop, check_stop, multi_hot
            )
            if result is None:
                stopped = True
                break
            epoch += 1
            if not math.isfinite(result.loss):
                raise TrainingDiverged(
                    f"the loss became {_js_number(result.loss)} at epoch {epoch}: training diverged. Lower optimizer.learningRate.", epoch
                )
            reporter.epoch_did_end(
                epoch=epoch,
                total_epochs=config["epochs"],
                loss=result.loss,
                train_accuracy=result.accuracy,
                learning_rate=result.learning_rate,
                duration_ms=result.duration_ms,
                images_per_second=result.images_per_second,
            )
            if epoch % config["evaluation"]["everyEpochs"] == 0 or epoch == config["epochs"]:
                started = time.perf_counter()
                if multi_label is None:
                    reports = evaluate_splits(
                        model,
                        method,
                        device_splits,
                        config["evaluation"]["splits"],
                        epoch=epoch,
                        train_counts=splits.train_counts,
                        metrics_config=config["metrics"],
                        device=device,
                    )
                else:
                    reports, predictions = evaluate_multi_label_splits(
                        model,
                        device_splits,
                        label_matrices,
                        config["evaluation"]["splits"],
                        epoch=epoch,
                        train_counts=splits.train_counts,
                        train_statistics=label_statistics_cache["train"],
                        split_statistics=label_statistics_cache,
                        metrics_config=config["metrics"],
                        device=device,
                    )
                    save_predictions(folder.path, predictions)
                collapse = tracker.update(reports)
                reporter.metrics_did_update(epoch=epoch, reports=reports, collapse=collapse, evaluation_ms=(time.perf_counter() - started) * 1000)
            save_checkpoint(
                checkpoint_path, epoch=epoch, model=model, optimizer=optimizer, optimizer_name=config["optimizer"]["name"], method=method
            )
            check_stop()
            stopped = stop.requested
        if stopped:
            reason = stop.reason or "requested"
            if os.path.isfile(checkpoint_path):
                reporter.log("info", f"stopping ({reason}): checkpoint of epoch {epoch} kept; continue with --resume {folder.path}")
            else:
                reporter.log("info", f"stopping ({reason}) before the first epoch ended: no checkpoint to resume from")
        write_json_atomically(
            folder.summary_path,
            {
                "runId": folder.run_id,
                "runName": stored["runName"],
                "reason": "stopped" if stopped else "completed",
                "epoch": epoch,
                "totalEpochs": config["epochs"],
                "backend": choice.name,
                "dataset": splits.source,
                "collapse": tracker.flag,
            },
        )
        return RunOutcome(stopped=stopped, epoch=epoch)
    finally:
        try:
            os.remove(folder.pid_path)
        except OSError:
            pass
