"""Decoupled classifier re-training, cRT (Kang et al., "Decoupling Representation and Classifier for Long-Tailed
Recognition", ICLR 2020, arXiv 1910.09217), as src/trainer/methods/crt.ts: the representation is learned with plain
cross-entropy and instance-balanced sampling; then, for the last ``classifierEpochs`` epochs, the body is frozen (eval
mode, no gradient), the linear classifier is re-initialised and re-trained with cross-entropy on class-balanced
batches, with a fresh optimiser and a cosine learning-rate decay over the stage (as the paper's schedule).

The stage is a function of the epoch alone, so a resumed run needs no state of its own: the re-initialisation happens
at the stage's first epoch, and a checkpoint taken later holds the re-trained classifier and its optimiser.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch

from ..models import ClassifierNetwork
from ..models.seeded_init import glorot_uniform
from .base import TrainingMethod
from .plan import DEFAULT_EPOCH_PLAN, EpochPlan

CLASSIFIER_STREAM = "crt/classifier/weights"


def reinitialise_classifier(model: ClassifierNetwork, seed: int, stream_name: str = CLASSIFIER_STREAM) -> None:
    """W ← Glorot-uniform from a stream of its own (seeded by the run seed, the TS trainer's stream), b ← 0."""
    weight, bias = model.classifier.weight, model.classifier.bias
    rows, width = weight.shape
    values = glorot_uniform(seed, stream_name, rows * width, width, rows).reshape(rows, width)
    with torch.no_grad():
        weight.copy_(torch.from_numpy(values).to(weight))
        if bias is not None:
            bias.zero_()


def crt_learning_rate(peak: float, stage_epoch: int, progress: float, classifier_epochs: int) -> float:
    """peak · ½(1 + cos(π (stage_epoch + progress)/classifier_epochs)), stage_epoch 0-based within the stage."""
    return peak * 0.5 * (1 + math.cos(math.pi * (stage_epoch + progress) / classifier_epochs))


def check_classifier_epochs(classifier_epochs: int, total_epochs: int) -> None:
    if classifier_epochs >= total_epochs:
        raise ValueError(
            f"method.classifierEpochs ({classifier_epochs}) must be smaller than epochs ({total_epochs}): the first stage needs "
            "at least one epoch. Lower method.classifierEpochs or raise epochs."
        )


class Crt(TrainingMethod):
    name = "crt"

    def __init__(self, options: Mapping[str, Any], total_epochs: int, learning_rate: float, seed: int) -> None:
        self.classifier_epochs = int(options.get("classifierEpochs", 5))
        check_classifier_epochs(self.classifier_epochs, total_epochs)
        self.first_classifier_epoch = total_epochs - self.classifier_epochs + 1
        configured = options.get("classifierLearningRate")
        self.peak = float(configured if configured is not None else learning_rate)
        self.seed = seed

    def plan_epoch(self, epoch: int, model: ClassifierNetwork) -> EpochPlan:
        if epoch < self.first_classifier_epoch:
            return DEFAULT_EPOCH_PLAN
        starting = epoch == self.first_classifier_epoch
        if starting:
            reinitialise_classifier(model, self.seed)
        stage_epoch = epoch - self.first_classifier_epoch
        peak, classifier_epochs = self.peak, self.classifier_epochs
        return EpochPlan(
            sampling="class-balanced",
            classifier_only=True,
            reset_optimizer=starting,
            learning_rate=lambda progress: crt_learning_rate(peak, stage_epoch, progress, classifier_epochs),
        )
