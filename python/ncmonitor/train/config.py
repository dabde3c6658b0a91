"""Reading a run config for the PyTorch engine: JSONC text → ``ncmonitor.schema.parse_run_config`` (the TypeScript
zod schema's validation and defaults, from the generated JSON Schema) → the checks of what this engine can do.

Every problem is a ``ConfigError`` whose lines read ``FILE: field.path: message`` (as formatConfigIssues in
src/protocol/runConfig.ts); the command line prints them and exits with 2, before anything is trained.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import jsonc
from .methods import PYTORCH_ENGINE_METHODS, unsupported_method_message

TFJS_ONLY_BACKENDS = ("tensorflow-gpu", "tensorflow", "wasm")
"""Backends that name a TensorFlow.js backend (src/protocol/engines.ts): this engine treats them as "auto"."""

UNSUPPORTED_DATASETS = ("image-folder",)


class ConfigError(Exception):
    """An invalid config or one this engine cannot run; ``lines`` are ``FILE: path: message``."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass
class LoadedConfig:
    path: str
    run_name: str
    config: Dict[str, Any]


def _issue_path(issue: Any) -> str:
    path = getattr(issue, "path", "")
    if isinstance(path, (list, tuple)):
        path = ".".join(str(part) for part in path)
    return path or "(root)"


def format_issues(file: str, issues: Iterable[Any]) -> List[str]:
    return [f"{file}: {_issue_path(issue)}: {getattr(issue, 'message', str(issue))}" for issue in issues]


def _parse(value: Any, file: str) -> Dict[str, Any]:
    from ..schema import parse_run_config  # the schema module is shared with the attach client

    config, issues = parse_run_config(value)
    if config is None:
        raise ConfigError(format_issues(file, issues) or [f"{file}: (root): the run config is invalid"])
    return dict(config)


def read_config_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise ConfigError([f"{path}: cannot read the run config ({error.strerror or error})"]) from error
    try:
        return jsonc.loads(text)
    except jsonc.JsoncError as error:
        raise ConfigError([f"{path}:{error.line}:{error.column}: (root): {error.reason}"]) from error


def apply_overrides(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """Command-line values patched into a parsed config; ``overrides`` keys are dotted paths."""
    patched: Dict[str, Any] = {key: (dict(value) if isinstance(value, Mapping) else value) for key, value in config.items()}
    for dotted, value in overrides.items():
        target = patched
        *parents, leaf = dotted.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return patched


def engine_issues(config: Mapping[str, Any]) -> List[Tuple[str, str]]:
    """(path, message) for each option of a valid config that this engine cannot run, or that cannot work together."""
    issues = []
    method = config.get("method", {}).get("name", "cross-entropy")
    if method not in PYTORCH_ENGINE_METHODS:
        issues.append(("method.name", unsupported_method_message(method).split(": ", 1)[1]))
    dataset = config.get("dataset", {}).get("name")
    if dataset in UNSUPPORTED_DATASETS:
        issues.append(("dataset.name", f'dataset "{dataset}" is not supported by the pytorch engine yet; set "engine": "tfjs" to train on it'))
    if method == "crt":
        classifier_epochs = config["method"].get("classifierEpochs", 5)
        if classifier_epochs >= config.get("epochs", 0):
            issues.append(
                (
                    "method.classifierEpochs",
                    f"{classifier_epochs} must be smaller than epochs ({config.get('epochs')}): the first stage of cRT needs at least one "
                    "epoch. Lower method.classifierEpochs or raise epochs.",
                )
            )
    return issues


def check_config(value: Any, file: str) -> Dict[str, Any]:
    """A config already stored by a run (config.json), validated again as a fresh one: ConfigError naming ``file``."""
    config = _parse(value, file)
    unsupported = engine_issues(config)
    if unsupported:
        raise ConfigError([f"{file}: {field}: {message}" for field, message in unsupported])
    return config


def load_run_config(path: str, overrides: Optional[Mapping[str, Any]] = None) -> LoadedConfig:
    """The validated config with every default filled in, or ConfigError."""
    absolute = os.path.abspath(path)
    value = read_config_file(absolute)
    if overrides:
        value = apply_overrides(_parse(value, absolute), overrides)
    config = check_config(value, absolute)
    name = config.get("name") or os.path.basename(absolute)
    if not config.get("name") and name.endswith(".ltrun.json"):
        name = name[: -len(".ltrun.json")]
    return LoadedConfig(path=absolute, run_name=name, config=config)
