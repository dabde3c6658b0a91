"""Where the engine trains: CUDA when torch sees a GPU, else the CPU, with the reason each skipped choice was skipped
(reported in run/didStart as ``backend.skipped``, like the TS trainer's backend list).

The config's ``backend``: "auto" picks as above, "cpu" forces the CPU, and the TensorFlow.js names (tensorflow-gpu,
tensorflow, wasm) mean "auto" here, with a warning. ``--device auto|cuda|cpu`` on the command line overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch

from .config import TFJS_ONLY_BACKENDS

DEVICE_CHOICES = ("auto", "cuda", "cpu")


class DeviceError(Exception):
    """--device cuda on a machine where torch sees no GPU (a usage error, exit code 2)."""


@dataclass
class DeviceChoice:
    device: torch.device
    name: str
    """"pytorch-cuda" or "pytorch-cpu"."""
    detail: str
    skipped: List[Dict[str, str]] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


def _cuda_unavailable_reason() -> str:
    if torch.version.cuda is None:
        return f"this PyTorch ({torch.__version__}) is built without CUDA"
    return f"torch.cuda.is_available() is false (PyTorch {torch.__version__}, CUDA {torch.version.cuda}): no GPU or driver visible"


def choose_device(backend: str, override: Optional[str] = None) -> DeviceChoice:
    warnings: List[str] = []
    wanted = override
    if wanted is None:
        if backend in TFJS_ONLY_BACKENDS:
            warnings.append(
                f'backend "{backend}" is a TensorFlow.js backend; the pytorch engine uses "auto" instead (CUDA when available, else the CPU)'
            )
            wanted = "auto"
        else:
            wanted = "cpu" if backend == "cpu" else "auto"
    if wanted not in DEVICE_CHOICES:
        raise DeviceError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {wanted!r}")
    cuda = torch.cuda.is_available()
    if wanted == "cuda" and not cuda:
        raise DeviceError(f"--device cuda: {_cuda_unavailable_reason()}; use --device auto or --device cpu")
    skipped: List[Dict[str, str]] = []
    if wanted in ("auto", "cuda") and cuda:
        index = torch.cuda.current_device()
        detail = f"pytorch-cuda: {torch.cuda.get_device_name(index)} (PyTorch {torch.__version__}, CUDA {torch.version.cuda})"
        return DeviceChoice(torch.device("cuda", index), "pytorch-cuda", detail, skipped, warnings)
    if wanted == "auto":
        skipped.append({"backend": "pytorch-cuda", "reason": _cuda_unavailable_reason()})
    detail = f"pytorch-cpu (PyTorch {torch.__version__}, {torch.get_num_threads()} of {os.cpu_count()} cores)"
    return DeviceChoice(torch.device("cpu"), "pytorch-cpu", detail, skipped, warnings)
