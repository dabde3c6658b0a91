"""The in-memory image dataset every loader produces, and the error type for problems a user can fix.

Images stay uint8 NHWC (as in src/trainer/data/dataset.ts) so that 60,000 Fashion-MNIST images take 47 MB; batches
become float tensors on demand (preprocess.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np


class DatasetError(Exception):
    """Dataset files or settings the user can fix; the message names the file or field and the fix."""

    def __init__(self, message: str, file: Optional[str] = None) -> None:
        super().__init__(message)
        self.file = file


@dataclass
class ImageDataset:
    """``images``: count × height × width × channels uint8; ``labels``: int64 class indices."""

    images: np.ndarray
    labels: np.ndarray
    class_names: List[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return int(self.labels.shape[0])

    @property
    def height(self) -> int:
        return int(self.images.shape[1])

    @property
    def width(self) -> int:
        return int(self.images.shape[2])

    @property
    def channels(self) -> int:
        return int(self.images.shape[3])

    def class_counts(self) -> List[int]:
        """Images per class, for every class name (zeros included)."""
        return np.bincount(self.labels, minlength=len(self.class_names)).astype(int).tolist()

    def indices_by_class(self) -> List[List[int]]:
        """Indices of each class's images, in dataset order."""
        by_class: List[List[int]] = [[] for _ in self.class_names]
        for index, label in enumerate(self.labels.tolist()):
            by_class[label].append(index)
        return by_class

    def select(self, indices: Sequence[int]) -> "ImageDataset":
        """A new dataset holding copies of the given images, in the given order."""
        order = np.asarray(indices, dtype=np.int64)
        if order.size and (order.min() < 0 or order.max() >= self.count):
            raise IndexError(f"image index outside [0, {self.count})")
        return ImageDataset(images=self.images[order].copy(), labels=self.labels[order].copy(), class_names=list(self.class_names))


@dataclass
class DatasetSplits:
    """What a run trains and evaluates on, as loadDatasetSplits returns it in TS."""

    train: ImageDataset
    test: ImageDataset
    source: str
    full_train_counts: List[int]
    train_counts: List[int]
