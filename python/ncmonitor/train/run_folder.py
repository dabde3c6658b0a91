"""The run folder, laid out as src/protocol/runFolder.ts says and as the TypeScript trainer writes it, so that the
extension lists, re-attaches and reads back a PyTorch run like any other: config.json (the resolved config and where
it came from), events.jsonl (every message, written by the client), summary.json (final state), checkpoint (the last
finished epoch, for --resume), trainer.pid (while the process runs)."""

from __future__ import annotations

import json
import os
import random
import re
import string
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from ..protocol import json_safe

RUN_FILES = {
    "config": "config.json",
    "events": "events.jsonl",
    "summary": "summary.json",
    "checkpoint": "checkpoint",
    "pid": "trainer.pid",
}


class RunFolderError(Exception):
    """The run folder cannot be created (it already holds a run, or the disk refused)."""


@dataclass(frozen=True)
class RunFolder:
    path: str
    run_id: str

    @property
    def events_path(self) -> str:
        return os.path.join(self.path, RUN_FILES["events"])

    @property
    def config_path(self) -> str:
        return os.path.join(self.path, RUN_FILES["config"])

    @property
    def summary_path(self) -> str:
        return os.path.join(self.path, RUN_FILES["summary"])

    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.path, RUN_FILES["checkpoint"])

    @property
    def pid_path(self) -> str:
        return os.path.join(self.path, RUN_FILES["pid"])


def new_run_id(name: str, now: Optional[datetime] = None) -> str:
    """``YYYYMMDD-HHMMSS-<slug>-<3 random base-36 characters>`` in UTC, as newRunId in src/protocol/runFolder.ts."""
    now = now or datetime.now(timezone.utc)
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "run"
    suffix = "".join(random.choice(string.digits + string.ascii_lowercase) for _ in range(3))
    return f"{stamp}-{slug}-{suffix}"


def write_json_atomically(path: str, value: Any) -> None:
    """Through a temporary file, so that a reader never sees half a file (indented like JSON.stringify(v, null, 2));
    non-finite numbers become null, as in the messages."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    os.replace(temporary, path)


def create_run_folder(runs_directory: str, run_id: str, stored: Mapping[str, Any]) -> RunFolder:
    """Creates ``runs_directory/run_id`` with config.json; refuses a folder that already holds a run."""
    folder = RunFolder(os.path.abspath(os.path.join(runs_directory, run_id)), run_id)
    if os.path.exists(folder.events_path):
        raise RunFolderError(f"run folder {folder.path} already holds a run; choose another run id or use --resume {folder.path}")
    os.makedirs(folder.path, exist_ok=True)
    write_json_atomically(folder.config_path, dict(stored))
    return folder
