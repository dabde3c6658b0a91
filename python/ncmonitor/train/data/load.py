"""From the run config's ``dataset``, ``imbalance`` and ``seed`` to the splits a run uses (src/trainer/data/loadDataset.ts).

Where files are looked for (dataset.path, relative to the config file, always wins): fashion-mnist in
/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), then <cache>/fashion-mnist; mnist, cifar10,
cifar100 in <cache>/<name>. "auto" means Fashion-MNIST as above, else the synthetic dataset (and the description says
why). The cache is the TypeScript trainer's, so datasets it downloaded are found here too. This engine does not
download: a missing dataset with ``download: true`` is an error that points to the tfjs engine, which does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, List, Mapping, Optional, Tuple

from .cifar import CIFAR_LAYOUTS, find_cifar_directory, load_cifar_dataset
from .dataset import DatasetError, DatasetSplits, ImageDataset
from .idx import FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, IdxFiles, find_idx_files, load_idx_dataset
from .long_tail import subsample_long_tail, target_train_counts
from .synthetic import SYNTHETIC_DATA_SEED, generate_synthetic_dataset

DEBIAN_FASHION_MNIST_DIRECTORY = "/usr/share/datasets/fashion-mnist"

DISPLAY_NAMES = {
    "fashion-mnist": "Fashion-MNIST",
    "mnist": "MNIST",
    "cifar10": "CIFAR-10",
    "cifar100": "CIFAR-100",
    "image-folder": "image folder",
    "synthetic": "synthetic",
}


def default_dataset_cache_directory(env: Optional[Mapping[str, str]] = None) -> str:
    """$XDG_CACHE_HOME (or ~/.cache)/neural-collapse-monitor/datasets, the same folder the TypeScript trainer uses."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "neural-collapse-monitor", "datasets")


@dataclass
class DatasetLocation:
    name: str
    directory: Optional[str]
    found: bool
    searched: List[str] = field(default_factory=list)
    description: str = ""


def _complete_directory(name: str, directory: str) -> Optional[str]:
    if name in ("fashion-mnist", "mnist"):
        return directory if isinstance(find_idx_files(directory), IdxFiles) else None
    if name in ("cifar10", "cifar100"):
        return find_cifar_directory(directory, name)
    if name == "image-folder":
        both = os.path.isdir(os.path.join(directory, "train")) and os.path.isdir(os.path.join(directory, "test"))
        return directory if both else None
    return directory


def _synthetic_description(config: Mapping[str, Any]) -> str:
    size = config["imageSize"]
    return (
        f"synthetic ({config['classes']} classes, {size}×{size} grey, {config['trainPerClass']} train / "
        f"{config['testPerClass']} test images per class)"
    )


def resolve_dataset_location(
    config: Mapping[str, Any], config_dir: str, cache_dir: str, system_fashion_mnist_directory: str = DEBIAN_FASHION_MNIST_DIRECTORY
) -> DatasetLocation:
    """Which data a config selects and where it is, decided without loading anything (resolveDatasetLocation in TS)."""
    path = config.get("path")
    explicit = None if path is None else (path if os.path.isabs(path) else os.path.normpath(os.path.join(config_dir, path)))
    name = "fashion-mnist" if config["name"] == "auto" else config["name"]
    if name == "synthetic":
        return DatasetLocation(name, None, True, [], _synthetic_description(config))
    candidates: List[str] = []
    if explicit is not None:
        candidates.append(explicit)
    elif name == "fashion-mnist":
        candidates += [system_fashion_mnist_directory, os.path.join(cache_dir, name)]
    elif name != "image-folder":
        candidates.append(os.path.join(cache_dir, name))
    for candidate in candidates:
        directory = _complete_directory(name, candidate)
        if directory is not None:
            return DatasetLocation(name, directory, True, candidates, f"{DISPLAY_NAMES[name]} from {directory}")
    if config["name"] == "auto" and explicit is None and not config.get("download", False):
        return DatasetLocation(
            "synthetic",
            None,
            True,
            candidates,
            f"{_synthetic_description(config)}, because no Fashion-MNIST files were found in {' or '.join(candidates)}",
        )
    target = explicit if explicit is not None else (None if name == "image-folder" else os.path.join(cache_dir, name))
    return DatasetLocation(name, target, False, candidates, f"{DISPLAY_NAMES[name]} from {target or '(dataset.path not set)'} (files missing)")


