"""What the loop, the losses and the metrics see of a model: ``features`` (the module whose output is the
penultimate h) and ``classifier`` (the final ``nn.Linear``, W of shape C × d and b), by those attribute names, so that
``ncmonitor.metrics.evaluate(model, ..., feature_layer="features", classifier_layer="classifier")`` finds them.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

FEATURE_OUTPUTS = ("relu", "l2-normalised")


class FeatureOutput(nn.Module):
    """The last step of every feature layer: ReLU (default), or h/‖h‖ without a ReLU.

    The fixed ETF classifier needs the second (Yang et al., NeurIPS 2022): on raw ReLU features its dot-regression
    loss is also minimised by h → 0 and the features die. √(‖h‖² + 1e-12) guards a zero row, as in TS.
    """

    def __init__(self, kind: str = "relu") -> None:
        super().__init__()
        if kind not in FEATURE_OUTPUTS:
            raise ValueError(f"feature output must be one of {FEATURE_OUTPUTS}, got {kind!r}")
        self.kind = kind

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.kind == "relu":
            return torch.relu(h)
        return h / torch.sqrt((h * h).sum(dim=1, keepdim=True) + 1e-12)

    def extra_repr(self) -> str:
        return self.kind


class ClassifierNetwork(nn.Module):
    """``features`` (input → h, N × d) followed by ``classifier`` (logits Wh + b, N × C)."""

    def __init__(self, features: nn.Module, feature_dim: int, num_classes: int) -> None:
        super().__init__()
        self.features = features
        self.classifier = nn.Linear(feature_dim, num_classes)
        self.feature_dim = feature_dim
        self.num_classes = num_classes

    def forward_with_features(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return h, self.classifier(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def initialise(network: nn.Module) -> None:
    """He-normal convolutions and hidden dense layers (they feed a ReLU), Glorot-uniform classifier, zero biases:
    the distributions src/trainer/models/seededInit.ts uses (the values differ: torch's generator, torch.manual_seed)."""
    for name, module in network.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            if name == "classifier":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
