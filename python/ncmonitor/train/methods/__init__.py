"""The training methods the PyTorch engine implements, selected by ``method.name`` (formulas: docs/methods.md).

A method supplies the loss of a batch and, optionally, what it changes around the model: the feature output
(``feature_output``), a fixed classifier (``prepare``), and the classifier that predicts at evaluation
(``evaluation_classifier``: post-hoc adjustment, cosine classifier, τ-normalisation) and how each epoch is trained
(``plan_epoch``: cRT's decoupled second stage). The list must stay in step with PYTORCH_ENGINE_METHODS in
src/protocol/engines.ts; other names are rejected before training.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F

from .base import EvaluationClassifier, TrainingMethod
from .crt import Crt
from .etf import simplex_etf
from .losses import (
    check_train_counts,
    class_balanced_loss,
    cosine_logits,
    dot_regression_loss,
    effective_number_weights,
    focal_loss_per_sample,
    ldam_loss,
    ldam_margins,
    log_priors,
    offset_cross_entropy,
)
from .plan import DEFAULT_EPOCH_PLAN, EpochPlan
from .tau_normalisation import TauNormalisation, tau_normalised

PYTORCH_ENGINE_METHODS = (
    "cross-entropy",
    "class-balanced",
    "focal",
    "ldam-drw",
    "logit-adjustment",
    "balanced-softmax",
    "etf-classifier",
    "crt",
    "tau-normalisation",
)


class ClassBalanced(TrainingMethod):
    name = "class-balanced"

    def __init__(self, options: Mapping[str, Any], train_counts: Sequence[int], device: torch.device) -> None:
        self.weights = torch.tensor(effective_number_weights(train_counts, options["beta"]), dtype=torch.float32, device=device)
        self.gamma = options["gamma"] if options.get("loss") == "focal" else 0.0

    def loss(self, features, logits, labels, epoch, model):
        return class_balanced_loss(logits, labels, self.weights, self.gamma)


class Focal(TrainingMethod):
    name = "focal"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.gamma = options["gamma"]

    def loss(self, features, logits, labels, epoch, model):
        return focal_loss_per_sample(logits, labels, self.gamma).mean()


class LdamDrw(TrainingMethod):
    """LDAM with deferred re-weighting (Cao et al., NeurIPS 2019): a cosine classifier scaled by s with margins
    Δ_c ∝ n_c^(−1/4) by default; after the deferred epochs each sample weighs its class's effective-number weight."""

    name = "ldam-drw"

    def __init__(self, options: Mapping[str, Any], train_counts: Sequence[int], total_epochs: int, device: torch.device) -> None:
        self.margins = torch.tensor(ldam_margins(train_counts, options["maxMargin"]), dtype=torch.float32, device=device)
        self.drw_weights = torch.tensor(effective_number_weights(train_counts, options["beta"]), dtype=torch.float32, device=device)
        deferred = options.get("reweightAfterEpochs")
        # Math.round of TS: halves go up.
        self.deferred_epochs = deferred if deferred is not None else int((0.8 * total_epochs) + 0.5)
        self.scale = options["scale"]
        self.reweight = options["deferredReweighting"]
        self.cosine = options["cosineClassifier"]

    def prepare(self, model):
        if self.cosine:
            # The cosine classifier has no bias: b stays 0, so argmax(W h + b) ranks classes as the loss does up to ‖w_c‖.
            with torch.no_grad():
                model.classifier.bias.zero_()
            model.classifier.bias.requires_grad_(False)

    def loss(self, features, logits, labels, epoch, model):
        z = cosine_logits(features, model.classifier.weight) if self.cosine else logits
        weights = self.drw_weights if self.reweight and epoch > self.deferred_epochs else None
        return ldam_loss(z, labels, self.margins, self.scale, weights)

    def evaluation_classifier(self, weight, bias):
        if not self.cosine:
            return None
        # Predictions follow the cosine logits: argmax_c cos(w_c, h) = argmax_c (w_c/‖w_c‖)·h.
        return tau_normalised(weight, 1.0), None


