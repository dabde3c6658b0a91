"""Norms, cosines and the small statistics of NC2 and minority collapse, as src/trainer/metrics/vectorMath.ts and
neuralCollapse.ts define them. NaN marks "undefined" inside this package; ``finite_or_null`` turns it into the None
(JSON null) that the report schema wants, since zod numbers reject NaN and ±Infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch

NAN = float("nan")


def finite_or_null(value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass
class VectorSet:
    """Norms and pairwise cosines of C vectors (classifier rows or centred class means)."""

    #: Classes the set is defined on (all for W, present ones for class means), ascending.
    classes: List[int]
    #: Norm per class index, NaN where undefined.
    norms: torch.Tensor
    #: C × C cosines, NaN where undefined; the diagonal of a usable row is exactly 1.
    cosines: torch.Tensor


def cosine_matrix(rows: torch.Tensor, included: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cosines of every pair of rows; rows outside ``included`` or of zero norm get NaN. Clamped to [−1, 1]: rounding
    can push the cosine of two equal unit vectors a few ulps past 1."""
    norms = rows.norm(dim=1)
    usable = norms > 0
    if included is not None:
        usable = usable & included
    unit = torch.where(usable.unsqueeze(1), rows / torch.where(usable, norms, torch.ones_like(norms)).unsqueeze(1), torch.zeros_like(rows))
    cosines = (unit @ unit.T).clamp(-1.0, 1.0)
    cosines.fill_diagonal_(1.0)
    defined = usable.unsqueeze(0) & usable.unsqueeze(1)
    return torch.where(defined, cosines, torch.full_like(cosines, NAN))


def classifier_vectors(weights: torch.Tensor) -> VectorSet:
    """A W with any NaN or infinite entry (a diverged run) is undefined as a whole: every classifier quantity is null."""
    count = weights.shape[0]
    classes = list(range(count))
    norms = weights.norm(dim=1)
    if not bool(torch.isfinite(norms).all()):
        return VectorSet(classes, torch.full_like(norms, NAN), torch.full((count, count), NAN, dtype=torch.float64))
    return VectorSet(classes, norms, cosine_matrix(weights))


def class_mean_vectors(centred_means: torch.Tensor, present: torch.Tensor, present_classes: Sequence[int]) -> VectorSet:
    norms = torch.where(present, centred_means.norm(dim=1), torch.full((centred_means.shape[0],), NAN, dtype=torch.float64))
    return VectorSet(list(present_classes), norms, cosine_matrix(centred_means, present))


def mean(values: Sequence[float]) -> Optional[float]:
    if len(values) == 0:
        return None
    return sum(values) / len(values)


def population_std(values: Sequence[float]) -> Optional[float]:
    """Divisor n: the std over unordered pairs then equals the std over all ordered off-diagonal entries."""
    average = mean(values)
    if average is None:
        return None
    return math.sqrt(sum((value - average) * (value - average) for value in values) / len(values))


def coefficient_of_variation(values: Sequence[float]) -> Optional[float]:
    average = mean(values)
    std = population_std(values)
    if average is None or std is None or average == 0:
        return None
    return std / average


def least_squares_slope(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Slope of y on x; None with fewer than two points or no spread in x (relative test: log counts that differ only by
    rounding are no spread)."""
    if len(x) != len(y) or len(x) < 2:
        return None
    mean_x = sum(x) / len(x)
    mean_y = sum(y) / len(y)
    covariance = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y))
    variance_x = sum((a - mean_x) * (a - mean_x) for a in x)
    if not variance_x > 1e-12 * len(x) * max(1.0, mean_x * mean_x):
        return None
    return covariance / variance_x


def pairwise_values(matrix: torch.Tensor, classes: Sequence[int]) -> List[float]:
    """Entries (i, j), i < j, of a square matrix restricted to ``classes``, skipping NaN."""
    if len(classes) < 2:
        return []
    index = torch.as_tensor(list(classes), dtype=torch.int64)
    block = matrix[index][:, index]
    upper = torch.triu_indices(len(classes), len(classes), offset=1)
    values = block[upper[0], upper[1]]
    return values[~torch.isnan(values)].tolist()


def mean_pairwise_cosine(cosines: torch.Tensor, classes: Sequence[int]) -> Optional[float]:
    return mean(pairwise_values(cosines, classes))
