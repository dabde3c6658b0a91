"""The training method of multi-label runs (binaryCrossEntropyMethod.ts): one sigmoid per label, binary cross-entropy
against the multi-hot targets, the mean over the N × C entries. torch's ``binary_cross_entropy_with_logits`` computes
max(z, 0) − z·y + log(1 + e^(−|z|)), the same overflow-free form as the TS loss. ``labels`` of ``loss`` are the batch's
multi-hot rows (float, N × C): the epoch passes them in multi-label runs."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..methods.base import TrainingMethod


class BinaryCrossEntropy(TrainingMethod):
    name = "cross-entropy"

    def loss(self, features, logits, labels, epoch, model) -> torch.Tensor:
        if labels.dim() != 2 or labels.shape != logits.shape:
            raise ValueError("binary cross-entropy needs multi-hot targets (N × C): the epoch passes them in multi-label runs")
        return F.binary_cross_entropy_with_logits(logits, labels)
