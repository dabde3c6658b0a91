"""The decoupled methods of Kang et al. (ICLR 2020) in the PyTorch engine: τ-normalisation (rows rescaled by ‖w_c‖^τ at
evaluation) and cRT (classifier re-initialised and re-trained on a frozen body with class-balanced batches, a fresh
optimiser and a cosine decay over the stage). Expected values come from the formulas by hand, with plain floats."""

from __future__ import annotations

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ncmonitor.train.config import ConfigError, check_config  # noqa: E402
from ncmonitor.train.epoch import epoch_order, train_epoch  # noqa: E402
from ncmonitor.train.evaluation import evaluation_model  # noqa: E402
from ncmonitor.train.methods import DEFAULT_EPOCH_PLAN, create_method, tau_normalised  # noqa: E402
from ncmonitor.train.methods.crt import crt_learning_rate  # noqa: E402
from ncmonitor.train.methods.sampling import class_balanced_order  # noqa: E402
from ncmonitor.train.models import build_model  # noqa: E402
from ncmonitor.train.models.seeded_init import glorot_uniform, uniform_stream  # noqa: E402
from ncmonitor.train.optim import create_optimizer  # noqa: E402
from ncmonitor.train.seeded_random import SeededRandom  # noqa: E402
from ncmonitor.train.stop import StopSignal  # noqa: E402

COUNTS = [100, 10, 1]


def make(name: str, total_epochs: int = 5, learning_rate: float = 0.1, **options):
    return create_method({"name": name, **options}, train_counts=COUNTS, total_epochs=total_epochs, seed=7, device=torch.device("cpu"), learning_rate=learning_rate)


