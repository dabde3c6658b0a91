"""One training epoch (trainEpoch of src/trainer/training/trainRun.ts): the batch order of the epoch's plan, the
learning rate before every step, a stop checked between steps.

Each epoch draws its order and augmentation from ``SeededRandom.derive(seed, 'epoch', epoch)``, as the TS trainer:
both engines see the same batches, and a resumed run sees the same batches as an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import numpy as np
import torch

from .data import DeviceImages, draw_augmentation
from .methods import EpochPlan, TrainingMethod
from .methods.sampling import class_balanced_order
from .models import ClassifierNetwork
from .optim import learning_rate_at, set_learning_rate
from .seeded_random import SeededRandom
from .stop import StopSignal


@dataclass
class EpochResult:
    loss: float
    accuracy: float
    learning_rate: float
    duration_ms: float
    images_per_second: float


def epoch_order(plan: EpochPlan, labels: np.ndarray, class_count: int, random: SeededRandom) -> np.ndarray:
    """The sample indices of one epoch, as many as the training set holds: a permutation, or class-balanced draws."""
    if plan.sampling == "class-balanced":
        return class_balanced_order(labels, class_count, len(labels), random)
    return random.permutation(len(labels))


def train_epoch(
    train: DeviceImages,
    host_labels: np.ndarray,
    model: ClassifierNetwork,
    method: TrainingMethod,
    plan: EpochPlan,
    optimizer: torch.optim.Optimizer,
    epoch: int,
    config: Mapping[str, Any],
    stop: StopSignal,
    check_stop: Callable[[], None] = lambda: None,
    multi_hot: Optional[torch.Tensor] = None,
) -> Optional[EpochResult]:
    """One pass (``epoch`` is 1-based) over ``host_labels`` (the training labels on the CPU, for the order); None when
    a stop arrived mid-epoch. A classifier-only plan runs the body in eval mode without gradient (batch norm frozen),
    so only W and b change. ``multi_hot`` (multi-label runs: N × C float targets on the device) replaces the labels
    given to the loss, and a sample counts as right when every label is (exact match at σ(z) > 0.5, i.e. z > 0)."""
    started = time.perf_counter()
    random = SeededRandom.derive(config["seed"], "epoch", epoch)
    order = epoch_order(plan, host_labels, model.num_classes, random)
    batch_size = config["batchSize"]
    steps = math.ceil(train.count / batch_size)
    augmentation = config["augmentation"]
    padding = augmentation["randomCropPadding"]
    augmenting = padding > 0 or augmentation["horizontalFlip"]
    device = train.pixels.device
    order_tensor = torch.from_numpy(order).to(device)
    model.train()
    if plan.classifier_only:
        model.features.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    learning_rate = optimizer.param_groups[0]["lr"]
    for step in range(steps):
        check_stop()
        if stop.requested:
            return None
        if plan.learning_rate is not None:
            learning_rate = plan.learning_rate(step / steps)
        else:
            learning_rate = learning_rate_at(epoch - 1 + step / steps, config["optimizer"], config["schedule"], config["epochs"])
        set_learning_rate(optimizer, learning_rate)
        indices = order_tensor[step * batch_size : min((step + 1) * batch_size, train.count)]
        count = int(indices.shape[0])
        draws = draw_augmentation(random, count, padding, augmentation["horizontalFlip"]) if augmenting else None
        x = train.batch(indices, None if draws is None else (padding, draws))
        labels = train.labels.index_select(0, indices)
        if plan.classifier_only:
            with torch.no_grad():
                features = model.features(x)
            logits = model.classifier(features)
        else:
            features, logits = model.forward_with_features(x)
        targets = labels if multi_hot is None else multi_hot.index_select(0, indices)
        loss = method.loss(features, logits, targets, epoch, model)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach().double() * count
            if multi_hot is None:
                correct += (logits.argmax(dim=1) == labels).sum()
            else:
                correct += ((logits > 0) == (targets > 0.5)).all(dim=1).sum()
        seen += count
    duration = time.perf_counter() - started
    return EpochResult(
        loss=float(loss_sum) / max(seen, 1),
        accuracy=int(correct) / max(seen, 1),
        learning_rate=learning_rate,
        duration_ms=duration * 1000,
        images_per_second=seen / max(duration, 1e-6),
    )
