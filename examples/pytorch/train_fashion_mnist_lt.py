"""A plain PyTorch training script on Fashion-MNIST-LT that reports to the Neural Collapse Monitor dashboard.

Everything here is an ordinary user script (its own data loading, small CNN and loop); the lines marked
``# nc-monitor`` are the only additions that report the run: connect, announce, one call per epoch, one evaluation
per epoch, and the end. Run it in the terminal that "NC Monitor: Attach External Run" prepares (its environment says
where to report and puts ``ncmonitor`` on PYTHONPATH), or on its own: without that environment it trains and prints
as usual. From this repository:

    PYTHONPATH=python python3 examples/pytorch/train_fashion_mnist_lt.py --epochs 10
    PYTHONPATH=python python3 examples/pytorch/train_fashion_mnist_lt.py --synthetic --epochs 2   # no dataset files

Data: the gzip IDX files of Fashion-MNIST in --data (default /usr/share/datasets/fashion-mnist, Debian's
dataset-fashion-mnist package), subsampled to the exponential long-tail profile n_i = floor(n_max · IF^(−i/(C−1)))
(IF 100, n_max 600 by default) with a fixed seed; the test set stays balanced. When the files are missing (or with
--synthetic) it uses a generated 10-class image set instead and says so.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import struct
import sys
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ncmonitor.client import MonitorClient  # nc-monitor
from ncmonitor.metrics import CollapseTracker, evaluate  # nc-monitor

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
# Fashion-MNIST training-set pixel mean and standard deviation (of x/255).
PIXEL_MEAN, PIXEL_STD = 0.2860, 0.3530


# ---------------------------------------------------------------------------------------------------------------------
# Data


def read_idx(path: str) -> np.ndarray:
    """An IDX file (gzipped or not): magic 0x0000 TYPE NDIMS, big-endian uint32 dimensions, then unsigned bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file; reinstall or re-download the dataset")
    dims = struct.unpack_from(f">{data[3]}I", data, 4)
    offset = 4 + 4 * len(dims)
    expected = int(np.prod(dims))
    if len(data) - offset != expected:
        raise ValueError(f"{path}: {len(data) - offset} bytes of data for shape {dims} ({expected} expected); the file is truncated")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def find_file(folder: str, stem: str) -> Optional[str]:
    for name in (f"{stem}.gz", stem):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def load_fashion_mnist(folder: str) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    paths = [find_file(folder, stem) for stem in stems]
    if any(path is None for path in paths):
        return None
    train_x, train_y, test_x, test_y = (read_idx(path) for path in paths)  # type: ignore[arg-type]
    return train_x, train_y, test_x, test_y


def synthetic_images(per_class: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """10 classes of 28 × 28 images: a fixed random blob pattern per class plus noise, so a CNN can learn them."""
    rng = np.random.default_rng(seed)
    patterns = np.random.default_rng(1234).random((10, 7, 7)).repeat(4, axis=1).repeat(4, axis=2)
    labels = np.repeat(np.arange(10), per_class)
    images = patterns[labels] * 200 + rng.normal(0, 40, (len(labels), 28, 28))
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.uint8)


def long_tail_counts(max_per_class: int, factor: float, class_count: int) -> List[int]:
    """Exponential profile (Cao et al., LDAM-DRW, NeurIPS 2019): n_i = floor(n_max · (1/IF)^(i/(C−1)))."""
    return [int(max_per_class * (1 / factor) ** (i / (class_count - 1))) for i in range(class_count)]


def subsample(labels: np.ndarray, counts: Sequence[int], seed: int) -> np.ndarray:
    """The first n_c of a seeded permutation of each class's indices, in dataset order."""
    rng = np.random.default_rng(seed)
    keep = []
    for c, count in enumerate(counts):
        indices = np.flatnonzero(labels == c)
        if len(indices) < count:
            raise ValueError(f"class {c} has only {len(indices)} images, fewer than the {count} the profile asks for: lower --max-per-class")
        keep.append(np.sort(rng.permutation(indices)[:count]))
    return np.concatenate(keep)


def to_tensors(images: np.ndarray, labels: np.ndarray) -> TensorDataset:
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - PIXEL_MEAN) / PIXEL_STD
    return TensorDataset(x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64)))