class TauNormalisationTest(unittest.TestCase):
    W = [[3.0, 4.0], [0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]

    def test_rows_are_divided_by_their_norm_to_the_power_tau(self) -> None:
        weight = torch.tensor(self.W, dtype=torch.float64)
        root5, root2 = math.sqrt(5), math.sqrt(2)
        expected = {
            1.0: [[0.6, 0.8], [0, 0], [1, 0], [0, 1]],
            0.5: [[3 / root5, 4 / root5], [0, 0], [1, 0], [0, 2 / root2]],  # ‖(3,4)‖^½ = √5, ‖(0,2)‖^½ = √2
            0.0: self.W,
            2.0: [[3 / 25, 4 / 25], [0, 0], [1, 0], [0, 0.5]],
        }
        for tau, rows in expected.items():
            with self.subTest(tau=tau):
                np.testing.assert_allclose(tau_normalised(weight, tau).numpy(), rows, rtol=1e-12, atol=0)

    def test_the_method_trains_with_cross_entropy_and_predicts_without_bias(self) -> None:
        method = make("tau-normalisation", tau=0.5)
        weight, bias = torch.tensor(self.W), torch.tensor([5.0, 0.0, 0.0, 0.0])
        normalised, new_bias = method.evaluation_classifier(weight, bias)
        self.assertIsNone(new_bias, "τ-normalised predictions use no bias")
        np.testing.assert_allclose(normalised[0].numpy(), [3 / math.sqrt(5), 4 / math.sqrt(5)], rtol=1e-6)
        logits = torch.tensor([[2.0, 0.0, -1.0]])
        expected = -2.0 + math.log(math.exp(2.0) + 1 + math.exp(-1.0))
        self.assertAlmostEqual(float(make("tau-normalisation").loss(None, logits.double(), torch.tensor([0]), 1, None)), expected, places=12)

    def test_evaluation_predicts_with_the_normalised_rows(self) -> None:
        # Head row w_0 = (4, 0) beats w_1 = (0, 1) on h = (1, 1.5) by raw logits (4 > 1.5); unit rows give 1 < 1.5.
        model = build_model({"architecture": "mlp", "featureDim": 2, "hiddenUnits": [4]}, (1, 1, 2), 2, seed=0)
        model.features = torch.nn.Identity()
        with torch.no_grad():
            model.classifier.weight.copy_(torch.tensor([[4.0, 0.0], [0.0, 1.0]]))
            model.classifier.bias.copy_(torch.tensor([0.3, -0.3]))
        h = torch.tensor([[1.0, 1.5]])
        self.assertEqual(int(model(h).argmax()), 0)
        view = evaluation_model(model, make("tau-normalisation", tau=1.0))
        self.assertIsNone(view.classifier.bias)
        np.testing.assert_allclose(view(h).detach().numpy(), [[1.0, 1.5]], rtol=1e-6)
        self.assertEqual(int(view(h).argmax()), 1)


class CrtScheduleTest(unittest.TestCase):
    def model(self):
        return build_model({"architecture": "mlp", "featureDim": 4, "hiddenUnits": [8]}, (1, 2, 2), 3, seed=0)

    def test_the_plan_of_each_epoch(self) -> None:
        method = make("crt", total_epochs=5, learning_rate=0.1, classifierEpochs=2, classifierLearningRate=0.02)
        model = self.model()
        for epoch in (1, 2, 3):
            self.assertIs(method.plan_epoch(epoch, model), DEFAULT_EPOCH_PLAN, f"epoch {epoch} is the first stage")
        first = method.plan_epoch(4, model)
        self.assertEqual((first.sampling, first.classifier_only, first.reset_optimizer), ("class-balanced", True, True))
        second = method.plan_epoch(5, model)
        self.assertEqual((second.sampling, second.classifier_only, second.reset_optimizer), ("class-balanced", True, False))
        # peak · ½(1 + cos(π (stage epoch + progress) / 2)), stage epochs 0 and 1.
        self.assertAlmostEqual(first.learning_rate(0.0), 0.02, places=15)
        self.assertAlmostEqual(first.learning_rate(0.5), 0.02 * 0.5 * (1 + math.cos(math.pi / 4)), places=15)
        self.assertAlmostEqual(second.learning_rate(0.0), 0.01, places=15)
        self.assertAlmostEqual(second.learning_rate(0.5), 0.02 * 0.5 * (1 + math.cos(3 * math.pi / 4)), places=15)
        self.assertAlmostEqual(crt_learning_rate(0.02, 1, 1.0, 2), 0.0, places=15, msg="decays to 0 at the end of the stage")

    def test_the_default_peak_is_the_optimizer_learning_rate(self) -> None:
        method = make("crt", total_epochs=3, learning_rate=0.05, classifierEpochs=1)
        self.assertAlmostEqual(method.plan_epoch(3, self.model()).learning_rate(0.0), 0.05)

    def test_the_classifier_is_reinitialised_at_the_start_of_the_stage_only(self) -> None:
        method = make("crt", total_epochs=4, classifierEpochs=2)
        model = self.model()
        with torch.no_grad():
            model.classifier.weight.fill_(9.0)
            model.classifier.bias.fill_(9.0)
        method.plan_epoch(2, model)
        self.assertEqual(float(model.classifier.weight.min()), 9.0, "the first stage leaves W alone")
        torch.manual_seed(123)  # torch's global generator plays no part
        method.plan_epoch(3, model)
        weight = model.classifier.weight.detach().numpy()
        limit = math.sqrt(6 / (4 + 3))  # Glorot: √(6/(fan_in + fan_out)), d = 4, C = 3
        self.assertTrue(np.all(np.abs(weight) < limit) and np.all(model.classifier.bias.detach().numpy() == 0))
        np.testing.assert_array_equal(weight, glorot_uniform(7, "crt/classifier/weights", 12, 4, 3).reshape(3, 4))
        with torch.no_grad():
            model.classifier.weight.fill_(1.0)
        method.plan_epoch(4, model)
        self.assertEqual(float(model.classifier.weight.min()), 1.0, "later stage epochs keep the re-trained W")

    def test_too_many_classifier_epochs_is_an_error_naming_the_field(self) -> None:
        with self.assertRaisesRegex(ValueError, r"method.classifierEpochs \(5\) must be smaller than epochs \(5\)"):
            make("crt", total_epochs=5, classifierEpochs=5)
        config = {"dataset": {"name": "synthetic"}, "engine": "pytorch", "epochs": 3, "method": {"name": "crt", "classifierEpochs": 3}}
        with self.assertRaises(ConfigError) as caught:
            check_config(config, "x.ltrun.json")
        self.assertRegex(caught.exception.lines[0], r"^x\.ltrun\.json: method\.classifierEpochs: 3 must be smaller than epochs \(3\)")
        self.assertEqual(check_config({**config, "epochs": 4}, "x.ltrun.json")["method"], {"name": "crt", "classifierEpochs": 3})


class SeededInitTest(unittest.TestCase):
    def test_mulberry32_by_hand(self) -> None:
        # Stream key: FNV-1a 32 from 0x811c9dc5 ^ seed over "a" (0x61): (0x811c9dc5 ^ 0 ^ 0x61) · 0x01000193 mod 2^32.
        key = ((0x811C9DC5 ^ 0x61) * 0x01000193) & 0xFFFFFFFF
        state = (key + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((state ^ (state >> 15)) * (state | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        first = ((t ^ (t >> 14)) & 0xFFFFFFFF) / 2**32
        self.assertEqual(uniform_stream(0, "a")(), first)
        values = glorot_uniform(3, "w", 20000, 30, 10)
        limit = math.sqrt(6 / 40)
        self.assertEqual(values.dtype, np.float32)
        self.assertLess(float(np.abs(values).max()), limit)
        self.assertAlmostEqual(float(values.var()), limit**2 / 3, delta=0.02 * limit**2)  # U(−a, a) has variance a²/3
        self.assertFalse(np.array_equal(values[:10], glorot_uniform(4, "w", 10, 30, 10)), "the seed changes the stream")


class ClassBalancedSamplingTest(unittest.TestCase):
    def test_classes_are_drawn_uniformly_then_samples_within_them(self) -> None:
        labels = np.array([0] * 100 + [1] * 10 + [2] * 1)
        order = class_balanced_order(labels, 3, 30000, SeededRandom(5))
        drawn = labels[order]
        for c in range(3):
            self.assertAlmostEqual(float(np.mean(drawn == c)), 1 / 3, delta=0.015)
        within = np.bincount(order[drawn == 1] - 100, minlength=10) / np.sum(drawn == 1)
        np.testing.assert_allclose(within, 0.1, atol=0.02)
        self.assertTrue(np.all(order[drawn == 2] == 110))

    def test_the_draws_are_next_int_of_the_classes_then_of_the_class(self) -> None:
        labels = [2, 0, 2, 0, 2]  # class 1 has no sample: it is never drawn
        random, replay = SeededRandom(9), SeededRandom(9)
        order = class_balanced_order(labels, 3, 50, random)
        present = [[1, 3], [0, 2, 4]]
        expected = []
        for _ in range(50):
            members = present[replay.next_int(2)]
            expected.append(members[replay.next_int(len(members))])
        self.assertEqual(order.tolist(), expected)

    def test_an_epoch_plan_chooses_the_order(self) -> None:
        labels = np.array([0, 0, 0, 1, 2, 2])
        plan = make("crt", total_epochs=2, classifierEpochs=1).plan_epoch(2, CrtScheduleTest().model())
        balanced = epoch_order(plan, labels, 3, SeededRandom.derive(1, "epoch", 2))
        np.testing.assert_array_equal(balanced, class_balanced_order(labels, 3, 6, SeededRandom.derive(1, "epoch", 2)))
        np.testing.assert_array_equal(epoch_order(DEFAULT_EPOCH_PLAN, labels, 3, SeededRandom.derive(1, "epoch", 1)), SeededRandom.derive(1, "epoch", 1).permutation(6))


class CrtStageTrainingTest(unittest.TestCase):
    """A classifier-only epoch on a ResNet-8 (batch norm in the body): only W and b move."""

    CONFIG = {
        "seed": 2,
        "batchSize": 4,
        "epochs": 2,
        "augmentation": {"randomCropPadding": 0, "horizontalFlip": False, "normalise": False},
        "optimizer": {"name": "sgd", "learningRate": 0.1, "momentum": 0.9, "weightDecay": 0.0005},
        "schedule": {"name": "constant", "warmupEpochs": 0},
    }

    def setUp(self) -> None:
        from ncmonitor.train.data import DeviceImages
        from ncmonitor.train.data.dataset import ImageDataset

        rng = np.random.default_rng(0)
        labels = np.array([0] * 8 + [1] * 3 + [2], dtype=np.int64)
        images = rng.integers(0, 256, size=(12, 8, 8, 1), dtype=np.uint8)
        self.dataset = ImageDataset(images=images, labels=labels, class_names=["a", "b", "c"])
        self.images = DeviceImages(self.dataset, torch.device("cpu"), None)
        self.model = build_model({"architecture": "resnet8", "featureDim": 8, "width": 4}, (1, 8, 8), 3, seed=0)

    def run_epoch(self, epoch: int):
        method = make("crt", total_epochs=2, classifierEpochs=1)
        plan = method.plan_epoch(epoch, self.model)
        optimizer = create_optimizer(self.model.parameters(), self.CONFIG["optimizer"])
        result = train_epoch(self.images, self.dataset.labels, self.model, method, plan, optimizer, epoch, self.CONFIG, StopSignal())
        return result, optimizer

    def test_the_body_and_its_batch_norm_statistics_stay_frozen(self) -> None:
        body = {name: value.clone() for name, value in self.model.features.state_dict().items()}
        result, optimizer = self.run_epoch(2)
        self.assertTrue(math.isfinite(result.loss))
        for name, value in self.model.features.state_dict().items():
            self.assertTrue(torch.equal(value, body[name]), f"{name} changed in the classifier-only stage")
        trained = {id(parameter) for group in optimizer.param_groups for parameter in group["params"] if optimizer.state.get(parameter)}
        self.assertEqual(trained, {id(self.model.classifier.weight), id(self.model.classifier.bias)}, "only W and b have momentum")
        self.assertTrue(self.model.features.training is False and self.model.classifier.training)

    def test_a_first_stage_epoch_trains_the_body(self) -> None:
        running_mean = next(value.clone() for name, value in self.model.features.state_dict().items() if name.endswith("running_mean"))
        self.run_epoch(1)
        after = next(value for name, value in self.model.features.state_dict().items() if name.endswith("running_mean"))
        self.assertFalse(torch.equal(after, running_mean))


if __name__ == "__main__":
    unittest.main()
