"""Accumulators and closed forms of ncmonitor.metrics (the NC formulas of DOMAIN.md on inputs whose answer is known)."""

from __future__ import annotations

import math
import unittest

import torch

from ncmonitor.metrics import FeatureStatistics, NearestCentrePass, build_report, class_mean_geometry, evaluation_report
from ncmonitor.metrics.jsformat import js_round, to_exponential, to_fixed
from ncmonitor.metrics.minority import select_tail_classes


def simplex_etf(class_count: int, feature_dim: int, scale: float = 3.0) -> torch.Tensor:
    """C × d rows forming a simplex ETF: √(C/(C−1)) (I − 11ᵀ/C) in the first C coordinates, rotated at random."""
    assert feature_dim >= class_count
    centred = torch.eye(class_count, dtype=torch.float64) - 1.0 / class_count
    rows = torch.zeros(class_count, feature_dim, dtype=torch.float64)
    rows[:, :class_count] = centred * math.sqrt(class_count / (class_count - 1))
    rotation, _ = torch.linalg.qr(torch.randn(feature_dim, feature_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(3)))
    return scale * rows @ rotation.T


def imbalanced_labels(counts: list) -> torch.Tensor:
    return torch.cat([torch.full((n,), c, dtype=torch.int64) for c, n in enumerate(counts)])


