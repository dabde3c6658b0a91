"""First pass over the penultimate features: per-class n_c, S_c = Σ_{i∈c} h_i and Q_c = Σ_{i∈c} h_i h_iᵀ, in float64
(DOMAIN.md), plus the correct-prediction counts that recall and accuracy need.

Every field is a sum, so accumulators of batches, DataLoader workers or torch.distributed ranks merge by addition
(``merge_``, ``all_reduce_``) into exactly the statistics of the whole split.

Per-class Q_c costs C·d² doubles (131 MB at C = 1000, d = 128). Above ``max_class_moment_entries`` the accumulator
keeps one pooled Q = Σ_i h_i h_iᵀ and the per-class Σ‖h_i‖² instead: the pooled NC1 and every tr(Σ_W^(c)) stay
exact, but the per-class NC1_c = tr(Σ_W^(c) Σ_B†) is then unknown (null in the report, with a diagnostic).

Σ_W^(c) = Q_c/n_c − μ_c μ_cᵀ loses digits to cancellation when the within-class spread is tiny against ‖μ_c‖ (deep
collapse); in float64 the loss is ≈ 10⁻¹⁶ · ‖μ_c‖²/tr(Σ_W^(c)), below 10⁻⁸ relative until the spread is 10⁻⁴ of the
mean's norm. (The TypeScript trainer instead centres each sample on μ_c in its second pass; the two agree to that
rounding.)

Rows with NaN or ±Inf (a diverged network) are skipped and counted, so one bad sample does not turn every metric
into NaN.
"""

from __future__ import annotations

from typing import Any, List, Optional

import torch

from .tensors import feature_rows, finite_rows, label_vector

#: Per-class second moments are kept up to this many doubles (C·d²): 2²⁵ doubles = 256 MiB.
DEFAULT_MAX_CLASS_MOMENT_ENTRIES = 2**25


