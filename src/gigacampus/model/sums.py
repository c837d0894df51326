"""Two ways to give numpy's numbers with less work: sums over a short last axis (a few phases,
categories or sources) and an elementwise function evaluated once per distinct value.

``np.sum`` over a last axis of n elements calls its inner loop once per output element: for the
(S, T, P) arrays of a sweep (P of 1 to 7) that per-row call costs more than the additions.
For n below 8 numpy adds the n values one after another, left to right, starting from +0.0
(its pairwise summation only splits longer runs), so adding the n slices elementwise in that
order gives the same bits, with one vectorised pass per slice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["per_distinct", "sum_last"]

_Out = TypeVar("_Out", np.ndarray, tuple[np.ndarray, ...])

#: Longest last axis numpy sums strictly left to right (its pairwise sum unrolls from 8 on).
_SEQUENTIAL = 7


def sum_last(x: np.ndarray) -> np.ndarray:
    """``np.sum(x, axis=-1)`` bit for bit (including -0.0, NaN and infinities), faster for a
    float64 array whose last axis has 1 to 7 elements; any other array goes to numpy."""
    x = np.asarray(x)
    n = x.shape[-1] if x.ndim else 0
    # a reversed last axis (negative stride) numpy may walk backwards: left to numpy
    if x.dtype != np.float64 or not 1 <= n <= _SEQUENTIAL or x.ndim < 2 or x.strides[-1] < 0:
        return x.sum(axis=-1)
    out = 0.0 + x[..., 0]  # numpy starts from +0.0: a row of -0.0 sums to +0.0
    for i in range(1, n):
        out += x[..., i]
    return out


def per_distinct(fn: Callable[[np.ndarray], _Out], x: np.ndarray) -> _Out:
    """``fn(x)`` for an elementwise ``fn`` of a float64 array (results with ``x``'s shape first,
    one array or a tuple of them), computed once per distinct value of ``x``: a sweep repeats few
    values. Values are told apart by their bits (-0.0, 0.0 and each NaN kept apart), so the
    numbers are ``fn``'s own as long as each element's result depends on its value alone."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    bits, where = np.unique(x.view(np.uint64), return_inverse=True)
    if bits.size == x.size:
        return fn(x)
    got = fn(bits.view(np.float64))
    where = where.reshape(x.shape)
    return tuple(g[where] for g in got) if isinstance(got, tuple) else got[where]  # type: ignore[return-value]