def _missing_files_error(config: Mapping[str, Any], location: DatasetLocation) -> DatasetError:
    name = location.name
    if name == "image-folder":
        return DatasetError('dataset "image-folder" is not supported by the pytorch engine yet; set "engine": "tfjs" to train on it')
    if name in CIFAR_LAYOUTS:
        layout = CIFAR_LAYOUTS[name]
        expected = ", ".join(layout.train_files + layout.test_files)
    else:
        expected = "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may be .gz)"
    fixes = []
    if name == "fashion-mnist":
        fixes.append("install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
    fixes.append("set dataset.path to the folder that holds them")
    if config.get("download", False):
        fixes.append('run the config once with "engine": "tfjs", which downloads (the pytorch engine does not) into the shared cache')
    else:
        fixes.append('set "download": true and run it once with "engine": "tfjs", which downloads into the shared cache')
    fixes.append('or use "name": "synthetic", which needs no files')
    in_path = "" if config.get("path") is None else f' in dataset.path "{config["path"]}"'
    return DatasetError(
        f"{DISPLAY_NAMES[name]} files not found (looked in {', '.join(location.searched)}; expected {expected}{in_path}). "
        f"To fix: {'; '.join(fixes)}.",
        location.searched[0] if location.searched else None,
    )


def _load_full_splits(name: str, directory: str) -> Tuple[ImageDataset, ImageDataset]:
    if name in ("fashion-mnist", "mnist"):
        found = find_idx_files(directory)
        if not isinstance(found, IdxFiles):
            raise DatasetError(f"{directory}: missing {', '.join(found)}", directory)
        return load_idx_dataset(found, MNIST_CLASS_NAMES if name == "mnist" else FASHION_MNIST_CLASS_NAMES)
    if name in ("cifar10", "cifar100"):
        return load_cifar_dataset(directory, name)
    raise DatasetError(f'dataset "{name}" is not supported by the pytorch engine yet; set "engine": "tfjs" to train on it')


def load_dataset_splits(
    dataset: Mapping[str, Any],
    imbalance: Mapping[str, Any],
    seed: int,
    *,
    config_dir: str,
    cache_dir: Optional[str] = None,
    system_fashion_mnist_directory: str = DEBIAN_FASHION_MNIST_DIRECTORY,
    on_progress: Optional[Callable[[str], None]] = None,
) -> DatasetSplits:
    """Load both splits and subsample the training split to the long-tail profile; the test split stays balanced."""
    location = resolve_dataset_location(dataset, config_dir, cache_dir or default_dataset_cache_directory(), system_fashion_mnist_directory)
    if location.name == "synthetic":
        train, test = generate_synthetic_dataset(
            dataset["classes"], dataset["imageSize"], dataset["trainPerClass"], dataset["testPerClass"], SYNTHETIC_DATA_SEED
        )
    else:
        if not location.found or location.directory is None:
            raise _missing_files_error(dataset, location)
        train, test = _load_full_splits(location.name, location.directory)
    full_counts = train.class_counts()
    for index, count in enumerate(full_counts):
        if count == 0:
            raise DatasetError(
                f'{location.description}: class {index} ("{train.class_names[index]}") has no training images; every class needs at '
                "least one (check that the files are complete and belong together)",
                location.directory,
            )
    counts = target_train_counts(full_counts, imbalance["profile"], imbalance["factor"], imbalance.get("maxPerClass"))
    subsampled = train if counts == full_counts else subsample_long_tail(train, counts, seed)
    return DatasetSplits(train=subsampled, test=test, source=location.description, full_train_counts=full_counts, train_counts=counts)
