"""The generated image dataset (``dataset.name: "synthetic"``), ported from src/trainer/data/synthetic.ts.

Why a port: a config that names the synthetic dataset must train on the same images in both engines. Each class has
a prototype (an oriented grating and two Gaussian blobs at class-specific places); each sample draws a phase,
contrasts, a shift, jittered orientation and frequency, and Gaussian pixel noise from the stream of its (split,
class). The random words come from the bit-exact SeededRandom port; the floating-point work is vectorised with
numpy in the same operation order as the TypeScript, so pixels agree except where libm and V8 round a
transcendental function differently at a pixel's rounding boundary (not observed in the tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from ..seeded_random import SeededRandom, uniform_floats
from .dataset import ImageDataset

SYNTHETIC_DATA_SEED = 0
"""Seed of the data itself: fixed, so runs with different seeds train on the same synthetic dataset (as in TS)."""

_GOLDEN = (math.sqrt(5) - 1) / 2
_PLASTIC = 1.324717957244746
_R2_X = 1 / _PLASTIC
_R2_Y = 1 / (_PLASTIC * _PLASTIC)

_PIXEL_NOISE_STD = 0.8
_MAX_SHIFT_FRACTION = 0.15
_GRATING_AMPLITUDE = 0.5
_BLOB_AMPLITUDE = 0.7
_BLOB_SIGMA_FRACTION = 0.13
_ORIENTATION_JITTER_STD = 0.12
_FREQUENCY_JITTER_STD = 0.1


@dataclass(frozen=True)
class ClassPrototype:
    orientation: float
    frequency: float
    bright_x: float
    bright_y: float
    dark_x: float
    dark_y: float


def _fraction(value: float) -> float:
    return value - math.floor(value)


def class_prototypes(classes: int, seed: int) -> List[ClassPrototype]:
    """Class parameters spread by golden-ratio and R2 sequences, offset by the seed (as classPrototypes in TS)."""
    offsets = SeededRandom.derive(seed, "synthetic", "prototypes")
    orientation_offset = offsets.next_float()
    frequency_offset = offsets.next_float()
    bright_offset = (offsets.next_float(), offsets.next_float())
    dark_offset = (offsets.next_float(), offsets.next_float())

    def position(value: float) -> float:
        return 0.2 + 0.6 * value

    return [
        ClassPrototype(
            orientation=math.pi * _fraction(orientation_offset + c * _GOLDEN),
            frequency=1.5 + 3 * _fraction(frequency_offset + c * math.sqrt(2)),
            bright_x=position(_fraction(bright_offset[0] + c * _R2_X)),
            bright_y=position(_fraction(bright_offset[1] + c * _R2_Y)),
            dark_x=position(_fraction(dark_offset[0] + (c * 7 + 3) * _R2_X)),
            dark_y=position(_fraction(dark_offset[1] + (c * 7 + 3) * _R2_Y)),
        )
        for c in range(classes)
    ]


def _js_round(values: np.ndarray) -> np.ndarray:
    """JavaScript's Math.round (halves toward +∞), exactly: floor(v) + (v − floor(v) ≥ ½)."""
    floor = np.floor(values)
    return floor + (values - floor >= 0.5)


def _sample_layouts(per_class: int, normals_per_sample: int) -> Tuple[List[Tuple[int, bool, int]], int]:
    """Where each sample's draws sit in its class stream.

    Per sample, random.ts draws 5 uniform floats (10 words), then ``normals_per_sample`` normals; Box–Muller makes
    them in pairs (4 words each) and keeps the second of a pair for the next call, across samples. Returns, per
    sample, (first word, whether its first normal is the previous sample's spare, fresh pairs), and the total words.
    """
    layouts = []
    offset = 0
    spare = False
    for _ in range(per_class):
        fresh = normals_per_sample - (1 if spare else 0)
        pairs = (fresh + 1) // 2
        layouts.append((offset, spare, pairs))
        offset += 10 + 4 * pairs
        spare = fresh % 2 == 1
    return layouts, offset


