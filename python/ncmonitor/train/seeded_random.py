"""A bit-exact port of the TypeScript trainer's ``SeededRandom`` (src/trainer/random.ts).

Why a port and not numpy's generators: a run config with a seed must pick the same long-tailed subset, the same
synthetic images and the same batch order in both engines, so that a PyTorch run and a TensorFlow.js run of one
config differ only by the framework. The generator is xoshiro128** 1.1 (Blackman & Vigna, ACM TOMS 2021) seeded by
two SplitMix64 outputs; integers and uniform floats are reproduced exactly. ``normal()`` uses ``math.log/sqrt/cos/
sin``, which can differ from V8's in the last bit on rare arguments.

Streams are consumed in pure Python (about 0.6 µs per 32-bit output); ``uint32_block`` produces many outputs at once
for the synthetic generator, which then works on them with numpy.
"""

from __future__ import annotations

import math
from array import array
from typing import List, MutableSequence, Optional, Union

import numpy as np

_MASK_32 = 0xFFFFFFFF
_MASK_64 = (1 << 64) - 1
_TWO_POW_32 = 4294967296
_TWO_POW_53 = 9007199254740992
_MAX_SAFE_INTEGER = 2**53 - 1


def _split_mix_64(state: int) -> "tuple[int, int]":
    """SplitMix64 (Steele, Lea & Flood 2014): returns (next state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK_64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK_64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK_64
    return state, z ^ (z >> 31)


def _fnv1a_64(text: str) -> int:
    """FNV-1a (64-bit) over UTF-8 bytes: turns a stream label into a seed offset, as random.ts does."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x100000001B3) & _MASK_64
    return value


def _label_text(label: Union[str, int]) -> str:
    """``String(label)`` of JavaScript for the labels used here (strings and integers)."""
    if isinstance(label, bool):
        raise TypeError("stream labels are strings or integers")
    if isinstance(label, int):
        return str(label)
    if isinstance(label, float) and label.is_integer():
        return str(int(label))
    return str(label)


def _check_seed(seed: int) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0 or seed > _MAX_SAFE_INTEGER:
        raise ValueError(f"seed must be an integer in [0, 2^53 - 1], got {seed!r}")


class SeededRandom:
    """xoshiro128** with the same seeding, draws and derived streams as src/trainer/random.ts."""

    def __init__(self, seed: int) -> None:
        _check_seed(seed)
        self._seed_from(seed)

    @classmethod
    def derive(cls, seed: int, *labels: Union[str, int]) -> "SeededRandom":
        """An independent stream for one purpose, e.g. ``derive(seed, 'long-tail subsample', 3)``."""
        _check_seed(seed)
        key = seed
        for label in labels:
            key = _split_mix_64(key ^ _fnv1a_64(_label_text(label)))[1]
        random = cls(0)
        random._seed_from(key)
        return random

    def _seed_from(self, seed: int) -> None:
        state, first = _split_mix_64(seed & _MASK_64)
        _, second = _split_mix_64(state)
        self._s0 = first & _MASK_32
        self._s1 = first >> 32
        self._s2 = second & _MASK_32
        self._s3 = second >> 32
        if (self._s0 | self._s1 | self._s2 | self._s3) == 0:
            self._s0 = 1
        self._spare_normal: Optional[float] = None

    def next_uint32(self) -> int:
        """Next 32-bit output, an integer in [0, 2^32)."""
        s0, s1, s2, s3 = self._s0, self._s1, self._s2, self._s3
        x = (s1 * 5) & _MASK_32
        result = ((((x << 7) | (x >> 25)) & _MASK_32) * 9) & _MASK_32
        t = (s1 << 9) & _MASK_32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self._s0, self._s1, self._s2 = s0, s1, s2
        self._s3 = ((s3 << 11) | (s3 >> 21)) & _MASK_32
        return result

    def uint32_block(self, count: int) -> np.ndarray:
        """The next ``count`` outputs of ``next_uint32`` as a uint32 array, the same words in the same order.

        Long blocks run as parallel lanes (see ``_parallel_block``): about ten times faster than a Python loop, which
        makes the default synthetic dataset (11 million words) take a second instead of seven.
        """
        if count >= _PARALLEL_MIN_WORDS:
            return self._parallel_block(count)
        out = array("I", bytes(4 * count))
        s0, s1, s2, s3 = self._s0, self._s1, self._s2, self._s3
        mask = _MASK_32
        for i in range(count):
            x = (s1 * 5) & mask
            out[i] = ((((x << 7) | (x >> 25)) & mask) * 9) & mask
            t = (s1 << 9) & mask
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 11) | (s3 >> 21)) & mask
        self._s0, self._s1, self._s2, self._s3 = s0, s1, s2, s3
        return np.frombuffer(out, dtype=np.uint32).copy()

    def _parallel_block(self, count: int) -> np.ndarray:
        """``count`` words computed as lanes of _LANE_STEPS consecutive steps, all lanes advanced together in numpy.

        xoshiro's state transition A is linear over GF(2), so the state _LANE_STEPS steps ahead is A^K·s, a 128×128
        bit-matrix product (the "jump" its authors use for parallel streams, here with K = _LANE_STEPS): lane j starts
        at (A^K)^j·s, and lane j's K outputs are words j·K … j·K + K − 1 of the sequence.
        """
        steps = _LANE_STEPS
        lanes = count // steps + 1
        jump = _jump_tables()
        state = self._s0 | (self._s1 << 32) | (self._s2 << 64) | (self._s3 << 96)
        starts = []
        for _ in range(lanes):
            starts.append(state)
            state = _apply_jump(jump, state)
        words = np.array([[(start >> (32 * k)) & _MASK_32 for k in range(4)] for start in starts], dtype=np.uint32)
        s0, s1, s2, s3 = (np.ascontiguousarray(words[:, k]) for k in range(4))
        out = np.empty((steps, lanes), dtype=np.uint32)
        end_lane, end_step = divmod(count, steps)
        end_state = None
        for step in range(steps):
            if step == end_step:
                end_state = (int(s0[end_lane]), int(s1[end_lane]), int(s2[end_lane]), int(s3[end_lane]))
            s0, s1, s2, s3 = _lane_step(s0, s1, s2, s3, out[step])
        assert end_state is not None
        self._s0, self._s1, self._s2, self._s3 = end_state
        return np.ascontiguousarray(out.T).reshape(-1)[:count]

    def next_float(self) -> float:
        """Uniform in [0, 1) with 53 random bits (two outputs)."""
        high = self.next_uint32() >> 5
        low = self.next_uint32() >> 6
        return (high * 67108864 + low) / _TWO_POW_53

    def next_int(self, n: int) -> int:
        """Uniform integer in [0, n), unbiased by rejection of the top partial block of 2^32."""
        if not isinstance(n, int) or n <= 0 or n > _TWO_POW_32:
            raise ValueError(f"next_int(n) needs an integer 1 <= n <= 2^32, got {n!r}")
        limit = _TWO_POW_32 - (_TWO_POW_32 % n)
        while True:
            value = self.next_uint32()
            if value < limit:
                return value % n

    def normal(self, mean: float = 0.0, std: float = 1.0) -> float:
        """Box–Muller with the spare value kept, evaluated in the same order as random.ts."""
        if self._spare_normal is not None:
            spare = self._spare_normal
            self._spare_normal = None
            return mean + std * spare
        u1 = 1 - self.next_float()
        u2 = self.next_float()
        radius = math.sqrt(-2 * math.log(u1))
        self._spare_normal = radius * math.sin(2 * math.pi * u2)
        return mean + std * radius * math.cos(2 * math.pi * u2)

    def shuffle(self, items: MutableSequence) -> MutableSequence:
        """Fisher–Yates (Durstenfeld) in place, drawing next_int(i + 1) for i = n−1 … 1; returns ``items``."""
        next_int = self.next_int
        for i in range(len(items) - 1, 0, -1):
            j = next_int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items

    def permutation(self, n: int) -> np.ndarray:
        """A uniformly random permutation of 0 … n−1 (int64), the same as random.ts's ``permutation``."""
        order = list(range(n))
        self.shuffle(order)
        return np.asarray(order, dtype=np.int64)


