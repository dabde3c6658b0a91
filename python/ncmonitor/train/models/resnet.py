"""CIFAR ResNets (He et al., CVPR 2016, §4.2) as in src/trainer/models/resnet.ts and the long-tailed recipes.

conv3×3(w)+BN+ReLU, then 3 stages of n = (depth−2)/6 basic blocks with w, 2w, 4w channels (stages 2 and 3 start
with stride 2), global average pool. Basic block: relu(BN(conv(relu(BN(conv(x))))) + shortcut(x)); where the shape
changes the shortcut is the parameter-free "option A": subsample by 2 and zero-pad the new channels, split before
and after. When featureDim ≠ 4w a dense(featureDim) + feature output follows the pool; with the l2-normalised
output and no projection the last block has no final ReLU (the pooled vector is h, normalised).
"""

from __future__ import annotations

from typing import List, Sequence

import torch
from torch import nn

from .network import FeatureOutput

RESNET_DEPTHS = {"resnet8": 8, "resnet20": 20, "resnet32": 32}


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, final_relu: bool = True) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride = stride
        self.extra_channels = out_channels - in_channels
        self.final_relu = final_relu

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.extra_channels:
            before = self.extra_channels // 2
            x = nn.functional.pad(x, (0, 0, 0, 0, before, self.extra_channels - before))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        total = y + self.shortcut(x)
        return torch.relu(total) if self.final_relu else total


class GlobalAveragePool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


def resnet_features(input_shape: Sequence[int], depth: int, width: int, feature_dim: int, feature_output: str) -> nn.Sequential:
    if (depth - 2) % 6 != 0:
        raise ValueError(f"CIFAR ResNet depth must be 6n+2, got {depth}")
    blocks_per_stage = (depth - 2) // 6
    channels = [width, 2 * width, 4 * width]
    pooled_dim = 4 * width
    layers: List[nn.Module] = [nn.Conv2d(input_shape[0], width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    in_channels = width
    for stage, out_channels in enumerate(channels):
        for index in range(blocks_per_stage):
            stride = 2 if stage > 0 and index == 0 else 1
            last = stage == len(channels) - 1 and index == blocks_per_stage - 1
            final_relu = not (last and feature_output == "l2-normalised" and feature_dim == pooled_dim)
            layers.append(BasicBlock(in_channels, out_channels, stride, final_relu))
            in_channels = out_channels
    layers.append(GlobalAveragePool())
    if feature_dim != pooled_dim:
        layers += [nn.Linear(pooled_dim, feature_dim), FeatureOutput(feature_output)]
    elif feature_output == "l2-normalised":
        layers.append(FeatureOutput(feature_output))
    return nn.Sequential(*layers)
