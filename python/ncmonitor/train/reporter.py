"""Everything a run reports goes through here once: to the attach client, which numbers it, appends it to
events.jsonl and sends it to the extension when one listens, and to the terminal's progress lines. The printer reads
the message the client returns, so the terminal shows exactly what the extension receives."""

from __future__ import annotations

import sys
from typing import Any, Mapping, Optional

from .progress import ProgressPrinter


class Reporter:
    def __init__(self, client: Any, quiet: bool = False) -> None:
        self.client = client
        self._printer: Optional[ProgressPrinter] = None if quiet else ProgressPrinter(_print_line)

    def _show(self, message: Optional[Mapping[str, Any]]) -> None:
        if self._printer is not None and message is not None:
            self._printer.accept(message)

    def log(self, level: str, message: str) -> None:
        self._show(self.client.log(level, message))

    # The fields and their checks are the client's (MonitorClient); these only show what it returns.
    def run_did_start(self, **fields: Any) -> None:
        self._show(self.client.run_did_start(**fields))

    def epoch_did_end(self, **fields: Any) -> None:
        self._show(self.client.epoch_did_end(**fields))

    def metrics_did_update(self, **fields: Any) -> None:
        self._show(self.client.metrics_did_update(**fields))

    def run_did_end(self, **fields: Any) -> None:
        self._show(self.client.run_did_end(**fields))


def _print_line(line: str) -> None:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        # A closed pipe (the editor that launched us went away) must not kill the run: events.jsonl keeps everything.
        pass
