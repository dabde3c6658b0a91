"""Optimiser and learning-rate schedule, with the semantics of src/trainer/training (optimizer.ts,
learningRateSchedule.ts).

- SGD with momentum (v ← m·v + g; w ← w − lr·v) or Adam (β = 0.9, 0.999, ε = 1e-8): torch's defaults equal tfjs's.
- Weight decay is coupled L2 (g ← g + λw) on every trainable tensor, biases and batch-norm scales included: that is
  torch's ``weight_decay`` and what the TS trainer adds to its gradients (and what the LDAM-DRW recipe uses).
- The rate is set before every step from the schedule at the fractional epoch (warm-up, then constant/step/cosine).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import torch


def create_optimizer(parameters: Iterable[torch.nn.Parameter], config: Mapping[str, Any]) -> torch.optim.Optimizer:
    trainable = [parameter for parameter in parameters if parameter.requires_grad]
    if config["name"] == "sgd":
        return torch.optim.SGD(trainable, lr=config["learningRate"], momentum=config["momentum"], weight_decay=config["weightDecay"])
    return torch.optim.Adam(trainable, lr=config["learningRate"], weight_decay=config["weightDecay"])


def set_learning_rate(optimizer: torch.optim.Optimizer, value: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = value


def learning_rate_at(epoch: float, optimizer: Mapping[str, Any], schedule: Mapping[str, Any], total_epochs: int) -> float:
    """The rate at a 0-based, possibly fractional epoch.

    warm-up: linear from lr/10 to lr over ``warmupEpochs``; step: lr · γ^(milestones ≤ epoch + 1) (milestones are
    1-based epochs); cosine: lr · ½(1 + cos(π t/T)) over the epochs after warm-up (SGDR without restarts).
    """
    peak = optimizer["learningRate"]
    warmup = schedule.get("warmupEpochs", 0)
    if warmup > 0 and epoch < warmup:
        return peak * (0.1 + 0.9 * (epoch / warmup))
    name = schedule.get("name", "constant")
    if name == "step":
        passed = sum(1 for milestone in schedule.get("milestones", []) if epoch + 1 >= milestone)
        return peak * schedule.get("gamma", 0.1) ** passed
    if name == "cosine":
        span = max(total_epochs - warmup, 1)
        progress = min(max(epoch - warmup, 0) / span, 1)
        return peak * 0.5 * (1 + math.cos(math.pi * progress))
    return peak