def _render_class(prototype: ClassPrototype, size: int, per_class: int, random: SeededRandom) -> np.ndarray:
    """``per_class`` images (uint8, per_class × size × size) of one class from its stream, as renderSample in TS."""
    pixels = size * size
    normals_per_sample = 2 + pixels
    layouts, total_words = _sample_layouts(per_class, normals_per_sample)
    words = random.uint32_block(total_words)
    images = np.empty((per_class, size, size), dtype=np.uint8)
    ys, xs = np.meshgrid(np.arange(size, dtype=np.float64), np.arange(size, dtype=np.float64), indexing="ij")
    two_pi = 2 * math.pi
    # Each position's std: orientation jitter, frequency jitter, then one per pixel.
    stds = np.concatenate(([_ORIENTATION_JITTER_STD, _FREQUENCY_JITTER_STD], np.full(pixels, _PIXEL_NOISE_STD)))
    previous_spare = 0.0  # radius·sin of the last pair when a spare is pending
    for k, (offset, has_spare, pairs) in enumerate(layouts):
        floats = uniform_floats(words[offset : offset + 10])
        pair_words = uniform_floats(words[offset + 10 : offset + 10 + 4 * pairs])
        u1 = 1 - pair_words[0::2]
        u2 = pair_words[1::2]
        radius = np.sqrt(-2 * np.log(u1))
        angle = two_pi * u2
        cosines = np.cos(angle)
        spares = radius * np.sin(angle)  # what random.ts keeps as spareNormal
        # Values in call order: [the previous sample's spare], then cos₀, spare₀, cos₁, spare₁, … A fresh value is
        # mean + std·radius·cos, evaluated as (std·radius)·cos; a spare is mean + std·(radius·sin); the mean is 0.
        start = 1 if has_spare else 0
        values = np.empty(normals_per_sample, dtype=np.float64)
        if has_spare:
            values[0] = stds[0] * previous_spare
        fresh_stds = stds[start:]
        even_stds = fresh_stds[0::2]
        odd_stds = fresh_stds[1::2]
        values[start::2] = (even_stds * radius[: len(even_stds)]) * cosines[: len(even_stds)]
        values[start + 1 :: 2] = odd_stds * spares[: len(odd_stds)]
        if len(even_stds) > len(odd_stds):
            previous_spare = float(spares[-1])

        phase = two_pi * floats[0]
        grating_contrast = _GRATING_AMPLITUDE * (0.6 + 0.8 * floats[1])
        blob_contrast = _BLOB_AMPLITUDE * (0.6 + 0.8 * floats[2])
        max_shift = _MAX_SHIFT_FRACTION * size
        shift_x = (2 * floats[3] - 1) * max_shift
        shift_y = (2 * floats[4] - 1) * max_shift
        sigma = _BLOB_SIGMA_FRACTION * size
        two_sigma_squared = 2 * sigma * sigma
        orientation = prototype.orientation + float(values[0])
        frequency = prototype.frequency * math.exp(float(values[1]))
        kx = (2 * math.pi * frequency * math.cos(orientation)) / size
        ky = (2 * math.pi * frequency * math.sin(orientation)) / size
        bright_x = prototype.bright_x * size + shift_x
        bright_y = prototype.bright_y * size + shift_y
        dark_x = prototype.dark_x * size + shift_x
        dark_y = prototype.dark_y * size + shift_y
        bright = np.exp(-((xs - bright_x) * (xs - bright_x) + (ys - bright_y) * (ys - bright_y)) / two_sigma_squared)
        dark = np.exp(-((xs - dark_x) * (xs - dark_x) + (ys - dark_y) * (ys - dark_y)) / two_sigma_squared)
        noise = values[2:].reshape(size, size)
        value = grating_contrast * np.cos(kx * xs + ky * ys + phase) + blob_contrast * (bright - dark) + noise
        images[k] = np.clip(_js_round(127.5 + 63.75 * value), 0, 255).astype(np.uint8)
    return images


def generate_synthetic_dataset(
    classes: int, image_size: int, train_per_class: int, test_per_class: int, seed: int = SYNTHETIC_DATA_SEED
) -> Tuple[ImageDataset, ImageDataset]:
    """Train and test splits, samples interleaved by class (labels 0, 1, …, C−1, 0, 1, …), one grey channel."""
    for name, value in (("classes", classes), ("imageSize", image_size), ("trainPerClass", train_per_class), ("testPerClass", test_per_class)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"synthetic dataset: {name} must be a positive integer, got {value!r}")
    prototypes = class_prototypes(classes, seed)
    class_names = [f"class {c}" for c in range(classes)]

    def split(name: str, per_class: int) -> ImageDataset:
        images = np.empty((per_class * classes, image_size, image_size, 1), dtype=np.uint8)
        labels = np.empty(per_class * classes, dtype=np.int64)
        for c, prototype in enumerate(prototypes):
            rendered = _render_class(prototype, image_size, per_class, SeededRandom.derive(seed, "synthetic", name, c))
            images[c::classes, :, :, 0] = rendered
            labels[c::classes] = c
        return ImageDataset(images=images, labels=labels, class_names=list(class_names))

    return split("train", train_per_class), split("test", test_per_class)