class AccumulatorTest(unittest.TestCase):
    def setUp(self) -> None:
        generator = torch.Generator().manual_seed(0)
        self.counts = [90, 40, 25, 12, 6]
        self.labels = imbalanced_labels(self.counts)
        means = torch.randn(5, 7, generator=generator, dtype=torch.float64) * 3
        self.features = (means[self.labels] + torch.randn(len(self.labels), 7, generator=generator, dtype=torch.float64)).float()
        self.predictions = torch.randint(0, 5, (len(self.labels),), generator=generator)
        self.order = torch.randperm(len(self.labels), generator=generator)

    def test_two_halves_merged_equal_the_whole(self) -> None:
        for per_class in (True, False):
            whole = FeatureStatistics(5, 7, per_class_moments=per_class).add(self.features, self.labels, self.predictions)
            first, second = self.order[:100], self.order[100:]
            merged = FeatureStatistics(5, 7, per_class_moments=per_class).add(self.features[first], self.labels[first], self.predictions[first])
            merged.merge_(FeatureStatistics(5, 7, per_class_moments=per_class).add(self.features[second], self.labels[second], self.predictions[second]))
            for mine, theirs in zip(merged._fields(), whole._fields()):
                torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-9)
            self.assertEqual(merged.class_counts.tolist(), [float(n) for n in self.counts])

    def test_moments_are_the_definition(self) -> None:
        statistics = FeatureStatistics(5, 7).add(self.features, self.labels)
        h = self.features.double()
        for c in range(5):
            rows = h[self.labels == c]
            torch.testing.assert_close(statistics.class_sums[c], rows.sum(0))
            torch.testing.assert_close(statistics.class_moments[c], rows.T @ rows)
            spread = ((rows - rows.mean(0)) ** 2).sum()
            self.assertAlmostEqual(float(statistics.within_class_scatter_traces()[c]), float(spread), places=8)

    def test_nearest_centre_pass_merges_by_addition(self) -> None:
        statistics = FeatureStatistics(5, 7).add(self.features, self.labels)
        centres = class_mean_geometry(statistics).means_for_nearest_centre()
        whole = NearestCentrePass(centres).add(self.features, self.labels, self.predictions)
        first, second = self.order[:70], self.order[70:]
        merged = NearestCentrePass(centres).add(self.features[first], self.labels[first], self.predictions[first])
        merged.merge_(NearestCentrePass(centres).add(self.features[second], self.labels[second], self.predictions[second]))
        self.assertEqual(merged.mismatches.tolist(), whole.mismatches.tolist())
        self.assertEqual(merged.predicted_samples, len(self.labels))

    def test_merged_report_equals_the_report_of_the_whole(self) -> None:
        weights = torch.randn(5, 7, generator=torch.Generator().manual_seed(1))
        whole, _ = evaluation_report(self.features, self.labels, weights)
        predictions = torch.argmax(self.features.double() @ weights.double().T, dim=1)
        halves = [self.order[:100], self.order[100:]]
        statistics = FeatureStatistics(5, 7)
        for part in halves:
            statistics.merge_(FeatureStatistics(5, 7).add(self.features[part], self.labels[part], predictions[part]))
        geometry = class_mean_geometry(statistics)
        nearest = NearestCentrePass(geometry.means_for_nearest_centre())
        for part in halves:
            nearest.add(self.features[part], self.labels[part], predictions[part])
        merged = build_report(
            epoch=0, split="train", statistics=statistics, geometry=geometry, nearest=nearest, weights=weights, bias=None, train_counts=self.counts
        )
        self.assertEqual(set(merged), set(whole))
        for key in ("nc1", "nc3", "nc4", "accuracy", "withinClassVariance", "betweenClassVariance"):
            self.assertAlmostEqual(merged[key], whole[key], places=10, msg=key)
        for a, b in zip(merged["nc1PerClass"], whole["nc1PerClass"]):
            self.assertAlmostEqual(a, b, places=10)

    def test_pooled_fallback_keeps_the_pooled_nc1_and_says_why_per_class_is_missing(self) -> None:
        weights = torch.randn(5, 7, generator=torch.Generator().manual_seed(1))
        full, _ = evaluation_report(self.features, self.labels, weights)
        pooled, _ = evaluation_report(self.features, self.labels, weights, per_class_moments=False)
        self.assertAlmostEqual(pooled["nc1"], full["nc1"], places=10)
        self.assertAlmostEqual(pooled["withinClassVariance"], full["withinClassVariance"], places=10)
        self.assertEqual(pooled["nc1PerClass"], [None] * 5)
        self.assertTrue(any("per-class NC1 is not reported" in line for line in pooled["diagnostics"]))
        # The pooled NC1 is the count-weighted mean of the per-class values, divided by C (DOMAIN.md).
        weighted = sum(n * v for n, v in zip(self.counts, full["nc1PerClass"])) / sum(self.counts) / 5
        self.assertAlmostEqual(full["nc1"], weighted, places=10)

    def test_automatic_fallback_above_the_memory_limit(self) -> None:
        self.assertFalse(FeatureStatistics(10, 64, max_class_moment_entries=10 * 64 * 64 - 1).per_class_moments)
        self.assertTrue(FeatureStatistics(10, 64, max_class_moment_entries=10 * 64 * 64).per_class_moments)

    def test_non_finite_rows_are_skipped_and_counted(self) -> None:
        features = self.features.clone()
        features[3, 2] = float("nan")
        features[10, 0] = float("inf")
        weights = torch.randn(5, 7, generator=torch.Generator().manual_seed(1))
        report, _ = evaluation_report(features, self.labels, weights)
        self.assertEqual(report["sampleCount"], len(self.labels) - 2)
        self.assertIn("2 samples with NaN or infinite features were skipped", report["diagnostics"])
        keep = torch.ones(len(self.labels), dtype=torch.bool)
        keep[[3, 10]] = False
        clean, _ = evaluation_report(self.features[keep], self.labels[keep], weights, train_counts=report["trainCounts"])
        self.assertAlmostEqual(report["nc1"], clean["nc1"], places=10)

    def test_bad_input_is_named(self) -> None:
        with self.assertRaisesRegex(ValueError, r"label 5 at row 0 is outside \[0, 5\)"):
            FeatureStatistics(5, 7).add(self.features[:1], torch.tensor([5]))
        with self.assertRaisesRegex(ValueError, "expected N × 7"):
            FeatureStatistics(5, 7).add(torch.zeros(3, 6), torch.zeros(3, dtype=torch.int64))
        with self.assertRaisesRegex(ValueError, "cannot merge"):
            FeatureStatistics(5, 7).merge_(FeatureStatistics(4, 7))
        with self.assertRaisesRegex(ValueError, r"train_counts has 3 entries"):
            evaluation_report(self.features, self.labels, torch.randn(5, 7), train_counts=[1, 2, 3])
        with self.assertRaisesRegex(ValueError, "metrics.tail.by"):
            evaluation_report(self.features, self.labels, torch.randn(5, 7), metrics_config={"tail": {"by": "smallest"}})
        with self.assertRaisesRegex(ValueError, "metrics.centering: unknown field"):
            evaluation_report(self.features, self.labels, torch.randn(5, 7), metrics_config={"centering": "sample"})


