"""The multi-label part of an evaluation report (``EvaluationReport.multiLabel``, src/protocol/multiLabel.ts), ported
from src/trainer/methods/multiLabel/{multiLabelReport,labelStatistics,prototypes,binaryCrossEntropy}.ts so both
engines send the same numbers for the same logits, features and labels. Numpy only (no torch).

- Per-label recall TP/(TP + FN) and precision TP/(TP + FP) of the predictions σ(z) > 0.5, i.e. z > 0; macro means over
  the labels with a defined value; exact match (subset accuracy).
- Label statistics (arXiv 2605.01897): p_c = (1/N) Σ_i Y_ic, S = YᵀY/N, Σ_Y = S − ppᵀ and κ_m. The paper's exact κ_m
  is not public; the stand-in is the smallest eigenvalue of Σ_Y above 1e-9 · λ_max (and above 0).
- The prototype check: for each label set S (|S| ≥ 2) whose labels all have single-label samples, the mean feature
  m_S against the uniform synthesis (1/|S|) Σ μ_c and the frequency-weighted one Σ p_c μ_c / Σ p_c (p: training
  label frequencies), as relative errors.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

MULTI_LABEL_THRESHOLD = 0.5
"""A label is predicted where σ(z) > 0.5, i.e. z > 0 (MULTI_LABEL_THRESHOLD in src/protocol/labelsConfig.ts)."""

LISTED_LABEL_SETS = 20


def _as_label_values(labels: Any) -> np.ndarray:
    values = np.asarray(labels)
    if values.ndim != 2:
        raise ValueError(f"labels must be an N × C 0/1 matrix, got shape {values.shape}")
    if values.size and not np.isin(values, (0, 1)).all():
        raise ValueError("labels must hold only 0 and 1")
    return values.astype(np.uint8)


def _finite_or_none(value: Optional[float]) -> Optional[float]:
    return None if value is None or not np.isfinite(value) else float(value)


def _mean_of_defined(values: Sequence[Optional[float]]) -> Optional[float]:
    defined = [value for value in values if value is not None]
    return None if not defined else sum(defined) / len(defined)


def per_label_scores(logits: Any, labels: Any) -> Dict[str, Any]:
    """Recall and precision per label (None where undefined) and their macro means."""
    values = _as_label_values(labels)
    z = np.asarray(logits, dtype=np.float64)
    if z.shape != values.shape:
        raise ValueError(f"{z.size} logits for {values.shape[0]} × {values.shape[1]} labels")
    has = values == 1
    says = z > 0
    true_positive = (has & says).sum(axis=0)
    actual = has.sum(axis=0)
    predicted = says.sum(axis=0)
    recall = [float(tp / n) if n > 0 else None for tp, n in zip(true_positive, actual)]
    precision = [float(tp / n) if n > 0 else None for tp, n in zip(true_positive, predicted)]
    return {"recall": recall, "precision": precision, "macroRecall": _mean_of_defined(recall), "macroPrecision": _mean_of_defined(precision)}


def label_statistics(labels: Any, relative_tolerance: float = 1e-9) -> Dict[str, Any]:
    """p, S, Σ_Y (float64), the ascending spectrum of Σ_Y, κ_m (None when Σ_Y = 0) and the mean labels per sample."""
    values = _as_label_values(labels)
    n = values.shape[0]
    if n == 0:
        raise ValueError("label statistics need at least one sample")
    y = values.astype(np.float64)
    # Integer counts first, one division at the end (exact up to N = 2^53), as in TS.
    frequencies = y.sum(axis=0) / n
    second_moment = (y.T @ y) / n
    centred = second_moment - np.outer(frequencies, frequencies)
    spectrum = np.sort(np.linalg.eigvalsh(centred)) if centred.size else np.zeros(0)
    largest = max([0.0] + [abs(float(v)) for v in spectrum])
    non_zero = [float(v) for v in spectrum if v > relative_tolerance * largest and v > 0]
    return {
        "frequencies": frequencies,
        "secondMoment": second_moment,
        "centredCovariance": centred,
        "spectrum": [float(v) for v in spectrum],
        "kappaM": non_zero[0] if non_zero else None,
        "labelsPerSample": float(values.sum()) / n,
    }


def single_label_rows(labels: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The rows with exactly one label, and that label (int64 arrays)."""
    values = _as_label_values(labels)
    rows = np.flatnonzero(values.sum(axis=1) == 1)
    return rows.astype(np.int64), values[rows].argmax(axis=1).astype(np.int64)


