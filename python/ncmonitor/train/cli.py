"""``python -m ncmonitor.train --config FILE.ltrun.json [--out DIR] [--run-id ID] [--device auto|cuda|cpu] [--quiet]``
or ``python -m ncmonitor.train --resume RUN_FOLDER [--device ...] [--quiet]``

Trains a run config with PyTorch and reports like the TypeScript trainer (``node dist/trainer.js run``): the same
messages to the extension (through the attach client, when NC_MONITOR_URL and NC_MONITOR_TOKEN are set), the same
run folder, the same progress lines. Exit codes: 0 done (also after a graceful stop), 1 failed, 2 bad usage or
config (printed as ``FILE: field.path: message`` before anything is trained).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Any, Dict, List, Optional, Sequence

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DESCRIPTION = """Trains on the run config with PyTorch (CUDA when available, else the CPU), evaluates NC1-NC4,
per-class recall and minority collapse every k epochs, and reports each message to events.jsonl in the run folder,
to the terminal, and to the extension when $NC_MONITOR_URL and $NC_MONITOR_TOKEN are set."""

EPILOG = """Stopping: SIGTERM, Ctrl-C or a run/stop message finish the current step, keep the checkpoint of the last
finished epoch, end the run with reason "stopped" (exit 0). Resume with --resume RUN_FOLDER: the run continues with
the config stored in the folder and appends to its events.jsonl. Exit codes: 0 done, 1 failed, 2 bad usage or config.

Examples:
  python -m ncmonitor.train --config samples/workspace/fashion-mnist-lt.ltrun.json
  python -m ncmonitor.train --config quick.ltrun.json --out /tmp/runs --run-id ce-seed0 --device cpu
  python -m ncmonitor.train --resume runs/20261122-101500-ce-seed0"""

CONFIG_OPTIONS = (
    ("config", "--config"),
    ("out", "--out"),
    ("run_id", "--run-id"),
    ("backend", "--backend"),
    ("collapse_cosine", "--collapse-cosine"),
    ("collapse_recall", "--collapse-recall"),
)
"""Options that choose or change the config: a resumed run keeps the one stored in its folder."""


class UsageError(Exception):
    """Bad arguments: exit code 2, message without a stack trace."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m ncmonitor.train",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="the run config (*.ltrun.json, JSON with comments)")
    parser.add_argument("--out", metavar="DIR", help="where run folders are created (default: ./runs next to the config)")
    parser.add_argument("--run-id", metavar="ID", help="name of the run folder (default: $NC_MONITOR_RUN_ID, else timestamp + run name)")
    parser.add_argument("--device", choices=("auto", "cuda", "cpu"), help="override the config's backend: auto (CUDA if available), cuda, cpu")
    parser.add_argument("--backend", metavar="NAME", help="override the config's backend (auto, cpu; the tfjs names mean auto)")
    parser.add_argument("--collapse-cosine", metavar="X", type=float, help="override metrics.collapseCosine")
    parser.add_argument("--collapse-recall", metavar="X", type=float, help="override metrics.collapseRecall")
    parser.add_argument("--resume", metavar="FOLDER", help="continue a stopped run from its checkpoint (the run folder, runs/<run id>)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stdout")
    return parser


def _print_error(message: str) -> None:
    try:
        sys.stderr.write(f"error: {message}\n")
        sys.stderr.flush()
    except OSError:
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except UsageError as error:
        _print_error(f"{error}\nRun with --help for usage.")
        return EXIT_USAGE


