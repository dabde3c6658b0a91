"""Losses, the fixed simplex ETF and the methods' hooks of the PyTorch engine, against values computed by hand (plain
floats from the formulas of DOMAIN.md and docs/methods.md, not the code under test)."""

from __future__ import annotations

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ncmonitor.train.methods import PYTORCH_ENGINE_METHODS, UnsupportedMethodError, create_method, simplex_etf  # noqa: E402
from ncmonitor.train.methods.losses import (  # noqa: E402
    class_balanced_loss,
    dot_regression_loss,
    effective_number_weights,
    focal_loss_per_sample,
    ldam_loss,
    ldam_margins,
    offset_cross_entropy,
)
from ncmonitor.train.models import build_model  # noqa: E402

LOGITS = [[2.0, 0.0, -1.0], [0.5, 1.5, 0.0], [0.0, 0.0, 3.0]]
LABELS = [0, 1, 2]
COUNTS = [100, 10, 1]


def cross_entropy(row, label, offsets=(0.0, 0.0, 0.0)):
    shifted = [value + offset for value, offset in zip(row, offsets)]
    return -shifted[label] + math.log(sum(math.exp(value) for value in shifted))


def tensors():
    return torch.tensor(LOGITS, dtype=torch.float64), torch.tensor(LABELS)


class LossTest(unittest.TestCase):
    def test_focal_loss_is_the_modulated_cross_entropy(self) -> None:
        logits, labels = tensors()
        for gamma in (0.0, 2.0, 0.5):
            expected = []
            for row, label in zip(LOGITS, LABELS):
                ce = cross_entropy(row, label)
                expected.append((1 - math.exp(-ce)) ** gamma * ce)
            np.testing.assert_allclose(focal_loss_per_sample(logits, labels, gamma).numpy(), expected, rtol=1e-12)

    def test_effective_number_weights_and_the_class_balanced_loss(self) -> None:
        beta = 0.9
        raw = [(1 - beta) / (1 - beta**n) for n in COUNTS]
        weights = [w * 3 / sum(raw) for w in raw]
        np.testing.assert_allclose(effective_number_weights(COUNTS, beta), weights, rtol=1e-12)
        self.assertAlmostEqual(sum(effective_number_weights(COUNTS, 0.9999)), 3.0, places=12)
        np.testing.assert_allclose(effective_number_weights(COUNTS, 0.0), [1.0, 1.0, 1.0])
        logits, labels = tensors()
        expected = sum(weights[y] * cross_entropy(row, y) for row, y in zip(LOGITS, LABELS)) / 3
        loss = class_balanced_loss(logits, labels, torch.tensor(weights, dtype=torch.float64), 0.0)
        self.assertAlmostEqual(float(loss), expected, places=12)

    def test_logit_adjustment_and_balanced_softmax_offsets(self) -> None:
        logits, labels = tensors()
        log_prior = [math.log(n / 111) for n in COUNTS]
        tau = 1.5
        expected = sum(cross_entropy(row, y, [tau * p for p in log_prior]) for row, y in zip(LOGITS, LABELS)) / 3
        offsets = torch.tensor([tau * p for p in log_prior], dtype=torch.float64)
        self.assertAlmostEqual(float(offset_cross_entropy(logits, labels, offsets)), expected, places=12)
        # Balanced Softmax adds log n_c: the same as τ = 1 up to a constant shift, which the softmax ignores.
        balanced = offset_cross_entropy(logits, labels, torch.log(torch.tensor(COUNTS, dtype=torch.float64)))
        adjusted = offset_cross_entropy(logits, labels, torch.tensor(log_prior, dtype=torch.float64))
        self.assertAlmostEqual(float(balanced), float(adjusted), places=12)

    def test_ldam_margins_and_loss(self) -> None:
        margins = ldam_margins(COUNTS, 0.5)
        np.testing.assert_allclose(margins, [0.5 * 100**-0.25, 0.5 * 10**-0.25, 0.5], rtol=1e-12)
        cosines = [[0.6, 0.8, 0.0], [0.1, 0.2, -0.3], [0.0, 0.5, 0.9]]
        scale = 30.0
        per_sample = []
        for row, y in zip(cosines, LABELS):
            shifted = [scale * (value - (margins[y] if c == y else 0.0)) for c, value in enumerate(row)]
            per_sample.append(cross_entropy(shifted, y))
        z = torch.tensor(cosines, dtype=torch.float64)
        labels = torch.tensor(LABELS)
        m = torch.tensor(margins, dtype=torch.float64)
        self.assertAlmostEqual(float(ldam_loss(z, labels, m, scale)), sum(per_sample) / 3, places=10)
        weights = [0.2, 0.9, 1.9]
        weighted = sum(weights[y] * value for y, value in zip(LABELS, per_sample)) / sum(weights[y] for y in LABELS)
        self.assertAlmostEqual(float(ldam_loss(z, labels, m, scale, torch.tensor(weights, dtype=torch.float64))), weighted, places=10)

    def test_dot_regression_value_and_gradient(self) -> None:
        w = [[1.0, 0.0], [0.0, 2.0]]
        h = [[3.0, 4.0], [1.0, 1.0]]
        labels = torch.tensor([0, 1])
        features = torch.tensor(h, dtype=torch.float64, requires_grad=True)
        loss = dot_regression_loss(features, labels, torch.tensor(w, dtype=torch.float64))
        expected_terms, expected_grads = [], []
        for row, y in zip(h, [0, 1]):
            target = w[y]
            norm_h = math.hypot(*row)
            residual = target[0] * row[0] + target[1] * row[1] - math.hypot(*target) * norm_h
            expected_terms.append(0.5 * residual**2 / norm_h)
            # ‖h‖ is not back-propagated: ∂/∂h = residual/‖h‖ · w_y, averaged over the batch.
            expected_grads.append([residual / norm_h * value / 2 for value in target])
        self.assertAlmostEqual(float(loss), sum(expected_terms) / 2, places=6)
        loss.backward()
        np.testing.assert_allclose(features.grad.numpy(), expected_grads, atol=1e-6)
        aligned = torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
        self.assertLess(float(dot_regression_loss(aligned, labels, torch.tensor(w, dtype=torch.float64))), 1e-6, "h ∝ w_y costs nothing")


