"""Datasets of the PyTorch engine: the same files, generated images, long-tailed subsets and preprocessing as the
TypeScript trainer (src/trainer/data), so one run config trains on the same data in both engines."""

from .dataset import DatasetError, DatasetSplits, ImageDataset
from .load import DEBIAN_FASHION_MNIST_DIRECTORY, default_dataset_cache_directory, load_dataset_splits, resolve_dataset_location
from .long_tail import long_tail_counts, subsample_long_tail, target_train_counts
from .preprocess import ChannelStatistics, DeviceImages, draw_augmentation, normalisation_statistics
from .synthetic import SYNTHETIC_DATA_SEED, generate_synthetic_dataset

__all__ = [
    "ChannelStatistics",
    "DEBIAN_FASHION_MNIST_DIRECTORY",
    "DatasetError",
    "DatasetSplits",
    "DeviceImages",
    "ImageDataset",
    "SYNTHETIC_DATA_SEED",
    "default_dataset_cache_directory",
    "draw_augmentation",
    "generate_synthetic_dataset",
    "load_dataset_splits",
    "long_tail_counts",
    "normalisation_statistics",
    "resolve_dataset_location",
    "subsample_long_tail",
    "target_train_counts",
]
