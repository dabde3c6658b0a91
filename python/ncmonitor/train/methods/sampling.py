"""Class-balanced sampling (Kang et al., "Decoupling Representation and Classifier for Long-Tailed Recognition",
ICLR 2020, arXiv 1910.09217, §3): each draw picks a class uniformly among the classes that have samples, then a sample
of that class uniformly, with replacement. Ported from src/trainer/methods/sampling.ts with the same draws, so that
both engines see the same class-balanced batches for a seed."""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ..seeded_random import SeededRandom


def class_balanced_order(labels: Sequence[int], class_count: int, draws: int, random: SeededRandom) -> np.ndarray:
    """``draws`` sample indices (int64); per draw: random.next_int(#classes present), then random.next_int(n_c)."""
    by_class: List[List[int]] = [[] for _ in range(class_count)]
    for index, label in enumerate(np.asarray(labels).tolist()):
        if 0 <= label < class_count:
            by_class[label].append(index)
    present = [indices for indices in by_class if indices]
    if not present:
        raise ValueError("class-balanced sampling needs at least one training sample")
    next_int = random.next_int
    order = np.empty(draws, dtype=np.int64)
    for i in range(draws):
        indices = present[next_int(len(present))]
        order[i] = indices[next_int(len(indices))]
    return order