_PARALLEL_MIN_WORDS = 1 << 16
_LANE_STEPS = 1024
_U5, _U7, _U9, _U11, _U21, _U25 = (np.uint32(v) for v in (5, 7, 9, 11, 21, 25))


def _lane_step(s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray, out: Optional[np.ndarray]):
    """One xoshiro128** step of every lane (uint32 arrays wrap like the 32-bit arithmetic of random.ts)."""
    if out is not None:
        x = s1 * _U5
        np.multiply((x << _U7) | (x >> _U25), _U9, out=out)
    t = s1 << _U9
    s2 = s2 ^ s0
    s3 = s3 ^ s1
    s1 = s1 ^ s2
    s0 = s0 ^ s3
    s2 = s2 ^ t
    s3 = (s3 << _U11) | (s3 >> _U21)
    return s0, s1, s2, s3


_JUMP_TABLES: Optional[List[List[int]]] = None


def _jump_tables() -> List[List[int]]:
    """A^K (K = _LANE_STEPS) as 16 byte-indexed tables: A^K·s is the XOR of table[b][byte b of s] over 16 bytes.

    Column i of A^K is the state reached after K steps from the unit state e_i; the 128 unit states run as lanes.
    """
    global _JUMP_TABLES
    if _JUMP_TABLES is None:
        units = np.zeros((4, 128), dtype=np.uint32)
        for bit in range(128):
            units[bit // 32, bit] = np.uint32(1 << (bit % 32))
        s0, s1, s2, s3 = (np.ascontiguousarray(units[k]) for k in range(4))
        for _ in range(_LANE_STEPS):
            s0, s1, s2, s3 = _lane_step(s0, s1, s2, s3, None)
        columns = [int(s0[i]) | (int(s1[i]) << 32) | (int(s2[i]) << 64) | (int(s3[i]) << 96) for i in range(128)]
        tables = []
        for byte in range(16):
            table = [0] * 256
            for value in range(1, 256):
                low = (value & -value).bit_length() - 1
                table[value] = table[value & (value - 1)] ^ columns[8 * byte + low]
            tables.append(table)
        _JUMP_TABLES = tables
    return _JUMP_TABLES


def _apply_jump(tables: List[List[int]], state: int) -> int:
    result = 0
    for table in tables:
        result ^= table[state & 0xFF]
        state >>= 8
    return result


def uniform_floats(words: np.ndarray) -> np.ndarray:
    """``next_float`` applied to consecutive pairs of uint32 outputs (even length), vectorised, float64."""
    high = (words[0::2] >> np.uint32(5)).astype(np.float64)
    low = (words[1::2] >> np.uint32(6)).astype(np.float64)
    return (high * 67108864.0 + low) / float(_TWO_POW_53)