class ClosedFormTest(unittest.TestCase):
    def test_features_at_a_simplex_etf_are_fully_collapsed(self) -> None:
        C, d = 6, 9
        etf = simplex_etf(C, d)
        counts = [200, 80, 30, 15, 8, 3]
        labels = imbalanced_labels(counts)
        report, means = evaluation_report(etf[labels], labels, etf)
        self.assertAlmostEqual(report["nc1"], 0.0, places=12)
        self.assertAlmostEqual(report["withinClassVariance"], 0.0, places=12)
        for key, value in report["nc2"].items():
            self.assertAlmostEqual(value, 0.0, places=12, msg=key)
        self.assertAlmostEqual(report["nc3"], 0.0, places=12)
        self.assertEqual(report["nc4"], 0.0)
        self.assertEqual(report["accuracy"], 1.0)
        self.assertEqual(report["betweenClassRank"], C - 1)
        self.assertAlmostEqual(report["betweenClassVariance"], 9.0, places=12)  # ‖μ_c − μ_G‖ = scale = 3
        minority = report["minorityCollapse"]
        self.assertAlmostEqual(minority["tailClassifierCosine"], -1 / (C - 1), places=12)
        self.assertAlmostEqual(minority["classifierNormSlope"], 0.0, places=12)
        for value in minority["selfDualityCosine"]:
            self.assertAlmostEqual(value, 1.0, places=12)
        self.assertEqual(report["cosineMatrices"]["kind"], "full")
        self.assertEqual(report["cosineMatrices"]["classifier"][0][1], round(-1 / (C - 1), 4))
        torch.testing.assert_close(means, etf)

    def test_sample_centring_distorts_an_imbalanced_etf(self) -> None:
        # DOMAIN.md: the sample mean is dragged toward the head classes, so NC2 reports distortion that is not there.
        C, d = 6, 9
        etf = simplex_etf(C, d)
        labels = imbalanced_labels([200, 80, 30, 15, 8, 3])
        report, _ = evaluation_report(etf[labels], labels, etf, metrics_config={"centring": "sample"})
        self.assertEqual(report["centring"], "sample")
        self.assertGreater(report["nc2"]["classMeanNormCv"], 0.1)
        self.assertGreater(report["nc2"]["classMeanMaxAngle"], 0.05)

    def test_nc1_of_two_classes_on_a_line(self) -> None:
        # Class means ±a, every sample at distance s from its mean: Σ_B = a², Σ_W = s², NC1 = s²/a²/C with C = 2.
        a, s = 2.0, 0.5
        features = torch.tensor([[-a - s], [-a + s], [a - s], [a + s], [a - s], [a + s]], dtype=torch.float64)
        labels = torch.tensor([0, 0, 1, 1, 1, 1])
        report, _ = evaluation_report(features, labels, torch.tensor([[-1.0], [1.0]]))
        self.assertAlmostEqual(report["nc1"], s * s / (a * a) / 2, places=12)
        self.assertAlmostEqual(report["nc1PerClass"][0], s * s / (a * a), places=12)
        self.assertAlmostEqual(report["withinClassVariance"], s * s, places=12)

    def test_nc4_counts_samples_nearer_another_centre_than_the_predicted_one(self) -> None:
        # Centres at 0 and 10 on a line; the classifier predicts class 1 for h > 2 (W h + b with w = ±1, b = ∓2).
        features = torch.tensor([[0.0], [1.0], [3.0], [10.0], [9.0], [11.0]], dtype=torch.float64)
        labels = torch.tensor([0, 0, 0, 1, 1, 1])
        weights, bias = torch.tensor([[-1.0], [1.0]]), torch.tensor([2.0, -2.0])
        report, _ = evaluation_report(features, labels, weights, bias)
        # Means 4/3 and 10; h = 3 is predicted 1 but nearer to 4/3: one mismatch, in class 0.
        self.assertAlmostEqual(report["nc4"], 1 / 6)
        self.assertEqual(report["nc4PerClass"], [1 / 3, 0.0])
        self.assertEqual(report["recallPerClass"], [2 / 3, 1.0])

    def test_test_split_uses_the_training_means_for_nc4(self) -> None:
        features = torch.tensor([[0.0], [1.0], [9.0], [10.0]], dtype=torch.float64)
        labels = torch.tensor([0, 0, 1, 1])
        weights = torch.tensor([[-1.0], [1.0]])
        _, train_means = evaluation_report(features, labels, weights, bias=torch.tensor([5.0, -5.0]))
        # Test features shifted: with their own means every sample is at its own centre; with the training means the
        # sample at 6 is nearer class 1's training centre (9.5) than class 0's (0.5), while W h + b predicts class 1.
        test = torch.tensor([[4.0], [6.0], [20.0], [21.0]], dtype=torch.float64)
        own, _ = evaluation_report(test, labels, weights, torch.tensor([5.0, -5.0]), split="test", train_counts=[2, 2])
        trained, _ = evaluation_report(
            test, labels, weights, torch.tensor([5.0, -5.0]), split="test", train_counts=[2, 2], train_class_means=train_means
        )
        self.assertEqual(trained["nearestCentreMeans"], "train")
        self.assertEqual(own["nearestCentreMeans"], "own")
        self.assertEqual(own["nc4"], 0.25)  # own means 5 and 20.5: h = 6 is predicted 1 but nearer 5
        self.assertEqual(trained["nc4"], 0.0)

    def test_missing_class_and_small_feature_dimension(self) -> None:
        generator = torch.Generator().manual_seed(2)
        C, d = 8, 4
        counts = [50, 40, 30, 0, 20, 10, 5, 3]
        labels = imbalanced_labels(counts)
        features = torch.randn(C, d, generator=generator)[labels] * 4 + torch.randn(len(labels), d, generator=generator)
        report, means = evaluation_report(features, labels, torch.randn(C, d, generator=generator), train_counts=[60, 50, 40, 30, 25, 10, 5, 3])
        self.assertEqual(report["presentClassCount"], 7)
        self.assertIsNone(report["classMeanNorms"][3])
        self.assertIsNone(report["nc1PerClass"][3])
        self.assertIsNone(report["recallPerClass"][3])
        self.assertTrue(all(v is None for v in report["cosineMatrices"]["classMeans"][3]))
        self.assertEqual(report["betweenClassRank"], d)
        self.assertTrue(report["diagnostics"][0].startswith("class 3 has no samples in the train split"))
        self.assertTrue(report["diagnostics"][1].startswith("feature dimension d = 4 < C − 1 = 7"))
        self.assertTrue(bool(torch.isnan(means[3]).all()))


