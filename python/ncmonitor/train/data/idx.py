"""IDX files (the MNIST distribution format, also Fashion-MNIST), as src/trainer/data/idx.ts reads them.

A 4-byte magic 0x00 0x00 TYPE NDIMS, then NDIMS big-endian uint32 dimensions, then the data. Images are ubyte with 3
dimensions (magic 0x00000803), labels ubyte with 1 (0x00000801). Sizes are checked exactly so that a truncated or
swapped file fails with a message instead of training on garbage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

from .dataset import DatasetError, ImageDataset
from .files import find_dataset_file, read_maybe_gzipped

IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801

FASHION_MNIST_CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASS_NAMES = [str(digit) for digit in range(10)]

IDX_FILE_NAMES: Dict[str, Tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}

_REDOWNLOAD = "the file is damaged or not an IDX file: delete it and download or reinstall the dataset"


def _parse_header(data: bytes, path: str, expected_magic: int, what: str) -> Tuple[List[int], int]:
    if len(data) < 4:
        raise DatasetError(f"{path}: only {len(data)} bytes, too short for an IDX header; {_REDOWNLOAD}", path)
    (magic,) = struct.unpack_from(">I", data, 0)
    if magic != expected_magic:
        raise DatasetError(
            f"{path}: wrong magic number 0x{magic:08x}, expected 0x{expected_magic:08x} for IDX {what}; "
            f"check that the file is the {what} file (images and labels swapped?), else {_REDOWNLOAD}",
            path,
        )
    dim_count = magic & 0xFF
    data_offset = 4 + 4 * dim_count
    if len(data) < data_offset:
        raise DatasetError(f"{path}: truncated IDX header ({len(data)} bytes); {_REDOWNLOAD}", path)
    dims = list(struct.unpack_from(f">{dim_count}I", data, 4))
    expected = data_offset + int(np.prod(dims, dtype=np.int64))
    shape = "×".join(str(dim) for dim in dims)
    if len(data) < expected:
        raise DatasetError(
            f"{path}: truncated: the header announces {shape} values ({expected} bytes) but the file has {len(data)}; {_REDOWNLOAD}", path
        )
    if len(data) > expected:
        raise DatasetError(f"{path}: {len(data) - expected} unexpected bytes after the {shape} values; {_REDOWNLOAD}", path)
    return dims, data_offset


def read_idx_images(path: str) -> np.ndarray:
    """count × height × width uint8 images."""
    data = read_maybe_gzipped(path)
    dims, offset = _parse_header(data, path, IDX_IMAGES_MAGIC, "images")
    count, height, width = dims
    if height == 0 or width == 0:
        raise DatasetError(f"{path}: images of size {height}×{width}; {_REDOWNLOAD}", path)
    return np.frombuffer(data, dtype=np.uint8, count=count * height * width, offset=offset).reshape(count, height, width).copy()


def read_idx_labels(path: str, class_count: int) -> np.ndarray:
    """int64 labels, each checked to be a class index."""
    data = read_maybe_gzipped(path)
    dims, offset = _parse_header(data, path, IDX_LABELS_MAGIC, "labels")
    labels = np.frombuffer(data, dtype=np.uint8, count=dims[0], offset=offset).astype(np.int64)
    bad = np.nonzero(labels >= class_count)[0]
    if bad.size:
        item = int(bad[0])
        raise DatasetError(f"{path}: label {int(labels[item])} of item {item} is not a class index 0–{class_count - 1}; {_REDOWNLOAD}", path)
    return labels


def read_idx_split(images_path: str, labels_path: str, class_names: Sequence[str]) -> ImageDataset:
    images = read_idx_images(images_path)
    labels = read_idx_labels(labels_path, len(class_names))
    if labels.shape[0] != images.shape[0]:
        raise DatasetError(
            f"{labels_path}: {labels.shape[0]} labels but {images_path} has {images.shape[0]} images; "
            "the two files must come from the same split and release",
            labels_path,
        )
    return ImageDataset(images=images[..., np.newaxis], labels=labels, class_names=list(class_names))


@dataclass(frozen=True)
class IdxFiles:
    train_images: str
    train_labels: str
    test_images: str
    test_labels: str


def find_idx_files(directory: str) -> Union[IdxFiles, List[str]]:
    """The four IDX files in ``directory`` (gzipped or not), or the list of those missing."""
    found: Dict[str, str] = {}
    missing: List[str] = []
    for key, names in IDX_FILE_NAMES.items():
        path = find_dataset_file(directory, names)
        if path is None:
            missing.append(f"{names[0]}(.gz)")
        else:
            found[key] = path
    if missing:
        return missing
    return IdxFiles(**found)


def load_idx_dataset(files: IdxFiles, class_names: Sequence[str]) -> Tuple[ImageDataset, ImageDataset]:
    train = read_idx_split(files.train_images, files.train_labels, class_names)
    test = read_idx_split(files.test_images, files.test_labels, class_names)
    if (train.height, train.width) != (test.height, test.width):
        raise DatasetError(
            f"{files.test_images}: test images are {test.height}×{test.width} but training images ({files.train_images}) are "
            f"{train.height}×{train.width}; use files from the same dataset",
            files.test_images,
        )
    return train, test
