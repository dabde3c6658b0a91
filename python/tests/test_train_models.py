"""Architectures, optimiser and learning-rate schedule of the PyTorch engine."""

from __future__ import annotations

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from ncmonitor.train.models import build_model, parameter_count  # noqa: E402
from ncmonitor.train.optim import create_optimizer, learning_rate_at  # noqa: E402


class ModelTest(unittest.TestCase):
    def test_shapes_and_named_feature_and_classifier_modules(self) -> None:
        cases = [
            ({"architecture": "mlp", "featureDim": 12, "hiddenUnits": [20, 16]}, (1, 8, 8)),
            ({"architecture": "small-cnn", "featureDim": 32}, (1, 28, 28)),
            ({"architecture": "small-cnn", "featureDim": 16}, (3, 9, 11)),
            ({"architecture": "resnet8", "featureDim": 24, "width": 4}, (3, 16, 16)),
            ({"architecture": "resnet20", "featureDim": 16, "width": 4}, (1, 12, 12)),
        ]
        for config, shape in cases:
            with self.subTest(architecture=config["architecture"], shape=shape):
                model = build_model(config, shape, 5, seed=0)
                x = torch.randn(3, *shape)
                h, logits = model.forward_with_features(x)
                self.assertEqual(tuple(h.shape), (3, config["featureDim"]))
                self.assertEqual(tuple(logits.shape), (3, 5))
                self.assertTrue(bool((h >= 0).all()), "ReLU features by default")
                self.assertIsInstance(model.classifier, torch.nn.Linear)
                self.assertTrue(torch.allclose(model(x), logits))
                self.assertTrue(torch.allclose(model.classifier(model.features(x)), logits))

    def test_cifar_resnets_have_the_published_parameter_counts(self) -> None:
        # He et al. 2016's CIFAR ResNets with option-A shortcuts on CIFAR-10: ResNet-20 0.27M (269,722), ResNet-32
        # 0.46M (464,154), counting batch-norm scales and shifts and the 64 × 10 classifier.
        for name, expected in (("resnet20", 269722), ("resnet32", 464154)):
            model = build_model({"architecture": name, "featureDim": 64, "width": 16}, (3, 32, 32), 10, seed=0)
            self.assertEqual(parameter_count(model), expected, name)

    def test_small_cnn_and_mlp_parameter_counts_follow_their_layer_sizes(self) -> None:
        cnn = build_model({"architecture": "small-cnn", "featureDim": 64}, (1, 28, 28), 10, seed=0)
        self.assertEqual(parameter_count(cnn), (9 * 32 + 32) + (9 * 32 * 64 + 64) + (7 * 7 * 64 * 64 + 64) + (64 * 10 + 10))
        mlp = build_model({"architecture": "mlp", "featureDim": 8, "hiddenUnits": [16]}, (1, 8, 8), 4, seed=0)
        self.assertEqual(parameter_count(mlp), (64 * 16 + 16) + (16 * 8 + 8) + (8 * 4 + 4))

    def test_l2_normalised_features_for_a_fixed_etf(self) -> None:
        for config in ({"architecture": "small-cnn", "featureDim": 8}, {"architecture": "resnet8", "featureDim": 16, "width": 4}):
            model = build_model(config, (1, 8, 8), 3, seed=0, feature_output="l2-normalised")
            h = model.features(torch.randn(4, 1, 8, 8))
            self.assertTrue(torch.allclose(h.norm(dim=1), torch.ones(4), atol=1e-5))
            self.assertTrue(bool((h < 0).any()), "no ReLU before the normalisation")

    def test_the_seed_fixes_the_initial_weights(self) -> None:
        config = {"architecture": "mlp", "featureDim": 4, "hiddenUnits": [8]}
        a, b, c = (build_model(config, (1, 3, 3), 3, seed=s) for s in (1, 1, 2))
        self.assertTrue(torch.equal(a.classifier.weight, b.classifier.weight))
        self.assertFalse(torch.equal(a.classifier.weight, c.classifier.weight))
        self.assertEqual(float(a.classifier.bias.abs().sum()), 0.0)

    def test_small_inputs_for_the_cnn_are_refused_with_the_fix(self) -> None:
        with self.assertRaisesRegex(ValueError, r'at least 4×4 pixels, got 3×3; use "mlp"'):
            build_model({"architecture": "small-cnn", "featureDim": 4}, (1, 3, 3), 2, seed=0)


class OptimiserTest(unittest.TestCase):
    def test_schedules(self) -> None:
        optimizer = {"learningRate": 0.1}
        warm_step = {"name": "step", "warmupEpochs": 5, "milestones": [160, 180], "gamma": 0.01}
        self.assertAlmostEqual(learning_rate_at(0, optimizer, warm_step, 200), 0.01)
        self.assertAlmostEqual(learning_rate_at(2.5, optimizer, warm_step, 200), 0.1 * (0.1 + 0.9 * 0.5))
        self.assertAlmostEqual(learning_rate_at(100, optimizer, warm_step, 200), 0.1)
        self.assertAlmostEqual(learning_rate_at(159, optimizer, warm_step, 200), 0.1 * 0.01, msg="milestones are 1-based epochs")
        self.assertAlmostEqual(learning_rate_at(179.5, optimizer, warm_step, 200), 0.1 * 0.01**2)
        cosine = {"name": "cosine", "warmupEpochs": 0}
        self.assertAlmostEqual(learning_rate_at(5, optimizer, cosine, 10), 0.05)
        self.assertAlmostEqual(learning_rate_at(2.5, optimizer, cosine, 10), 0.1 * 0.5 * (1 + math.cos(math.pi / 4)))
        self.assertAlmostEqual(learning_rate_at(3, optimizer, {"name": "constant"}, 10), 0.1)

    def test_weight_decay_is_coupled_l2_on_every_trainable_tensor(self) -> None:
        weight = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        frozen = torch.nn.Parameter(torch.tensor([5.0]), requires_grad=False)
        optimizer = create_optimizer([weight, frozen], {"name": "sgd", "learningRate": 0.5, "momentum": 0.9, "weightDecay": 0.1})
        for _ in range(2):
            optimizer.zero_grad()
            (3 * weight.sum()).backward()
            optimizer.step()
        # g = 3 + λw; v ← 0.9 v + g; w ← w − lr v.
        expected = []
        for w in (1.0, -2.0):
            v = 0.0
            for _ in range(2):
                v = 0.9 * v + 3 + 0.1 * w
                w = w - 0.5 * v
            expected.append(w)
        self.assertTrue(torch.allclose(weight.detach(), torch.tensor(expected)))
        self.assertEqual(len(optimizer.param_groups[0]["params"]), 1, "frozen tensors are not optimised")


if __name__ == "__main__":
    unittest.main()
