"""A graceful stop: SIGTERM, Ctrl-C or the extension's run/stop finish the current step, then the run ends with
reason "stopped" and exit code 0. A second Ctrl-C means now (exit 130), as in the TS trainer."""

from __future__ import annotations

import os
import signal
from typing import Any, Callable, Optional


class StopSignal:
    def __init__(self) -> None:
        self.reason: Optional[str] = None
        self._previous = {}

    @property
    def requested(self) -> bool:
        return self.reason is not None

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def install(self) -> None:
        """Handle SIGTERM and SIGINT (main thread only, where Python delivers signals)."""
        for number in (signal.SIGTERM, signal.SIGINT):
            self._previous[number] = signal.signal(number, self._on_signal)

    def uninstall(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _on_signal(self, number: int, _frame: Any) -> None:
        if self.requested and number == signal.SIGINT:
            os._exit(130)
        self.request(f"received {signal.Signals(number).name}")


def watch_client(stop: StopSignal, client: Any) -> Callable[[], None]:
    """Turns the client's run/stop into a stop request; returns the check the loop calls between steps."""
    register = getattr(client, "on_stop", None)
    if callable(register):
        register(lambda *_: stop.request("the extension asked the run to stop"))

    def check() -> None:
        if getattr(client, "stop_requested", False):
            stop.request("the extension asked the run to stop")

    return check
