"""How one epoch is trained (EpochPlan of src/trainer/methods/method.ts): the default is every sample once in random
order, every trainable parameter, the run's schedule. A decoupled second stage (cRT) changes all four."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

SAMPLINGS = ("instance", "class-balanced")


@dataclass(frozen=True)
class EpochPlan:
    sampling: str = "instance"
    """instance: each sample once per epoch; class-balanced: a class drawn uniformly, then a sample of it (with replacement)."""
    classifier_only: bool = False
    """Only W and b are trained and the body runs in eval mode (batch norm frozen, no gradient): a decoupled stage."""
    reset_optimizer: bool = False
    """Start the optimiser afresh before this epoch (no momentum or Adam moments carried over)."""
    learning_rate: Optional[Callable[[float], float]] = None
    """The rate at progress ∈ [0, 1) through this epoch; None: the run's schedule."""

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"EpochPlan.sampling must be one of {SAMPLINGS}, got {self.sampling!r}")


DEFAULT_EPOCH_PLAN = EpochPlan()
