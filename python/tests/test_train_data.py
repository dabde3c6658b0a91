"""The PyTorch engine's data: seeded random streams, long-tail counts and subsets, IDX and CIFAR parsing, the
synthetic generator and batch preprocessing. (Equality with the TypeScript trainer's data for the same seed is checked
from Node, in test/integration/python/engine.test.ts.)"""

from __future__ import annotations

import gzip
import os
import struct
import sys
import tempfile
import unittest
from decimal import Decimal, getcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ncmonitor.train.data import (  # noqa: E402
    DatasetError,
    DeviceImages,
    ImageDataset,
    draw_augmentation,
    long_tail_counts,
    normalisation_statistics,
    subsample_long_tail,
    target_train_counts,
)
from ncmonitor.train.data.cifar import load_cifar_dataset, read_cifar_batches  # noqa: E402
from ncmonitor.train.data.idx import find_idx_files, load_idx_dataset, read_idx_images, read_idx_labels  # noqa: E402
from ncmonitor.train.data.load import load_dataset_splits, resolve_dataset_location  # noqa: E402
from ncmonitor.train.data.synthetic import generate_synthetic_dataset  # noqa: E402
from ncmonitor.train.seeded_random import SeededRandom  # noqa: E402


def exact_exponential_counts(n_max: int, factor: int, classes: int) -> list:
    """floor(n_max · IF^(−i/(C−1))) in 60-digit decimal arithmetic, independent of float pow."""
    getcontext().prec = 60
    return [int((Decimal(n_max) * (Decimal(1) / Decimal(factor)) ** (Decimal(i) / Decimal(classes - 1))).to_integral_value(rounding="ROUND_FLOOR")) for i in range(classes)]


