"""CollapseTracker: the flag rules of src/trainer/metrics/collapseTracker.ts on hand-made evaluations."""

from __future__ import annotations

import unittest
from typing import List, Optional

from ncmonitor.metrics import CollapseTracker


def evaluation(epoch: int, per_class: List[Optional[float]], recall: List[Optional[float]], split: str = "test") -> dict:
    tail = [2, 3, 4]
    values = [v for v in per_class if v is not None]
    return {
        "epoch": epoch,
        "split": split,
        "minorityCollapse": {
            "tailClasses": tail,
            "tailClassifierCosinePerClass": per_class,
            "tailClassifierCosine": sum(values) / len(values) if values else None,
            "etfCosine": -0.25,
        },
        "recallPerClass": recall,
    }


class CollapseTrackerTest(unittest.TestCase):
    def test_inactive_before_and_without_collapse(self) -> None:
        tracker = CollapseTracker()
        self.assertEqual(tracker.flag["message"], "No evaluation yet")
        flag = tracker.update([evaluation(1, [0.1, 0.2, 0.0], [0.9, 0.8, 0.5, 0.4, 0.3])])
        self.assertFalse(flag["active"])
        self.assertEqual(flag["thresholds"], {"cosine": 0.5, "recall": 0.05})
        self.assertEqual(
            flag["message"], "No minority collapse at epoch 1: tail classifier cosine 0.10 (ETF -0.25, threshold 0.50), lowest tail recall 0.30 (threshold 0.05)"
        )

    def test_cosine_flags_and_onset_persists_until_recovery(self) -> None:
        tracker = CollapseTracker({"collapseCosine": 0.6}, class_names=["a", "b", "c", "d", "e"])
        tracker.update(evaluation(1, [0.7, 0.1, 0.65], [1, 1, 0.5, 0.5, 0.5]))
        flag = tracker.update(evaluation(2, [0.8, 0.2, 0.3], [1, 1, 0.5, 0.5, 0.5]))
        self.assertEqual(flag["classes"], [2])
        self.assertEqual(flag["classOnsetEpochs"], [1])
        self.assertEqual(flag["classReasons"], ["cosine"])
        self.assertEqual(flag["onsetEpoch"], 1)
        self.assertAlmostEqual(flag["excess"], (0.8 + 0.2 + 0.3) / 3 + 0.25)
        self.assertEqual(
            flag["message"],
            "Minority collapse since epoch 1: 1 tail class; tail classifier cosine 0.43, +0.68 above the ETF value -0.25. c (#2) (since epoch 1, cos 0.80, recall 0.50)",
        )
        tracker.update(evaluation(3, [0.1, 0.2, 0.3], [1, 1, 0.5, 0.5, 0.5]))
        again = tracker.update(evaluation(4, [0.9, 0.2, 0.3], [1, 1, 0.5, 0.5, 0.5]))
        self.assertEqual(again["classOnsetEpochs"], [4])

    def test_recall_flags_only_after_a_fall(self) -> None:
        tracker = CollapseTracker()
        first = tracker.update(evaluation(1, [0.0, 0.0, 0.0], [1, 1, 0.0, 0.0, 0.0]))
        self.assertFalse(first["active"])  # never recognised: not yet learned, not collapsed
        tracker.update(evaluation(2, [0.0, 0.0, 0.0], [1, 1, 0.4, 0.0, 0.0]))
        fallen = tracker.update(evaluation(3, [0.0, 0.9, 0.0], [1, 1, 0.02, 0.0, 0.0]))
        self.assertEqual(fallen["classes"], [2, 3])
        self.assertEqual(fallen["classReasons"], ["recall", "cosine"])
        self.assertEqual(fallen["recalls"], [0.02, 0.0])

    def test_the_test_report_feeds_it(self) -> None:
        tracker = CollapseTracker()
        train = evaluation(1, [0.9, 0.9, 0.9], [1, 1, 1, 1, 1], split="train")
        test = evaluation(1, [0.0, 0.0, 0.0], [1, 1, 1, 1, 1], split="test")
        self.assertFalse(tracker.update([train, test])["active"])
        self.assertTrue(CollapseTracker().update([train])["active"])


if __name__ == "__main__":
    unittest.main()
