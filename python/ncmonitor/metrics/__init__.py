"""Streaming neural-collapse metrics for PyTorch that produce exactly the TypeScript trainer's EvaluationReport.

- ``evaluate(model, loader, ...)``: both passes over a DataLoader (optionally all-reduced under torch.distributed).
- ``evaluation_report(H, y, W, b, ...)``: the same on arrays in memory (what ``trainer analyze`` does with .npy files).
- ``FeatureStatistics`` / ``NearestCentrePass`` / ``build_report``: the accumulators and the report builder, for code
  that streams and merges by itself (``merge_``, ``all_reduce_``).
- ``CollapseTracker``: the minority-collapse flag over evaluations.
- ``multi_label_report``: the multi-label part of a report (multilabel.py, numpy only).
Definitions: DOMAIN.md; the rules are ported from src/trainer/metrics/*.ts.
"""

from .config import DEFAULT_METRICS_CONFIG, metrics_config
from .evaluate import evaluate
from .geometry import ClassMeanGeometry, class_mean_geometry
from .multilabel import multi_label_report
from .nearest_centre import NearestCentrePass
from .report import build_report, evaluation_report, predictions_of
from .statistics import DEFAULT_MAX_CLASS_MOMENT_ENTRIES, FeatureStatistics
from .tracker import CollapseTracker, inactive_collapse_flag

__all__ = [
    "DEFAULT_MAX_CLASS_MOMENT_ENTRIES",
    "DEFAULT_METRICS_CONFIG",
    "ClassMeanGeometry",
    "CollapseTracker",
    "FeatureStatistics",
    "NearestCentrePass",
    "build_report",
    "class_mean_geometry",
    "evaluate",
    "evaluation_report",
    "inactive_collapse_flag",
    "metrics_config",
    "multi_label_report",
    "predictions_of",
]
