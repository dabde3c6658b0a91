"""Every metric on each configured split, through ``ncmonitor.metrics.evaluate`` (the same EvaluationReport the TS
trainer sends): train first, so that the test split's nearest-centre rule (NC4) uses the training class means.

A method may replace the classifier that predicts (post-hoc logit adjustment, LDAM's cosine classifier): the
metrics then see a view of the model whose ``classifier`` is that one, so W, NC3 and the predictions describe it.

The metrics stream the split twice (class means first, then the nearest-centre pass). The body's forward pass is the
expensive part, so the features of a split are computed once and both passes read them back, when they fit in
FEATURE_CACHE_BYTES; larger splits are streamed through the network twice.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

from .data.preprocess import DeviceImages
from .methods import TrainingMethod
from .models import ClassifierNetwork

EVALUATION_BATCH = 256
FEATURE_CACHE_BYTES = 1 << 30


class SplitLoader:
    """Batches (x, y) of one split in order, without augmentation; iterable any number of times (two-pass metrics)."""

    def __init__(self, images: DeviceImages, batch_size: int = EVALUATION_BATCH) -> None:
        self.images = images
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        device = self.images.pixels.device
        for start in range(0, self.images.count, self.batch_size):
            indices = torch.arange(start, min(start + self.batch_size, self.images.count), device=device)
            yield self.images.batch(indices), self.images.labels.index_select(0, indices)


class FeatureLoader:
    """Batches (h, y) of features computed once; iterable any number of times."""

    def __init__(self, features: torch.Tensor, labels: torch.Tensor, batch_size: int = 4096) -> None:
        self.features = features
        self.labels = labels
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        for start in range(0, self.features.shape[0], self.batch_size):
            yield self.features[start : start + self.batch_size], self.labels[start : start + self.batch_size]


class _Head(nn.Module):
    """A view for features that are already computed: ``features`` is the identity, ``classifier`` the model's."""

    def __init__(self, classifier: nn.Module) -> None:
        super().__init__()
        self.features = nn.Identity()
        self.classifier = classifier

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(h))


def _cached_split(view: nn.Module, images: DeviceImages) -> Optional[Tuple[nn.Module, FeatureLoader]]:
    """The split's features through ``view.features`` once, or None when they would not fit the cache budget."""
    feature_dim = view.classifier.weight.shape[1]
    if images.count * feature_dim * 4 > FEATURE_CACHE_BYTES:
        return None
    chunks = []
    with torch.no_grad():
        for x, _ in SplitLoader(images):
            chunks.append(view.features(x).reshape(x.shape[0], -1).float())
    features = torch.cat(chunks) if chunks else torch.zeros(0, feature_dim, device=images.labels.device)
    return _Head(view.classifier), FeatureLoader(features, images.labels)

    def __len__(self) -> int:
        return (self.images.count + self.batch_size - 1) // self.batch_size


class EvaluationView(nn.Module):
    """The model's feature body with another linear classifier (bias None: a classifier without bias)."""

    def __init__(self, features: nn.Module, weight: torch.Tensor, bias: Optional[torch.Tensor]) -> None:
        super().__init__()
        self.features = features
        self.classifier = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
        with torch.no_grad():
            self.classifier.weight.copy_(weight)
            if bias is not None:
                self.classifier.bias.copy_(bias)
        self.classifier.to(weight.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def evaluation_model(model: ClassifierNetwork, method: TrainingMethod) -> nn.Module:
    replaced = method.evaluation_classifier(model.classifier.weight.detach(), model.classifier.bias.detach())
    if replaced is None:
        return model
    return EvaluationView(model.features, replaced[0].detach(), None if replaced[1] is None else replaced[1].detach())


def evaluate_splits(
    model: ClassifierNetwork,
    method: TrainingMethod,
    splits: Mapping[str, DeviceImages],
    names: Sequence[str],
    *,
    epoch: int,
    train_counts: Sequence[int],
    metrics_config: Mapping[str, Any],
    device: torch.device,
) -> List[Dict[str, Any]]:
    from ..metrics import evaluate  # needs PyTorch; imported here so that config errors do not wait for it

    was_training = model.training
    model.eval()
    try:
        view = evaluation_model(model, method)
        view.eval()
        reports: List[Dict[str, Any]] = []
        train_class_means = None
        for split in sorted(names, key=lambda name: 0 if name == "train" else 1):
            cached = _cached_split(view, splits[split])
            model_for_metrics, loader = cached if cached is not None else (view, SplitLoader(splits[split]))
            report, class_means = evaluate(
                model_for_metrics,
                loader,
                feature_layer="features",
                classifier_layer="classifier",
                epoch=epoch,
                split=split,
                train_counts=list(train_counts),
                metrics_config=dict(metrics_config),
                train_class_means=train_class_means,
                device=device,
            )
            if split == "train":
                train_class_means = class_means
            reports.append(report)
        return reports
    finally:
        model.train(was_training)
