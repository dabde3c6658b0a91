"""The whole run (src/trainer/training/trainRun.ts, in PyTorch): device, data, model and method, then epochs of
training with an evaluation of every metric each ``evaluation.everyEpochs`` epochs and after the last, and a graceful
stop between steps.

Each epoch draws its batch order and augmentation from SeededRandom.derive(seed, 'epoch', epoch), as the TS trainer,
so both engines see the same batches; initial weights differ (torch's generator).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import torch

from .data import DeviceImages, draw_augmentation, load_dataset_splits, normalisation_statistics
from .device import DeviceChoice
from .evaluation import evaluate_splits
from .methods import TrainingMethod, create_method
from .models import ClassifierNetwork, build_model, parameter_count
from .optim import create_optimizer, learning_rate_at, set_learning_rate
from .reporter import Reporter
from .run_folder import RunFolder, write_json_atomically
from .seeded_random import SeededRandom
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


@dataclass
class EpochResult:
    loss: float
    accuracy: float
    learning_rate: float
    duration_ms: float
    images_per_second: float


def _js_number(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(value)


def train_run(
    stored: Mapping[str, Any],
    folder: RunFolder,
    reporter: Reporter,
    stop: StopSignal,
    choice: DeviceChoice,
    check_stop: Callable[[], None] = lambda: None,
) -> RunOutcome:
    config = stored["config"]
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

        splits = load_dataset_splits(
            config["dataset"],
            config["imbalance"],
            config["seed"],
            config_dir=os.path.dirname(stored["sourceFile"]),
            on_progress=lambda message: reporter.log("info", message),
        )
        train, test = splits.train, splits.test
        class_count = len(train.class_names)
        stats = normalisation_statistics(train) if config["augmentation"]["normalise"] else None
        method = create_method(
            config["method"], train_counts=splits.train_counts, total_epochs=config["epochs"], seed=config["seed"], device=device
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

        diagnostics = []
        if config["model"]["featureDim"] < class_count - 1:
            diagnostics.append(
                f"featureDim {config['model']['featureDim']} < C − 1 = {class_count - 1}: the class means cannot reach a simplex ETF"
            )
        reporter.run_did_start(
            run_name=stored["runName"],
            run_folder=folder.path,
            config=config,
            backend={"name": choice.name, "skipped": choice.skipped},
            dataset={"source": splits.source, "classNames": train.class_names, "trainCounts": splits.train_counts, "testCount": test.count},
            total_epochs=config["epochs"],
            start_epoch=0,
            diagnostics=diagnostics,
        )
        reporter.log(
            "info",
            f"{splits.source}: {train.count} training images ({'/'.join(str(c) for c in splits.train_counts)}), {test.count} test; "
            f"model {config['model']['architecture']} with {parameter_count(model)} parameters",
        )
        device_splits = {"train": DeviceImages(train, device, stats, channels_last), "test": DeviceImages(test, device, stats, channels_last)}

        epoch = 0
        stopped = False
        while epoch < config["epochs"] and not stopped:
            result = train_epoch(device_splits["train"], model, method, optimizer, epoch + 1, config, stop, check_stop)
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
                collapse = tracker.update(reports)
                reporter.metrics_did_update(epoch=epoch, reports=reports, collapse=collapse, evaluation_ms=(time.perf_counter() - started) * 1000)
            check_stop()
            stopped = stop.requested
        if stopped:
            reporter.log("info", f"stopping ({stop.reason or 'requested'}) after epoch {epoch}")
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


def train_epoch(
    train: DeviceImages,
    model: ClassifierNetwork,
    method: TrainingMethod,
    optimizer: torch.optim.Optimizer,
    epoch: int,
    config: Mapping[str, Any],
    stop: StopSignal,
    check_stop: Callable[[], None],
) -> Optional[EpochResult]:
    """One pass over the shuffled training set (``epoch`` is 1-based); None when a stop arrived mid-epoch."""
    started = time.perf_counter()
    random = SeededRandom.derive(config["seed"], "epoch", epoch)
    order = random.permutation(train.count)
    batch_size = config["batchSize"]
    steps = math.ceil(train.count / batch_size)
    augmentation = config["augmentation"]
    padding = augmentation["randomCropPadding"]
    augmenting = padding > 0 or augmentation["horizontalFlip"]
    device = train.pixels.device
    order_tensor = torch.from_numpy(order).to(device)
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    learning_rate = optimizer.param_groups[0]["lr"]
    for step in range(steps):
        check_stop()
        if stop.requested:
            return None
        learning_rate = learning_rate_at(epoch - 1 + step / steps, config["optimizer"], config["schedule"], config["epochs"])
        set_learning_rate(optimizer, learning_rate)
        indices = order_tensor[step * batch_size : min((step + 1) * batch_size, train.count)]
        count = int(indices.shape[0])
        draws = draw_augmentation(random, count, padding, augmentation["horizontalFlip"]) if augmenting else None
        x = train.batch(indices, None if draws is None else (padding, draws))
        labels = train.labels.index_select(0, indices)
        features, logits = model.forward_with_features(x)
        loss = method.loss(features, logits, labels, epoch, model)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach().double() * count
            correct += (logits.argmax(dim=1) == labels).sum()
        seen += count
    duration = time.perf_counter() - started
    return EpochResult(
        loss=float(loss_sum) / max(seen, 1),
        accuracy=int(correct) / max(seen, 1),
        learning_rate=learning_rate,
        duration_ms=duration * 1000,
        images_per_second=seen / max(duration, 1e-6),
    )
