"""The fixed simplex equiangular tight frame (Papyan et al. 2020; as a fixed classifier: Yang et al., NeurIPS 2022).

W (C × d, rows w_c) is the transpose of √(C/(C−1)) P (I − 11ᵀ/C) with P a seeded d × C matrix of orthonormal columns:
unit rows with pairwise cosine −1/(C−1). Ported from src/trainer/methods/etf.ts with the same seeded Gaussian draws
(SeededRandom.derive(seed, 'etf-classifier')) and the same twice-run modified Gram–Schmidt, so the ETF is the one
the TypeScript trainer fixes for the same seed (up to the last bits of libm).
"""

from __future__ import annotations

import math
from typing import List

import numpy as np

from ..seeded_random import SeededRandom


def _orthonormalise(vectors: List[np.ndarray]) -> List[np.ndarray]:
    """Modified Gram–Schmidt in order, run twice ("twice is enough", Giraud et al. 2005)."""
    for _ in range(2):
        for i, vector in enumerate(vectors):
            for j in range(i):
                vector -= float(np.dot(vector, vectors[j])) * vectors[j]
            norm = math.sqrt(float(np.dot(vector, vector)))
            if not norm > 1e-10:
                raise ValueError("orthonormalise: the vectors are linearly dependent")
            vector /= norm
    return vectors


def _gaussian_vectors(count: int, length: int, random: SeededRandom) -> List[np.ndarray]:
    return [np.array([random.normal() for _ in range(length)], dtype=np.float64) for _ in range(count)]


def simplex_etf(class_count: int, feature_dim: int, seed: int) -> np.ndarray:
    """The C × d simplex ETF (float64). d = C − 1: √(C/(C−1)) U Qᵀ with U an orthonormal basis of 1^⊥ ⊂ R^C and Q
    seeded d × (C−1) orthonormal, which has the same Gram matrix C/(C−1)·(I − 11ᵀ/C)."""
    c, d = class_count, feature_dim
    if c < 2:
        raise ValueError(f"a simplex ETF needs at least 2 classes, got {c}")
    if d < c - 1:
        raise ValueError(
            f"model.featureDim {d} < C − 1 = {c - 1}: a simplex ETF of {c} classes needs at least {c - 1} feature dimensions. "
            "Raise model.featureDim."
        )
    random = SeededRandom.derive(seed, "etf-classifier")
    scale = math.sqrt(c / (c - 1))
    if d >= c:
        columns = _orthonormalise(_gaussian_vectors(c, d, random))
        mean = np.zeros(d)
        for column in columns:
            mean += column / c
        return np.stack([scale * (column - mean) for column in columns])
    basis = _orthonormalise([np.array([(1.0 if k == i else 0.0) - 1 / c for k in range(c)]) for i in range(c - 1)])
    q = _orthonormalise(_gaussian_vectors(c - 1, d, random))
    return scale * (np.stack(basis, axis=1) @ np.stack(q, axis=0))
