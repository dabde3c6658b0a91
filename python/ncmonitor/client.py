"""``MonitorClient``: reports a training run to the Neural Collapse Monitor extension, from any Python program.

The same contract as the TypeScript trainer's reporter (src/trainer/reporting/reporter.ts, socketReporter.ts,
eventLog.ts), so that the extension cannot tell the two apart:

- every event gets the run's next ``seq`` (1 for a new run; after the highest ``seq`` already in ``events_path`` for a
  resumed one) and is appended to ``events_path`` as one compact JSON line, flushed at once, before anything else;
- each connection starts with ``hello`` (seq 0, not written to the file); the extension acknowledges every message
  with ``ack {seq}`` (cumulative), and everything not yet acknowledged is sent again, in order, after a reconnect
  (back-off 0.25 s doubling to 5 s); the extension delivers each ``seq`` once;
- an HTTP refusal of the upgrade (a wrong secret) or a close code of the extension's own (4000–4099) ends reporting
  over the socket for good, with a warning saying why; the events file keeps everything;
- ``run/stop`` from the extension sets ``stop_requested`` and calls the ``on_stop`` callbacks.

Threading: ``send`` and the builders may be called from any thread. They encode, append to the file and queue; a
background thread owns the socket. Nothing a caller does waits on the network, and no network failure is raised to
the caller (warnings go to ``on_warning``, stderr by default).

Memory: unacknowledged messages are kept until acknowledged, up to ``max_backlog_bytes`` (64 MiB by default). Past
that, the oldest are dropped from memory (never ``run/didStart``, which the extension needs to show the run) with one
warning; they stay in ``events_path``, so a reloaded window still reads them from the run folder. Once reporting over
the socket has ended for good, nothing is kept in memory at all.

Beyond the TypeScript trainer: a message the extension would reject (it closes the connection for good on an invalid
one) is checked against the generated protocol schema in the background thread and, when invalid, not sent, with a
warning naming the field; it is still in ``events_path``. Non-finite floats are sent as ``null``.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import platform
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Sequence

from . import __version__, protocol
from .websocket import CloseMessage, HandshakeRefused, TextMessage, WebSocketConnection, WebSocketError, parse_ws_url

DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024
MIN_RECONNECT_DELAY_S = 0.25
MAX_RECONNECT_DELAY_S = 5.0
_CONNECT_TIMEOUT_S = 5.0
# Messages from the extension are tiny (ack, run/stop); the TypeScript trainer caps them at 1 MiB as well.
_MAX_INCOMING_BYTES = 1024 * 1024


@dataclass
class _Outgoing:
    seq: int
    type: str
    text: str
    size: int
    checked: bool = False


def _stderr_warning(message: str) -> None:
    try:
        sys.stderr.write(f"ncmonitor: warning: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def last_sequence_number(events_path: str) -> int:
    """The highest ``seq`` in an events file (0 when there is none), so that a resumed run continues the numbering;
    unreadable lines (a line torn by a crash) are skipped, as the TypeScript trainer does."""
    highest = 0
    try:
        with open(events_path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("type") in protocol.TRAINER_MESSAGE_TYPES:
                    seq = message.get("seq")
                    if isinstance(seq, int) and not isinstance(seq, bool) and seq > highest:
                        highest = seq
    except FileNotFoundError:
        return 0
    return highest


class MonitorClient:
    """Reports one run. ``url``/``token`` None (or empty): no socket, events go to ``events_path`` only."""

    def __init__(
        self,
        url: Optional[str],
        token: Optional[str],
        run_id: str,
        *,
        events_path: Optional[str] = None,
        client_name: Optional[str] = None,
        on_warning: Optional[Callable[[str], None]] = None,
        max_backlog_bytes: int = DEFAULT_MAX_BACKLOG_BYTES,
    ) -> None:
        self.url = url or None
        self.token = token or None
        self.run_id = run_id
        self.events_path = events_path
        self.client_name: str = client_name or f"ncmonitor-python {__version__} (python {platform.python_version()})"
        self._warn = on_warning or _stderr_warning
        self.max_backlog_bytes = max_backlog_bytes
        if self.url is not None:
            parse_ws_url(self.url)  # a malformed URL is the caller's mistake: say so now, not in the background
            if not (isinstance(run_id, str) and 1 <= len(run_id) <= 200):
                raise ValueError(f"run_id must be a string of 1 to 200 characters (got {run_id!r}): use the run id the extension gave ({protocol.ENV_RUN_ID})")
        self.enabled = self.url is not None and self.token is not None

        self._lock = threading.RLock()  # re-entrant: an on_warning callback may report through this client
        self._changed = threading.Condition(self._lock)
        self._next_seq = 1
        self._events_file = None
        if events_path is not None:
            self._next_seq = last_sequence_number(events_path) + 1
            directory = os.path.dirname(os.path.abspath(events_path))
            if not os.path.isdir(directory):
                raise FileNotFoundError(f"cannot write {events_path}: the folder {directory} does not exist (create the run folder first)")
            self._events_file = open(events_path, "a", encoding="utf-8")
        self._backlog: "collections.OrderedDict[int, _Outgoing]" = collections.OrderedDict()
        self._backlog_bytes = 0
        self._outbox: Optional[Deque[_Outgoing]] = None  # messages for the open connection; None while there is none
        self._acknowledged_seq = 0
        self._dropped = 0
        self._refused = False
        self._closing = False
        self._closed = False
        self._delivered = True
        self._connected = False
        self._thread: Optional[threading.Thread] = None
        self._stop_requested = False
        self._stop_callbacks: List[Callable[[], None]] = []
        self._statistics = {"connections": 0, "framesSent": 0, "resent": 0, "skippedInvalid": 0}
        # A self-pipe wakes the background thread's select() when send() queues a message.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        atexit.register(self._close_at_exit)

    @classmethod
    def from_environment(
        cls, run_id: Optional[str] = None, *, events_path: Optional[str] = None, client_name: Optional[str] = None, **options: Any
    ) -> "MonitorClient":
        """The client for a process the extension started (or a terminal it prepared): $NC_MONITOR_URL,
        $NC_MONITOR_TOKEN and $NC_MONITOR_RUN_ID. Without them it reports to ``events_path`` only."""
        url = os.environ.get(protocol.ENV_SERVER_URL) or None
        token = os.environ.get(protocol.ENV_TOKEN) or None
        run_id = run_id or os.environ.get(protocol.ENV_RUN_ID) or None
        warn = options.get("on_warning") or _stderr_warning
        if url is not None and token is None:
            warn(f"${protocol.ENV_SERVER_URL} is set but ${protocol.ENV_TOKEN} is not: reporting to the run folder only (set both, as the extension does)")
            url = None
        if url is not None and run_id is None:
            warn(f"${protocol.ENV_SERVER_URL} is set but no run id was given: pass run_id or set ${protocol.ENV_RUN_ID}; reporting to the run folder only")
            url = None
        return cls(url, token, run_id or "unnamed-run", events_path=events_path, client_name=client_name, **options)

    # -----------------------------------------------------------------------------------------------------------------
    # State

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def on_stop(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs (on the client's thread) when the extension asks the run to stop; at once if it already
        has."""
        with self._lock:
            self._stop_callbacks.append(callback)
            already = self._stop_requested
        if already:
            self._call_stop_callback(callback)

    def wait_until_connected(self, timeout: float) -> bool:
        """Waits (bounded) until the connection is open, or refused for good; True when it is open. Optional: sending
        never needs it, but a program may want its first messages not to wait behind its first training work."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._connected and not self._refused and self.enabled and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._connected

    def statistics(self) -> Dict[str, int]:
        """Counters for diagnostics: connections made, frames sent, messages queued again after a reconnect, messages not
        sent because they were invalid, messages dropped from memory, the last acknowledged seq and the backlog."""
        with self._lock:
            return {
                **self._statistics,
                "dropped": self._dropped,
                "acknowledgedSeq": self._acknowledged_seq,
                "unacknowledged": len(self._backlog),
                "lastSeq": self._next_seq - 1,
            }

    # -----------------------------------------------------------------------------------------------------------------
    # Reporting

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
    ) -> Optional[Dict[str, Any]]:
        return self.send(
            protocol.run_did_start(
                run_name=run_name,
                run_folder=run_folder,
                config=config,
                backend=backend,
                dataset=dataset,
                total_epochs=total_epochs,
                start_epoch=start_epoch,
                diagnostics=diagnostics,
            )
        )

    def epoch_did_end(
        self, *, epoch: int, total_epochs: int, loss: float, train_accuracy: float, learning_rate: float, duration_ms: float, images_per_second: float
    ) -> Optional[Dict[str, Any]]:
        return self.send(
            protocol.epoch_did_end(
                epoch=epoch,
                total_epochs=total_epochs,
                loss=loss,
                train_accuracy=train_accuracy,
                learning_rate=learning_rate,
                duration_ms=duration_ms,
                images_per_second=images_per_second,
            )
        )

    def metrics_did_update(
        self, *, epoch: int, reports: Sequence[Mapping[str, Any]], collapse: Mapping[str, Any], evaluation_ms: float
    ) -> Optional[Dict[str, Any]]:
        return self.send(protocol.metrics_did_update(epoch=epoch, reports=reports, collapse=collapse, evaluation_ms=evaluation_ms))

    def log(self, level: str, message: str) -> Optional[Dict[str, Any]]:
        """``level``: 'info', 'warning' or 'error' (ValueError otherwise)."""
        return self.send(protocol.log(level, message))

    def run_did_end(self, *, reason: str, epoch: int, duration_ms: float, error: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """``reason``: 'completed', 'stopped' or 'failed' (ValueError otherwise)."""
        return self.send(protocol.run_did_end(reason=reason, epoch=epoch, duration_ms=duration_ms, error=error))

    def send(self, event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
        """Numbers ``event`` (a message without ``seq``) with the run's next seq, appends it to ``events_path`` and
        queues it for the extension. Returns the numbered message (before JSON encoding maps non-finite floats to
        null), or None if it could not be encoded (a warning says why). Never waits on the network, never raises
        for it."""
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            raise TypeError(f"send() takes a message object with a 'type' (one of {', '.join(protocol.TRAINER_MESSAGE_TYPES)}), got {event!r:.80}")
        if event["type"] == "hello":
            raise ValueError("hello is sent by the client on every connection: do not send it yourself")
        with self._lock:
            if self._closed:
                self._warn(f"a {event['type']} was reported after close(): it was dropped")
                return None
            seq = self._next_seq
            message = {key: value for key, value in event.items() if key != "seq"}
            message["seq"] = seq
            try:
                text = protocol.encode(message)
            except (TypeError, ValueError, RecursionError) as error:
                self._warn(f"cannot encode a {event['type']} message as JSON ({error}); it was not reported")
                return None
            self._next_seq += 1
            if self._events_file is not None:
                try:
                    self._events_file.write(text + "\n")
                    self._events_file.flush()
                except OSError as error:
                    self._warn(f"cannot append to {self.events_path} ({error}); the extension still receives the run live")
            if self.enabled and not self._refused:
                item = _Outgoing(seq, str(event["type"]), text, len(text))
                self._backlog[seq] = item
                self._backlog_bytes += item.size
                if self._outbox is not None:
                    self._outbox.append(item)
                self._limit_backlog()
                wake = True
            else:
                wake = False
        if wake:
            self._wake()
        return message

    def _limit_backlog(self) -> None:
        """Called with the lock held: drop the oldest droppable messages beyond ``max_backlog_bytes``."""
        if self._backlog_bytes <= self.max_backlog_bytes:
            return
        for seq in list(self._backlog):
            if self._backlog_bytes <= self.max_backlog_bytes or len(self._backlog) <= 1:
                break
            item = self._backlog[seq]
            if item.type == "run/didStart":
                continue
            del self._backlog[seq]
            self._backlog_bytes -= item.size
            if self._dropped == 0:
                self._warn(
                    f"the extension has not acknowledged {self.max_backlog_bytes // (1024 * 1024)} MiB of messages; the oldest are dropped from "
                    f"memory (the run folder's events.jsonl keeps them{'' if self._events_file is not None else ': no events_path was given, so they are lost'})"
                )
            self._dropped += 1

    def _wake(self) -> None:
        try:
            self._wake_writer.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # already awake (the pipe is full) or closed

    # -----------------------------------------------------------------------------------------------------------------
    # Lifecycle

    def start(self) -> None:
        """Starts the background connection (no-op without a URL or when already started). Never raises for the
        network: a missing extension only means events go to the file."""
        with self._lock:
            if not self.enabled or self._thread is not None or self._closing:
                return
            self._thread = threading.Thread(target=self._run, name=f"ncmonitor-client-{self.run_id}", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> bool:
        """Waits up to ``timeout`` seconds until the extension has acknowledged everything sent, then closes the
        connection and the events file. Returns True when nothing is left unacknowledged."""
        with self._lock:
            if self._closed:
                return self._delivered
        deadline = time.monotonic() + max(0.0, timeout)
        with self._changed:
            while self._backlog and not self._refused and self._thread is not None and self._thread.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            self._closing = True
            self._changed.notify_all()  # ends a reconnect back-off at once
            left = len(self._backlog)
            refused = self._refused
            delivered = not self.enabled or (not refused and left == 0)
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():  # close() from an on_stop callback
            thread.join(timeout=2.0)
        with self._lock:
            self._closed = True
            self._delivered = delivered
            self._backlog.clear()
            self._backlog_bytes = 0
            if self._events_file is not None and not self._events_file.closed:
                try:
                    self._events_file.flush()
                    os.fsync(self._events_file.fileno())
                except OSError:
                    pass
                finally:
                    self._events_file.close()
        if thread is None or not thread.is_alive():  # else it still selects on them; it ends on its own (daemon)
            for end in (self._wake_reader, self._wake_writer):
                end.close()
        try:
            atexit.unregister(self._close_at_exit)
        except Exception:  # noqa: BLE001 - interpreter shutting down
            pass
        if self.enabled and not refused and left:
            where = f"they are in {self.events_path}" if self.events_path is not None else "no events_path was given, so they are lost"
            self._warn(f"{left} message(s) were not acknowledged by the extension within {timeout:g} s; {where}")
        return delivered

    def _close_at_exit(self) -> None:
        # A script that forgot close(): give the last messages (usually run/didEnd) a moment to reach the extension.
        try:
            self.close(timeout=2.0)
        except Exception:  # noqa: BLE001 - never fail the interpreter's exit
            pass

    def __enter__(self) -> "MonitorClient":
        self.start()
        return self

    def __exit__(self, *_exception: Any) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------------------------------
    # The background thread

    def _run(self) -> None:
        delay = MIN_RECONNECT_DELAY_S
        warned_unreachable = False
        while not self._closing and not self._refused:
            try:
                connection = WebSocketConnection.connect(
                    str(self.url), {protocol.TOKEN_HEADER: str(self.token)}, timeout=_CONNECT_TIMEOUT_S, max_message_bytes=_MAX_INCOMING_BYTES
                )
            except HandshakeRefused as refusal:
                # 401: wrong secret; anything else but 101: not our server. Retrying cannot fix either.
                self._give_up(f"the extension refused the connection ({refusal}); reporting to the run folder only")
                return
            except (OSError, WebSocketError) as error:
                if not warned_unreachable:
                    self._warn(f"cannot reach the extension at {self.url} ({error}); retrying in the background (events still go to the run folder)")
                    warned_unreachable = True
                self._sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY_S)
                continue
            delay = MIN_RECONNECT_DELAY_S
            warned_unreachable = False
            try:
                self._serve(connection)
            except WebSocketError:
                pass  # dropped: reconnect and resend what was not acknowledged
            except OSError:
                pass
            except Exception as error:  # noqa: BLE001 - a bug here must not kill reporting silently
                self._warn(f"the connection to the extension failed unexpectedly ({type(error).__name__}: {error}); reconnecting")
            finally:
                with self._changed:
                    self._connected = False
                    self._outbox = None
                    self._changed.notify_all()
                if not connection.closed:
                    connection.close(linger=0.0)
            if not self._closing and not self._refused:
                self._sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY_S)
        with self._changed:
            self._changed.notify_all()

    def _serve(self, connection: WebSocketConnection) -> None:
        connection.send_text(protocol.encode(protocol.hello(run_id=self.run_id, client=self.client_name)))
        with self._changed:
            resend = list(self._backlog.values())
            self._outbox = collections.deque(resend)
            self._connected = True
            self._statistics["connections"] += 1
            if self._statistics["connections"] > 1:
                self._statistics["resent"] += len(resend)
            self._changed.notify_all()
        while True:
            if self._closing:
                connection.close(1000, "run finished")
                return
            self._send_outbox(connection)
            wait = 0.0 if connection.has_buffered_data() else 1.0
            readable, _, _ = select.select([connection.sock, self._wake_reader], [], [], wait)
            if self._wake_reader in readable:
                try:
                    while self._wake_reader.recv(4096):
                        pass
                except (BlockingIOError, OSError):
                    pass
            if connection.sock in readable or connection.has_buffered_data():
                for received in connection.read_available():
                    if isinstance(received, CloseMessage):
                        self._server_closed(received)
                        return
                    if isinstance(received, TextMessage):
                        self._receive(received.text)

    def _send_outbox(self, connection: WebSocketConnection) -> None:
        while not self._closing:
            with self._lock:
                if not self._outbox:
                    return
                item = self._outbox.popleft()
                if item.seq not in self._backlog:
                    continue  # acknowledged (or dropped) meanwhile
            if not item.checked and not self._acceptable(item):
                continue
            connection.send_text(item.text)
            with self._lock:
                self._statistics["framesSent"] += 1

    def _acceptable(self, item: _Outgoing) -> bool:
        """Whether the extension would accept ``item``; an invalid message would make it close the connection for
        good, so it is left out (it stays in the events file) and the rest of the run still reaches the extension."""
        problem: Optional[str] = None
        if len(item.text.encode("utf-8")) > protocol.MAX_MESSAGE_BYTES:
            problem = f"it has {len(item.text.encode('utf-8'))} bytes, over the extension's limit of {protocol.MAX_MESSAGE_BYTES} (lower metrics.maxHeatmapClasses)"
        else:
            issues = protocol.validate_trainer_message(json.loads(item.text))
            if issues:
                problem = "; ".join(str(issue) for issue in issues[:3])
        if problem is None:
            item.checked = True
            return True
        self._warn(f"the {item.type} with seq {item.seq} was not sent to the extension, which would reject it: {problem}")
        with self._changed:
            if self._backlog.pop(item.seq, None) is not None:
                self._backlog_bytes -= item.size
            self._statistics["skippedInvalid"] += 1
            self._changed.notify_all()
        return False

    def _receive(self, text: str) -> None:
        try:
            message = protocol.decode_extension_message(text)
        except ValueError as error:
            self._warn(f"ignored a message from the extension: {error}")
            return
        if message["type"] == "ack":
            with self._changed:
                acknowledged = message["seq"]
                if acknowledged > self._acknowledged_seq:
                    self._acknowledged_seq = acknowledged
                while self._backlog:
                    seq = next(iter(self._backlog))
                    if seq > acknowledged:
                        break
                    self._backlog_bytes -= self._backlog.pop(seq).size
                self._changed.notify_all()
        elif message["type"] == "run/stop":
            with self._lock:
                first = not self._stop_requested
                self._stop_requested = True
                callbacks = list(self._stop_callbacks)
            if first:
                for callback in callbacks:
                    self._call_stop_callback(callback)

    def _call_stop_callback(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception as error:  # noqa: BLE001 - the user's callback must not end the connection
            self._warn(f"an on_stop callback failed: {type(error).__name__}: {error}")

    def _server_closed(self, close: CloseMessage) -> None:
        if close.code in protocol.SERVER_CLOSE_CODES:
            self._give_up(f"the extension closed the connection: {close.reason or close.code}; reporting to the run folder only")

    def _give_up(self, why: str) -> None:
        self._warn(why)
        with self._changed:
            self._refused = True
            self._backlog.clear()
            self._backlog_bytes = 0
            self._changed.notify_all()

    def _sleep(self, seconds: float) -> None:
        """Back-off that ends early when close() is called."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)