class LogitAdjustment(TrainingMethod):
    """Menon et al., ICLR 2021: loss CE(z + τ log π), or post-hoc CE training with predictions from z − τ log π."""

    name = "logit-adjustment"

    def __init__(self, options: Mapping[str, Any], train_counts: Sequence[int], device: torch.device) -> None:
        self.post_hoc = options["mode"] == "post-hoc"
        self.offsets = torch.tensor([options["tau"] * value for value in log_priors(train_counts)], dtype=torch.float32, device=device)

    def loss(self, features, logits, labels, epoch, model):
        return F.cross_entropy(logits, labels) if self.post_hoc else offset_cross_entropy(logits, labels, self.offsets)

    def evaluation_classifier(self, weight, bias):
        return (weight, bias - self.offsets.to(bias.dtype)) if self.post_hoc else None


class BalancedSoftmax(TrainingMethod):
    """Ren et al., NeurIPS 2020: CE(z + log n_c); predictions use the plain logits."""

    name = "balanced-softmax"

    def __init__(self, train_counts: Sequence[int], device: torch.device) -> None:
        self.offsets = torch.log(torch.tensor(train_counts, dtype=torch.float32, device=device))

    def loss(self, features, logits, labels, epoch, model):
        return offset_cross_entropy(logits, labels, self.offsets)


class EtfClassifier(TrainingMethod):
    """A fixed simplex-ETF classifier (b = 0, never trained) with the dot-regression loss on L2-normalised features."""

    name = "etf-classifier"
    feature_output = "l2-normalised"

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def prepare(self, model):
        rows, width = model.classifier.weight.shape
        etf = torch.from_numpy(simplex_etf(rows, width, self.seed)).to(model.classifier.weight)
        with torch.no_grad():
            model.classifier.weight.copy_(etf)
            model.classifier.bias.zero_()
        model.classifier.weight.requires_grad_(False)
        model.classifier.bias.requires_grad_(False)

    def loss(self, features, logits, labels, epoch, model):
        return dot_regression_loss(features, labels, model.classifier.weight)


class UnsupportedMethodError(ValueError):
    """A method only the TypeScript trainer implements (exit code 2, before training)."""


def unsupported_method_message(name: str) -> str:
    return (
        f'method.name: method "{name}" is not implemented in the pytorch engine (it has {", ".join(PYTORCH_ENGINE_METHODS)}); '
        'set "engine": "tfjs" to train it with the TypeScript trainer'
    )


def create_method(
    options: Mapping[str, Any],
    *,
    train_counts: Sequence[int],
    total_epochs: int,
    seed: int,
    device: torch.device,
    learning_rate: float = 0.1,
) -> TrainingMethod:
    """The method of ``options`` (the config's ``method``); ``learning_rate`` is optimizer.learningRate (cRT's default
    peak for its second stage)."""
    name = options.get("name", "cross-entropy")
    check_train_counts(train_counts)
    if name == "cross-entropy":
        return TrainingMethod()
    if name == "class-balanced":
        return ClassBalanced(options, train_counts, device)
    if name == "focal":
        return Focal(options)
    if name == "ldam-drw":
        return LdamDrw(options, train_counts, total_epochs, device)
    if name == "logit-adjustment":
        return LogitAdjustment(options, train_counts, device)
    if name == "balanced-softmax":
        return BalancedSoftmax(train_counts, device)
    if name == "etf-classifier":
        return EtfClassifier(seed)
    if name == "crt":
        return Crt(options, total_epochs, learning_rate, seed)
    if name == "tau-normalisation":
        return TauNormalisation(options)
    raise UnsupportedMethodError(unsupported_method_message(name))


__all__ = [
    "DEFAULT_EPOCH_PLAN",
    "PYTORCH_ENGINE_METHODS",
    "EpochPlan",
    "EvaluationClassifier",
    "TrainingMethod",
    "UnsupportedMethodError",
    "create_method",
    "simplex_etf",
    "tau_normalised",
]
