"""The data of a multi-label run (loadMultiLabelTrainingData of src/trainer/methods/multiLabel/multiLabelData.ts):

- generated: built from the dataset's full splits by the generator; training primary labels follow the configured
  long-tail profile (∝ its class counts n_c) with as many images as that profile keeps (or ``labels.trainSamples``);
  test primary labels are balanced, as single-label test sets are;
- file: the label files give Y for the full splits, one row per image in loader order; no long-tail subsampling.

The run's classes are the labels; its training counts n_c are the label counts Σ_i Y_ic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional

import numpy as np

from ..data.dataset import DatasetError, DatasetSplits, ImageDataset
from ..data.long_tail import long_tail_counts
from .generator import generate_multi_label_dataset
from .labels import LabelFileError, LabelMatrix, load_label_file


@dataclass
class MultiLabelData:
    """``splits.train_counts`` are the training label counts; ``test_labels`` is None without test label files
    (the test split is then not evaluated)."""

    splits: DatasetSplits
    train_labels: LabelMatrix
    test_labels: Optional[LabelMatrix]


def load_multi_label_data(
    labels: Mapping[str, Any],
    imbalance: Mapping[str, Any],
    seed: int,
    config_dir: str,
    load_full: Callable[[], DatasetSplits],
) -> MultiLabelData:
    """``load_full`` loads the dataset's full splits (imbalance "none")."""
    full = load_full()
    data = _from_label_files(full, labels, config_dir) if labels.get("source", "generated") == "file" else _generated(full, labels, imbalance, seed)
    counts = data.train_labels.counts()
    missing = [c for c, count in enumerate(counts) if count == 0]
    if missing:
        names = ", ".join(f'"{data.splits.train.class_names[c]}"' for c in missing[:5])
        one = len(missing) == 1
        fix = (
            "Remove the label from the label files or add images that have it."
            if labels.get("source") == "file"
            else "Raise labels.trainSamples or imbalance.maxPerClass, or lower imbalance.factor."
        )
        raise DatasetError(
            f"labels: {'label' if one else 'labels'} {names}{' …' if len(missing) > 5 else ''} {'has' if one else 'have'} no positive "
            f"training sample; every label needs one. {fix}"
        )
    data.splits.full_train_counts = counts
    data.splits.train_counts = counts
    return data


def _generated(full: DatasetSplits, labels: Mapping[str, Any], imbalance: Mapping[str, Any], seed: int) -> MultiLabelData:
    class_count = len(full.train.class_names)
    max_per_class = imbalance.get("maxPerClass")
    if max_per_class is None:
        max_per_class = min(full.full_train_counts)
    profile_counts = long_tail_counts(imbalance["profile"], max_per_class, imbalance["factor"], class_count)
    train_samples = labels.get("trainSamples") or sum(profile_counts)
    common = dict(pair_probability=labels["secondLabelProbability"], correlation=labels["correlation"], seed=seed)
    train = generate_multi_label_dataset(full.train, samples=train_samples, primary_weights=profile_counts, stream="train", **common)
    test = generate_multi_label_dataset(
        full.test, samples=labels.get("testSamples") or full.test.count, primary_weights=[1] * class_count, stream="test", **common
    )
    profile = "balanced" if imbalance["profile"] == "none" else f"{imbalance['profile']} IF {_js_number(imbalance['factor'])}"
    source = (
        f"{full.source}; multi-label images generated from it ({train.images.count} train / {test.images.count} test, primary labels "
        f"{profile} / balanced, a second label with probability {_js_number(labels['secondLabelProbability'])}, the partner (c + 1) mod C "
        f"with probability {_js_number(labels['correlation'])})"
    )
    splits = DatasetSplits(train=train.images, test=test.images, source=source, full_train_counts=[], train_counts=[])
    return MultiLabelData(splits=splits, train_labels=train.labels, test_labels=test.labels)


def _js_number(value: float) -> str:
    """String(value) of JavaScript for the finite numbers of a config: 10, not 10.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _from_label_files(full: DatasetSplits, labels: Mapping[str, Any], config_dir: str) -> MultiLabelData:
    if labels.get("path") is None:
        raise DatasetError('labels.source "file" needs labels.path: the label file of the training images')

    def resolve(path: str) -> str:
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(config_dir, path))

    train_file = resolve(labels["path"])
    train = _aligned(load_label_file(train_file), full.train, "training", train_file)
    test: Optional[LabelMatrix] = None
    test_file = None if labels.get("testPath") is None else resolve(labels["testPath"])
    if test_file is not None:
        test = _aligned(load_label_file(test_file), full.test, "test", test_file)
        if test.class_names != train.class_names:
            raise LabelFileError(
                f"its labels ({', '.join(test.class_names)}) differ from those of {train_file} ({', '.join(train.class_names)}): both "
                "files need the same label names in the same order",
                test_file,
            )

    def with_labels(images: ImageDataset, matrix: Optional[LabelMatrix]) -> ImageDataset:
        # The first label of each image (0 for none) stands in for the single label where an image label is expected.
        if matrix is None:
            primary = np.zeros(images.count, dtype=np.int64)
        else:
            has_any = matrix.values.any(axis=1)
            primary = np.where(has_any, matrix.values.argmax(axis=1), 0).astype(np.int64)
        return ImageDataset(images=images.images, labels=primary, class_names=list(train.class_names))

    tested = " (no test labels: the test split is not evaluated)" if test_file is None else f" and {test_file}"
    source = (
        f"{full.source}; multi-label labels from {train_file}{tested} (imbalance settings do not apply: the label files set the frequencies)"
    )
    splits = DatasetSplits(
        train=with_labels(full.train, train), test=with_labels(full.test, test), source=source, full_train_counts=[], train_counts=[]
    )
    return MultiLabelData(splits=splits, train_labels=train, test_labels=test)


def _aligned(labels: LabelMatrix, images: ImageDataset, split: str, file: str) -> LabelMatrix:
    if labels.rows != images.count:
        raise LabelFileError(
            f"{labels.rows} label rows for the {images.count} {split} images of the dataset: write one row per {split} image, in the "
            "order the dataset loader reads them",
            file,
        )
    return labels