class SeededRandomTest(unittest.TestCase):
    def test_split_mix_seeding_matches_the_published_first_output(self) -> None:
        # SplitMix64 seeded with 0 first outputs 0xE220A8397B1DCDAF (Steele, Lea & Flood's reference); the state's
        # first two words are its low and high halves.
        random = SeededRandom(0)
        self.assertEqual((random._s1 << 32) | random._s0, 0xE220A8397B1DCDAF)

    def test_parallel_blocks_equal_the_sequential_stream(self) -> None:
        for count in (1, 1023, 65536, 70001, 3 * 1024 * 1024 // 16 + 7):
            parallel = SeededRandom.derive(5, "block", count)
            sequential = SeededRandom.derive(5, "block", count)
            block = parallel.uint32_block(count)
            expected = np.array([sequential.next_uint32() for _ in range(count)], dtype=np.uint32)
            np.testing.assert_array_equal(block, expected)
            self.assertEqual(parallel.next_uint32(), sequential.next_uint32(), "the state after a block continues the stream")

    def test_derived_streams_are_deterministic_and_distinct(self) -> None:
        a = [SeededRandom.derive(3, "epoch", 1).next_uint32() for _ in range(2)]
        self.assertEqual(a[0], a[1])
        self.assertNotEqual(SeededRandom.derive(3, "epoch", 1).next_uint32(), SeededRandom.derive(3, "epoch", 2).next_uint32())
        self.assertNotEqual(SeededRandom.derive(3, "epoch", 1).next_uint32(), SeededRandom.derive(4, "epoch", 1).next_uint32())

    def test_next_int_stays_in_range_and_is_roughly_uniform(self) -> None:
        random = SeededRandom(11)
        draws = [random.next_int(7) for _ in range(7000)]
        self.assertEqual(set(draws), set(range(7)))
        counts = np.bincount(draws)
        self.assertLess(np.abs(counts - 1000).max(), 150)

    def test_normal_has_mean_zero_and_unit_variance(self) -> None:
        random = SeededRandom(2)
        values = np.array([random.normal() for _ in range(20000)])
        self.assertLess(abs(values.mean()), 0.03)
        self.assertLess(abs(values.std() - 1), 0.03)

    def test_shuffle_is_a_permutation(self) -> None:
        order = SeededRandom(9).permutation(100)
        self.assertEqual(sorted(order.tolist()), list(range(100)))
        self.assertNotEqual(order.tolist(), list(range(100)))

    def test_invalid_seeds_are_refused(self) -> None:
        for seed in (-1, 2**53, 1.5):
            with self.assertRaises(ValueError):
                SeededRandom(seed)  # type: ignore[arg-type]


class LongTailTest(unittest.TestCase):
    def test_published_long_tailed_benchmark_sizes(self) -> None:
        self.assertEqual(sum(long_tail_counts("exponential", 6000, 100, 10)), 14886)  # Fashion-MNIST-LT
        self.assertEqual(sum(long_tail_counts("exponential", 5000, 100, 10)), 12406)  # CIFAR-10-LT
        self.assertEqual(sum(long_tail_counts("exponential", 500, 100, 100)), 10847)  # CIFAR-100-LT
        self.assertEqual(long_tail_counts("exponential", 5000, 100, 10)[-1], 50)
        self.assertEqual(long_tail_counts("exponential", 500, 100, 100)[-1], 5)

    def test_exponential_counts_equal_the_closed_form(self) -> None:
        for n_max, factor, classes in ((600, 100, 10), (600, 10, 7), (1000, 50, 20), (40, 10, 4), (333, 200, 13)):
            with self.subTest(n_max=n_max, factor=factor, classes=classes):
                exact = exact_exponential_counts(n_max, factor, classes)
                computed = long_tail_counts("exponential", n_max, factor, classes)
                for i, (a, b) in enumerate(zip(computed, exact)):
                    ratio = n_max * (1 / factor) ** (i / (classes - 1))
                    if abs(ratio - round(ratio)) > 1e-9:  # away from integers float and exact floors must agree
                        self.assertEqual(a, b, f"class {i}")
                    else:
                        self.assertLessEqual(abs(a - b), 1)

    def test_step_and_none_profiles(self) -> None:
        self.assertEqual(long_tail_counts("step", 500, 10, 5), [500, 500, 50, 50, 50])
        self.assertEqual(long_tail_counts("none", 77, 10, 3), [77, 77, 77])
        self.assertEqual(target_train_counts([10, 12, 9], "none", 100, None), [10, 12, 9])
        self.assertEqual(target_train_counts([10, 12, 9], "step", 3, None), [9, 3, 3], "n_max defaults to the smallest class")

    def test_a_class_left_empty_is_an_error_that_says_what_to_change(self) -> None:
        with self.assertRaisesRegex(DatasetError, r"class 2 would keep no training image \(n_max 10 with factor 100\).*imbalance.factor"):
            target_train_counts([10, 10, 10, 10], "exponential", 100, 10)

    def test_subsample_keeps_the_counts_in_order_and_nests_across_factors(self) -> None:
        index = np.arange(1000)
        # Each image carries its own index in two channels, so a subset says which images it kept.
        images = np.stack([index % 256, index // 256], axis=1).astype(np.uint8).reshape(-1, 1, 1, 2)
        dataset = ImageDataset(images=images, labels=index % 5, class_names=[str(c) for c in range(5)])
        strong = subsample_long_tail(dataset, long_tail_counts("exponential", 200, 100, 5), seed=4)
        weak = subsample_long_tail(dataset, long_tail_counts("exponential", 200, 10, 5), seed=4)
        self.assertEqual(strong.class_counts(), long_tail_counts("exponential", 200, 100, 5))
        strong_ids, weak_ids = _ids(strong), _ids(weak)
        self.assertEqual(strong_ids, sorted(strong_ids), "kept images stay in dataset order")
        self.assertTrue(all(i % 5 == label for i, label in zip(strong_ids, strong.labels.tolist())))
        self.assertTrue(set(strong_ids) <= set(weak_ids), "per-class streams nest the IF 100 subset in the IF 10 one")
        self.assertNotEqual(_ids(subsample_long_tail(dataset, strong.class_counts(), seed=5)), strong_ids)

    def test_asking_for_more_images_than_a_class_has_names_the_class(self) -> None:
        dataset = ImageDataset(images=np.zeros((6, 1, 1, 1), np.uint8), labels=np.array([0, 0, 0, 1, 1, 1]), class_names=["a", "b"])
        with self.assertRaisesRegex(DatasetError, r'class 1 \("b"\) should keep 4'):
            subsample_long_tail(dataset, [3, 4], seed=0)


def _ids(subset: ImageDataset) -> list:
    return [int(a) + 256 * int(b) for a, b in subset.images.reshape(-1, 2).tolist()]


def _idx(magic: int, dims: list, payload: bytes) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload


class IdxTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="ncmonitor-idx-")
        rng = np.random.default_rng(0)
        self.train_images = rng.integers(0, 256, size=(40, 3, 4), dtype=np.uint8)
        self.train_labels = (np.arange(40) % 10).astype(np.uint8)
        self.test_images = rng.integers(0, 256, size=(10, 3, 4), dtype=np.uint8)
        self.test_labels = np.arange(10)[::-1].astype(np.uint8)
        self._write("train-images-idx3-ubyte.gz", _idx(0x803, [40, 3, 4], self.train_images.tobytes()), gzipped=True)
        self._write("train-labels-idx1-ubyte", _idx(0x801, [40], self.train_labels.tobytes()))
        self._write("t10k-images-idx3-ubyte", _idx(0x803, [10, 3, 4], self.test_images.tobytes()))
        self._write("t10k-labels-idx1-ubyte.gz", _idx(0x801, [10], self.test_labels.tobytes()), gzipped=True)

    def _write(self, name: str, data: bytes, gzipped: bool = False) -> str:
        path = os.path.join(self.folder, name)
        with open(path, "wb") as handle:
            handle.write(gzip.compress(data) if gzipped else data)
        return path

    def test_reads_gzipped_and_plain_files_into_nhwc_images(self) -> None:
        files = find_idx_files(self.folder)
        train, test = load_idx_dataset(files, [str(c) for c in range(10)])
        self.assertEqual(train.images.shape, (40, 3, 4, 1))
        np.testing.assert_array_equal(train.images[..., 0], self.train_images)
        np.testing.assert_array_equal(test.labels, self.test_labels.astype(np.int64))
        self.assertEqual(train.class_counts(), [4] * 10)

    def test_corrupt_files_are_errors_that_name_the_file(self) -> None:
        swapped = self._write("swapped", _idx(0x801, [40], self.train_labels.tobytes()))
        with self.assertRaisesRegex(DatasetError, r"swapped: wrong magic number 0x00000801, expected 0x00000803"):
            read_idx_images(swapped)
        truncated = self._write("truncated", _idx(0x803, [40, 3, 4], self.train_images.tobytes()[:-5]))
        with self.assertRaisesRegex(DatasetError, r"truncated: truncated: the header announces 40×3×4 values"):
            read_idx_images(truncated)
        trailing = self._write("trailing", _idx(0x801, [10], self.test_labels.tobytes() + b"xx"))
        with self.assertRaisesRegex(DatasetError, r"2 unexpected bytes after the 10 values"):
            read_idx_labels(trailing, 3)
        bad_label = self._write("bad-label", _idx(0x801, [2], bytes([1, 7])))
        with self.assertRaisesRegex(DatasetError, r"label 7 of item 1 is not a class index 0–2"):
            read_idx_labels(bad_label, 3)
        broken = self._write("broken.gz", gzip.compress(b"x" * 100)[:-8])
        with self.assertRaisesRegex(DatasetError, r"broken.gz: the gzip data is corrupt or truncated"):
            read_idx_images(broken)

    def test_the_loader_uses_dataset_path_and_subsamples_the_training_split_only(self) -> None:
        config = {"name": "mnist", "path": self.folder, "download": False}
        splits = load_dataset_splits(config, {"profile": "step", "factor": 4, "maxPerClass": 4}, 0, config_dir="/")
        self.assertEqual(splits.train_counts, [4] * 5 + [1] * 5)
        self.assertEqual(splits.train.class_counts(), [4] * 5 + [1] * 5)
        self.assertEqual(splits.full_train_counts, [4] * 10)
        self.assertEqual(splits.test.count, 10)
        self.assertEqual(splits.source, f"MNIST from {self.folder}")

    def test_auto_falls_back_to_the_synthetic_dataset_and_says_why(self) -> None:
        location = resolve_dataset_location(
            {"name": "auto", "download": False, "classes": 3, "imageSize": 8, "trainPerClass": 5, "testPerClass": 2},
            "/",
            os.path.join(self.folder, "cache"),
            system_fashion_mnist_directory=os.path.join(self.folder, "nowhere"),
        )
        self.assertEqual(location.name, "synthetic")
        self.assertIn("because no Fashion-MNIST files were found", location.description)

    def test_missing_files_say_where_they_were_looked_for(self) -> None:
        with self.assertRaisesRegex(DatasetError, r"CIFAR-10 files not found \(looked in .*nothing-here.*set dataset.path"):
            load_dataset_splits({"name": "cifar10", "path": "nothing-here", "download": False}, {"profile": "none", "factor": 1}, 0, config_dir=self.folder)


class CifarTest(unittest.TestCase):
    def test_records_become_hwc_images_with_fine_labels(self) -> None:
        folder = tempfile.mkdtemp(prefix="ncmonitor-cifar-")
        pixels = np.arange(3 * 32 * 32, dtype=np.int64) % 251
        record = bytes([4, 77]) + pixels.astype(np.uint8).tobytes()
        path = os.path.join(folder, "train.bin")
        with open(path, "wb") as handle:
            handle.write(record * 2)
        split = read_cifar_batches([path], "cifar100", [str(c) for c in range(100)])
        self.assertEqual(split.labels.tolist(), [77, 77])
        # HWC: pixel (y, x) channel c comes from byte c·1024 + y·32 + x of the channel-major record.
        for y, x, c in ((0, 0, 0), (5, 7, 1), (31, 31, 2)):
            self.assertEqual(int(split.images[1, y, x, c]), int(pixels[c * 1024 + y * 32 + x]))
        with open(path, "ab") as handle:
            handle.write(b"\0" * 10)
        with self.assertRaisesRegex(DatasetError, r"truncated record at byte offset 6148 \(record 2 has 10 of 3074 bytes\)"):
            read_cifar_batches([path], "cifar100", [str(c) for c in range(100)])
        with self.assertRaisesRegex(DatasetError, r"missing data_batch_1.bin"):
            load_cifar_dataset(folder, "cifar10")


class SyntheticTest(unittest.TestCase):
    def test_interleaved_labels_grey_images_and_determinism(self) -> None:
        train, test = generate_synthetic_dataset(3, 9, 4, 2)
        self.assertEqual(train.images.shape, (12, 9, 9, 1))
        self.assertEqual(train.labels.tolist(), [0, 1, 2] * 4)
        self.assertEqual(test.count, 6)
        again, _ = generate_synthetic_dataset(3, 9, 4, 2)
        np.testing.assert_array_equal(train.images, again.images)
        more, _ = generate_synthetic_dataset(3, 9, 6, 2)
        np.testing.assert_array_equal(more.images[:12], train.images, "more samples per class append to the same images")
        self.assertFalse(np.array_equal(train.images[:6], test.images), "train and test come from different streams")

    def test_class_means_differ_more_than_the_noise_allows(self) -> None:
        train, _ = generate_synthetic_dataset(4, 16, 60, 1)
        pixels = train.images.reshape(train.count, -1).astype(np.float64)
        means = np.stack([pixels[train.labels == c].mean(axis=0) for c in range(4)])
        # The noise std of a pixel is 0.8 · 63.75 ≈ 51 grey levels; a mean over 60 images has std ≈ 6.6.
        nearest = np.argmin(((pixels[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
        self.assertGreater((nearest == train.labels).mean(), 0.5, "a nearest-class-mean rule beats chance (0.25) clearly")


class PreprocessTest(unittest.TestCase):
    def setUp(self) -> None:
        rng = np.random.default_rng(3)
        self.dataset = ImageDataset(images=rng.integers(0, 256, size=(6, 5, 4, 3), dtype=np.uint8), labels=np.zeros(6, np.int64), class_names=["a"])

    def test_statistics_are_the_per_channel_mean_and_population_std_of_the_scaled_pixels(self) -> None:
        stats = normalisation_statistics(self.dataset)
        scaled = self.dataset.images.reshape(-1, 3) / 255
        np.testing.assert_allclose(stats.mean, scaled.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(stats.std, scaled.std(axis=0), rtol=1e-9)
        constant = ImageDataset(images=np.full((2, 2, 2, 1), 7, np.uint8), labels=np.zeros(2, np.int64), class_names=["a"])
        self.assertEqual(normalisation_statistics(constant).std, (1.0,), "a constant channel is not divided by 0")

    def test_batches_are_standardised_nchw(self) -> None:
        stats = normalisation_statistics(self.dataset)
        images = DeviceImages(self.dataset, torch.device("cpu"), stats)
        batch = images.batch(torch.tensor([4, 1])).numpy()
        expected = (self.dataset.images[[4, 1]].transpose(0, 3, 1, 2) / 255 - np.array(stats.mean).reshape(1, 3, 1, 1)) / np.array(stats.std).reshape(1, 3, 1, 1)
        np.testing.assert_allclose(batch, expected, atol=1e-5)

    def test_crop_and_flip_follow_the_typescript_definition(self) -> None:
        images = DeviceImages(self.dataset, torch.device("cpu"), None)
        random = SeededRandom(8)
        draws = draw_augmentation(random, 6, 2, True)
        self.assertTrue(draws.flip.any() and not draws.flip.all(), "this seed flips some images and not others")
        self.assertTrue(np.abs(draws.offset_y).max() <= 2 and (draws.offset_x != 0).any())
        batch = images.batch(torch.arange(6), (2, draws)).numpy()
        # out[y, x] = in[y + dy, (W − 1 − x if flip else x) + dx], black outside the image (augmentBatch in TS).
        source = self.dataset.images / 255
        for n in range(6):
            for y in range(5):
                for x in range(4):
                    sy = y + draws.offset_y[n]
                    sx = (3 - x if draws.flip[n] else x) + draws.offset_x[n]
                    inside = 0 <= sy < 5 and 0 <= sx < 4
                    expected = source[n, sy, sx] if inside else np.zeros(3)
                    np.testing.assert_allclose(batch[n, :, y, x], expected, atol=1e-6)
        again = draw_augmentation(SeededRandom(8), 6, 2, True)
        np.testing.assert_array_equal(again.offset_x, draws.offset_x)


if __name__ == "__main__":
    unittest.main()
