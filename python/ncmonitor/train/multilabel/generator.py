"""Correlated, imbalanced multi-label images built from a single-label dataset, ported bit-exactly from
src/trainer/methods/multiLabel/generator.ts (same SeededRandom stream, same draws in the same order), so one config
trains both engines on the same images and label matrix. Sample i:

- a primary label c drawn with probability ∝ ``primary_weights[c]`` (the run passes the long-tail class counts), or
  ∝ IF^(−c/(C−1)) when only ``imbalance_factor`` is given;
- with probability ``pair_probability`` a second label: with probability ``correlation`` the partner (c + 1) mod C,
  else another class drawn from the same profile;
- the image is the pixel-wise maximum of one random image of each of its labels (ascending label order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from ..data.dataset import ImageDataset
from ..seeded_random import SeededRandom
from .labels import LabelMatrix, label_matrix_from_sets


@dataclass
class MultiLabelDataset:
    """``images.labels`` holds each sample's primary label."""

    images: ImageDataset
    labels: LabelMatrix


def _draw_from(cumulative: Sequence[float], random: SeededRandom) -> int:
    u = random.next_float() * cumulative[-1]
    for index, edge in enumerate(cumulative):
        if u < edge:
            return index
    return len(cumulative) - 1


def _primary_label_weights(class_count: int, imbalance_factor: Optional[float], primary_weights: Optional[Sequence[float]]) -> List[float]:
    if primary_weights is not None:
        weights = [float(weight) for weight in primary_weights]
        if len(weights) != class_count:
            raise ValueError(f"{len(weights)} primary-label weights for {class_count} classes")
        if not all(np.isfinite(weight) and weight >= 0 for weight in weights) or not any(weight > 0 for weight in weights):
            raise ValueError("primary-label weights must be finite, non-negative and not all 0")
        return weights
    if imbalance_factor is None or not imbalance_factor >= 1:
        raise ValueError(f"imbalanceFactor must be ≥ 1, got {imbalance_factor}")
    return [imbalance_factor ** (-c / (class_count - 1)) for c in range(class_count)]


def generate_multi_label_dataset(
    source: ImageDataset,
    *,
    samples: int,
    pair_probability: float,
    correlation: float,
    seed: int,
    stream: Optional[str] = None,
    imbalance_factor: Optional[float] = None,
    primary_weights: Optional[Sequence[float]] = None,
) -> MultiLabelDataset:
    class_count = len(source.class_names)
    if class_count < 2:
        raise ValueError("the multi-label generator needs a dataset with at least 2 classes")
    for name, value in (("pairProbability", pair_probability), ("correlation", correlation)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {value}")
    by_class = source.indices_by_class()
    for c, indices in enumerate(by_class):
        if not indices:
            raise ValueError(f"class {c} has no image to build multi-label samples from")
    labels_of_stream = ("multi-label generator",) if stream is None else ("multi-label generator", stream)
    random = SeededRandom.derive(seed, *labels_of_stream)
    weights = _primary_label_weights(class_count, imbalance_factor, primary_weights)
    cumulative: List[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    drawable = sum(1 for weight in weights if weight > 0)

    images = np.zeros((samples,) + source.images.shape[1:], dtype=np.uint8)
    primary = np.zeros(samples, dtype=np.int64)
    label_sets: List[List[int]] = []
    for i in range(samples):
        first = _draw_from(cumulative, random)
        labels = [first]
        if random.next_float() < pair_probability:
            second = (first + 1) % class_count
            # Another class needs a second class of positive weight to draw from; with one, the partner stands in.
            if random.next_float() >= correlation and drawable >= 2:
                second = _draw_from(cumulative, random)
                while second == first:
                    second = _draw_from(cumulative, random)
            labels.append(second)
        labels.sort()
        label_sets.append(labels)
        primary[i] = first
        target = images[i]
        for c in labels:
            pool = by_class[c]
            np.maximum(target, source.images[pool[random.next_int(len(pool))]], out=target)
    return MultiLabelDataset(
        images=ImageDataset(images=images, labels=primary, class_names=list(source.class_names)),
        labels=label_matrix_from_sets(label_sets, source.class_names),
    )
