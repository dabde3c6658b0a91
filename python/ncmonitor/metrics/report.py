"""The EvaluationReport of src/protocol/metrics.ts (every field, same names and rules) from finished passes, ported
from ``buildEvaluationReport`` in src/trainer/metrics/index.ts; the diagnostics say the same things in the same words
and order. ``evaluation_report`` runs both passes on arrays in memory (what ``trainer analyze`` does on .npy files).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from .config import metrics_config as complete_metrics_config
from .cosine_matrices import cosine_matrices
from .geometry import ClassMeanGeometry, class_mean_geometry
from .groups import overall_accuracy, recall_per_class, shot_group_accuracy, shot_groups
from .jsformat import to_exponential
from .minority import minority_collapse_indicators, select_tail_classes
from .nearest_centre import NearestCentrePass
from .neural_collapse import nc1_metrics, nc2_metrics, nc3_metric, nc4_metrics
from .statistics import FeatureStatistics
from .tensors import as_float64, label_vector
from .vectors import class_mean_vectors, classifier_vectors, finite_or_null

SPLITS = ("train", "test")
ROWS_PER_BLOCK = 4096


def check_train_counts(train_counts: Any, class_count: int) -> List[int]:
    counts = list(train_counts.tolist() if hasattr(train_counts, "tolist") else train_counts)
    if len(counts) != class_count:
        raise ValueError(f"train_counts has {len(counts)} entries, expected one per class ({class_count})")
    result = []
    for c, count in enumerate(counts):
        if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0 or not float(count).is_integer():
            raise ValueError(f"train_counts[{c}] = {count!r} is not a count (a non-negative integer)")
        result.append(int(count))
    return result


def classifier_tensors(weights: Any, bias: Any, feature_dim: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """W (C × d) and b (C) as float64 CPU tensors; a missing bias is 0."""
    w = as_float64(weights, torch.device("cpu"))
    if w.dim() != 2 or w.shape[1] != feature_dim:
        raise ValueError(f"classifier weights have shape {tuple(w.shape)}, expected C × {feature_dim} (nn.Linear layout: one row per class)")
    b = torch.zeros(w.shape[0], dtype=torch.float64) if bias is None else as_float64(bias, torch.device("cpu")).reshape(-1)
    if b.numel() != w.shape[0]:
        raise ValueError(f"classifier bias has {b.numel()} values, expected one per class ({w.shape[0]})")
    return w, b


def predictions_of(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """argmax(W h + b) in float64, ties to the lowest index; NaN logits never win (all NaN → class 0), as in TS."""
    logits = features.to(torch.float64) @ weights.to(features.device).T + bias.to(features.device)
    nan = torch.isnan(logits)
    if bool(nan.any()):
        logits = logits.masked_fill(nan, float("-inf"))
    return torch.argmax(logits, dim=1)


def _list_classes(classes: Sequence[int]) -> str:
    shown = ", ".join(str(c) for c in classes[:20])
    more = f" and {len(classes) - 20} more" if len(classes) > 20 else ""
    return f"class{'' if len(classes) == 1 else 'es'} {shown}{more}"


def build_report(
    *,
    epoch: int,
    split: str,
    statistics: FeatureStatistics,
    geometry: ClassMeanGeometry,
    nearest: NearestCentrePass,
    weights: Any,
    bias: Any,
    train_counts: Any,
    config: Optional[Mapping[str, Any]] = None,
    nearest_centre_means: str = "own",
) -> Dict[str, Any]:
    """The report from finished (merged or all-reduced) passes. ``config``: the run config's ``metrics`` object."""
    metrics = complete_metrics_config(config)
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if nearest_centre_means not in ("own", "train"):
        raise ValueError(f"nearest_centre_means must be 'own' or 'train', got {nearest_centre_means!r}")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
    C, d = geometry.class_count, geometry.feature_dim
    w, _ = classifier_tensors(weights, bias, d)
    if w.shape[0] != C:
        raise ValueError(f"the classifier has {w.shape[0]} rows but the statistics were accumulated for C = {C} classes")
    counts = check_train_counts(train_counts, C)
    if statistics.predicted_samples not in (0, statistics.sample_count):
        raise ValueError(
            f"predictions were given for {statistics.predicted_samples} of {statistics.sample_count} samples: pass predictions "
            "to FeatureStatistics.add for every batch, or for none"
        )
    if nearest.predicted_samples != statistics.sample_count or not torch.equal(nearest.counts.cpu(), statistics.class_counts.cpu()):
        raise ValueError(
            f"the second pass saw {nearest.predicted_samples} samples (per class {[int(v) for v in nearest.counts.tolist()]}) but the "
            f"first saw {statistics.sample_count} ({[int(v) for v in statistics.class_counts.tolist()]}): feed both passes the same "
            "data (a loader without random subsets; shuffling is fine)"
        )
    diagnostics: List[str] = []

    present_set = set(geometry.present_classes)
    absent = [c for c in range(C) if c not in present_set]
    if absent:
        diagnostics.append(
            f"{_list_classes(absent)} {'has' if len(absent) == 1 else 'have'} no samples in the {split} split: left out of the class-mean "
            f"metrics (NC1, NC2 on means, NC3, per-class values are null), C = {len(geometry.present_classes)} present classes"
        )
    if d < C - 1:
        diagnostics.append(
            f"feature dimension d = {d} < C − 1 = {C - 1}: the classes cannot form a simplex ETF, so the max-angle forms of NC2 and NC3 "
            "cannot reach 0; raise model.featureDim to at least C − 1 to watch collapse to an ETF"
        )
    else:
        expected = min(d, len(geometry.present_classes) - 1)
        if geometry.rank < expected:
            diagnostics.append(
                f"Σ_B has rank {geometry.rank} (expected {expected}): some class means are linearly dependent at the relative cut-off "
                f"{to_exponential(geometry.relative_tolerance, 1)}; NC1 counts within-class spread only in the {geometry.rank} kept directions"
            )
    skipped = statistics.skipped_non_finite
    if skipped > 0:
        diagnostics.append(f"{skipped} sample{'' if skipped == 1 else 's'} with NaN or infinite features {'was' if skipped == 1 else 'were'} skipped")
    raw_w, raw_b = as_float64(weights, torch.device("cpu")), None if bias is None else as_float64(bias, torch.device("cpu"))
    if not bool(torch.isfinite(raw_w).all()) or (raw_b is not None and not bool(torch.isfinite(raw_b).all())):
        diagnostics.append("the classifier weights or bias contain NaN or infinite values: the classifier metrics are undefined (training diverged?)")

    cpu = torch.device("cpu")
    centred = geometry.centred_means.to(cpu)
    present = geometry.present.to(cpu)
    classifier_set = classifier_vectors(w)
    class_mean_set = class_mean_vectors(centred, present, geometry.present_classes)

    nc1 = nc1_metrics(statistics, geometry, diagnostics)
    nc3 = nc3_metric(_on_cpu(geometry), w)
    if nc3 is None:
        diagnostics.append("NC3 is undefined: W or M has zero Frobenius norm on the present classes")
    nc4 = nc4_metrics(nearest)

    selection = select_tail_classes(counts, metrics["tail"])
    diagnostics.extend(selection.diagnostics)
    minority = minority_collapse_indicators(
        weights=w,
        centred_means=centred,
        classifier=classifier_set,
        class_means=class_mean_set,
        train_counts=counts,
        tail_by=metrics["tail"]["by"],
        selection=selection,
    )

    class_counts = statistics.class_counts.tolist()
    correct = statistics.correct_predictions.tolist()
    recall = recall_per_class(correct, class_counts)
    classifier_norms = classifier_set.norms.tolist()
    mean_norms = class_mean_set.norms.tolist()
    return {
        "epoch": epoch,
        "split": split,
        "sampleCount": int(sum(class_counts)),
        "classCount": C,
        "featureDim": d,
        "centring": geometry.centring,
        "classCounts": [int(count) for count in class_counts],
        "trainCounts": counts,
        "presentClassCount": len(geometry.present_classes),
        "betweenClassRank": geometry.rank,
        "withinClassVariance": nc1["withinClassVariance"],
        "betweenClassVariance": finite_or_null(geometry.between_class_variance),
        "nc1": nc1["nc1"],
        "nc1PerClass": nc1["nc1PerClass"],
        "nc2": nc2_metrics(classifier_set, class_mean_set),
        "nc3": nc3,
        "nc4": nc4["nc4"],
        "nc4PerClass": nc4["nc4PerClass"],
        "nearestCentreMeans": nearest_centre_means,
        "accuracy": overall_accuracy(correct, class_counts) if statistics.predicted_samples > 0 else None,
        "recallPerClass": recall if statistics.predicted_samples > 0 else [None] * C,
        "shotGroupAccuracy": shot_group_accuracy(recall if statistics.predicted_samples > 0 else [None] * C, counts),
        "shotGroups": shot_groups(counts),
        "minorityCollapse": minority,
        "classifierNorms": [finite_or_null(value) for value in classifier_norms],
        "classMeanNorms": [finite_or_null(value) if bool(present[c]) else None for c, value in enumerate(mean_norms)],
        "cosineMatrices": cosine_matrices(classifier_set, class_mean_set, counts, metrics["maxHeatmapClasses"]),
        "diagnostics": diagnostics,
    }


