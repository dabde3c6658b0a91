"""Second pass for NC4 (Papyan et al. 2020), once the class means are known: per class, how many samples have a class
centre strictly nearer than the centre of the class the network predicts, argmax(W h + b). Exact ties count as
agreement, as in src/trainer/metrics/withinClassPass.ts.

NC4 needs the means before it can look at a sample, hence a second pass; on the test split the centres are the
TRAINING class means (the classifier the network's features define). The counts are sums: batches, workers and ranks
merge by addition, provided every rank uses the same (globally reduced) centres.
"""

from __future__ import annotations

from typing import Any, List, Optional

import torch

from .tensors import as_float64, feature_rows, finite_rows, label_vector


class NearestCentrePass:
    """Mismatch counts between the network's prediction and the nearest class centre, per class, float64."""

    def __init__(self, centres: Any, *, device: Optional[torch.device] = None) -> None:
        """``centres``: C × d class means; rows that are all NaN (a class without samples) are no centre."""
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        means = as_float64(centres, self.device)
        if means.dim() != 2:
            raise ValueError(f"class centres must be a C × d matrix, got shape {tuple(means.shape)}")
        self.class_count, self.feature_dim = int(means.shape[0]), int(means.shape[1])
        usable = torch.isfinite(means).all(dim=1)
        self.centre_classes = torch.nonzero(usable).reshape(-1)
        # Centring on the mean of the centres keeps ‖h − μ_c‖² well conditioned; the common ‖h − ref‖² is dropped.
        reference = means[usable].mean(dim=0) if bool(usable.any()) else torch.zeros(self.feature_dim, dtype=torch.float64, device=self.device)
        self._reference = reference
        self._centres = means[usable] - reference
        self._centre_norms = (self._centres * self._centres).sum(dim=1)
        column = torch.full((self.class_count,), -1, dtype=torch.int64, device=self.device)
        column[self.centre_classes] = torch.arange(self.centre_classes.numel(), device=self.device)
        self._column = column
        self.counts = torch.zeros(self.class_count, dtype=torch.float64, device=self.device)
        self.mismatches = torch.zeros(self.class_count, dtype=torch.float64, device=self.device)
        self.predicted = torch.zeros(1, dtype=torch.float64, device=self.device)
        self.skipped = torch.zeros(1, dtype=torch.float64, device=self.device)

    def add(self, features: Any, labels: Any, predictions: Any) -> "NearestCentrePass":
        h = feature_rows(features, self.feature_dim, self.device)
        y = label_vector(labels, h.shape[0], self.class_count, self.device)
        p = label_vector(predictions, h.shape[0], self.class_count, self.device, "prediction")
        mask, skipped = finite_rows(h)
        if skipped:
            self.skipped += skipped
            h, y, p = h[mask], y[mask], p[mask]
        rows = h.shape[0]
        if rows == 0:
            return self
        self.counts.index_add_(0, y, torch.ones(rows, dtype=torch.float64, device=self.device))
        self.predicted += rows
        if self._centres.shape[0] == 0:
            return self
        # ‖h − μ_c‖² − ‖h − ref‖² = ‖μ_c − ref‖² − 2 (h − ref)·(μ_c − ref)
        distances = self._centre_norms.unsqueeze(0) - 2.0 * ((h - self._reference) @ self._centres.T)
        nearest = distances.min(dim=1).values
        column = self._column[p]
        has_centre = column >= 0
        predicted_distance = torch.full((rows,), float("inf"), dtype=torch.float64, device=self.device)
        predicted_distance[has_centre] = distances[has_centre, column[has_centre]]
        mismatch = (nearest < predicted_distance).to(torch.float64)
        self.mismatches.index_add_(0, y, mismatch)
        return self

    def _fields(self) -> List[torch.Tensor]:
        return [self.counts, self.mismatches, self.predicted, self.skipped]

    def merge_(self, other: "NearestCentrePass") -> "NearestCentrePass":
        if (other.class_count, other.feature_dim) != (self.class_count, self.feature_dim):
            raise ValueError(f"cannot merge a nearest-centre pass over {other.class_count} × {other.feature_dim} into {self.class_count} × {self.feature_dim}")
        for mine, theirs in zip(self._fields(), other._fields()):
            mine += theirs.to(mine.device)
        return self

    def all_reduce_(self, group: Any = None) -> "NearestCentrePass":
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError("all_reduce_ needs torch.distributed: call torch.distributed.init_process_group first")
        for field in self._fields():
            dist.all_reduce(field, op=dist.ReduceOp.SUM, group=group)
        return self

    @property
    def predicted_samples(self) -> int:
        return int(self.predicted.item())