def _run(argv: List[str]) -> int:
    options = build_parser().parse_args(argv)
    if options.resume is not None:
        return _resume(options)
    if options.config is None:
        raise UsageError("--config FILE.ltrun.json is required (or --resume FOLDER)")

    from .config import ConfigError, load_run_config

    overrides: Dict[str, Any] = {}
    if options.backend is not None:
        overrides["backend"] = options.backend
    if options.collapse_cosine is not None:
        overrides["metrics.collapseCosine"] = options.collapse_cosine
    if options.collapse_recall is not None:
        overrides["metrics.collapseRecall"] = options.collapse_recall
    try:
        loaded = load_run_config(options.config, overrides)
    except ConfigError as error:
        raise UsageError("the run config is invalid:\n" + "\n".join(error.lines)) from error

    if not _have_torch():
        return EXIT_FAILED
    choice = _choose_device(loaded.config["backend"], options.device)

    from .run_folder import RunFolderError, create_run_folder, new_run_id

    run_id = options.run_id or os.environ.get("NC_MONITOR_RUN_ID") or new_run_id(loaded.run_name)
    runs_directory = os.path.abspath(options.out or os.path.join(os.path.dirname(loaded.path), "runs"))
    stored = {"runId": run_id, "runName": loaded.run_name, "sourceFile": loaded.path, "config": loaded.config}
    try:
        folder = create_run_folder(runs_directory, run_id, stored)
    except (RunFolderError, OSError) as error:
        _print_error(str(error))
        return EXIT_FAILED
    return _train(stored, folder, choice, quiet=options.quiet)


def _have_torch() -> bool:
    try:
        import torch  # noqa: F401  (a clear message instead of an ImportError deep inside)
    except ImportError as error:
        _print_error(f"PyTorch is not installed for {sys.executable} ({error}); install it (pip install torch) or choose another interpreter")
        return False
    return True


def _choose_device(backend: str, device: Optional[str]) -> Any:
    from .device import DeviceError, choose_device

    try:
        return choose_device(backend, device)
    except DeviceError as error:
        raise UsageError(str(error)) from error


def _resume(options: argparse.Namespace) -> int:
    """--resume FOLDER: the run folder's own config and checkpoint; every check before anything is appended."""
    given = [flag for attribute, flag in CONFIG_OPTIONS if getattr(options, attribute) is not None]
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be combined with --resume: a resumed run continues with the config stored in "
            f"{os.path.join(options.resume, 'config.json')}. Leave {'them' if len(given) > 1 else 'it'} out, or start a new run with --config"
        )
    if not _have_torch():
        return EXIT_FAILED
    from .resume import ResumeError, open_resume_point

    try:
        point = open_resume_point(options.resume)
    except ResumeError as error:
        raise UsageError(str(error)) from error
    choice = _choose_device(point.stored["config"]["backend"], options.device)
    return _train(point.stored, point.folder, choice, quiet=options.quiet, resume=point)


def _train(stored: Dict[str, Any], folder: Any, choice: Any, *, quiet: bool, resume: Any = None) -> int:
    from .. import __version__
    from ..client import MonitorClient
    from .data import DatasetError
    from .loop import train_run
    from .reporter import Reporter
    from .stop import StopSignal, watch_client

    import torch

    client = MonitorClient.from_environment(
        folder.run_id,
        events_path=folder.events_path,
        client_name=f"ncmonitor-train {__version__} (python {sys.version.split()[0]}, torch {torch.__version__})",
    )
    stop = StopSignal()
    stop.install()
    check_stop = watch_client(stop, client)
    reporter = Reporter(client, quiet=quiet)
    started = time.monotonic()
    reason, epoch, error = "completed", 0, None
    try:
        client.start()
        # Bounded, as the TS trainer's reporter.ready(3000): the first messages should not wait behind training work.
        client.wait_until_connected(3.0)
        outcome = train_run(stored, folder, reporter, stop, choice, check_stop, resume)
        reason, epoch = ("stopped" if outcome.stopped else "completed"), outcome.epoch
    except Exception as failure:  # noqa: BLE001 - every failure ends the run with a message
        reason = "failed"
        error = str(failure) or type(failure).__name__
        epoch = getattr(failure, "epoch", 0) if isinstance(getattr(failure, "epoch", None), int) else 0
        _print_error(error if isinstance(failure, DatasetError) else traceback.format_exc().rstrip())
    finally:
        stop.uninstall()
    try:
        reporter.run_did_end(reason=reason, epoch=epoch, duration_ms=(time.monotonic() - started) * 1000, error=error)
    finally:
        client.close(timeout=5.0)
    return EXIT_FAILED if reason == "failed" else EXIT_DONE
