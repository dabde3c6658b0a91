"""Minority collapse across evaluations: a CollapseFlag (src/protocol/metrics.ts) that says which classes, since which
epoch and by how much, ported from src/trainer/metrics/collapseTracker.ts (same rules, same message).

Which report feeds it: as in the TypeScript trainer, the TEST report of each evaluation when the test split is
evaluated (its recall is the one that falls under minority collapse), else the first report (train); when both splits
are there, the train report's per-class recall is read beside it (the fitted-class rule below). ``update`` takes the
list of reports of one evaluation and picks them; a single report dict is accepted too (it may carry
``trainRecallPerClass``).

A tail class is flagged at an evaluation when
- its classifier row's mean cosine to the other tail rows exceeds ``collapseCosine`` (the rows converge to one
  direction, Fang et al. 2021), or
- its recall is at or below ``collapseRecall`` and either it has FALLEN there after being above it at an earlier
  evaluation, or the class is fitted on the training split (train recall >= FITTED_TRAIN_RECALL) yet not recognised on
  test: the tail that dies silently. A class that is neither is not yet learned rather than collapsed (early in
  training every tail class has recall 0 on both splits).
Its onset is the first epoch of its current uninterrupted flagged streak: a class that recovers and collapses again gets
a new onset.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .config import metrics_config as complete_metrics_config
from .jsformat import to_fixed

LISTED_CLASSES = 10
#: Train recall from which a class counts as fitted (collapseTracker.ts: FITTED_TRAIN_RECALL).
FITTED_TRAIN_RECALL = 0.5


def inactive_collapse_flag(cosine: float, recall: float) -> Dict[str, Any]:
    return {
        "active": False,
        "epoch": None,
        "classes": [],
        "classOnsetEpochs": [],
        "classReasons": [],
        "classCosines": [],
        "recalls": [],
        "onsetEpoch": None,
        "tailClassifierCosine": None,
        "etfCosine": None,
        "excess": None,
        "thresholds": {"cosine": cosine, "recall": recall},
        "message": "No evaluation yet",
    }


def _format(value: Optional[float]) -> str:
    return "n/a" if value is None else to_fixed(value, 2)


class CollapseTracker:
    """Follows minority collapse over evaluations; ``metrics_config`` is the run config's ``metrics`` object (its
    ``collapseCosine`` and ``collapseRecall``; defaults 0.5 and 0.05)."""

    def __init__(self, metrics_config: Optional[Mapping[str, Any]] = None, class_names: Optional[Sequence[str]] = None) -> None:
        config = complete_metrics_config(metrics_config)
        self.cosine_threshold = float(config["collapseCosine"])
        self.recall_threshold = float(config["collapseRecall"])
        self.class_names = list(class_names) if class_names is not None else None
        self._onsets: Dict[int, int] = {}
        self._peak_recall: Dict[int, float] = {}
        self._flag = inactive_collapse_flag(self.cosine_threshold, self.recall_threshold)

    @property
    def flag(self) -> Dict[str, Any]:
        """The latest flag (inactive before the first update)."""
        return self._flag

    @staticmethod
    def recall_source(reports: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]) -> Optional[Mapping[str, Any]]:
        """The report that feeds the tracker: the test one, else the first."""
        if isinstance(reports, Mapping):
            return reports
        reports = list(reports)
        return next((report for report in reports if report.get("split") == "test"), reports[0] if reports else None)

    @staticmethod
    def train_recall(reports: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]) -> Optional[Sequence[Optional[float]]]:
        """The train split's per-class recall when the evaluation has both a test and a train report, else None."""
        if isinstance(reports, Mapping):
            return reports.get("trainRecallPerClass")
        reports = list(reports)
        train = next((report for report in reports if report.get("split") == "train"), None)
        has_test = any(report.get("split") == "test" for report in reports)
        return train.get("recallPerClass") if train is not None and has_test else None

    def update(self, reports: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]) -> Dict[str, Any]:
        """Updates with one evaluation's reports (see the module docstring for which one counts); returns the flag."""
        source = self.recall_source(reports)
        if source is None:
            return self._flag
        epoch = int(source["epoch"])
        indicators = source["minorityCollapse"]
        recall_per_class = source.get("recallPerClass")
        train_recall_per_class = self.train_recall(reports)
        fitted_train_recall: Dict[int, float] = {}  # classes flagged by the fitted-class rule: the message names it
        flagged: List[Dict[str, Any]] = []
        per_class = indicators["tailClassifierCosinePerClass"]
        for index, c in enumerate(indicators["tailClasses"]):
            cosine = per_class[index] if index < len(per_class) else None
            recall = recall_per_class[c] if recall_per_class is not None and c < len(recall_per_class) else None
            by_cosine = cosine is not None and cosine > self.cosine_threshold
            train_recall = train_recall_per_class[c] if train_recall_per_class is not None and c < len(train_recall_per_class) else None
            fell = self._peak_recall.get(c, 0.0) > self.recall_threshold
            fitted = train_recall is not None and train_recall >= FITTED_TRAIN_RECALL
            by_recall = recall is not None and recall <= self.recall_threshold and (fell or fitted)
            if by_recall and not fell and train_recall is not None:
                fitted_train_recall[c] = train_recall
            if recall is not None:
                self._peak_recall[c] = max(self._peak_recall.get(c, 0.0), recall)
            if not by_cosine and not by_recall:
                continue
            reason = "cosine+recall" if by_cosine and by_recall else "cosine" if by_cosine else "recall"
            flagged.append({"c": c, "reason": reason, "cosine": cosine, "recall": recall})
        flagged_set = {entry["c"] for entry in flagged}
        for c in list(self._onsets):
            if c not in flagged_set:
                del self._onsets[c]
        for entry in flagged:
            self._onsets.setdefault(entry["c"], epoch)
        flagged.sort(key=lambda entry: entry["c"])

        onsets = [self._onsets[entry["c"]] for entry in flagged]
        tail_cosine = indicators["tailClassifierCosine"]
        etf = indicators["etfCosine"]
        excess = None if tail_cosine is None else tail_cosine - etf
        tail_recalls = [
            recall_per_class[c]
            for c in indicators["tailClasses"]
            if recall_per_class is not None and c < len(recall_per_class) and recall_per_class[c] is not None
        ]
        flag: Dict[str, Any] = {
            "active": len(flagged) > 0,
            "epoch": epoch,
            "classes": [entry["c"] for entry in flagged],
            "classOnsetEpochs": onsets,
            "classReasons": [entry["reason"] for entry in flagged],
            "classCosines": [entry["cosine"] for entry in flagged],
            "recalls": [entry["recall"] for entry in flagged],
            "onsetEpoch": min(onsets) if onsets else None,
            "tailClassifierCosine": tail_cosine,
            "etfCosine": etf,
            "excess": excess,
            "thresholds": {"cosine": self.cosine_threshold, "recall": self.recall_threshold},
            "message": "",
        }
        if flag["active"]:
            flag["message"] = self._active_message(flag, fitted_train_recall)
        else:
            flag["message"] = (
                f"No minority collapse at epoch {epoch}: tail classifier cosine {_format(tail_cosine)} "
                f"(ETF {_format(etf)}, threshold {_format(self.cosine_threshold)})"
                + (f", lowest tail recall {_format(min(tail_recalls))} (threshold {_format(self.recall_threshold)})" if tail_recalls else "")
            )
        self._flag = flag
        return flag

    def _active_message(self, flag: Dict[str, Any], fitted_train_recall: Mapping[int, float]) -> str:
        listed = []
        for i, c in enumerate(flag["classes"][:LISTED_CLASSES]):
            parts = [f"since epoch {flag['classOnsetEpochs'][i]}"]
            cosine, recall = flag["classCosines"][i], flag["recalls"][i]
            if cosine is not None:
                parts.append(f"cos {_format(cosine)}")
            if recall is not None:
                parts.append(f"recall {_format(recall)}")
            if c in fitted_train_recall:
                parts.append(f"train recall {_format(fitted_train_recall[c])}")
            listed.append(f"{self._class_name(c)} ({', '.join(parts)})")
        count = len(flag["classes"])
        more = f" and {count - LISTED_CLASSES} more" if count > LISTED_CLASSES else ""
        excess = "" if flag["excess"] is None else f", {'+' if flag['excess'] >= 0 else ''}{_format(flag['excess'])} above the ETF value {_format(flag['etfCosine'])}"
        return (
            f"Minority collapse since epoch {flag['onsetEpoch']}: {count} tail class{'' if count == 1 else 'es'}; "
            f"tail classifier cosine {_format(flag['tailClassifierCosine'])}{excess}. {'; '.join(listed)}{more}"
        )

    def _class_name(self, c: int) -> str:
        if self.class_names is None or c >= len(self.class_names):
            return f"class {c}"
        return f"{self.class_names[c]} (#{c})"
