"""``--resume RUN_FOLDER``: what a stopped run continues from (as ``trainer run --resume`` in src/trainer/commands/run.ts
and src/trainer/training/resume.ts): the run folder's config.json (validated again), its checkpoint, and its
events.jsonl, to which the resumed run appends (the client numbers after the highest ``seq`` already there) and whose
evaluations before the checkpoint are replayed into the collapse tracker, so that onset epochs survive the stop.

Everything here is checked before anything is trained or appended, so a resume that cannot work exits with code 2 and
leaves the run folder as it was.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Mapping

from .checkpoint import Checkpoint, CheckpointError, check_checkpoint_fits, read_checkpoint
from .config import ConfigError, check_config
from .run_folder import RUN_FILES, RunFolder


class ResumeError(Exception):
    """The folder cannot be resumed; the message says why and what to do instead."""


@dataclass
class ResumePoint:
    folder: RunFolder
    stored: Dict[str, Any]
    checkpoint: Checkpoint


def _read_stored(folder: RunFolder) -> Dict[str, Any]:
    if not os.path.isfile(folder.config_path):
        raise ResumeError(f"{folder.path} is not a run folder: {RUN_FILES['config']} is missing")
    try:
        with open(folder.config_path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError) as error:
        raise ResumeError(f"{folder.config_path} cannot be read ({error}); the run folder is damaged") from error
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        raise ResumeError(f"{folder.config_path}: (root): expected {{ runId, runName, sourceFile, config }} as the trainer writes it")
    for key in ("runName", "sourceFile"):
        if not isinstance(stored.get(key), str):
            raise ResumeError(f"{folder.config_path}: {key}: expected a string; the run folder is damaged")
    try:
        stored["config"] = check_config(stored["config"], folder.config_path)
    except ConfigError as error:
        raise ResumeError("the run's config.json is invalid:\n" + "\n".join(error.lines)) from error
    return stored


def _check_not_running(folder: RunFolder) -> None:
    """A trainer still writing this folder (trainer.pid names a live process) would interleave with the resumed run."""
    try:
        with open(folder.pid_path, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return
    if pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    except PermissionError:
        pass
    raise ResumeError(f"{folder.path} is still being trained by process {pid}: stop that run first (Stop Run, or kill -TERM {pid})")


def _end_with_newline(path: str) -> None:
    """A line torn by a crash must not swallow the first message the resumed run appends."""
    try:
        with open(path, "rb+") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
    except FileNotFoundError:
        return


def open_resume_point(path: str) -> ResumePoint:
    """The run folder at ``path`` with its stored config and checkpoint, or ResumeError."""
    absolute = os.path.abspath(path)
    if not os.path.isdir(absolute):
        raise ResumeError(f"--resume {path}: no such folder; give the run folder (runs/<run id>) of a stopped run")
    folder = RunFolder(absolute, os.path.basename(absolute))
    stored = _read_stored(folder)
    _check_not_running(folder)
    try:
        checkpoint = read_checkpoint(folder.checkpoint_path)
        check_checkpoint_fits(checkpoint, stored["config"])
    except CheckpointError as error:
        raise ResumeError(str(error)) from error
    _end_with_newline(folder.events_path)
    return ResumePoint(folder, stored, checkpoint)


def _events(path: str) -> Iterator[Mapping[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash
                if isinstance(message, dict):
                    yield message
    except FileNotFoundError:
        return


def replay_collapse_history(events_path: str, tracker: Any, up_to_epoch: int) -> None:
    """Feeds the evaluations up to the checkpoint back into a fresh tracker (replayCollapseHistory in TS); later ones
    (written after the checkpoint, before a hard kill) are trained and reported again."""
    for message in _events(events_path):
        if message.get("type") != "metrics/didUpdate":
            continue
        epoch = message.get("epoch")
        reports = message.get("reports")
        if isinstance(epoch, int) and epoch <= up_to_epoch and isinstance(reports, list) and reports:
            try:
                tracker.update(reports)
            except (KeyError, TypeError, ValueError, IndexError):
                continue  # a report the tracker cannot read is skipped, as TS skips messages that fail validation
