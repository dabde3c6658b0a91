"""evaluate() over a DataLoader and FeatureTap: the same report as the in-memory computation, the model left as it was,
wrapped models, and all_reduce_ across two gloo processes."""

from __future__ import annotations

import os
import socket
import tempfile
import unittest

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ncmonitor.distributed import EvaluationShardSampler
from ncmonitor.hooks import FeatureTap
from ncmonitor.metrics import FeatureStatistics, NearestCentrePass, class_mean_geometry, evaluate, evaluation_report


class SmallNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 6), nn.ReLU())
        self.dropout = nn.Dropout(0.5)
        self.head = nn.Linear(6, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.body(x)))


def data(seed: int = 0, counts=(60, 30, 12, 5)):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.cat([torch.full((n,), c, dtype=torch.int64) for c, n in enumerate(counts)])
    x = torch.randn(4, 5, generator=generator)[labels] * 2 + torch.randn(len(labels), 5, generator=generator)
    return x, labels


def assert_reports_close(test: unittest.TestCase, a, b, path: str = "") -> None:
    if isinstance(a, dict):
        test.assertEqual(set(a), set(b), path)
        for key in a:
            assert_reports_close(test, a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        test.assertEqual(len(a), len(b), path)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_reports_close(test, x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        test.assertLessEqual(abs(a - b), 1e-9 * max(1.0, abs(a)), path)
    else:
        test.assertEqual(a, b, path)


class EvaluateTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(0)
        self.model = SmallNet()
        self.x, self.y = data()
        self.loader = DataLoader(TensorDataset(self.x, self.y), batch_size=16, shuffle=True)
        self.model.eval()
        with torch.no_grad():
            self.h = self.model.body(self.x)
        self.model.train()

    def test_evaluate_equals_the_in_memory_report_and_leaves_the_model_alone(self) -> None:
        report, means = evaluate(self.model, self.loader, feature_layer="body", classifier_layer="head", epoch=3, split="train", train_counts=[60, 30, 12, 5])
        expected, expected_means = evaluation_report(self.h, self.y, self.model.head.weight, self.model.head.bias, epoch=3, train_counts=[60, 30, 12, 5])
        assert_reports_close(self, report, expected)
        torch.testing.assert_close(means, expected_means)
        self.assertTrue(self.model.training, "evaluate must restore training mode")
        self.assertEqual(len(self.model.body._forward_hooks), 0, "the hook must be removed")

    def test_feature_layer_forms_and_wrapped_models(self) -> None:
        expected, _ = evaluate(self.model, self.loader, feature_layer="body", classifier_layer="head", epoch=0, split="train", train_counts=[60, 30, 12, 5])
        forms = [
            (self.model, lambda m: m.body, "head"),
            (self.model, lambda m, x: m.body(x), self.model.head),
            (self.model, self.model.body, "head"),
            (nn.DataParallel(self.model), "body", "head"),  # CPU: DataParallel calls the module directly
            (nn.DataParallel(self.model), "module.body", "module.head"),
            (self.model, "module.body", "head"),
        ]
        for model, feature_layer, classifier_layer in forms:
            report, _ = evaluate(model, self.loader, feature_layer=feature_layer, classifier_layer=classifier_layer, epoch=0, split="train", train_counts=[60, 30, 12, 5])
            assert_reports_close(self, report, expected)

    def test_test_split_with_training_means(self) -> None:
        counts = [60, 30, 12, 5]
        _, train_means = evaluate(self.model, self.loader, feature_layer="body", classifier_layer="head", epoch=1, split="train", train_counts=counts)
        x, y = data(seed=5, counts=(10, 10, 10, 10))
        test_loader = DataLoader(TensorDataset(x, y), batch_size=7)
        report, _ = evaluate(
            self.model, test_loader, feature_layer="body", classifier_layer="head", epoch=1, split="test", train_counts=counts, train_class_means=train_means
        )
        self.model.eval()
        with torch.no_grad():
            h = self.model.body(x)
        expected, _ = evaluation_report(h, y, self.model.head.weight, self.model.head.bias, epoch=1, split="test", train_counts=counts, train_class_means=train_means)
        self.assertEqual(report["nearestCentreMeans"], "train")
        assert_reports_close(self, report, expected)

    def test_clear_errors(self) -> None:
        with self.assertRaisesRegex(ValueError, "no module named 'bodyy'"):
            evaluate(self.model, self.loader, feature_layer="bodyy", classifier_layer="head", epoch=0, split="train", train_counts=[1, 1, 1, 1])
        with self.assertRaisesRegex(ValueError, "no 2-D weight"):
            evaluate(self.model, self.loader, feature_layer="body", classifier_layer="dropout", epoch=0, split="train", train_counts=[1, 1, 1, 1])
        with self.assertRaisesRegex(TypeError, r"yields \(x, y\) pairs"):
            evaluate(self.model, [self.x], feature_layer="body", classifier_layer="head", epoch=0, split="train", train_counts=[1, 1, 1, 1])

    def test_feature_tap_captures_without_changing_outputs(self) -> None:
        self.model.eval()
        with torch.no_grad():
            before = self.model(self.x)
            with FeatureTap(self.model, "body") as tap:
                during = self.model(self.x)
                captured = tap.features
            after = self.model(self.x)
        torch.testing.assert_close(before, during)
        torch.testing.assert_close(before, after)
        torch.testing.assert_close(captured, self.h)
        with self.assertRaisesRegex(RuntimeError, "no features were captured"):
            tap.pop()


def _reduce_worker(rank: int, world: int, init_file: str, result_file: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    x, y = data()
    h = x @ torch.randn(5, 6, generator=torch.Generator().manual_seed(9))
    shard = list(EvaluationShardSampler(len(y), rank=rank, world_size=world))
    predictions = torch.zeros(len(y), dtype=torch.int64)
    statistics = FeatureStatistics(4, 6).add(h[shard], y[shard], predictions[shard]).all_reduce_()
    geometry = class_mean_geometry(statistics)
    nearest = NearestCentrePass(geometry.means_for_nearest_centre()).add(h[shard], y[shard], predictions[shard]).all_reduce_()
    if rank == 0:
        torch.save({"fields": statistics._fields(), "mismatches": nearest.mismatches}, result_file)
    dist.barrier()
    dist.destroy_process_group()


class AllReduceTest(unittest.TestCase):
    def test_two_gloo_ranks_reduce_to_the_whole(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            result = os.path.join(folder, "result.pt")
            mp.spawn(_reduce_worker, args=(2, os.path.join(folder, "init"), result), nprocs=2, join=True)
            reduced = torch.load(result)
        x, y = data()
        h = x @ torch.randn(5, 6, generator=torch.Generator().manual_seed(9))
        predictions = torch.zeros(len(y), dtype=torch.int64)
        whole = FeatureStatistics(4, 6).add(h, y, predictions)
        for mine, theirs in zip(reduced["fields"], whole._fields()):
            torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-9)
        nearest = NearestCentrePass(class_mean_geometry(whole).means_for_nearest_centre()).add(h, y, predictions)
        self.assertEqual(reduced["mismatches"].tolist(), nearest.mismatches.tolist())


if __name__ == "__main__":
    unittest.main()