class EtfTest(unittest.TestCase):
    def test_unit_rows_with_pairwise_cosine_minus_one_over_c_minus_one(self) -> None:
        for classes, dim in ((10, 64), (4, 4), (5, 4), (2, 1), (100, 128)):
            with self.subTest(classes=classes, dim=dim):
                w = simplex_etf(classes, dim, seed=3)
                self.assertEqual(w.shape, (classes, dim))
                np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0, atol=1e-12)
                gram = w @ w.T
                off_diagonal = gram[~np.eye(classes, dtype=bool)]
                np.testing.assert_allclose(off_diagonal, -1 / (classes - 1), atol=1e-12)
                np.testing.assert_allclose(w.sum(axis=0), 0.0, atol=1e-10)
        self.assertFalse(np.allclose(simplex_etf(4, 8, 1), simplex_etf(4, 8, 2)), "the seed rotates the frame")

    def test_too_few_feature_dimensions_is_an_error_naming_the_field(self) -> None:
        with self.assertRaisesRegex(ValueError, r"model.featureDim 3 < C − 1 = 4"):
            simplex_etf(5, 3, 0)


def method(name: str, **options):
    defaults = {
        "class-balanced": {"beta": 0.9999, "loss": "cross-entropy", "gamma": 2},
        "focal": {"gamma": 2},
        "ldam-drw": {"maxMargin": 0.5, "scale": 30, "deferredReweighting": True, "beta": 0.9999, "cosineClassifier": True},
        "logit-adjustment": {"mode": "loss", "tau": 1},
    }
    config = {"name": name, **defaults.get(name, {}), **options}
    return create_method(config, train_counts=COUNTS, total_epochs=10, seed=0, device=torch.device("cpu"))


class MethodTest(unittest.TestCase):
    def model(self, feature_output: str = "relu"):
        return build_model({"architecture": "mlp", "featureDim": 4, "hiddenUnits": [8]}, (1, 2, 2), 3, seed=0, feature_output=feature_output)

    def test_every_listed_method_trains_a_step(self) -> None:
        x = torch.randn(6, 1, 2, 2)
        labels = torch.tensor([0, 1, 2, 0, 1, 2])
        for name in PYTORCH_ENGINE_METHODS:
            with self.subTest(method=name):
                training = method(name)
                model = self.model(training.feature_output)
                training.prepare(model)
                features, logits = model.forward_with_features(x)
                loss = training.loss(features, logits, labels, 1, model)
                self.assertTrue(torch.isfinite(loss))
                loss.backward()

    def test_etf_classifier_is_fixed_and_features_are_unit_vectors(self) -> None:
        training = method("etf-classifier")
        model = self.model(training.feature_output)
        training.prepare(model)
        self.assertFalse(model.classifier.weight.requires_grad or model.classifier.bias.requires_grad)
        np.testing.assert_allclose(model.classifier.weight.detach().numpy(), simplex_etf(3, 4, 0), atol=1e-6)
        features = model.features(torch.randn(5, 1, 2, 2))
        np.testing.assert_allclose(features.norm(dim=1).detach().numpy(), 1.0, atol=1e-5)

    def test_ldam_uses_a_bias_free_cosine_classifier_and_defers_reweighting(self) -> None:
        training = method("ldam-drw")
        model = self.model()
        with torch.no_grad():
            model.classifier.bias.fill_(1.0)
        training.prepare(model)
        self.assertEqual(float(model.classifier.bias.abs().sum()), 0.0)
        self.assertFalse(model.classifier.bias.requires_grad)
        self.assertEqual(training.deferred_epochs, 8, "default: 80% of 10 epochs")
        weight, bias = training.evaluation_classifier(model.classifier.weight.detach(), model.classifier.bias.detach())
        self.assertIsNone(bias)
        np.testing.assert_allclose(weight.norm(dim=1).numpy(), 1.0, atol=1e-6)
        x = torch.randn(4, 1, 2, 2)
        labels = torch.tensor([0, 1, 2, 2])
        features, logits = model.forward_with_features(x)
        self.assertNotAlmostEqual(float(training.loss(features, logits, labels, 8, model)), float(training.loss(features, logits, labels, 9, model)))

    def test_post_hoc_logit_adjustment_predicts_with_the_adjusted_bias(self) -> None:
        training = method("logit-adjustment", mode="post-hoc", tau=2.0)
        weight, bias = torch.zeros(3, 4), torch.tensor([0.1, 0.2, 0.3])
        _, adjusted = training.evaluation_classifier(weight, bias)
        np.testing.assert_allclose(adjusted.numpy(), [b - 2.0 * math.log(n / 111) for b, n in zip([0.1, 0.2, 0.3], COUNTS)], rtol=1e-5)
        self.assertIsNone(method("logit-adjustment").evaluation_classifier(weight, bias), "the loss mode predicts with plain logits")

    def test_methods_of_the_typescript_trainer_only_are_refused_by_name(self) -> None:
        for name in ("allnc", "spa-reg", "spa-proj", "granularity"):
            with self.assertRaisesRegex(UnsupportedMethodError, rf'method "{name}" is not implemented in the pytorch engine.*"engine": "tfjs"'):
                method(name)


if __name__ == "__main__":
    unittest.main()
