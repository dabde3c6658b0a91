"""Helpers for evaluating under torch.distributed (torchrun).

``EvaluationShardSampler`` gives rank r the samples r, r + W, r + 2W, … and nothing else. ``DistributedSampler``
is right for training but wrong for metrics: it pads the shards to equal length by repeating samples, and a repeated
sample is counted twice in n_c, S_c, Q_c and NC4 after the all-reduce.
"""

from __future__ import annotations

from typing import Iterator, Optional

from torch.utils.data import Sampler


def _default(value: Optional[int], name: str) -> int:
    if value is not None:
        return value
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError(f"pass {name} explicitly, or call torch.distributed.init_process_group first")
    return dist.get_rank() if name == "rank" else dist.get_world_size()


class EvaluationShardSampler(Sampler):
    """Every sample on exactly one rank, in dataset order, no padding (shards may differ in length by one)."""

    def __init__(self, dataset_or_length, rank: Optional[int] = None, world_size: Optional[int] = None) -> None:
        self.length = dataset_or_length if isinstance(dataset_or_length, int) else len(dataset_or_length)
        self.rank = _default(rank, "rank")
        self.world_size = _default(world_size, "world_size")
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} is outside [0, {self.world_size})")

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.length, self.world_size))

    def __len__(self) -> int:
        return len(range(self.rank, self.length, self.world_size))


def is_main_process() -> bool:
    """True outside torch.distributed and on rank 0: the one process that reports."""
    import torch.distributed as dist

    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0
