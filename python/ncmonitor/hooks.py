"""Capture the penultimate features h of a model while it runs, without touching the user's training code.

``FeatureTap`` registers a forward hook on the module whose OUTPUT is h (for ``nn.Sequential(..., nn.Flatten(),
nn.Linear(..., d), nn.ReLU(), nn.Linear(d, C))`` that is the ReLU, or a named sub-network such as ``model.features``)
and removes it on exit, so the model is left exactly as it was::

    with FeatureTap(model, "features") as tap:
        logits = model(x)
        h = tap.features          # N × d, detached

Wrapped models work with the same name: ``DataParallel`` and ``DistributedDataParallel`` prefix every submodule with
``module.``; the tap resolves "features" to "module.features" (and the reverse). Under DataParallel the hook fires
once per replica, in threads, on each GPU's chunk: the chunks are put back in device order (the order ``scatter``
split the batch) and on the device of the first, so read ``features`` after each forward call.
"""

from __future__ import annotations

import threading
from typing import Any, List, Optional, Tuple, Union

import torch
from torch import nn

WRAPPER_PREFIX = "module."


def resolve_module(model: nn.Module, name: str) -> Tuple[str, nn.Module]:
    """The submodule called ``name``, trying with and without the ``module.`` prefix of DataParallel/DDP wrappers."""
    if name == "":
        raise ValueError("feature_layer is empty: name the module whose output is the penultimate feature, e.g. 'features' or 'fc1'")
    modules = dict(model.named_modules())
    candidates = [name]
    if name.startswith(WRAPPER_PREFIX):
        candidates.append(name[len(WRAPPER_PREFIX) :])
    else:
        candidates.append(WRAPPER_PREFIX + name)
    for candidate in candidates:
        if candidate in modules and candidate != "":
            return candidate, modules[candidate]
    names = [key for key in modules if key and not key.startswith(WRAPPER_PREFIX + WRAPPER_PREFIX)]
    shown = ", ".join(names[:30]) + (f" … ({len(names)} in all)" if len(names) > 30 else "")
    raise ValueError(f"the model has no module named {name!r}; its modules are: {shown}. Pass the name of the module whose output is the penultimate feature h")


class FeatureTap:
    """A context manager that keeps the output of ``feature_layer`` from each forward call."""

    def __init__(self, model: nn.Module, feature_layer: Union[str, nn.Module]) -> None:
        if isinstance(feature_layer, nn.Module):
            self.module_name = next((name for name, module in model.named_modules() if module is feature_layer), "<module>")
            self.module = feature_layer
        elif isinstance(feature_layer, str):
            self.module_name, self.module = resolve_module(model, feature_layer)
        else:
            raise TypeError(f"feature_layer must be a module name (str) or an nn.Module, got {type(feature_layer).__name__}")
        self._handle: Optional[Any] = None
        self._lock = threading.Lock()
        self._chunks: List[Tuple[int, torch.Tensor]] = []

    def __enter__(self) -> "FeatureTap":
        if self._handle is not None:
            raise RuntimeError("this FeatureTap is already active")
        self._handle = self.module.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Removes the hook (also on exceptions); the model is as before."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _hook(self, _module: nn.Module, _inputs: Any, output: Any) -> None:
        if not isinstance(output, torch.Tensor):
            raise TypeError(
                f"the output of {self.module_name!r} is a {type(output).__name__}, not a tensor: tap the module whose output is the feature tensor h"
            )
        device_index = output.device.index if output.device.type == "cuda" and output.device.index is not None else -1
        with self._lock:
            self._chunks.append((device_index, output.detach()))

    def clear(self) -> None:
        with self._lock:
            self._chunks = []

    def pop(self) -> torch.Tensor:
        """The features captured since the last ``pop``/``clear`` (N × d; conv maps flattened), then forgets them."""
        with self._lock:
            chunks, self._chunks = self._chunks, []
        if not chunks:
            raise RuntimeError(
                f"no features were captured: {self.module_name!r} did not run in the forward pass (is it the right module, and is the tap active?)"
            )
        chunks.sort(key=lambda chunk: chunk[0])  # stable: one device's calls keep their order
        device = chunks[0][1].device
        h = torch.cat([tensor.to(device) for _, tensor in chunks], dim=0)
        return h.reshape(h.shape[0], -1) if h.dim() > 2 else h

    @property
    def features(self) -> torch.Tensor:
        """Same as ``pop()``: the features of the forward call(s) since the last read."""
        return self.pop()
