"""Reading dataset files plain or gzipped (detected by content, not by name), with errors that name the file."""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Optional, Sequence

from .dataset import DatasetError


def is_gzip(data: bytes) -> bool:
    """RFC 1952: every gzip member starts with ID1 = 0x1f, ID2 = 0x8b."""
    return len(data) >= 2 and data[0] == 0x1F and data[1] == 0x8B


def read_maybe_gzipped(path: str) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise DatasetError(f"{path}: cannot read the file ({error.strerror or error}); check that it exists and is readable", path) from error
    if not is_gzip(raw):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: the gzip data is corrupt or truncated ({error}); delete the file and download it again", path) from error


def find_dataset_file(directory: str, names: Sequence[str]) -> Optional[str]:
    """The first of ``names`` present in ``directory``, each tried with ".gz" added first, then as given."""
    for name in names:
        for candidate in (f"{name}.gz", name):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    return None
