"""CIFAR-10 and CIFAR-100, binary version (Krizhevsky, 2009), as src/trainer/data/cifar.ts reads them.

CIFAR-10 records: 1 label byte + 3072 pixel bytes; CIFAR-100: coarse and fine label bytes + 3072 pixel bytes (we
train on the fine labels). Pixels are channel-major (1024 R, 1024 G, 1024 B) and are converted to HWC.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .dataset import DatasetError, ImageDataset
from .files import read_maybe_gzipped

_SIDE = 32
_IMAGE_BYTES = 3 * _SIDE * _SIDE

CIFAR10_CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR100_CLASS_NAMES = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle "
    "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish "
    "forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle "
    "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine "
    "possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar "
    "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale "
    "willow_tree wolf woman worm"
).split()


@dataclass(frozen=True)
class CifarLayout:
    label_bytes: int
    label_offset: int
    class_count: int
    train_files: Tuple[str, ...]
    test_files: Tuple[str, ...]
    names_file: str
    archive_folder: str
    default_class_names: Tuple[str, ...]
    display_name: str


CIFAR_LAYOUTS = {
    "cifar10": CifarLayout(
        1, 0, 10, tuple(f"data_batch_{i}.bin" for i in range(1, 6)), ("test_batch.bin",), "batches.meta.txt",
        "cifar-10-batches-bin", tuple(CIFAR10_CLASS_NAMES), "CIFAR-10",
    ),
    "cifar100": CifarLayout(
        2, 1, 100, ("train.bin",), ("test.bin",), "fine_label_names.txt", "cifar-100-binary", tuple(CIFAR100_CLASS_NAMES), "CIFAR-100",
    ),
}


def read_cifar_batches(paths: Sequence[str], variant: str, class_names: Sequence[str]) -> ImageDataset:
    layout = CIFAR_LAYOUTS[variant]
    record_bytes = layout.label_bytes + _IMAGE_BYTES
    other = "CIFAR-100" if variant == "cifar10" else "CIFAR-10"
    images: List[np.ndarray] = []
    labels: List[np.ndarray] = []
    for path in paths:
        data = read_maybe_gzipped(path)
        if len(data) == 0:
            raise DatasetError(f"{path}: the file is empty; delete it and download the dataset again", path)
        remainder = len(data) % record_bytes
        if remainder:
            offset = len(data) - remainder
            raise DatasetError(
                f"{path}: truncated record at byte offset {offset} (record {offset // record_bytes} has {remainder} of {record_bytes} bytes); "
                f"the file is damaged or not a {layout.display_name} binary batch: delete it and download the dataset again",
                path,
            )
        records = np.frombuffer(data, dtype=np.uint8).reshape(-1, record_bytes)
        batch_labels = records[:, layout.label_offset].astype(np.int64)
        bad = np.nonzero(batch_labels >= layout.class_count)[0]
        if bad.size:
            record = int(bad[0])
            raise DatasetError(
                f"{path}: label {int(batch_labels[record])} at byte offset {record * record_bytes + layout.label_offset} is not a class index "
                f"0–{layout.class_count - 1}; is this a {other} file? Set dataset.name accordingly or download the dataset again",
                path,
            )
        pixels = records[:, layout.label_bytes :].reshape(-1, 3, _SIDE, _SIDE).transpose(0, 2, 3, 1)
        images.append(np.ascontiguousarray(pixels))
        labels.append(batch_labels)
    return ImageDataset(images=np.concatenate(images), labels=np.concatenate(labels), class_names=list(class_names))


def read_cifar_class_names(directory: str, variant: str) -> List[str]:
    """Class names from the archive's names file (one per line, blank lines ignored), else the published names."""
    layout = CIFAR_LAYOUTS[variant]
    path = os.path.join(directory, layout.names_file)
    if not os.path.exists(path):
        return list(layout.default_class_names)
    with open(path, encoding="utf-8") as handle:
        names = [line.strip() for line in handle.read().splitlines() if line.strip()]
    if len(names) != layout.class_count:
        raise DatasetError(
            f"{path}: {len(names)} class names, expected {layout.class_count} (one per line); fix or delete the file "
            "(the published names are used without it)",
            path,
        )
    return names


def cifar_missing_files(directory: str, variant: str) -> List[str]:
    layout = CIFAR_LAYOUTS[variant]
    return [name for name in layout.train_files + layout.test_files if not os.path.exists(os.path.join(directory, name))]


def find_cifar_directory(directory: str, variant: str) -> Optional[str]:
    """``directory`` itself or the archive's sub-folder in it, whichever holds every batch file."""
    for candidate in (directory, os.path.join(directory, CIFAR_LAYOUTS[variant].archive_folder)):
        if not cifar_missing_files(candidate, variant):
            return candidate
    return None


def load_cifar_dataset(directory: str, variant: str) -> Tuple[ImageDataset, ImageDataset]:
    layout = CIFAR_LAYOUTS[variant]
    missing = cifar_missing_files(directory, variant)
    if missing:
        raise DatasetError(
            f"{directory}: missing {', '.join(missing)}; download the binary version of {layout.display_name} "
            'or run the config once with "engine": "tfjs" and "download": true',
            directory,
        )
    names = read_cifar_class_names(directory, variant)
    train = read_cifar_batches([os.path.join(directory, name) for name in layout.train_files], variant, names)
    test = read_cifar_batches([os.path.join(directory, name) for name in layout.test_files], variant, names)
    return train, test
