"""Cosine heatmaps of the classifier rows and the centred class means, ported from
src/trainer/metrics/cosineMatrices.ts: up to ``maxHeatmapClasses`` classes the whole C × C matrices (rounded to 1e-4:
a heatmap needs no more, and it halves the JSON); above it a summary: the mean cosine per pair of shot groups, and per
pair of bins of classes ordered by training count.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

import torch

from .groups import SHOT_GROUP_NAMES, shot_groups
from .jsformat import round_to
from .vectors import VectorSet

HEATMAP_PRECISION = 1e4


def cosine_matrices(classifier: VectorSet, class_means: VectorSet, train_counts: Sequence[int], max_heatmap_classes: int) -> Dict[str, Any]:
    class_count = classifier.norms.shape[0]
    if class_count <= max_heatmap_classes:
        return {"kind": "full", "classifier": _rows(classifier), "classMeans": _rows(class_means)}
    groups = shot_groups(train_counts)
    shot_blocks = [{"label": name, "classes": groups[name]} for name in SHOT_GROUP_NAMES if groups[name]]
    return {
        "kind": "summary",
        "shotGroups": _block_summary(shot_blocks, classifier, class_means),
        "bins": _block_summary(_count_bins(train_counts, max_heatmap_classes), classifier, class_means),
    }


def _rows(vectors: VectorSet) -> List[List[Optional[float]]]:
    return [[round_to(value, HEATMAP_PRECISION) if math.isfinite(value) else None for value in row] for row in vectors.cosines.tolist()]


def _count_bins(train_counts: Sequence[int], bin_count: int) -> List[Dict[str, Any]]:
    """Classes sorted by training count (largest first, then by index), cut into ``bin_count`` contiguous near-equal bins."""
    class_count = len(train_counts)
    order = sorted(range(class_count), key=lambda c: (-train_counts[c], c))
    bins = min(bin_count, class_count)
    result = []
    for b in range(bins):
        classes = order[(b * class_count) // bins : ((b + 1) * class_count) // bins]
        first, last = train_counts[classes[0]], train_counts[classes[-1]]
        result.append({"label": f"n={first}" if first == last else f"n={first}–{last}", "classes": classes})
    return result


def _block_summary(groups: List[Dict[str, Any]], classifier: VectorSet, class_means: VectorSet) -> Dict[str, Any]:
    return {"groups": groups, "classifier": _block_means(groups, classifier), "classMeans": _block_means(groups, class_means)}


def _block_means(groups: List[Dict[str, Any]], vectors: VectorSet) -> List[List[Optional[float]]]:
    """Mean cosine over pairs of distinct classes (a in group g, b in group h); None when no pair is defined. The
    groups partition the classes, so with G the class × group membership matrix, Gᵀ X G sums every block at once."""
    cosines = vectors.cosines
    size = cosines.shape[0]
    membership = torch.zeros(size, len(groups), dtype=torch.float64)
    for g, group in enumerate(groups):
        membership[torch.as_tensor(group["classes"], dtype=torch.int64), g] = 1.0
    usable = ~torch.isnan(cosines) & ~torch.eye(size, dtype=torch.bool)
    sums = (membership.T @ torch.where(usable, cosines, torch.zeros_like(cosines)) @ membership).tolist()
    pairs = (membership.T @ usable.to(torch.float64) @ membership).tolist()
    return [
        [round_to(total / count, HEATMAP_PRECISION) if count > 0 else None for total, count in zip(sum_row, pair_row)]
        for sum_row, pair_row in zip(sums, pairs)
    ]
