"""What a training method is to the loop (TrainingMethod of src/trainer/methods/method.ts). Hooks, in the order the
loop calls them: ``feature_output`` when the model is built, ``prepare`` once (also on a resume, before the checkpoint
is loaded), per epoch ``plan_epoch``, per step ``loss``, and at each evaluation ``evaluation_classifier``.
``state_dict``/``load_state_dict`` carry what a method learns during the run through a checkpoint."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

import torch
import torch.nn.functional as F

from ..models import ClassifierNetwork
from .plan import DEFAULT_EPOCH_PLAN, EpochPlan

EvaluationClassifier = Tuple[torch.Tensor, Optional[torch.Tensor]]


class TrainingMethod:
    """Cross-entropy; subclasses change the loss and the hooks."""

    name = "cross-entropy"
    feature_output = "relu"

    def prepare(self, model: ClassifierNetwork) -> None:
        """Called once after the model is built (e.g. to fix the classifier)."""

    def plan_epoch(self, epoch: int, model: ClassifierNetwork) -> EpochPlan:
        """How the 1-based ``epoch`` is trained; called before each epoch, also the first one after a resume."""
        return DEFAULT_EPOCH_PLAN

    def loss(self, features: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor, epoch: int, model: ClassifierNetwork) -> torch.Tensor:
        return F.cross_entropy(logits, labels)

    def evaluation_classifier(self, weight: torch.Tensor, bias: torch.Tensor) -> Optional[EvaluationClassifier]:
        """The (W, b or None) that predicts at evaluation, when it is not the model's own classifier."""
        return None

    def state_dict(self) -> Dict[str, Any]:
        """What the method learned during training (none of the methods here learn anything beyond the epoch)."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restores ``state_dict()`` from a checkpoint."""
