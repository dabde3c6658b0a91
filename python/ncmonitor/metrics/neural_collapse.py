"""NC1–NC4 of Papyan, Han & Donoho (PNAS 2020), following DOMAIN.md and src/trainer/metrics/neuralCollapse.ts:
- NC1 = tr(Σ_W Σ_B†)/C and per class NC1_c = tr(Σ_W^(c) Σ_B†) (no /C); since Σ_W = (1/N) Σ_c n_c Σ_W^(c),
  NC1 = (1/(N·C)) Σ_c n_c NC1_c, the count-weighted, head-dominated average.
- NC2 equinorm: std/mean of ‖μ_c − μ_G‖ and of ‖w_c‖; equiangularity: population std over pairs c ≠ c′ of the
  cosines; max-angle: mean over pairs of |cos + 1/(C − 1)| (entrywise over pairs, not a matrix norm).
- NC3 = ‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F over the present classes.
- NC4 = fraction of samples whose argmax(W h + b) differs from argmin_c ‖h − μ_c‖.
Formulas on class means use the present classes (C = their number); the classifier-only NC2 forms use every row of W.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import torch

from .geometry import ClassMeanGeometry
from .nearest_centre import NearestCentrePass
from .statistics import FeatureStatistics
from .vectors import VectorSet, coefficient_of_variation, finite_or_null, mean, pairwise_values, population_std


def nc1_metrics(statistics: FeatureStatistics, geometry: ClassMeanGeometry, diagnostics: List[str]) -> Dict[str, Any]:
    """NC1, NC1 per class and tr(Σ_W) from the first-pass moments and the kept directions of Σ_B†."""
    class_count = geometry.class_count
    present = geometry.present_classes
    samples = statistics.sample_count
    nc1: Optional[float] = None
    per_class: List[Optional[float]] = [None] * class_count
    if len(present) < 2:
        diagnostics.append(f"NC1 needs at least two classes with samples; this split has {len(present)}")
    elif geometry.rank == 0:
        diagnostics.append("NC1 is undefined: all class means coincide (Σ_B = 0)")
    else:
        directions, weights = geometry.kept_directions, geometry.pseudo_inverse_weights
        projected = statistics.projected_within_class_scatter(directions, weights)
        if projected is not None:
            counts = statistics.class_counts.tolist()
            values = projected.tolist()
            total = 0.0
            for c in present:
                total += values[c]
                per_class[c] = finite_or_null(values[c] / counts[c]) if counts[c] > 0 else None
        else:
            total = float(statistics.pooled_projected_within_class_scatter(directions, weights))
            diagnostics.append(
                f"per-class NC1 is not reported: per-class second moments would take C·d² = {statistics.moment_entries} values "
                f"({statistics.moment_entries * 8 / 2**20:.0f} MiB), so only the pooled Σ_W was accumulated; "
                "raise max_class_moment_entries to get nc1PerClass"
            )
        nc1 = finite_or_null(total / samples / len(present)) if samples > 0 else None
    traces = statistics.within_class_scatter_traces().tolist()
    within = sum(traces[c] for c in present)
    return {
        "nc1": nc1,
        "nc1PerClass": per_class,
        "withinClassVariance": finite_or_null(within / samples) if samples > 0 else None,
    }


def nc2_metrics(classifier: VectorSet, class_means: VectorSet) -> Dict[str, Optional[float]]:
    def for_set(vectors: VectorSet) -> Dict[str, Optional[float]]:
        norms = [value for value in (float(vectors.norms[c]) for c in vectors.classes) if not math.isnan(value)]
        cosines = pairwise_values(vectors.cosines, vectors.classes)
        size = len(vectors.classes)
        max_angle: Optional[float] = None
        if size >= 2:
            etf = -1.0 / (size - 1)
            max_angle = finite_or_null(mean([abs(cosine - etf) for cosine in cosines]))
        return {
            "normCv": finite_or_null(coefficient_of_variation(norms)),
            "cosineStd": finite_or_null(population_std(cosines)),
            "maxAngle": max_angle,
        }

    means, rows = for_set(class_means), for_set(classifier)
    return {
        "classMeanNormCv": means["normCv"],
        "classifierNormCv": rows["normCv"],
        "classMeanCosineStd": means["cosineStd"],
        "classifierCosineStd": rows["cosineStd"],
        "classMeanMaxAngle": means["maxAngle"],
        "classifierMaxAngle": rows["maxAngle"],
    }


def nc3_metric(geometry: ClassMeanGeometry, weights: torch.Tensor) -> Optional[float]:
    """‖Wᵀ/‖W‖_F − M/‖M‖_F‖²_F over the present classes (rows of W, columns of M)."""
    index = torch.as_tensor(geometry.present_classes, dtype=torch.int64)
    w = weights[index]
    m = geometry.centred_means[index]
    weight_norm = math.sqrt(float((w * w).sum()))
    mean_norm = math.sqrt(float((m * m).sum()))
    if not (weight_norm > 0) or not (mean_norm > 0):
        return None
    difference = w / weight_norm - m / mean_norm
    return finite_or_null(float((difference * difference).sum()))


def nc4_metrics(nearest: NearestCentrePass) -> Dict[str, Any]:
    mismatches = nearest.mismatches.tolist()
    counts = nearest.counts.tolist()
    per_class = [mismatches[c] / counts[c] if counts[c] > 0 else None for c in range(len(counts))]
    predicted = nearest.predicted_samples
    return {"nc4": sum(mismatches) / predicted if predicted > 0 else None, "nc4PerClass": per_class}
