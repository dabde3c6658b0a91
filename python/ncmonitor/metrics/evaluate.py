"""``evaluate``: the full EvaluationReport of one split of a PyTorch model, streamed over a DataLoader in two passes.

Pass 1 accumulates n_c, S_c, Q_c and the correct predictions (statistics.py); the class means then give Σ_B† and the
centres for NC4; pass 2 counts the nearest-centre mismatches (nearest_centre.py). Under torch.distributed each rank
streams its own shard and both passes are all-reduced (SUM), so every rank gets the global report; shard the data
WITHOUT padding (ncmonitor.distributed.EvaluationShardSampler; DistributedSampler repeats samples to even out shards,
which would count them twice).

Predictions are argmax(W h + b) computed in float64 from the captured h and the classifier's W and b, as
``trainer analyze`` does: the network's own float32 logits can only differ on exact near-ties.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple, Union

import torch
from torch import nn

from ..hooks import FeatureTap, resolve_module
from .config import metrics_config as complete_metrics_config
from .geometry import class_mean_geometry
from .nearest_centre import NearestCentrePass
from .report import build_report, predictions_of
from .statistics import FeatureStatistics

FeatureLayer = Union[str, nn.Module, Callable[..., Any]]


def _unwrap_distributed(model: nn.Module) -> nn.Module:
    """DDP's forward may broadcast buffers, a collective: ranks with different batch counts would hang. The wrapped
    module computes the same thing locally."""
    parallel = getattr(torch.nn.parallel, "DistributedDataParallel", None)
    return model.module if parallel is not None and isinstance(model, parallel) else model


def _classifier(model: nn.Module, classifier_layer: Union[str, nn.Module]) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    if isinstance(classifier_layer, str):
        name, layer = resolve_module(model, classifier_layer)
    elif isinstance(classifier_layer, nn.Module):
        name, layer = "<module>", classifier_layer
    else:
        raise TypeError(f"classifier_layer must be the name of the final nn.Linear (str) or the module itself, got {type(classifier_layer).__name__}")
    weight = getattr(layer, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError(f"classifier_layer {name!r} ({type(layer).__name__}) has no 2-D weight: name the final nn.Linear, whose weight is W (C × d)")
    bias = getattr(layer, "bias", None)
    return weight.detach().to(torch.float64).clone(), None if bias is None else bias.detach().to(torch.float64).clone()


class _FeatureSource:
    """Turns a batch x into features h, per the ``feature_layer`` forms ``evaluate`` accepts."""

    def __init__(self, model: nn.Module, feature_layer: FeatureLayer) -> None:
        self.model = model
        self.tap: Optional[FeatureTap] = None
        self.function: Optional[Callable[[nn.Module, torch.Tensor], torch.Tensor]] = None
        if isinstance(feature_layer, (str, nn.Module)):
            self.tap = FeatureTap(model, feature_layer)
        elif callable(feature_layer):
            parameters = [
                p for p in inspect.signature(feature_layer).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if len(parameters) >= 2:
                self.function = feature_layer
            else:
                module = feature_layer(model)
                if not isinstance(module, nn.Module):
                    raise TypeError(
                        "a one-argument feature_layer callable must return the feature module (e.g. lambda m: m.backbone); "
                        "a two-argument one must return the features: lambda model, x: model.backbone(x)"
                    )
                self.tap = FeatureTap(model, module)
        else:
            raise TypeError(f"feature_layer must be a module name, an nn.Module or a callable, got {type(feature_layer).__name__}")

    def __enter__(self) -> "_FeatureSource":
        if self.tap is not None:
            self.tap.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.tap is not None:
            self.tap.close()

    def __call__(self, x: Any) -> torch.Tensor:
        if self.function is not None:
            h = self.function(self.model, x)
            return h.reshape(h.shape[0], -1)
        assert self.tap is not None
        self.tap.clear()
        self.model(x)
        return self.tap.pop()


def _batches(loader: Any, device: torch.device) -> Iterator[Tuple[Any, torch.Tensor]]:
    for index, batch in enumerate(loader):
        if isinstance(batch, Mapping) or not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise TypeError(f"batch {index} of the loader is a {type(batch).__name__}: evaluate needs a loader that yields (x, y) pairs")
        x, y = batch[0], batch[1]
        x = x.to(device) if isinstance(x, torch.Tensor) else x
        yield x, torch.as_tensor(y)


def evaluate(
    model: nn.Module,
    loader: Any,
    *,
    feature_layer: FeatureLayer,
    classifier_layer: Union[str, nn.Module],
    epoch: int,
    split: str,
    train_counts: Any,
    metrics_config: Optional[Mapping[str, Any]] = None,
    train_class_means: Optional[torch.Tensor] = None,
    device: Optional[Union[str, torch.device]] = None,
    distributed: bool = False,
    group: Any = None,
    per_class_moments: Optional[bool] = None,
) -> Tuple[Dict[str, Any], torch.Tensor]:
    """The EvaluationReport (src/protocol/metrics.ts) of ``split`` and its class means.

    - ``feature_layer``: the name of the module whose OUTPUT is h (``module.`` prefixes of DataParallel/DDP are
      resolved), the module itself, ``lambda m: m.backbone`` (returns the module), or ``lambda model, x: ...`` (returns h).
    - ``classifier_layer``: the name of the final nn.Linear; W and b are read from it once.
    - ``train_counts``: training samples per class (shot groups, tail, norm slopes), on every split.
    - ``metrics_config``: the run config's ``metrics`` object (camelCase; TS defaults for what is missing).
    - ``train_class_means``: the class means returned by the train-split call; NC4 on test then uses them
      (``nearestCentreMeans: "train"``), as the TypeScript trainer does.
    - ``distributed``: each rank passes its own shard; both passes are all-reduced over ``group``.
    Returns ``(report, class_means)``: class means are C × d float64 on the CPU, NaN rows for absent classes.
    The model is put in eval mode for the passes and back in its previous mode afterwards.
    """
    config = complete_metrics_config(metrics_config)
    network = _unwrap_distributed(model)
    weights, bias = _classifier(network, classifier_layer)
    class_count, feature_dim = weights.shape
    if device is None:
        parameter = next(network.parameters(), None)
        device = parameter.device if parameter is not None else torch.device("cpu")
    device = torch.device(device)
    w, b = weights.to(device), (bias if bias is not None else torch.zeros(class_count, dtype=torch.float64)).to(device)
    if train_class_means is not None:
        train_class_means = torch.as_tensor(train_class_means)
        if tuple(train_class_means.shape) != (class_count, feature_dim):
            raise ValueError(f"train_class_means has shape {tuple(train_class_means.shape)}, expected C × d = {class_count} × {feature_dim}")

    was_training = network.training
    network.eval()
    try:
        with torch.no_grad(), _FeatureSource(network, feature_layer) as features_of:
            statistics = FeatureStatistics(class_count, feature_dim, per_class_moments=per_class_moments, device=device)
            for x, y in _batches(loader, device):
                h = features_of(x).to(device=device, dtype=torch.float64)
                statistics.add(h, y, predictions_of(h, w, b))
            if distributed:
                statistics.all_reduce_(group)
            geometry = class_mean_geometry(statistics, config["centring"])
            centres = geometry.means_for_nearest_centre() if train_class_means is None else train_class_means
            nearest = NearestCentrePass(centres, device=device)
            for x, y in _batches(loader, device):
                h = features_of(x).to(device=device, dtype=torch.float64)
                nearest.add(h, y, predictions_of(h, w, b))
            if distributed:
                nearest.all_reduce_(group)
    finally:
        network.train(was_training)
    report = build_report(
        epoch=epoch,
        split=split,
        statistics=statistics,
        geometry=geometry,
        nearest=nearest,
        weights=weights,
        bias=bias,
        train_counts=train_counts,
        config=config,
        nearest_centre_means="own" if train_class_means is None else "train",
    )
    return report, geometry.means_for_nearest_centre().cpu()
