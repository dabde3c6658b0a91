"""The run folder's checkpoint (RUN_FILES.checkpoint, ``checkpoint``), written after every finished epoch so that a
stopped run continues with ``--resume RUN_FOLDER`` (src/trainer/training/checkpoint.ts is the TS trainer's).

What it holds, and why each part: the model's state (parameters and batch-norm statistics); the optimiser's state
(momentum or Adam moments and step counts, so the resumed run continues the same trajectory); the last finished epoch;
the method's own state; and torch's random states. The batches need no saved state: every epoch draws its order and
augmentation from ``SeededRandom.derive(seed, 'epoch', epoch)``, a function of the seed and the epoch alone.

One file written through ``checkpoint.partial`` and renamed over the old one: a crash mid-save keeps the previous
checkpoint whole (the TS trainer writes a folder of tfjs weights instead: the two formats are engine-specific).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping

import torch

from .methods import TrainingMethod
from .models import ClassifierNetwork

CHECKPOINT_FORMAT = 1
ENGINE = "pytorch"


class CheckpointError(Exception):
    """A checkpoint that is missing, unreadable, from another engine, or does not fit the run's model."""


@dataclass
class Checkpoint:
    path: str
    epoch: int
    """Last finished epoch (1-based)."""
    optimizer_name: str
    method_name: str
    meta: Dict[str, Any]
    """Everything but the tensors (format, epoch, names, the optimiser's hyper-parameters, the method's state)."""
    payload: Dict[str, Any]
    """The tensors: model state, optimiser state, random states."""


def save_checkpoint(
    path: str, *, epoch: int, model: ClassifierNetwork, optimizer: torch.optim.Optimizer, optimizer_name: str, method: TrainingMethod
) -> None:
    optimizer_state = optimizer.state_dict()
    # Tensors stay tensors; everything else goes in one JSON text, so that torch.load(weights_only=True) reads the file
    # back on every PyTorch version (1.13's safe unpickler refuses plain floats, e.g. the optimiser's hyper-parameters).
    meta = {
        "format": CHECKPOINT_FORMAT,
        "engine": ENGINE,
        "torchVersion": str(torch.__version__),
        "epoch": epoch,
        "optimizerName": optimizer_name,
        "methodName": method.name,
        "optimizerParamGroups": optimizer_state["param_groups"],
        "method": method.state_dict(),
    }
    payload = {
        "meta": json.dumps(meta),
        "model": model.state_dict(),
        "optimizerState": optimizer_state["state"],
        "random": {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else []},
    }
    temporary = f"{path}.partial"
    with open(temporary, "wb") as handle:
        torch.save(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _load(path: str) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # PyTorch < 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def read_checkpoint(path: str) -> Checkpoint:
    """The checkpoint at ``path`` (tensors on the CPU until restored), or CheckpointError saying what to do."""
    if os.path.isdir(path):
        raise CheckpointError(
            f"{path} is a checkpoint of the TypeScript trainer (a folder): resume this run with "
            f"`node dist/trainer.js run --resume {os.path.dirname(path)}`, not with the pytorch engine"
        )
    if not os.path.isfile(path):
        raise CheckpointError(
            f"no checkpoint in {os.path.dirname(path)}: the run stopped before its first epoch ended, or the folder is not a run "
            "folder. Start a new run instead."
        )
    try:
        payload = _load(path)
        meta = json.loads(payload["meta"]) if isinstance(payload, dict) and isinstance(payload.get("meta"), str) else None
    except Exception as error:  # noqa: BLE001 - any unpickling failure means the same to the user
        raise CheckpointError(f"{path} cannot be read ({type(error).__name__}: {error}); the file is damaged. Start a new run instead.") from error
    if not isinstance(meta, dict) or meta.get("engine") != ENGINE or meta.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint of this pytorch engine (format {CHECKPOINT_FORMAT}); start a new run instead")
    epoch = meta.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
        raise CheckpointError(f"{path}: epoch {epoch!r} is not a finished epoch; the file is damaged. Start a new run instead.")
    return Checkpoint(path, epoch, str(meta.get("optimizerName")), str(meta.get("methodName")), meta, payload)


def check_checkpoint_fits(checkpoint: Checkpoint, config: Mapping[str, Any]) -> None:
    """The checkpoint belongs to this config (same optimiser and method) and has epochs left to train."""
    method = config["method"]["name"]
    if checkpoint.method_name != method or checkpoint.optimizer_name != config["optimizer"]["name"]:
        raise CheckpointError(
            f"{checkpoint.path} was written for method {checkpoint.method_name} with optimizer {checkpoint.optimizer_name}, but "
            f"config.json says {method} with {config['optimizer']['name']}: the run folder was edited. Start a new run instead."
        )
    if checkpoint.epoch >= config["epochs"]:
        raise CheckpointError(f"the run already finished all {config['epochs']} epochs (checkpoint of epoch {checkpoint.epoch}): nothing to resume")


def _tuples_as_before(saved: Mapping[str, Any], current: Mapping[str, Any]) -> Dict[str, Any]:
    """JSON turned the optimiser's tuples (Adam's betas) into lists: give them back their type."""
    return {key: tuple(value) if isinstance(current.get(key), tuple) and isinstance(value, list) else value for key, value in saved.items()}


def restore_checkpoint(checkpoint: Checkpoint, model: ClassifierNetwork, optimizer: torch.optim.Optimizer, method: TrainingMethod) -> None:
    """Loads model, optimiser, method and random states; the model is built and prepared and the optimiser created
    over the same parameters as when the checkpoint was written."""
    payload = checkpoint.payload
    try:
        model.load_state_dict(payload["model"])
        groups = [_tuples_as_before(saved, current) for saved, current in zip(checkpoint.meta["optimizerParamGroups"], optimizer.param_groups)]
        optimizer.load_state_dict({"state": payload["optimizerState"], "param_groups": groups})
    except (KeyError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{checkpoint.path} does not fit the model of config.json ({error}). Start a new run instead.") from error
    method.load_state_dict(checkpoint.meta.get("method") or {})
    random = payload.get("random") or {}
    if isinstance(random.get("torch"), torch.Tensor):
        torch.set_rng_state(random["torch"].to(torch.uint8))
    cuda_states: List[torch.Tensor] = list(random.get("cuda") or [])
    if cuda_states and torch.cuda.is_available() and len(cuda_states) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([state.to(torch.uint8) for state in cuda_states])
