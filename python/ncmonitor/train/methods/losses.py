"""The losses of the long-tailed methods, as plain functions of tensors (formulas and sources beside each; they follow
src/trainer/methods, whose hand-computed tests the Python tests mirror)."""

from __future__ import annotations

import math
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F


def check_train_counts(train_counts: Sequence[int]) -> None:
    """Every re-weighting divides by n_c or takes its log: counts must be positive integers."""
    if len(train_counts) < 2:
        raise ValueError(f"a method needs at least 2 classes, got {len(train_counts)}")
    for c, count in enumerate(train_counts):
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"class {c} has {count} training samples: every class needs at least one")


def log_priors(train_counts: Sequence[int]) -> List[float]:
    """log π_c with π_c = n_c / N."""
    total = sum(train_counts)
    return [math.log(count / total) for count in train_counts]


def effective_number_weights(train_counts: Sequence[int], beta: float) -> List[float]:
    """Class-balanced weights (Cui et al., CVPR 2019): w_c ∝ (1 − β)/(1 − β^n_c), normalised to Σ_c w_c = C.

    1 − β^n is −expm1(n·log β): β^n rounds to 1 in float64 for β = 0.9999 and small n only with cancellation.
    """
    if not 0 <= beta < 1:
        raise ValueError(f"β must be in [0, 1), got {beta}")
    raw = [1.0 if beta == 0 else (1 - beta) / -math.expm1(count * math.log(beta)) for count in train_counts]
    total = sum(raw)
    return [weight * len(train_counts) / total for weight in raw]


def focal_loss_per_sample(logits: torch.Tensor, labels: torch.Tensor, gamma: float) -> torch.Tensor:
    """ℓ_i = −(1 − p_{i,y})^γ log p_{i,y}, p = softmax(z) (Lin et al., ICCV 2017); γ = 0 is cross-entropy.

    (1 − p)^γ has an unbounded derivative at p = 1 for γ < 1: the clip to [1e-12, 1] keeps it finite, as in TS.
    """
    log_probability = F.log_softmax(logits, dim=1).gather(1, labels.unsqueeze(1)).squeeze(1)
    if gamma == 0:
        return -log_probability
    modulating = torch.clamp(1 - torch.exp(log_probability), 1e-12, 1.0) ** gamma
    return -modulating * log_probability


def class_balanced_loss(logits: torch.Tensor, labels: torch.Tensor, class_weights: torch.Tensor, gamma: float) -> torch.Tensor:
    """(1/N) Σ_i w_{y_i} ℓ_i (Cui et al. 2019): the plain mean of the weighted losses, as in the paper."""
    return (class_weights[labels] * focal_loss_per_sample(logits, labels, gamma)).mean()


def offset_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Mean CE(z + offset, y): logit adjustment (offset τ log π, Menon et al., ICLR 2021) and Balanced Softmax
    (offset log n_c, Ren et al., NeurIPS 2020)."""
    return F.cross_entropy(logits + offsets, labels)


def ldam_margins(train_counts: Sequence[int], max_margin: float) -> List[float]:
    """Δ_c = maxMargin · (n_min/n_c)^(1/4): ∝ n_c^(−1/4), largest for the smallest class (Cao et al., NeurIPS 2019)."""
    raw = [count**-0.25 for count in train_counts]
    largest = max(raw)
    return [margin * max_margin / largest for margin in raw]


def normalise_rows(x: torch.Tensor) -> torch.Tensor:
    """x_i/‖x_i‖ with ‖x‖ = √(‖x‖² + 1e-12), which guards a zero row (as tensorMath.ts)."""
    return x / torch.sqrt((x * x).sum(dim=1, keepdim=True) + 1e-12)


def cosine_logits(features: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """cos(w_c, h_i) for every sample and class (N × C)."""
    return normalise_rows(features) @ normalise_rows(weights).t()


def ldam_loss(
    logits: torch.Tensor, labels: torch.Tensor, margins: torch.Tensor, scale: float, class_weights: Optional[torch.Tensor] = None
) -> torch.Tensor:
    """CE(s·(z − Δ_y e_y), y), averaged, or with DRW weights as Σ w_{y_i} ℓ_i / Σ w_{y_i} (cross_entropy(weight=…))."""
    one_hot = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
    shifted = scale * (logits - one_hot * margins)
    return F.cross_entropy(shifted, labels, weight=class_weights)


def dot_regression_loss(features: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mean of ½ (w_yᵀh − ‖w_y‖ sg(‖h‖))² / sg(‖h‖) (Yang et al., NeurIPS 2022); ‖h‖ is not back-propagated, so the
    gradient only turns h toward w_y. Norms carry the 1e-12 guard of TS."""
    target = weights[labels]
    dot = (target * features).sum(dim=1)
    target_norm = torch.sqrt((target * target).sum(dim=1) + 1e-12)
    feature_norm = torch.sqrt((features * features).sum(dim=1) + 1e-12).detach()
    residual = dot - target_norm * feature_norm
    return (0.5 * residual * residual / feature_norm).mean()
