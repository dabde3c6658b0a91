"""Class means, their centring, and Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ = (1/C) M Mᵀ through the thin SVD of
M = U S Vᵀ (Papyan, Han & Donoho, PNAS 2020), ported from src/trainer/metrics/betweenClass.ts:

    Σ_B = U diag(σ_k²/C) Uᵀ   and   Σ_B† = U diag(C/σ_k²) Uᵀ   (kept directions only).

- Only directions with σ_k > rtol · σ_max enter Σ_B†, rtol = max(C, d) · 2⁻²³: the numpy/torch pinv rule at float32
  precision, because the features come from a float32 network (a float64 cut-off keeps directions that are rounding
  noise and NC1, which divides by σ_k², explodes). The same cut-off as the TypeScript code, so ranks agree.
- The SVD is of M itself (LAPACK via torch.linalg.svd in float64), never of the Gram matrix, which would square the
  condition number.
- C is the number of PRESENT classes (n_c > 0): absent classes are left out of every mean-based formula.
- μ_G is the mean of the present class means (default: robust to imbalance, DOMAIN.md) or the sample mean Σh/N.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import torch

from .statistics import FeatureStatistics

FLOAT32_EPSILON = 2.0**-23


@dataclass
class ClassMeanGeometry:
    class_count: int
    feature_dim: int
    centring: str
    #: Classes with n_c > 0, ascending.
    present_classes: List[int]
    #: Bool per class index.
    present: torch.Tensor
    #: μ_c, C × d (rows of absent classes are 0).
    class_means: torch.Tensor
    #: μ_G, d.
    global_mean: torch.Tensor
    #: μ_c − μ_G, C × d (rows of absent classes are 0).
    centred_means: torch.Tensor
    #: σ_1 ≥ … of M (min(C_present, d) values).
    singular_values: torch.Tensor
    #: Left singular vectors kept in Σ_B† as columns, d × rank.
    kept_directions: torch.Tensor
    #: C/σ_k² for the kept directions.
    pseudo_inverse_weights: torch.Tensor
    rank: int
    #: tr(Σ_B) = (1/C) Σ_c ‖μ_c − μ_G‖².
    between_class_variance: float
    relative_tolerance: float

    def means_for_nearest_centre(self) -> torch.Tensor:
        """μ_c with NaN rows for classes without samples: the form ``evaluate`` returns and accepts as train means."""
        means = self.class_means.clone()
        means[~self.present] = float("nan")
        return means


def class_mean_geometry(statistics: FeatureStatistics, centring: str = "class-means") -> ClassMeanGeometry:
    if centring not in ("class-means", "sample"):
        raise ValueError(f"centring must be 'class-means' or 'sample', got {centring!r}")
    d = statistics.feature_dim
    present_classes = statistics.present_classes()
    present = statistics.class_counts > 0
    count = len(present_classes)
    class_means = statistics.class_means()
    if centring == "sample":
        total = statistics.class_counts.sum()
        global_mean = statistics.class_sums.sum(dim=0) / total if total > 0 else torch.zeros_like(class_means[0])
    elif count > 0:
        global_mean = class_means[present].sum(dim=0) / count
    else:
        global_mean = torch.zeros_like(class_means[0])
    centred_means = torch.where(present.unsqueeze(1), class_means - global_mean, torch.zeros_like(class_means))
    between_class_variance = float((centred_means * centred_means).sum()) / count if count > 0 else 0.0

    relative_tolerance = max(count, d) * FLOAT32_EPSILON
    if count > 0:
        m = centred_means[present].T  # d × C_present
        u, sigma, _ = torch.linalg.svd(m, full_matrices=False)
    else:
        u = torch.zeros(d, 0, dtype=torch.float64, device=class_means.device)
        sigma = torch.zeros(0, dtype=torch.float64, device=class_means.device)
    largest = float(sigma[0]) if sigma.numel() > 0 else 0.0
    rank = int((sigma > largest * relative_tolerance).sum()) if largest > 0 else 0
    kept = u[:, :rank]
    weights = count / (sigma[:rank] ** 2)
    return ClassMeanGeometry(
        class_count=statistics.class_count,
        feature_dim=d,
        centring=centring,
        present_classes=present_classes,
        present=present,
        class_means=class_means,
        global_mean=global_mean,
        centred_means=centred_means,
        singular_values=sigma,
        kept_directions=kept,
        pseudo_inverse_weights=weights,
        rank=rank,
        between_class_variance=between_class_variance,
        relative_tolerance=relative_tolerance,
    )
