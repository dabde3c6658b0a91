"""uint8 images to float batches on the training device: scale to [0, 1], standardise per channel with the training
split's statistics, and augment (random crop after zero padding, horizontal flip), as src/trainer/data/preprocess.ts.

The random draws of the augmentation come from the epoch's SeededRandom stream in the TypeScript order (per image:
vertical offset, horizontal offset, each next_int(2·padding + 1) when padding > 0, then the flip, next_float() < ½,
when enabled), so a seed crops and flips the same images the same way in both engines. The pixel work runs on the
device in one gather per batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from ..seeded_random import SeededRandom
from .dataset import ImageDataset


@dataclass(frozen=True)
class ChannelStatistics:
    """Per-channel mean and population standard deviation of the pixel values scaled to [0, 1]."""

    mean: Tuple[float, ...]
    std: Tuple[float, ...]


def normalisation_statistics(train: ImageDataset) -> ChannelStatistics:
    """Accumulated in float64 over every pixel; a constant channel gets std 1 to avoid dividing by 0 (as TS)."""
    pixels = train.images.reshape(-1, train.channels).astype(np.float64)
    count = pixels.shape[0]
    sums = pixels.sum(axis=0)
    squares = np.einsum("ij,ij->j", pixels, pixels)
    means: List[float] = []
    stds: List[float] = []
    for channel in range(train.channels):
        m = sums[channel] / count
        variance = max(0.0, squares[channel] / count - m * m)
        means.append(m / 255)
        stds.append(float(np.sqrt(variance)) / 255 if variance > 0 else 1.0)
    return ChannelStatistics(tuple(means), tuple(stds))


@dataclass(frozen=True)
class AugmentationDraws:
    """Per image of a batch: crop offsets (rows, columns, in [−padding, padding]) and whether to mirror it."""

    offset_y: np.ndarray
    offset_x: np.ndarray
    flip: np.ndarray


def draw_augmentation(random: SeededRandom, count: int, padding: int, horizontal_flip: bool) -> AugmentationDraws:
    offset_y = np.zeros(count, dtype=np.int64)
    offset_x = np.zeros(count, dtype=np.int64)
    flip = np.zeros(count, dtype=bool)
    for n in range(count):
        if padding > 0:
            offset_y[n] = random.next_int(2 * padding + 1) - padding
            offset_x[n] = random.next_int(2 * padding + 1) - padding
        if horizontal_flip:
            flip[n] = random.next_float() < 0.5
    return AugmentationDraws(offset_y, offset_x, flip)


class DeviceImages:
    """One split's images as a uint8 NCHW tensor on the device, turned into float batches on demand."""

    def __init__(
        self, dataset: ImageDataset, device: torch.device, stats: Optional[ChannelStatistics], channels_last: bool = False
    ) -> None:
        self.count = dataset.count
        self.channels_last = channels_last
        self.pixels = torch.from_numpy(np.ascontiguousarray(dataset.images.transpose(0, 3, 1, 2))).to(device)
        self.labels = torch.from_numpy(dataset.labels.astype(np.int64)).to(device)
        channels = dataset.channels
        std = stats.std if stats is not None else (1.0,) * channels
        mean = stats.mean if stats is not None else (0.0,) * channels
        # x = pixel/(255·std) − mean/std, the affine map of toFloatBatch in TS.
        self._scale = torch.tensor([1 / (255 * s) for s in std], dtype=torch.float32, device=device).view(1, -1, 1, 1)
        self._shift = torch.tensor([m / s for m, s in zip(mean, std)], dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def batch(self, indices: torch.Tensor, augmentation: Optional[Tuple[int, AugmentationDraws]] = None) -> torch.Tensor:
        """Float NCHW batch of the images at ``indices``; ``augmentation`` is (padding, draws) for a training batch."""
        raw = self.pixels.index_select(0, indices).float()
        if augmentation is not None:
            raw = _crop_and_flip(raw, *augmentation)
        batch = raw * self._scale - self._shift
        return batch.contiguous(memory_format=torch.channels_last) if self.channels_last else batch


def _crop_and_flip(raw: torch.Tensor, padding: int, draws: AugmentationDraws) -> torch.Tensor:
    """out[y, x] = in[y + dy, (W−1−x if flip else x) + dx], zero (black, before normalising) outside the image."""
    count, _, height, width = raw.shape
    device = raw.device
    if padding > 0:
        raw = torch.nn.functional.pad(raw, (padding, padding, padding, padding))
    offset_y = torch.from_numpy(draws.offset_y).to(device) + padding
    offset_x = torch.from_numpy(draws.offset_x).to(device) + padding
    columns = torch.arange(width, device=device).unsqueeze(0).expand(count, width)
    flip = torch.from_numpy(draws.flip).to(device).unsqueeze(1)
    columns = torch.where(flip, width - 1 - columns, columns)
    rows = offset_y.unsqueeze(1) + torch.arange(height, device=device).unsqueeze(0)
    columns = columns + offset_x.unsqueeze(1)
    batch_index = torch.arange(count, device=device).view(count, 1, 1)
    gathered = raw.permute(0, 2, 3, 1)[batch_index, rows.unsqueeze(2), columns.unsqueeze(1)]
    return gathered.permute(0, 3, 1, 2).contiguous()