def prototype_check(features: Any, labels: Any, frequencies: Sequence[float], min_samples: int = 1) -> Dict[str, Any]:
    """Per label set (first-occurrence order, as the TS Map) the relative errors of both syntheses, their
    sample-weighted means, and the labels without single-label samples."""
    values = _as_label_values(labels)
    h = np.asarray(features, dtype=np.float64)
    n, class_count = values.shape
    if h.ndim != 2 or h.shape[0] != n:
        raise ValueError(f"features must be N × d with N = {n}, got shape {h.shape}")
    groups: Dict[Tuple[int, ...], List[int]] = {}
    for i in range(n):
        key = tuple(int(c) for c in np.flatnonzero(values[i]))
        if key:
            groups.setdefault(key, []).append(i)
    prototypes = [h[groups[(c,)]].mean(axis=0) if (c,) in groups else None for c in range(class_count)]
    without = [c for c, prototype in enumerate(prototypes) if prototype is None]
    sets = []
    for key, rows in groups.items():
        if len(key) < 2 or len(rows) < min_samples or any(prototypes[c] is None for c in key):
            continue
        observed = h[rows].mean(axis=0)
        uniform = sum(prototypes[c] for c in key) / len(key)
        weight_sum = sum(float(frequencies[c]) for c in key)
        weighted = sum(float(frequencies[c]) * prototypes[c] for c in key) / weight_sum
        norm = float(np.linalg.norm(observed))
        with np.errstate(divide="ignore", invalid="ignore"):
            uniform_error = float(np.linalg.norm(observed - uniform)) / norm if norm > 0 else float("nan")
            weighted_error = float(np.linalg.norm(observed - weighted)) / norm if norm > 0 else float("nan")
        sets.append({"labels": list(key), "samples": len(rows), "uniformError": uniform_error, "weightedError": weighted_error})
    checked = sum(s["samples"] for s in sets)

    def average(pick) -> Optional[float]:
        return None if checked == 0 else sum(pick(s) * s["samples"] for s in sets) / checked

    return {
        "sets": sets,
        "weightedCloserFraction": average(lambda s: 1.0 if s["weightedError"] < s["uniformError"] else 0.0),
        "meanUniformError": average(lambda s: s["uniformError"]),
        "meanWeightedError": average(lambda s: s["weightedError"]),
        "classesWithoutPrototype": without,
    }


def _matrix_rows(matrix: np.ndarray) -> List[List[float]]:
    return [[float(v) for v in row] for row in matrix]


def multi_label_report(
    logits: Any,
    features: Any,
    labels: Any,
    train_frequencies: Sequence[float],
    max_matrix_classes: int,
    statistics: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """The ``multiLabel`` part of one split's report. ``logits`` N × C, ``features`` N × d, ``labels`` N × C 0/1;
    ``statistics``: label_statistics(labels) when already computed (Y is fixed for a run)."""
    values = _as_label_values(labels)
    n, class_count = values.shape
    z = np.asarray(logits, dtype=np.float64)
    if z.shape != values.shape:
        raise ValueError(f"{z.size} logits for {n} samples × {class_count} labels")
    scores = per_label_scores(z, values)
    predicted = (z > 0).astype(np.uint8)
    exact = int((predicted == values).all(axis=1).sum())
    per_sample = values.sum(axis=1)
    stats = statistics if statistics is not None else label_statistics(values)
    predicted_kappa = None if n == 0 else label_statistics(predicted)["kappaM"]
    check = prototype_check(features, values, train_frequencies)
    send_matrices = class_count <= max_matrix_classes
    largest = sorted(check["sets"], key=lambda s: (-s["samples"], ",".join(str(c) for c in s["labels"])))[:LISTED_LABEL_SETS]
    return {
        "threshold": MULTI_LABEL_THRESHOLD,
        "sampleCount": int(n),
        "unlabelledCount": int((per_sample == 0).sum()),
        "singleLabelCount": int((per_sample == 1).sum()),
        "multiLabelCount": int((per_sample >= 2).sum()),
        "labelCounts": values.sum(axis=0, dtype=np.int64).astype(int).tolist(),
        "recallPerLabel": scores["recall"],
        "precisionPerLabel": scores["precision"],
        "macroRecall": scores["macroRecall"],
        "macroPrecision": scores["macroPrecision"],
        "exactMatch": None if n == 0 else exact / n,
        "labelStatistics": {
            "frequencies": [float(v) for v in stats["frequencies"]],
            "secondMoment": _matrix_rows(stats["secondMoment"]) if send_matrices else None,
            "centredCovariance": _matrix_rows(stats["centredCovariance"]) if send_matrices else None,
            "spectrum": list(stats["spectrum"]),
            "kappaM": _finite_or_none(stats["kappaM"]),
            "labelsPerSample": stats["labelsPerSample"],
        },
        "predictedKappaM": _finite_or_none(predicted_kappa),
        "prototypes": {
            "weights": "training label frequencies",
            "checkedSampleCount": sum(s["samples"] for s in check["sets"]),
            "setCount": len(check["sets"]),
            "meanWeightedError": _finite_or_none(check["meanWeightedError"]),
            "meanUniformError": _finite_or_none(check["meanUniformError"]),
            "weightedCloserFraction": _finite_or_none(check["weightedCloserFraction"]),
            "labelsWithoutPrototype": check["classesWithoutPrototype"],
            "largestSets": [
                {
                    "labels": s["labels"],
                    "samples": s["samples"],
                    "uniformError": _finite_or_none(s["uniformError"]),
                    "weightedError": _finite_or_none(s["weightedError"]),
                }
                for s in largest
            ],
        },
    }
