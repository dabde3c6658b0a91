"""The terminal's view of a run, line for line the TypeScript trainer's (src/trainer/reporting/progressLine.ts): one
compact line per epoch with, at evaluations, NC1–NC4, Many/Medium/Few accuracy and the collapse flag; plus the
start, logs and the end. It reads the protocol's message dicts (camelCase), so it prints what was reported."""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional


def to_precision(value: Optional[float], digits: int = 3) -> str:
    """JavaScript's Number.prototype.toPrecision (exponential form when the exponent is < −6 or ≥ digits); "—" for null."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0." + "0" * (digits - 1) if digits > 1 else "0"
    mantissa, exponent_text = format(value, f".{digits - 1}e").split("e")
    exponent = int(exponent_text)
    if exponent < -6 or exponent >= digits:
        return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
    return format(value, f".{max(0, digits - 1 - exponent)}f")


def percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def format_epoch_line(epoch: Optional[Mapping[str, Any]], metrics: Optional[Mapping[str, Any]]) -> str:
    parts = []
    if epoch is not None:
        total = str(epoch["totalEpochs"])
        parts += [
            f"epoch {str(epoch['epoch']).rjust(len(total))}/{total}",
            f"loss {epoch['loss']:.4f}",
            f"train {percent(epoch['trainAccuracy'])}",
            f"{math.floor(epoch['imagesPerSecond'] + 0.5)} img/s",
        ]
    elif metrics is not None:
        parts.append(f"epoch {metrics['epoch']}")
    report = None
    if metrics is not None and metrics["reports"]:
        report = next((candidate for candidate in metrics["reports"] if candidate.get("split") == "test"), metrics["reports"][0])
    if report is not None:
        groups = report["shotGroupAccuracy"]
        nc2 = report["nc2"]
        parts += [
            f"{report['split']} {percent(report['accuracy'])} (many {percent(groups['many'])} / medium {percent(groups['medium'])} / "
            f"few {percent(groups['few'])})",
            f"NC1 {to_precision(report['nc1'])}",
            f"NC2 {to_precision(nc2['classMeanMaxAngle'])}/{to_precision(nc2['classifierMaxAngle'])}",
            f"NC3 {to_precision(report['nc3'])}",
            f"NC4 {to_precision(report['nc4'])}",
            f"tail cos {to_precision(report['minorityCollapse']['tailClassifierCosine'])}",
        ]
    flag = metrics.get("collapse") if metrics is not None else None
    if flag and flag.get("active"):
        onset = flag.get("onsetEpoch")
        parts.append(f"⚠ collapse: classes {','.join(str(c) for c in flag['classes'])} since epoch {'?' if onset is None else onset}")
    return "  ".join(parts)


class ProgressPrinter:
    """Prints an epoch line once it knows whether an evaluation follows (as the TS printer)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._pending_epoch: Optional[Mapping[str, Any]] = None

    def accept(self, message: Mapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "epoch/didEnd":
            self._flush()
            self._pending_epoch = message
        elif kind == "metrics/didUpdate":
            self._write(format_epoch_line(self._pending_epoch, message))
            self._pending_epoch = None
        elif kind == "run/didStart":
            dataset = message["dataset"]
            self._write(
                f"run {message['runName']}: {dataset['source']}, {len(dataset['classNames'])} classes, "
                f"train counts {'/'.join(str(count) for count in dataset['trainCounts'])}, backend {message['backend']['name']}, "
                f"folder {message['runFolder']}"
            )
            for diagnostic in message.get("diagnostics", []):
                self._write(f"note: {diagnostic}")
        elif kind == "log":
            self._write(message["message"] if message["level"] == "info" else f"{message['level']}: {message['message']}")
        elif kind == "run/didEnd":
            self._flush()
            error = message.get("error")
            self._write(
                f"run {message['reason']} at epoch {message['epoch']} after {message['durationMs'] / 1000:.1f} s"
                + ("" if error is None else f": {error}")
            )

    def _flush(self) -> None:
        if self._pending_epoch is not None:
            self._write(format_epoch_line(self._pending_epoch, None))
        self._pending_epoch = None
