"""Everything a run reports goes through here once: to the attach client, which numbers it, appends it to
events.jsonl and sends it to the extension when one listens, and to the terminal's progress lines. The printer reads
the message the client returns, so the terminal shows exactly what the extension receives."""

from __future__ import annotations

import sys
from typing import Any, Mapping, Optional, Sequence

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

    def run_did_start(
        self,
        *,
        run_name: str,
        run_folder: str,
        config: Mapping[str, Any],
        backend: Mapping[str, Any],
        dataset: Mapping[str, Any],
        total_epochs: int,
        start_epoch: int = 0,
        diagnostics: Sequence[str] = (),
    ) -> None:
        self._show(
            self.client.run_did_start(
                run_name=run_name,
                run_folder=run_folder,
                config=config,
                backend=backend,
                dataset=dataset,
                total_epochs=total_epochs,
                start_epoch=start_epoch,
                diagnostics=list(diagnostics),
            )
        )

    def epoch_did_end(
        self, *, epoch: int, total_epochs: int, loss: float, train_accuracy: float, learning_rate: float, duration_ms: float, images_per_second: float
    ) -> None:
        self._show(
            self.client.epoch_did_end(
                epoch=epoch,
                total_epochs=total_epochs,
                loss=loss,
                train_accuracy=train_accuracy,
                learning_rate=learning_rate,
                duration_ms=duration_ms,
                images_per_second=images_per_second,
            )
        )

    def metrics_did_update(self, *, epoch: int, reports: Sequence[Mapping[str, Any]], collapse: Mapping[str, Any], evaluation_ms: float) -> None:
        self._show(self.client.metrics_did_update(epoch=epoch, reports=list(reports), collapse=collapse, evaluation_ms=evaluation_ms))

    def run_did_end(self, *, reason: str, epoch: int, duration_ms: float, error: Optional[str] = None) -> None:
        self._show(self.client.run_did_end(reason=reason, epoch=epoch, duration_ms=duration_ms, error=error))


def _print_line(line: str) -> None:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        # A closed pipe (the editor that launched us went away) must not kill the run: events.jsonl keeps everything.
        pass
