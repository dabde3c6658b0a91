"""Conversions shared by both passes: batches to float64 tensors, labels checked against C, non-finite rows found."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import torch


def as_float64(values: Any, device: Optional[torch.device] = None) -> torch.Tensor:
    """A float64 copy on ``device``; float32 values convert exactly, so sums match the TypeScript trainer's."""
    tensor = values if isinstance(values, torch.Tensor) else torch.as_tensor(values)
    return tensor.detach().to(device=device, dtype=torch.float64)


def feature_rows(features: Any, feature_dim: int, device: Optional[torch.device]) -> torch.Tensor:
    """Features as N × d float64; conv feature maps (N × ...) are flattened per sample."""
    h = as_float64(features, device)
    if h.dim() == 1 and feature_dim == 1:
        h = h.reshape(-1, 1)
    elif h.dim() > 2:
        h = h.reshape(h.shape[0], -1)
    if h.dim() != 2 or h.shape[1] != feature_dim:
        raise ValueError(f"features have shape {tuple(h.shape)}, expected N × {feature_dim} (the feature dimension d of the accumulator)")
    return h


def label_vector(labels: Any, rows: int, class_count: int, device: Optional[torch.device], what: str = "label") -> torch.Tensor:
    """Integer class indices as int64, one per row, each in [0, C)."""
    tensor = labels if isinstance(labels, torch.Tensor) else torch.as_tensor(labels)
    tensor = tensor.detach().reshape(-1)
    if tensor.numel() != rows:
        raise ValueError(f"{rows} feature rows but {tensor.numel()} {what}s")
    if tensor.is_floating_point():
        if rows > 0 and not bool(torch.all(tensor == torch.round(tensor))):
            row = int(torch.nonzero(tensor != torch.round(tensor))[0])
            raise ValueError(f"{what} {float(tensor[row])} at row {row} is not an integer class index")
    elif tensor.dtype == torch.bool:
        raise ValueError(f"{what}s must be integer class indices, got booleans")
    tensor = tensor.to(device=device, dtype=torch.int64)
    if rows > 0:
        outside = (tensor < 0) | (tensor >= class_count)
        if bool(outside.any()):
            row = int(torch.nonzero(outside)[0])
            raise ValueError(f"{what} {int(tensor[row])} at row {row} is outside [0, {class_count}): the classifier has C = {class_count} rows")
    return tensor


def finite_rows(h: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """Mask of rows without NaN/±Inf, and how many rows were not."""
    mask = torch.isfinite(h).all(dim=1)
    return mask, int(h.shape[0] - int(mask.sum()))
