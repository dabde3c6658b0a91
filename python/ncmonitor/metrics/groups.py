"""Shot groups by training count (Liu et al., OLTR, CVPR 2019; DOMAIN.md): Many > 100, Medium 20–100, Few < 20; and
accuracy, per-class recall and Many/Medium/Few accuracy (mean recall of the group's classes, as the BagofTricks-LT
tables report it), ported from src/trainer/metrics/shotGroups.ts and accuracy.ts.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

SHOT_GROUP_NAMES = ("many", "medium", "few")
MANY_SHOT_ABOVE = 100
FEW_SHOT_BELOW = 20


def shot_group_of(train_count: int) -> str:
    if train_count > MANY_SHOT_ABOVE:
        return "many"
    if train_count >= FEW_SHOT_BELOW:
        return "medium"
    return "few"


def shot_groups(train_counts: Sequence[int]) -> Dict[str, List[int]]:
    groups: Dict[str, List[int]] = {name: [] for name in SHOT_GROUP_NAMES}
    for c, count in enumerate(train_counts):
        groups[shot_group_of(count)].append(c)
    return groups


def recall_per_class(correct: Sequence[float], counts: Sequence[float]) -> List[Optional[float]]:
    return [correct[c] / counts[c] if counts[c] > 0 else None for c in range(len(counts))]


def overall_accuracy(correct: Sequence[float], counts: Sequence[float]) -> Optional[float]:
    total = sum(counts)
    return sum(correct) / total if total > 0 else None


def shot_group_accuracy(recall: Sequence[Optional[float]], train_counts: Sequence[int]) -> Dict[str, Optional[float]]:
    groups = shot_groups(train_counts)
    result: Dict[str, Optional[float]] = {}
    for name in SHOT_GROUP_NAMES:
        values = [recall[c] for c in groups[name] if recall[c] is not None]
        result[name] = sum(values) / len(values) if values else None  # type: ignore[arg-type]
    return result