def load_data(args: argparse.Namespace) -> Tuple[TensorDataset, TensorDataset, List[int], str]:
    """Fashion-MNIST-LT training set, balanced test set (at most --limit-test per class), training counts, source."""
    raw = None if args.synthetic else load_fashion_mnist(args.data)
    if raw is None:
        if not args.synthetic:
            print(f"Fashion-MNIST not found in {args.data}: using a generated 10-class image set instead (--synthetic)", file=sys.stderr)
        train_x, train_y = synthetic_images(args.max_per_class, args.seed)
        test_x, test_y = synthetic_images(args.limit_test or 100, args.seed + 1)
        source = "synthetic 10-class images"
    else:
        train_x, train_y, test_x, test_y = raw
        source = f"Fashion-MNIST ({args.data})"
    counts = long_tail_counts(args.max_per_class, args.factor, len(CLASS_NAMES))
    kept = subsample(train_y, counts, args.seed)
    if args.limit_test:
        test_kept = np.concatenate([np.flatnonzero(test_y == c)[: args.limit_test] for c in range(len(CLASS_NAMES))])
        test_x, test_y = test_x[test_kept], test_y[test_kept]
    return to_tensors(train_x[kept], train_y[kept]), to_tensors(test_x, test_y), counts, f"{source}, long-tailed IF {args.factor:g}"


# ---------------------------------------------------------------------------------------------------------------------
# Model


class SmallCNN(nn.Module):
    """conv16-pool-conv32-pool-dense64 (the penultimate features h, module ``features``) and a linear classifier."""

    def __init__(self, feature_dim: int = 64, class_count: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, feature_dim),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(feature_dim, class_count)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# ---------------------------------------------------------------------------------------------------------------------
# Training


