"""Multi-hot labels Y ∈ {0,1}^{N×C} and their label files (src/trainer/methods/multiLabel/labelMatrix.ts, ported with
the same layouts and the same error messages, so a label file is accepted or refused alike by both engines):

- CSV: a header with one column per class name, then one row of 0/1 per sample; a first column named sample, id,
  file, filename or image is ignored;
- JSON: ``{"classNames": [...], "labels": [[0, 2], [1], ...]}`` (class indices per sample) or
  ``{"classNames": [...], "multiHot": [[1, 0, 1], ...]}``.
"""

from __future__ import annotations

import errno
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, List, Sequence

import numpy as np

from ..data.dataset import DatasetError


@dataclass
class LabelMatrix:
    """``values``: N × C uint8, 1 where sample i has label c."""

    values: np.ndarray
    class_names: List[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def class_count(self) -> int:
        return int(self.values.shape[1])

    def labels_of(self, row: int) -> List[int]:
        """The labels of sample ``row``, ascending."""
        return [int(c) for c in np.flatnonzero(self.values[row])]

    def counts(self) -> List[int]:
        """Σ_i Y_ic per label."""
        return self.values.sum(axis=0, dtype=np.int64).astype(int).tolist()


class LabelFileError(DatasetError):
    """A problem in a label file the user can fix: the message starts with the file and names the place and the fix.
    A DatasetError, so the command line reports it as a data problem rather than a crash."""

    def __init__(self, message: str, file: str) -> None:
        super().__init__(f"{file}: {message}", file)


def label_matrix_from_sets(label_sets: Sequence[Sequence[int]], class_names: Sequence[str]) -> LabelMatrix:
    class_count = len(class_names)
    values = np.zeros((len(label_sets), class_count), dtype=np.uint8)
    for i, labels in enumerate(label_sets):
        for c in labels:
            if not _is_integer(c) or c < 0 or c >= class_count:
                raise ValueError(f"sample {i}: label {c} is not a class index in 0 … {class_count - 1}")
            values[i, int(c)] = 1
    return LabelMatrix(values, list(class_names))


def _is_integer(value: Any) -> bool:
    """Number.isInteger of JavaScript for JSON values: 2 and 2.0 are integers, true is not a number."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_bit(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value in (0, 1)


_ID_COLUMNS = {"sample", "id", "file", "filename", "image"}


def parse_label_csv(text: str, file: str) -> LabelMatrix:
    lines = [line for line in re.split(r"\r?\n", text) if line.strip() != ""]
    if not lines:
        raise LabelFileError("empty file: expected a header with one column per class name", file)
    header = [cell.strip() for cell in lines[0].split(",")]
    skip_first = header[0].lower() in _ID_COLUMNS
    class_names = header[1:] if skip_first else header
    if len(class_names) < 2:
        raise LabelFileError("the header names fewer than 2 classes: write one column per class name", file)
    class_count = len(class_names)
    values = np.zeros((len(lines) - 1, class_count), dtype=np.uint8)
    for index, line in enumerate(lines[1:]):
        cells = [cell.strip() for cell in line.split(",")]
        entries = cells[1:] if skip_first else cells
        if len(entries) != class_count:
            raise LabelFileError(
                f"line {index + 2}: {len(entries)} label columns, the header has {class_count}; write one 0/1 per class", file
            )
        for c, cell in enumerate(entries):
            if cell not in ("0", "1"):
                raise LabelFileError(f'line {index + 2}, column "{class_names[c]}": "{cell}" is not 0 or 1', file)
            values[index, c] = 1 if cell == "1" else 0
    return LabelMatrix(values, class_names)


def parse_label_json(text: str, file: str) -> LabelMatrix:
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise LabelFileError(f"not valid JSON ({error})", file) from error
    record = parsed if isinstance(parsed, dict) else {}
    class_names = record.get("classNames")
    if not isinstance(class_names, list) or not all(isinstance(name, str) for name in class_names):
        raise LabelFileError('"classNames" must be an array of class names', file)
    labels = record.get("labels")
    if isinstance(labels, list):
        sets = []
        for i, row in enumerate(labels):
            if not isinstance(row, list) or not all(_is_integer(c) and 0 <= c < len(class_names) for c in row):
                raise LabelFileError(f"labels[{i}] must be an array of class indices in 0 … {len(class_names) - 1}", file)
            sets.append([int(c) for c in row])
        return label_matrix_from_sets(sets, class_names)
    multi_hot = record.get("multiHot")
    if isinstance(multi_hot, list):
        sets = []
        for i, row in enumerate(multi_hot):
            if not isinstance(row, list) or len(row) != len(class_names) or not all(_is_bit(value) for value in row):
                raise LabelFileError(f"multiHot[{i}] must be {len(class_names)} values, each 0 or 1", file)
            sets.append([c for c, value in enumerate(row) if value == 1])
        return label_matrix_from_sets(sets, class_names)
    raise LabelFileError('expected "labels" (class indices per sample) or "multiHot" (0/1 rows)', file)


def load_label_file(file: str) -> LabelMatrix:
    try:
        # Invalid UTF-8 becomes U+FFFD, as Node's readFileSync(file, 'utf8') decodes it; the parsers then name the cell.
        with open(file, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as error:
        raise LabelFileError(f"cannot read the label file ({_errno_name(error)})", file) from error
    extension = os.path.splitext(file)[1].lower()
    if extension == ".csv":
        return parse_label_csv(text, file)
    if extension == ".json":
        return parse_label_json(text, file)
    raise LabelFileError("unknown label file type: use a .csv (0/1 columns per class) or a .json file", file)


def _errno_name(error: OSError) -> str:
    """The symbolic errno (ENOENT, EISDIR, …), as Node's error.code names it; else the message."""
    return errno.errorcode.get(error.errno, str(error)) if error.errno is not None else str(error)
