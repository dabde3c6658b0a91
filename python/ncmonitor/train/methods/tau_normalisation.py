"""τ-normalisation (Kang et al., "Decoupling Representation and Classifier for Long-Tailed Recognition", ICLR 2020,
arXiv 1910.09217, §4), as src/trainer/methods/tauNormalisation.ts: training is plain cross-entropy; predictions use
w̃_c = w_c/‖w_c‖^τ and no bias, which undoes the norm advantage head classes gain under imbalance (τ = 1: unit rows;
τ = 0: W unchanged). Applied at every evaluation, so the reported metrics describe the classifier that predicts."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from .base import TrainingMethod


def tau_normalised(weight: torch.Tensor, tau: float) -> torch.Tensor:
    """w_c/‖w_c‖^τ, a zero row kept at 0 (‖0‖^0 = 1 leaves it 0 too)."""
    norms = weight.norm(dim=1, keepdim=True)
    divisor = norms**tau
    return torch.where(divisor > 0, weight / divisor.clamp_min(torch.finfo(weight.dtype).tiny), torch.zeros_like(weight))


class TauNormalisation(TrainingMethod):
    name = "tau-normalisation"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.tau = float(options.get("tau", 1.0))

    def evaluation_classifier(self, weight, bias):
        return tau_normalised(weight, self.tau), None
