"""Long-tailed training sets (Cao et al., LDAM-DRW, NeurIPS 2019; Cui et al., CVPR 2019), as in TS.

Counts follow src/protocol/longTail.ts: exponential n_i = floor(n_max · (1/IF)^(i/(C−1))) computed as the reference
code does (the ratio raised to a power, in float64) so the published totals come out exactly; step: the first ⌊C/2⌋
classes keep n_max, the rest floor(n_max/IF); none: n_max each. The kept subset is the one the TypeScript trainer
keeps for the same seed: class c keeps the first n_c of a Fisher–Yates shuffle of its images drawn from
SeededRandom.derive(seed, 'long-tail subsample', c), in dataset order.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence

from ..seeded_random import SeededRandom
from .dataset import DatasetError, ImageDataset

PROFILES = ("exponential", "step", "none")


def long_tail_counts(profile: str, max_per_class: int, factor: float, class_count: int) -> List[int]:
    if profile not in PROFILES:
        raise ValueError(f"unknown imbalance profile {profile!r}; use one of {', '.join(PROFILES)}")
    counts = []
    for index in range(class_count):
        if profile == "none":
            counts.append(max_per_class)
        elif profile == "step":
            counts.append(max_per_class if index < class_count // 2 else math.floor(max_per_class / factor))
        elif class_count == 1:
            counts.append(max_per_class)
        else:
            counts.append(math.floor(max_per_class * (1 / factor) ** (index / (class_count - 1))))
    return counts


def target_train_counts(full_train_counts: Sequence[int], profile: str, factor: float, max_per_class: Optional[int]) -> List[int]:
    """Training counts for the config's imbalance; n_max defaults to the smallest full class size."""
    if profile == "none" and max_per_class is None:
        return list(full_train_counts)
    n_max = max_per_class if max_per_class is not None else min(full_train_counts)
    counts = long_tail_counts(profile, n_max, factor, len(full_train_counts))
    for index, count in enumerate(counts):
        if count < 1:
            raise DatasetError(
                f"imbalance: class {index} would keep no training image (n_max {n_max} with factor {factor:g}); "
                f"lower imbalance.factor to at most {n_max} or raise imbalance.maxPerClass"
            )
    return counts


def subsample_long_tail(dataset: ImageDataset, counts: Sequence[int], seed: int) -> ImageDataset:
    """Keeps counts[c] images of class c, the seeded subset of the TS trainer, in their original order."""
    if len(counts) != len(dataset.class_names):
        raise ValueError(f"subsample_long_tail: {len(counts)} counts for {len(dataset.class_names)} classes")
    by_class = dataset.indices_by_class()
    kept: List[int] = []
    smallest = min(len(indices) for indices in by_class)
    for class_index, indices in enumerate(by_class):
        wanted = counts[class_index]
        if not isinstance(wanted, int) or wanted < 0:
            raise ValueError(f"subsample_long_tail: count {wanted!r} for class {class_index}")
        if wanted > len(indices):
            raise DatasetError(
                f'imbalance: class {class_index} ("{dataset.class_names[class_index]}") should keep {wanted} training images '
                f"but has only {len(indices)}; lower imbalance.maxPerClass (default: the smallest class size, here {smallest})"
            )
        order = list(indices)
        SeededRandom.derive(seed, "long-tail subsample", class_index).shuffle(order)
        kept.extend(order[:wanted])
    kept.sort()
    return dataset.select(kept)
