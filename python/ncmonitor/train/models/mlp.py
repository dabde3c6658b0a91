"""MLP: flatten → [dense + ReLU] per hidden width → dense(featureDim) + feature output = h (src/trainer/models/mlp.ts)."""

from __future__ import annotations

from typing import List, Sequence

from torch import nn

from .network import FeatureOutput


def mlp_features(input_shape: Sequence[int], hidden_units: Sequence[int], feature_dim: int, feature_output: str) -> nn.Sequential:
    channels, height, width = input_shape
    widths = [channels * height * width, *hidden_units, feature_dim]
    layers: List[nn.Module] = [nn.Flatten()]
    for index in range(1, len(widths)):
        layers.append(nn.Linear(widths[index - 1], widths[index]))
        layers.append(FeatureOutput(feature_output) if index == len(widths) - 1 else nn.ReLU())
    return nn.Sequential(*layers)
