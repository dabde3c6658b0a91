"""Small CNN (src/trainer/models/smallCnn.ts): conv3×3(32)+ReLU → maxpool 2 → conv3×3(64)+ReLU → maxpool 2 →
flatten → dense(featureDim) + feature output = h. Convs keep the size ('same'), pools floor it, so 28×28 gives 7×7×64."""

from __future__ import annotations

from typing import Sequence

from torch import nn

from .network import FeatureOutput


def pooled_size(size: int) -> int:
    return (size // 2) // 2


def small_cnn_features(input_shape: Sequence[int], feature_dim: int, feature_output: str) -> nn.Sequential:
    channels, height, width = input_shape
    if pooled_size(height) < 1 or pooled_size(width) < 1:
        raise ValueError(
            f'model.architecture "small-cnn" needs images of at least 4×4 pixels, got {height}×{width}; use "mlp" for smaller inputs'
        )
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(pooled_size(height) * pooled_size(width) * 64, feature_dim),
        FeatureOutput(feature_output),
    )