class TailAndFormattingTest(unittest.TestCase):
    def test_tail_selections(self) -> None:
        counts = [500, 120, 60, 60, 19, 5]
        self.assertEqual(select_tail_classes(counts, {"by": "shot", "fraction": 0.3, "classes": []}).tail_classes, [4, 5])
        medium = select_tail_classes([500, 120, 60, 60], {"by": "shot", "fraction": 0.3, "classes": []})
        self.assertEqual(medium.tail_classes, [2, 3])
        self.assertIn("Medium-shot classes (20–100) count as tail", medium.diagnostics[0])
        # 0.5 × 5 = 2.5 rounds up as Math.round does; equal counts: the higher index is tail.
        self.assertEqual(select_tail_classes([9, 9, 9, 9, 9], {"by": "fraction", "fraction": 0.5, "classes": []}).tail_classes, [2, 3, 4])
        explicit = select_tail_classes(counts, {"by": "classes", "fraction": 0.3, "classes": [5, 9, 5]})
        self.assertEqual(explicit.tail_classes, [5])
        self.assertEqual(
            explicit.diagnostics,
            ["metrics.tail.classes: class 9 is outside [0, 6) and was ignored", "tail: only class 5 is tail, so there is no tail pair to take a cosine of"],
        )

    def test_javascript_rounding(self) -> None:
        self.assertEqual(js_round(2.5), 3.0)
        self.assertEqual(js_round(-2.5), -2.0)
        self.assertEqual(to_fixed(0.125, 2), "0.13")
        self.assertEqual(to_fixed(-0.125, 2), "-0.13")
        self.assertEqual(to_fixed(-0.0, 2), "0.00")
        self.assertEqual(to_exponential(16 * 2**-23, 1), "1.9e-6")
        self.assertEqual(to_exponential(3.0, 1), "3.0e+0")
        self.assertEqual(to_exponential(9.96, 1), "1.0e+1")


if __name__ == "__main__":
    unittest.main()
