"""Points of the unit cube for a sweep, seeded (scipy.stats.qmc), and the Saltelli design for
Sobol indices.

* ``sobol``: scrambled Sobol (Owen scrambling); ``n`` points are the first ``n`` of the next
  power of two (a power of two keeps the sequence's balance; ``--samples 1024`` is exact);
* ``lhs``: Latin hypercube (one point in each of ``n`` strata of every axis);
* ``random``: independent uniform points.

Every draw comes from ``numpy.random.default_rng(seed)`` (no global state): the same seed gives
the same points whatever engine or chunk size the sweep runs with.

The scrambled Sobol points are generated here with numpy, the same points as
``scipy.stats.qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)`` (tests check it bit for
bit): Joe and Kuo's direction numbers (the table scipy ships), a left linear matrix scramble and a
digital shift drawn from ``rng`` in scipy's order, and the points in Gray-code order. Importing
``scipy.stats`` costs about half a second, which a sweep without sensitivity does not pay.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import numpy as np

from gigacampus.scenario.uncertainty import METHODS

#: Bits of every Sobol coordinate (scipy's default): points are multiples of 2**-30.
_BITS = 30

__all__ = ["saltelli_design", "sobol_points", "unit_sample"]


def unit_sample(method: str, n: int, d: int, seed: int) -> np.ndarray:
    """``(n, d)`` points of the unit cube (``d = 0`` gives an empty ``(n, 0)`` array)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if d == 0:
        return np.zeros((n, 0))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    if method == "sobol":
        m = max(0, math.ceil(math.log2(n)))
        return sobol_points(d, m, rng)[:n]
    if method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d, rng=rng).random(n)
    return rng.random((n, d))


def saltelli_design(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matrices ``A`` and ``B`` (``(n, d)`` each, from one scrambled Sobol sequence of ``2d``
    dimensions, as ``scipy.stats.sobol_indices`` draws them) and ``AB`` (``(d, n, d)``: ``A``
    with column ``i`` from ``B``). ``n`` must be a power of two."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"n = {n}; allowed: a power of two >= 2")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    ab = sobol_points(2 * d, int(math.log2(n)), rng)
    a, b = ab[:, :d], ab[:, d:]
    mixed = np.repeat(a[None], d, axis=0)
    for i in range(d):
        mixed[i, :, i] = b[:, i]
    return a, b, mixed


@functools.lru_cache(maxsize=1)
def _direction_numbers() -> tuple[np.ndarray, np.ndarray]:
    """Joe and Kuo's primitive polynomials and initial direction numbers, as scipy ships them."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or spec.origin is None:  # pragma: no cover - scipy is a dependency
        raise RuntimeError("scipy is not installed")
    table = np.load(Path(spec.origin).parent / "stats" / "_sobol_direction_numbers.npz")
    return table["poly"], table["vinit"]


def _directions(d: int) -> np.ndarray:
    """(d, bits) direction numbers, each scaled to its bit: column ``j`` holds bit ``bits - 1 - j``."""
    poly, vinit = _direction_numbers()
    v = np.zeros((d, _BITS), dtype=np.uint64)
    v[0, :] = 1
    for k in range(1, d):
        p = int(poly[k])
        deg = p.bit_length() - 1
        row = [int(x) for x in vinit[k, :deg]]
        for j in range(deg, _BITS):
            new = row[j - deg]
            for i in range(deg):
                if (p >> (deg - 1 - i)) & 1:
                    new ^= row[j - i - 1] << (i + 1)
            row.append(new)
        v[k] = row
    return v << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)[None, :]


def sobol_points(d: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``2**m`` scrambled Sobol points in ``d`` dimensions, ``(2**m, d)`` (draws from ``rng``)."""
    if m > _BITS:
        raise ValueError(f"at most 2**{_BITS} Sobol points")
    if d == 0:
        return np.zeros((2**m, 0))
    v = _directions(d)
    rng = rng.spawn(1)[0]  # scipy's engine draws from a child of the generator it is given
    weights = np.uint64(1) << np.arange(_BITS, dtype=np.uint64)
    shift = (rng.integers(0, 2, size=(d, _BITS), dtype=np.uint32).astype(np.uint64) * weights).sum(axis=1)
    ltm = np.tril(rng.integers(0, 2, size=(d, _BITS, _BITS), dtype=np.uint32)).astype(np.uint64)
    ltm[:, np.arange(_BITS), np.arange(_BITS)] = 1
    # row p of each scramble matrix as a number, its first entry the highest bit
    rows = (ltm << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)[None, None, :]).sum(axis=2)  # (d, p)
    # scrambled direction j: bit (bits - 1 - p) is the parity of row p AND direction j
    parity = np.bitwise_count(rows[:, :, None] & v[:, None, :]) & 1  # (d, p, j)
    sv = (parity.astype(np.uint64) << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)[None, :, None]).sum(axis=1)
    # point k is the shift XOR the directions of the bits of gray(k) = k ^ (k >> 1); the points
    # 2**b .. 2**(b+1) - 1 are the first 2**b with gray bits b and b - 1 flipped, so the set doubles
    # by one XOR of a copy (XOR is exact: the same bits as one XOR per set bit, in any order)
    q = np.empty((2**m, d), dtype=np.uint64)
    q[0] = shift
    for bit in range(m):
        flip = sv[:, bit] if bit == 0 else sv[:, bit] ^ sv[:, bit - 1]
        np.bitwise_xor(q[: 2**bit], flip, out=q[2**bit : 2 ** (bit + 1)])
    return q.astype(np.float64) * 2.0**-_BITS