def parse_arguments(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10, help="training epochs (0: evaluate the initial model only)")
    parser.add_argument("--max-per-class", type=int, default=600, help="n_max, the head class's training images")
    parser.add_argument("--factor", type=float, default=100.0, help="imbalance factor IF = n_max / n_min")
    parser.add_argument("--seed", type=int, default=0, help="seed of the subset, the initialisation and the shuffling")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam learning rate")
    parser.add_argument(
        "--eval-batch-size", type=int, default=256,
        help="batch size of the metric passes; 1 makes every sample's float32 features independent of how the data is "
        "batched or sharded (BLAS kernels differ with the batch's row count), as the torchrun parity test needs",
    )
    parser.add_argument("--limit-test", type=int, default=0, help="use at most N test images per class (0: all)")
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with the Fashion-MNIST IDX files")
    parser.add_argument("--synthetic", action="store_true", help="use generated images instead of Fashion-MNIST")
    parser.add_argument("--dump-metrics", metavar="FILE", help="write the last evaluation's reports and collapse flag as JSON")
    args = parser.parse_args(argv)
    for name in ("epochs", "limit_test"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    if args.max_per_class < 1 or args.factor < 1 or args.batch_size < 1 or args.eval_batch_size < 1:
        parser.error("--max-per-class, --batch-size and --eval-batch-size must be positive and --factor at least 1")
    return args


def run_config(args: argparse.Namespace) -> dict:
    """What the dashboard shows as the run's config (any JSON object)."""
    return {
        "name": "fashion-mnist-lt-pytorch",
        "imbalance": {"profile": "exponential", "factor": args.factor, "maxPerClass": args.max_per_class},
        "model": {"architecture": "small-cnn", "featureDim": 64},
        "optimizer": {"name": "adam", "learningRate": args.learning_rate},
        "batchSize": args.batch_size,
        "epochs": args.epochs,
        "seed": args.seed,
    }


def evaluate_splits(model: nn.Module, train_eval: DataLoader, test: DataLoader, counts: List[int], epoch: int, distributed: bool = False) -> List[dict]:
    """Train then test: NC4 on test uses the training class means, as the extension's own trainer does."""
    train_report, train_means = evaluate(  # nc-monitor
        model, train_eval, feature_layer="features", classifier_layer="classifier",  # nc-monitor
        epoch=epoch, split="train", train_counts=counts, distributed=distributed)  # nc-monitor
    test_report, _ = evaluate(  # nc-monitor
        model, test, feature_layer="features", classifier_layer="classifier", epoch=epoch, split="test",  # nc-monitor
        train_counts=counts, train_class_means=train_means, distributed=distributed)  # nc-monitor
    return [train_report, test_report]  # nc-monitor


def summary_line(epoch: int, epochs: int, loss: float, accuracy: float, reports: List[dict]) -> str:
    test = reports[-1]
    groups = test["shotGroupAccuracy"]
    text = lambda value: "n/a" if value is None else f"{100 * value:.1f}%"  # noqa: E731
    nc1 = reports[0]["nc1"]
    return (
        f"epoch {epoch}/{epochs}  loss {loss:.4f}  train {100 * accuracy:.1f}%  test {text(test['accuracy'])} "
        f"(many {text(groups['many'])} / medium {text(groups['medium'])} / few {text(groups['few'])})  "
        f"NC1 {'n/a' if nc1 is None else f'{nc1:.3f}'}  NC4 {test['nc4']:.3f}"
    )


def dump(path: str, reports: List[dict], collapse: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"reports": reports, "collapse": collapse}, handle, allow_nan=False)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_arguments(argv)
    torch.manual_seed(args.seed)
    train_set, test_set, counts, source = load_data(args)
    model = SmallCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    shuffle = torch.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=shuffle)
    train_eval = DataLoader(train_set, batch_size=args.eval_batch_size)
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size)
    print(f"{source}: {len(train_set)} training images ({'/'.join(map(str, counts))}), {len(test_set)} test")

    monitor = MonitorClient.from_environment()  # nc-monitor
    monitor.start()  # nc-monitor
    tracker = CollapseTracker(class_names=CLASS_NAMES)  # nc-monitor
    monitor.run_did_start(  # nc-monitor
        run_name="fashion-mnist-lt-pytorch", run_folder="", config=run_config(args), backend={"name": "pytorch-cpu", "skipped": []},  # nc-monitor
        dataset={"source": source, "classNames": CLASS_NAMES, "trainCounts": counts, "testCount": len(test_set)},  # nc-monitor
        total_epochs=max(args.epochs, 1))  # nc-monitor

    started = time.time()
    epoch, reason, reports, collapse = 0, "completed", [], tracker.flag
    try:
        if args.epochs == 0:
            reports = evaluate_splits(model, train_eval, test_loader, counts, epoch=0)
            collapse = tracker.update(reports)  # nc-monitor
            monitor.metrics_did_update(epoch=0, reports=reports, collapse=collapse, evaluation_ms=0)  # nc-monitor
        for epoch in range(1, args.epochs + 1):
            epoch_started = time.time()
            model.train()
            loss_sum, correct, seen = 0.0, 0, 0
            for x, y in train_loader:
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss_sum += float(loss) * len(y)
                correct += int((logits.argmax(dim=1) == y).sum())
                seen += len(y)
            duration = time.time() - epoch_started
            monitor.epoch_did_end(  # nc-monitor
                epoch=epoch, total_epochs=args.epochs, loss=loss_sum / seen, train_accuracy=correct / seen,  # nc-monitor
                learning_rate=args.learning_rate, duration_ms=1000 * duration, images_per_second=seen / max(duration, 1e-6))  # nc-monitor
            evaluation_started = time.time()
            reports = evaluate_splits(model, train_eval, test_loader, counts, epoch)
            collapse = tracker.update(reports)  # nc-monitor
            monitor.metrics_did_update(epoch=epoch, reports=reports, collapse=collapse,  # nc-monitor
                                       evaluation_ms=1000 * (time.time() - evaluation_started))  # nc-monitor
            print(summary_line(epoch, args.epochs, loss_sum / seen, correct / seen, reports))
            if collapse["active"]:
                print(f"  ⚠ {collapse['message']}")
            if monitor.stop_requested:  # nc-monitor
                reason = "stopped"  # nc-monitor
                break  # nc-monitor
    except BaseException as error:
        monitor.run_did_end(reason="failed", epoch=epoch, duration_ms=1000 * (time.time() - started), error=str(error))  # nc-monitor
        monitor.close()  # nc-monitor
        raise
    monitor.run_did_end(reason=reason, epoch=epoch, duration_ms=1000 * (time.time() - started))  # nc-monitor
    monitor.close()  # nc-monitor
    if args.dump_metrics:
        dump(args.dump_metrics, reports, collapse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
