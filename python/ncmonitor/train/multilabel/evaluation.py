"""How a multi-label split is evaluated (src/trainer/training/multiLabelEvaluation.ts): NC1–NC4, accuracy, per-class
recall and minority collapse need one class per sample (class means, nearest-centre and argmax predictions), so they
are computed on the split's single-label samples; the ``multiLabel`` part (per-label scores, label statistics, κ_m,
the prototype check) covers every sample. The latest logits and labels are saved in the run folder
(predictions/<split>-logits.npy, float32 N × C; <split>-labels.npy, uint8 N × C), as the TS trainer saves them.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

from ..data.preprocess import DeviceImages
from ..evaluation import FeatureLoader, SplitLoader, _Head
from ..models import ClassifierNetwork
from .labels import LabelMatrix

PREDICTIONS_FOLDER = "predictions"


def _features_and_logits(model: ClassifierNetwork, images: DeviceImages) -> Tuple[torch.Tensor, torch.Tensor]:
    """Every sample's features h and logits W h + b (the prototype check needs all features, so they are kept)."""
    features, logits = [], []
    with torch.no_grad():
        for x, _ in SplitLoader(images):
            h = model.features(x).reshape(x.shape[0], -1).float()
            features.append(h)
            logits.append(model.classifier(h).float())
    d = model.classifier.weight.shape[1]
    device = images.labels.device
    empty = torch.zeros(0, d, device=device)
    return (torch.cat(features) if features else empty, torch.cat(logits) if logits else torch.zeros(0, model.num_classes, device=device))


def multi_label_diagnostics(report: Mapping[str, Any], part: Mapping[str, Any]) -> List[str]:
    """The diagnostics TS adds to a multi-label report (same words)."""
    lines = [
        f"multi-label: NC1–NC4, accuracy, per-class recall, shot groups and minority collapse are computed on the {part['singleLabelCount']} "
        f"single-label samples of {part['sampleCount']} ({part['multiLabelCount']} have several labels, {part['unlabelledCount']} none); "
        f"per-label recall and precision (label predicted where σ(z) > {part['threshold']}) on all of them. n_c are training label counts."
    ]
    missing = part["prototypes"]["labelsWithoutPrototype"]
    if missing:
        lines.append(
            f"multi-label prototype check: {len(missing)} label(s) have no single-label sample in the {report['split']} split "
            f"({', '.join(str(c) for c in missing[:10])}), so label sets containing them are skipped"
        )
    return lines


def evaluate_multi_label_splits(
    model: ClassifierNetwork,
    splits: Mapping[str, DeviceImages],
    labels: Mapping[str, Optional[LabelMatrix]],
    names: Sequence[str],
    *,
    epoch: int,
    train_counts: Sequence[int],
    train_statistics: Dict[str, Any],
    split_statistics: Dict[str, Dict[str, Any]],
    metrics_config: Mapping[str, Any],
    device: torch.device,
) -> Tuple[List[Dict[str, Any]], Dict[str, Tuple[np.ndarray, np.ndarray]]]:
    """Reports of the listed splits that have labels (train first), and each split's (logits, labels) to save.
    ``split_statistics`` caches label_statistics per split (Y is fixed for a run)."""
    from ...metrics import evaluate
    from ...metrics.multilabel import label_statistics, multi_label_report, single_label_rows

    was_training = model.training
    model.eval()
    try:
        reports: List[Dict[str, Any]] = []
        predictions: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        train_class_means = None
        for split in sorted(names, key=lambda name: 0 if name == "train" else 1):
            matrix = labels.get(split)
            if matrix is None:  # no labels.testPath: the split cannot be scored
                continue
            features, logits = _features_and_logits(model, splits[split])
            rows, single = single_label_rows(matrix.values)
            row_index = torch.from_numpy(rows).to(features.device)
            loader = FeatureLoader(features.index_select(0, row_index), torch.from_numpy(single).to(features.device))
            report, class_means = evaluate(
                _Head(model.classifier),
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
            if split not in split_statistics:
                split_statistics[split] = label_statistics(matrix.values)
            logits_host = logits.cpu().numpy().astype(np.float32)
            part = multi_label_report(
                logits_host,
                features.double().cpu().numpy(),
                matrix.values,
                train_statistics["frequencies"],
                metrics_config["maxHeatmapClasses"],
                statistics=split_statistics[split],
            )
            report = dict(report)
            report["diagnostics"] = list(report.get("diagnostics", [])) + multi_label_diagnostics(report, part)
            report["multiLabel"] = part
            reports.append(report)
            predictions[split] = (logits_host, matrix.values)
        return reports, predictions
    finally:
        model.train(was_training)


def save_predictions(run_folder: str, predictions: Mapping[str, Tuple[np.ndarray, np.ndarray]]) -> None:
    """Overwrites each split's saved logits and labels with this evaluation's."""
    folder = os.path.join(run_folder, PREDICTIONS_FOLDER)
    os.makedirs(folder, exist_ok=True)
    for split, (logits, labels) in predictions.items():
        np.save(os.path.join(folder, f"{split}-logits.npy"), np.ascontiguousarray(logits, dtype=np.float32))
        np.save(os.path.join(folder, f"{split}-labels.npy"), np.ascontiguousarray(labels, dtype=np.uint8))
