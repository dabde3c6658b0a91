"""Minority-collapse indicators (Fang, He, Long & Su, PNAS 2021, Layer-Peeled Model), ported from
src/trainer/metrics/minorityCollapse.ts: as imbalance grows, the classifier rows of the minority classes converge to
one direction (pairwise cosine → 1) and shrink, and their recall falls to zero. Live indicators (DOMAIN.md):
- mean pairwise cos(w_i, w_j) among tail classes vs among head classes, against the simplex-ETF value −1/(C − 1);
- the least-squares slope of ‖w_c‖ against ln n_c (≈ 0 for an ETF, positive under imbalance);
- the same two on the centred class means μ_c − μ_G;
- per class, cos(w_c, μ_c − μ_G) (self-duality, NC3 per class).
"Head" is every class that is not tail. n_c is always the TRAINING count, whatever split the features come from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch

from .groups import shot_groups
from .jsformat import js_round, js_string
from .vectors import VectorSet, finite_or_null, least_squares_slope, mean, mean_pairwise_cosine


@dataclass
class TailSelection:
    tail_classes: List[int]
    head_classes: List[int]
    diagnostics: List[str] = field(default_factory=list)


def select_tail_classes(train_counts: Sequence[int], tail: Mapping[str, Any]) -> TailSelection:
    """Tail classes per ``metrics.tail``: the Few-shot group (Medium when Few is empty), the smallest fraction of the
    classes (at equal counts the higher index is tail, as long-tail profiles order classes), or an explicit list."""
    class_count = len(train_counts)
    diagnostics: List[str] = []
    by = tail["by"]
    if by == "shot":
        groups = shot_groups(train_counts)
        tail_classes = list(groups["few"]) if groups["few"] else list(groups["medium"])
        if not groups["few"] and groups["medium"]:
            diagnostics.append("tail: no Few-shot class (< 20 training samples), so the Medium-shot classes (20–100) count as tail")
        if not tail_classes:
            diagnostics.append('tail: every class has more than 100 training samples, so there is no tail by shot; set metrics.tail.by to "fraction"')
    elif by == "fraction":
        size = max(1, min(class_count - 1, int(js_round(tail["fraction"] * class_count))))
        order = sorted(range(class_count), key=lambda c: (train_counts[c], -c))
        tail_classes = order[:size]
    elif by == "classes":
        valid: Dict[int, None] = {}
        for c in tail["classes"]:
            if float(c).is_integer() and 0 <= c < class_count:
                valid[int(c)] = None
            else:
                diagnostics.append(f"metrics.tail.classes: class {js_string(c)} is outside [0, {class_count}) and was ignored")
        tail_classes = list(valid)
        if not tail_classes:
            diagnostics.append("metrics.tail.classes names no valid class: there is no tail to watch")
    else:
        raise ValueError(f"metrics.tail.by must be shot, fraction or classes, got {by!r}")
    tail_classes.sort()
    tail_set = set(tail_classes)
    head_classes = [c for c in range(class_count) if c not in tail_set]
    if len(tail_classes) == 1:
        diagnostics.append(f"tail: only class {tail_classes[0]} is tail, so there is no tail pair to take a cosine of")
    return TailSelection(tail_classes, head_classes, diagnostics)


def minority_collapse_indicators(
    *,
    weights: torch.Tensor,
    centred_means: torch.Tensor,
    classifier: VectorSet,
    class_means: VectorSet,
    train_counts: Sequence[int],
    tail_by: str,
    selection: TailSelection,
) -> Dict[str, Any]:
    class_count = weights.shape[0]
    tail_classes, head_classes = selection.tail_classes, selection.head_classes
    present_set = set(class_means.classes)
    cosines = classifier.cosines

    def present(classes: List[int]) -> List[int]:
        return [c for c in classes if c in present_set]

    per_class: List[Optional[float]] = []
    if tail_classes:
        # Per tail class: the mean of its row's cosines to the other tail rows, undefined (NaN) entries left out.
        index = torch.as_tensor(tail_classes, dtype=torch.int64)
        block = cosines[index][:, index]
        usable = ~torch.isnan(block) & ~torch.eye(len(tail_classes), dtype=torch.bool)
        sums = torch.where(usable, block, torch.zeros_like(block)).sum(dim=1).tolist()
        pairs = usable.sum(dim=1).tolist()
        per_class = [finite_or_null(total / count) if count > 0 else None for total, count in zip(sums, pairs)]

    def mean_norm(classes: List[int]) -> Optional[float]:
        return mean([value for value in (float(classifier.norms[c]) for c in classes) if not math.isnan(value)])

    tail_norm, head_norm = mean_norm(tail_classes), mean_norm(head_classes)
    dots = (weights * centred_means).sum(dim=1)
    self_duality: List[Optional[float]] = []
    for c in range(class_count):
        if c not in present_set:
            self_duality.append(None)
            continue
        denominator = float(classifier.norms[c]) * float(class_means.norms[c])
        value = float(dots[c]) / denominator if denominator != 0 else (math.nan if float(dots[c]) == 0 else math.inf)
        self_duality.append(finite_or_null(value))

    return {
        "tailSelection": tail_by,
        "tailClasses": list(tail_classes),
        "headClasses": list(head_classes),
        "etfCosine": -1.0 / (class_count - 1) if class_count > 1 else -1.0,
        "tailClassifierCosine": finite_or_null(mean_pairwise_cosine(cosines, tail_classes)),
        "headClassifierCosine": finite_or_null(mean_pairwise_cosine(cosines, head_classes)),
        "tailClassifierCosinePerClass": per_class,
        "tailToHeadClassifierNormRatio": (
            finite_or_null(tail_norm / head_norm) if tail_norm is not None and head_norm is not None and head_norm > 0 else None
        ),
        "classifierNormSlope": _norm_slope(classifier, classifier.classes, train_counts),
        "tailClassMeanCosine": finite_or_null(mean_pairwise_cosine(class_means.cosines, present(tail_classes))),
        "headClassMeanCosine": finite_or_null(mean_pairwise_cosine(class_means.cosines, present(head_classes))),
        "classMeanNormSlope": _norm_slope(class_means, class_means.classes, train_counts),
        "selfDualityCosine": self_duality,
    }


def _norm_slope(vectors: VectorSet, classes: Sequence[int], train_counts: Sequence[int]) -> Optional[float]:
    """Least-squares slope of ‖v_c‖ on ln n_c over the classes with n_c > 0 and a defined norm."""
    x: List[float] = []
    y: List[float] = []
    for c in classes:
        norm = float(vectors.norms[c])
        if train_counts[c] > 0 and not math.isnan(norm):
            x.append(math.log(train_counts[c]))
            y.append(norm)
    return finite_or_null(least_squares_slope(x, y))
