"""Seeded Glorot-uniform weights, ported bit-exactly from src/trainer/models/seededInit.ts (FNV-1a stream key,
mulberry32, values rounded to float32).

Why not torch's generator: a weight re-initialised in the middle of a run (cRT's classifier) must not depend on how
much of torch's global random stream was used before, or a resumed run would draw other weights than an uninterrupted
one; and with the TypeScript trainer's stream the re-initialised classifier is the same in both engines.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

_MASK_32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """Math.imul on uint32 representations: the low 32 bits of the product."""
    return (a * b) & _MASK_32


def _stream_key(seed: int, name: str) -> int:
    """FNV-1a over the UTF-16 code units of ``name``, started from the offset basis xor (seed mod 2^32)."""
    value = (0x811C9DC5 ^ (seed & _MASK_32)) & _MASK_32
    units = name.encode("utf-16-le")
    for i in range(0, len(units), 2):
        value ^= units[i] | (units[i + 1] << 8)
        value = _imul(value, 0x01000193)
    return value


def uniform_stream(seed: int, name: str) -> Callable[[], float]:
    """mulberry32 seeded by the stream key: uniform floats in [0, 1) with 32 random bits."""
    state = _stream_key(seed, name)

    def next_uniform() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _MASK_32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK_32
        return ((t ^ (t >> 14)) & _MASK_32) / 4294967296

    return next_uniform


def glorot_uniform(seed: int, name: str, count: int, fan_in: int, fan_out: int) -> np.ndarray:
    """U(−a, a) with a = √(6/(fan_in + fan_out)) (Glorot & Bengio, AISTATS 2010), ``count`` float32 values."""
    uniform = uniform_stream(seed, name)
    limit = math.sqrt(6 / (fan_in + fan_out))
    return np.array([(2 * uniform() - 1) * limit for _ in range(count)], dtype=np.float64).astype(np.float32)
