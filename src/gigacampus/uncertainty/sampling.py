"""Points of the unit cube for a sweep, seeded (scipy.stats.qmc), and the Saltelli design for
Sobol indices.

* ``sobol``: scrambled Sobol (Owen scrambling); ``n`` points are the first ``n`` of the next
  power of two (a power of two keeps the sequence's balance; ``--samples 1024`` is exact);
* ``lhs``: Latin hypercube (one point in each of ``n`` strata of every axis);
* ``random``: independent uniform points.

Every draw comes from ``numpy.random.default_rng(seed)`` (no global state): the same seed gives
the same points whatever engine or chunk size the sweep runs with.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import qmc

from gigacampus.scenario.uncertainty import METHODS

__all__ = ["saltelli_design", "unit_sample"]


def unit_sample(method: str, n: int, d: int, seed: int) -> np.ndarray:
    """``(n, d)`` points of the unit cube (``d = 0`` gives an empty ``(n, 0)`` array)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if d == 0:
        return np.zeros((n, 0))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    if method == "sobol":
        m = max(0, math.ceil(math.log2(n)))
        return qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)[:n]
    if method == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    return rng.random((n, d))


def saltelli_design(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matrices ``A`` and ``B`` (``(n, d)`` each, from one scrambled Sobol sequence of ``2d``
    dimensions, as ``scipy.stats.sobol_indices`` draws them) and ``AB`` (``(d, n, d)``: ``A``
    with column ``i`` from ``B``). ``n`` must be a power of two."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"n = {n}; allowed: a power of two >= 2")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    ab = qmc.Sobol(2 * d, scramble=True, rng=rng).random_base2(int(math.log2(n)))
    a, b = ab[:, :d], ab[:, d:]
    mixed = np.repeat(a[None], d, axis=0)
    for i in range(d):
        mixed[i, :, i] = b[:, i]
    return a, b, mixed