class FeatureStatistics:
    """n_c, S_c, Q_c (or pooled Q + per-class Σ‖h‖²) and correct predictions per class, float64, mergeable by addition."""

    def __init__(
        self,
        class_count: int,
        feature_dim: int,
        *,
        per_class_moments: Optional[bool] = None,
        max_class_moment_entries: int = DEFAULT_MAX_CLASS_MOMENT_ENTRIES,
        device: Optional[torch.device] = None,
    ) -> None:
        if not isinstance(class_count, int) or class_count < 1:
            raise ValueError(f"class_count must be a positive integer, got {class_count!r}")
        if not isinstance(feature_dim, int) or feature_dim < 1:
            raise ValueError(f"feature_dim must be a positive integer, got {feature_dim!r}")
        self.class_count = class_count
        self.feature_dim = feature_dim
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        entries = class_count * feature_dim * feature_dim
        self.per_class_moments = entries <= max_class_moment_entries if per_class_moments is None else bool(per_class_moments)
        self.moment_entries = entries
        zeros = lambda *shape: torch.zeros(*shape, dtype=torch.float64, device=self.device)  # noqa: E731
        self.class_counts = zeros(class_count)
        self.class_sums = zeros(class_count, feature_dim)
        self.class_squared_norms = zeros(class_count)
        self.class_moments: Optional[torch.Tensor] = zeros(class_count, feature_dim, feature_dim) if self.per_class_moments else None
        self.pooled_moment: Optional[torch.Tensor] = None if self.per_class_moments else zeros(feature_dim, feature_dim)
        self.correct_predictions = zeros(class_count)
        # Scalars as tensors so that all_reduce_ sums them with the rest.
        self.predicted = zeros(1)
        self.skipped = zeros(1)

    # -- accumulation -------------------------------------------------------------------------------------------------

    def add(self, features: Any, labels: Any, predictions: Any = None) -> "FeatureStatistics":
        """Adds a batch: features N × d (or N × … flattened), labels N in [0, C), optional predictions N."""
        h = feature_rows(features, self.feature_dim, self.device)
        y = label_vector(labels, h.shape[0], self.class_count, self.device)
        p = None if predictions is None else label_vector(predictions, h.shape[0], self.class_count, self.device, "prediction")
        mask, skipped = finite_rows(h)
        if skipped:
            self.skipped += skipped
            h, y = h[mask], y[mask]
            p = None if p is None else p[mask]
        if h.shape[0] == 0:
            return self
        self.class_counts.index_add_(0, y, torch.ones_like(y, dtype=torch.float64))
        self.class_sums.index_add_(0, y, h)
        self.class_squared_norms.index_add_(0, y, (h * h).sum(dim=1))
        if self.class_moments is not None:
            # Rows sorted by class, then one d × d product per class present in the batch.
            order = torch.argsort(y)
            sorted_rows = h[order]
            classes, sizes = torch.unique_consecutive(y[order], return_counts=True)
            start = 0
            for c, size in zip(classes.tolist(), sizes.tolist()):
                rows = sorted_rows[start : start + size]
                self.class_moments[c] += rows.T @ rows
                start += size
        else:
            assert self.pooled_moment is not None
            self.pooled_moment += h.T @ h
        if p is not None:
            self.predicted += h.shape[0]
            self.correct_predictions.index_add_(0, y, (p == y).to(torch.float64))
        return self

    def _fields(self) -> List[torch.Tensor]:
        fields = [self.class_counts, self.class_sums, self.class_squared_norms, self.correct_predictions, self.predicted, self.skipped]
        fields.append(self.class_moments if self.class_moments is not None else self.pooled_moment)  # type: ignore[arg-type]
        return fields

    def merge_(self, other: "FeatureStatistics") -> "FeatureStatistics":
        """Adds another accumulator's sums into this one (batches, workers, ranks)."""
        if (other.class_count, other.feature_dim, other.per_class_moments) != (self.class_count, self.feature_dim, self.per_class_moments):
            raise ValueError(
                f"cannot merge feature statistics of {other.class_count} classes × {other.feature_dim} dims "
                f"(per-class moments: {other.per_class_moments}) into {self.class_count} × {self.feature_dim} "
                f"(per-class moments: {self.per_class_moments}): create both with the same arguments"
            )
        for mine, theirs in zip(self._fields(), other._fields()):
            mine += theirs.to(mine.device)
        return self

    def all_reduce_(self, group: Any = None) -> "FeatureStatistics":
        """Sums every field over the ranks of ``group`` (torch.distributed, SUM): each rank then holds the global statistics."""
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError("all_reduce_ needs torch.distributed: call torch.distributed.init_process_group first (torchrun sets the environment)")
        for field in self._fields():
            dist.all_reduce(field, op=dist.ReduceOp.SUM, group=group)
        return self

    # -- results ------------------------------------------------------------------------------------------------------

    @property
    def sample_count(self) -> int:
        return int(self.class_counts.sum().item())

    @property
    def skipped_non_finite(self) -> int:
        return int(self.skipped.item())

    @property
    def predicted_samples(self) -> int:
        return int(self.predicted.item())

    def present_classes(self) -> List[int]:
        """Classes with at least one sample, ascending."""
        return torch.nonzero(self.class_counts > 0).reshape(-1).tolist()

    def class_means(self) -> torch.Tensor:
        """μ_c = S_c/n_c (C × d); rows of classes without samples are 0 (see ``present_classes``)."""
        counts = self.class_counts.clamp(min=1).unsqueeze(1)
        return torch.where(self.class_counts.unsqueeze(1) > 0, self.class_sums / counts, torch.zeros_like(self.class_sums))

    def within_class_scatter_traces(self) -> torch.Tensor:
        """Σ_{i∈c} ‖h_i − μ_c‖² = Σ‖h‖² − ‖S_c‖²/n_c per class (0 for absent classes)."""
        counts = self.class_counts.clamp(min=1)
        return self.class_squared_norms - (self.class_sums * self.class_sums).sum(dim=1) / counts

    def projected_within_class_scatter(self, directions: torch.Tensor, weights: torch.Tensor) -> Optional[torch.Tensor]:
        """Per class Σ_{i∈c} (h_i − μ_c)ᵀ P (h_i − μ_c) with P = Σ_k weights_k u_k u_kᵀ (u_k the columns of
        ``directions``, d × r); None without per-class moments."""
        if self.class_moments is None:
            return None
        u = directions.to(self.device)
        w = weights.to(self.device)
        # u_kᵀ Q_c u_k for every c, k: (C, d, d) @ (d, r) → (C, d, r), then the column-wise dot with u.
        quadratic = torch.einsum("cdr,dr->cr", self.class_moments @ u, u)
        counts = self.class_counts.clamp(min=1).unsqueeze(1)
        mean_part = (self.class_sums @ u) ** 2 / counts
        return ((quadratic - mean_part) * w).sum(dim=1)

    def pooled_projected_within_class_scatter(self, directions: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Σ_i (h_i − μ_{y_i})ᵀ P (h_i − μ_{y_i}) over all samples, from Q_c or from the pooled Q."""
        per_class = self.projected_within_class_scatter(directions, weights)
        if per_class is not None:
            return per_class.sum()
        assert self.pooled_moment is not None
        u = directions.to(self.device)
        w = weights.to(self.device)
        quadratic = ((self.pooled_moment @ u) * u).sum(dim=0)
        counts = self.class_counts.clamp(min=1).unsqueeze(1)
        mean_part = ((self.class_sums @ u) ** 2 / counts).sum(dim=0)
        return ((quadratic - mean_part) * w).sum()
