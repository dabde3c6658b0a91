"""Multi-label mode of the PyTorch engine: label files (layouts and the errors a user can fix), the generator's
invariants, the data of a run, the multi-label report's statistics against closed forms, BCE, and the config checks.
(Bit-equality with the TypeScript trainer's labels, images and report numbers is checked from Node, in
test/integration/python/multiLabelEngine.test.ts.)"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ncmonitor.metrics.multilabel import (  # noqa: E402
    label_statistics,
    multi_label_report,
    per_label_scores,
    prototype_check,
    single_label_rows,
)
from ncmonitor.schema import parse_run_config  # noqa: E402
from ncmonitor.train.data import DatasetError, DatasetSplits, ImageDataset  # noqa: E402
from ncmonitor.train.multilabel import (  # noqa: E402
    BinaryCrossEntropy,
    LabelFileError,
    generate_multi_label_dataset,
    load_label_file,
    load_multi_label_data,
    parse_label_csv,
    parse_label_json,
)


def _source(classes: int = 3, per_class: int = 4) -> ImageDataset:
    """Images whose pixels say their class and index: image k of class c is all (10·c + k + 1)."""
    labels = np.repeat(np.arange(classes), per_class)
    images = np.stack([np.full((2, 2, 1), 10 * c + k % per_class + 1, dtype=np.uint8) for k, c in enumerate(labels)])
    return ImageDataset(images=images, labels=labels.astype(np.int64), class_names=[f"c{c}" for c in range(classes)])


class LabelFileTests(unittest.TestCase):
    def test_csv_with_and_without_an_id_column(self) -> None:
        with_id = parse_label_csv("sample,a,b,c\r\nx,1,0,1\n\ny,0,1,0\n", "f.csv")
        self.assertEqual(with_id.class_names, ["a", "b", "c"])
        self.assertEqual(with_id.values.tolist(), [[1, 0, 1], [0, 1, 0]])
        plain = parse_label_csv("a, b\n 1 ,1\n", "f.csv")
        self.assertEqual((plain.class_names, plain.values.tolist()), (["a", "b"], [[1, 1]]))

    def test_csv_errors_name_the_file_line_and_fix(self) -> None:
        cases = {
            "": "f.csv: empty file: expected a header with one column per class name",
            "id,a\n1,0\n": "f.csv: the header names fewer than 2 classes: write one column per class name",
            "a,b\n1,0\n1\n": "f.csv: line 3: 1 label columns, the header has 2; write one 0/1 per class",
            "a,b\n1,2\n": 'f.csv: line 2, column "b": "2" is not 0 or 1',
        }
        for text, message in cases.items():
            with self.assertRaises(LabelFileError) as raised:
                parse_label_csv(text, "f.csv")
            self.assertEqual(str(raised.exception), message)
            self.assertIsInstance(raised.exception, DatasetError)

    def test_json_layouts(self) -> None:
        by_index = parse_label_json('{"classNames": ["a", "b", "c"], "labels": [[0, 2], [], [1.0]]}', "f.json")
        self.assertEqual(by_index.values.tolist(), [[1, 0, 1], [0, 0, 0], [0, 1, 0]])
        multi_hot = parse_label_json('{"classNames": ["a", "b"], "multiHot": [[1, 1], [0, 1]]}', "f.json")
        self.assertEqual(multi_hot.values.tolist(), [[1, 1], [0, 1]])

    def test_json_errors(self) -> None:
        cases = {
            "{": "f.json: not valid JSON (",
            '{"classNames": "a"}': 'f.json: "classNames" must be an array of class names',
            '{"classNames": ["a", "b"], "labels": [[0], [2]]}': "f.json: labels[1] must be an array of class indices in 0 … 1",
            '{"classNames": ["a", "b"], "labels": [[true]]}': "f.json: labels[0] must be an array of class indices in 0 … 1",
            '{"classNames": ["a", "b"], "multiHot": [[1, 0, 1]]}': "f.json: multiHot[0] must be 2 values, each 0 or 1",
            '{"classNames": ["a", "b"]}': 'f.json: expected "labels" (class indices per sample) or "multiHot" (0/1 rows)',
        }
        for text, message in cases.items():
            with self.assertRaises(LabelFileError) as raised:
                parse_label_json(text, "f.json")
            self.assertTrue(str(raised.exception).startswith(message), str(raised.exception))

    def test_file_type_and_missing_file(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            text_file = os.path.join(folder, "labels.txt")
            Path(text_file).write_text("a,b\n1,0\n")
            with self.assertRaisesRegex(LabelFileError, r"labels\.txt: unknown label file type: use a \.csv"):
                load_label_file(text_file)
            with self.assertRaisesRegex(LabelFileError, r"nope\.csv: cannot read the label file \(ENOENT\)"):
                load_label_file(os.path.join(folder, "nope.csv"))
            csv_file = os.path.join(folder, "labels.CSV")
            Path(csv_file).write_text("a,b\n1,0\n")
            self.assertEqual(load_label_file(csv_file).values.tolist(), [[1, 0]])


class GeneratorTests(unittest.TestCase):
    def test_images_are_the_pixelwise_maximum_of_one_image_per_label(self) -> None:
        source = _source()
        generated = generate_multi_label_dataset(source, samples=200, pair_probability=0.5, correlation=0.5, seed=3, primary_weights=[1, 1, 1])
        counts = generated.labels.values.sum(axis=1)
        self.assertTrue(set(counts.tolist()) <= {1, 2})
        self.assertTrue(40 < int((counts == 2).sum()) < 160)  # about half have a second label
        for i in range(200):
            labels = generated.labels.labels_of(i)
            self.assertIn(int(generated.images.labels[i]), labels)
            # The brightest label's images dominate: the pixel comes from a class-max(labels) image.
            self.assertEqual(int(generated.images.images[i, 0, 0, 0]) // 10, max(labels))

    def test_same_seed_same_data_and_streams_differ(self) -> None:
        source = _source()
        options = dict(samples=50, pair_probability=0.4, correlation=0.8, seed=1, imbalance_factor=10.0)
        a = generate_multi_label_dataset(source, stream="train", **options)
        b = generate_multi_label_dataset(source, stream="train", **options)
        c = generate_multi_label_dataset(source, stream="test", **options)
        self.assertTrue(np.array_equal(a.images.images, b.images.images) and np.array_equal(a.labels.values, b.labels.values))
        self.assertFalse(np.array_equal(a.labels.values, c.labels.values) and np.array_equal(a.images.images, c.images.images))

    def test_full_correlation_pairs_the_partner_and_zero_weights_are_never_primary(self) -> None:
        generated = generate_multi_label_dataset(_source(), samples=100, pair_probability=1, correlation=1, seed=2, primary_weights=[0, 1, 1])
        for i in range(100):
            first = int(generated.images.labels[i])
            self.assertNotEqual(first, 0)
            self.assertEqual(generated.labels.labels_of(i), sorted({first, (first + 1) % 3}))

    def test_bad_options(self) -> None:
        source = _source()
        with self.assertRaisesRegex(ValueError, r"pairProbability must be in \[0, 1\], got 1.5"):
            generate_multi_label_dataset(source, samples=1, pair_probability=1.5, correlation=0, seed=0, imbalance_factor=2)
        with self.assertRaisesRegex(ValueError, "2 primary-label weights for 3 classes"):
            generate_multi_label_dataset(source, samples=1, pair_probability=0, correlation=0, seed=0, primary_weights=[1, 1])
        with self.assertRaisesRegex(ValueError, "imbalanceFactor must be ≥ 1"):
            generate_multi_label_dataset(source, samples=1, pair_probability=0, correlation=0, seed=0, imbalance_factor=0.5)


class MultiLabelDataTests(unittest.TestCase):
    def _full(self) -> DatasetSplits:
        train, test = _source(3, 4), _source(3, 2)
        return DatasetSplits(train=train, test=test, source="toy", full_train_counts=[4, 4, 4], train_counts=[4, 4, 4])

    def test_label_files_must_match_the_images(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "train.csv").write_text("a,b,c\n" + "1,1,1\n" * 12)
            Path(folder, "test.csv").write_text("a,b,c\n" + "0,1,1\n" * 5)
            labels = {"mode": "multi-label", "source": "file", "path": "train.csv", "testPath": "test.csv"}
            with self.assertRaisesRegex(LabelFileError, r"test\.csv: 5 label rows for the 6 test images of the dataset"):
                load_multi_label_data(labels, {}, 0, folder, self._full)
            Path(folder, "test.csv").write_text("a,b,c\n" + "0,1,1\n" * 6)
            data = load_multi_label_data(labels, {}, 0, folder, self._full)
            self.assertEqual(data.splits.train_counts, [12, 12, 12])
            self.assertEqual(data.splits.train.labels.tolist(), [0] * 12)  # the first label stands in
            self.assertEqual(data.splits.train.class_names, ["a", "b", "c"])
            Path(folder, "test.csv").write_text("a,x,c\n" + "0,1,1\n" * 6)
            with self.assertRaisesRegex(LabelFileError, "differ from those of"):
                load_multi_label_data(labels, {}, 0, folder, self._full)

    def test_a_label_without_training_samples_is_refused(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "train.csv").write_text("a,b,c\n" + "1,0,1\n" * 12)
            labels = {"mode": "multi-label", "source": "file", "path": "train.csv"}
            with self.assertRaisesRegex(DatasetError, 'labels: label "b" has no positive training sample'):
                load_multi_label_data(labels, {}, 0, folder, self._full)

    def test_generated_counts_follow_the_profile(self) -> None:
        labels = {"mode": "multi-label", "source": "generated", "secondLabelProbability": 0.0, "correlation": 0.8}
        data = load_multi_label_data(labels, {"profile": "exponential", "factor": 4}, 1, ".", self._full)
        # n_max 4, IF 4, C 3: 4, 2, 1 primary-label weights and 7 training images; one label each.
        self.assertEqual(data.splits.train.count, 7)
        self.assertEqual(sum(data.splits.train_counts), 7)
        self.assertEqual(data.test_labels.rows, 6)


class ReportTests(unittest.TestCase):
    def test_scores_exact_match_and_statistics_against_closed_forms(self) -> None:
        y = np.array([[1, 0], [1, 1], [0, 1], [1, 0]], dtype=np.uint8)
        z = np.array([[2.0, -1.0], [1.0, -3.0], [-1.0, 0.5], [-0.1, 0.2]])
        scores = per_label_scores(z, y)
        self.assertEqual(scores["recall"], [2 / 3, 1 / 2])
        self.assertEqual(scores["precision"], [1.0, 1 / 2])
        stats = label_statistics(y)
        p = np.array([3 / 4, 1 / 2])
        sigma = np.array([[3 / 4, 1 / 4], [1 / 4, 1 / 2]]) - np.outer(p, p)
        np.testing.assert_allclose(stats["centredCovariance"], sigma)
        # Eigenvalues of a symmetric 2 × 2: (a + d)/2 ± sqrt(((a − d)/2)² + b²).
        a, b, d = sigma[0, 0], sigma[0, 1], sigma[1, 1]
        self.assertAlmostEqual(stats["kappaM"], (a + d) / 2 - math.sqrt(((a - d) / 2) ** 2 + b * b), places=12)
        self.assertEqual(stats["labelsPerSample"], 5 / 4)
        part = multi_label_report(z, np.ones((4, 1)), y, [0.5, 0.5], max_matrix_classes=1)
        self.assertEqual(part["exactMatch"], 2 / 4)  # rows 0 and 2
        self.assertEqual([part["unlabelledCount"], part["singleLabelCount"], part["multiLabelCount"]], [0, 3, 1])
        self.assertIsNone(part["labelStatistics"]["secondMoment"])  # C > max_matrix_classes
        self.assertEqual(single_label_rows(y)[0].tolist(), [0, 2, 3])

    def test_single_label_data_has_kappa_between_the_two_smallest_frequencies(self) -> None:
        y = np.eye(3, dtype=np.uint8)[[0] * 5 + [1] * 3 + [2] * 2]
        kappa = label_statistics(y)["kappaM"]
        self.assertTrue(0.2 <= kappa <= 0.3, kappa)

    def test_prototype_check_finds_the_weighted_synthesis(self) -> None:
        mu = np.array([[1.0, 0.0], [0.0, 1.0]])
        p = [0.75, 0.25]
        weighted = (p[0] * mu[0] + p[1] * mu[1]) / sum(p)
        features = np.array([mu[0], mu[0], mu[1], weighted, weighted])
        y = np.array([[1, 0], [1, 0], [0, 1], [1, 1], [1, 1]], dtype=np.uint8)
        check = prototype_check(features, y, p)
        self.assertEqual(len(check["sets"]), 1)
        self.assertAlmostEqual(check["meanWeightedError"], 0.0)
        uniform = (mu[0] + mu[1]) / 2
        self.assertAlmostEqual(check["meanUniformError"], float(np.linalg.norm(weighted - uniform) / np.linalg.norm(weighted)))
        self.assertEqual(check["weightedCloserFraction"], 1.0)
        self.assertEqual(prototype_check(features[:2], y[:2] * 0 + [[1, 1]], p)["classesWithoutPrototype"], [0, 1])

    def test_bce_matches_the_formula(self) -> None:
        z = torch.tensor([[3.0, -2.0], [0.5, 40.0]])
        y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        expected = torch.mean(torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-z.abs())))
        self.assertAlmostEqual(float(BinaryCrossEntropy().loss(None, z, y, 1, None)), float(expected), places=6)
        with self.assertRaisesRegex(ValueError, "multi-hot targets"):
            BinaryCrossEntropy().loss(None, z, torch.tensor([0, 1]), 1, None)


class ConfigTests(unittest.TestCase):
    def test_pytorch_runs_multi_label_but_only_with_cross_entropy(self) -> None:
        config, issues = parse_run_config({"labels": {"mode": "multi-label"}, "engine": "pytorch"})
        self.assertEqual(issues, [])
        self.assertEqual(config["engine"], "pytorch")
        _, issues = parse_run_config({"labels": {"mode": "multi-label"}, "engine": "pytorch", "method": {"name": "focal"}})
        self.assertEqual([issue.path for issue in issues], ["method.name"])

    def test_the_engine_accepts_a_multi_label_config(self) -> None:
        from ncmonitor.train.config import engine_issues

        config, _ = parse_run_config({"labels": {"mode": "multi-label"}, "engine": "pytorch"})
        self.assertEqual(engine_issues(config), [])


if __name__ == "__main__":
    unittest.main()