def _on_cpu(geometry: ClassMeanGeometry) -> ClassMeanGeometry:
    if geometry.centred_means.device.type == "cpu":
        return geometry
    from dataclasses import replace

    return replace(geometry, centred_means=geometry.centred_means.cpu(), present=geometry.present.cpu())


def evaluation_report(
    features: Any,
    labels: Any,
    weights: Any,
    bias: Any = None,
    *,
    epoch: int = 0,
    split: str = "train",
    train_counts: Any = None,
    metrics_config: Optional[Mapping[str, Any]] = None,
    train_class_means: Any = None,
    predictions: Any = None,
    per_class_moments: Optional[bool] = None,
) -> Tuple[Dict[str, Any], torch.Tensor]:
    """Both passes on features held in memory: H (N × d), y (N), W (C × d), b (C). Returns the report and the class
    means (C × d float64, NaN rows for classes without samples; pass the training split's as ``train_class_means``
    when evaluating test). ``train_counts`` defaults to the label counts (right when H is the training set), as in
    ``trainer analyze``; predictions default to argmax(W h + b) in float64."""
    h = as_float64(features)
    if h.dim() != 2:
        raise ValueError(f"features must be a 2-D array N × d, got shape {tuple(h.shape)}")
    w, b = classifier_tensors(weights, bias, h.shape[1])
    C, d = w.shape[0], h.shape[1]
    y = label_vector(labels, h.shape[0], C, None)
    if train_counts is None:
        train_counts = torch.bincount(y, minlength=C).tolist()
    # Row blocks keep the N × C logits and distances small (50,000 × 1,000 doubles would be 400 MB each).
    blocks = [slice(start, start + ROWS_PER_BLOCK) for start in range(0, h.shape[0], ROWS_PER_BLOCK)]
    if predictions is None:
        p = torch.cat([predictions_of(h[block], w, b) for block in blocks]) if blocks else torch.zeros(0, dtype=torch.int64)
    else:
        p = label_vector(predictions, h.shape[0], C, None, "prediction")
    statistics = FeatureStatistics(C, d, per_class_moments=per_class_moments)
    for block in blocks:
        statistics.add(h[block], y[block], p[block])
    config = complete_metrics_config(metrics_config)
    geometry = class_mean_geometry(statistics, config["centring"])
    centres = geometry.means_for_nearest_centre() if train_class_means is None else train_class_means
    nearest = NearestCentrePass(centres)
    for block in blocks:
        nearest.add(h[block], y[block], p[block])
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
    return report, geometry.means_for_nearest_centre()
