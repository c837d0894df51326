"""Statistics of a sweep's outputs: Sobol first- and total-order indices.

The indices come from ``scipy.stats.sobol_indices`` given the model's values on a Saltelli
design (:func:`gigacampus.uncertainty.sampling.saltelli_design`): its default estimators,
Saltelli (2010) for the first order and Jansen (1999) for the total order. An output that does
not vary over the design has no variance to share out: its indices are 0.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["sobol"]


def sobol(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices, ``(s, d)`` each, from ``f_a``, ``f_b`` (``(s, n)``) and
    ``f_ab`` (``(d, s, n)``): ``s`` outputs, ``d`` inputs, ``n`` base points."""
    f_a, f_b, f_ab = (np.asarray(x, dtype=float) for x in (f_a, f_b, f_ab))
    d, s, n = f_ab.shape
    first, total = np.zeros((s, d)), np.zeros((s, d))
    pooled = np.concatenate([f_a, f_b], axis=1)
    varies = np.isfinite(pooled).all(axis=1) & (
        np.var(pooled, axis=1) > 1e-24 * np.maximum(1.0, np.abs(pooled).max(axis=1)) ** 2
    )
    if not varies.any() or d == 0:
        return first, total
    k = np.flatnonzero(varies)
    from scipy.stats import sobol_indices  # imported here: scipy.stats takes half a second to import

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n is a power of two; nothing else to warn about
        res = sobol_indices(func={"f_A": f_a[k], "f_B": f_b[k], "f_AB": f_ab[:, k, :]}, n=n)
    first[k] = np.asarray(res.first_order).reshape(len(k), d)
    total[k] = np.asarray(res.total_order).reshape(len(k), d)
    return first, total
