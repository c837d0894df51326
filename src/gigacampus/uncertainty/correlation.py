"""Rank correlations between sampled inputs, induced by the Iman-Conover method.

Iman, R. L. and Conover, W. J. (1982), "A distribution-free approach to inducing rank
correlation among input variables", Communications in Statistics - Simulation and Computation
11(3), 311-334, https://doi.org/10.1080/03610918208812265 (retrieved 2026-12-02).

The method only reorders each column of the sample: every input keeps exactly the values it
was drawn with (its distribution, and the stratification of a Latin hypercube or Sobol column),
and the rows are paired so that the ranks follow a matrix of normal scores with the target
correlation. The target is a Spearman rank correlation; the normal scores get the Pearson
correlation ``2 sin(pi rho / 6)``, which gives Spearman ``rho`` for a normal pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["pearson_of_rank", "rank_correlate", "rank_correlation", "target_matrix"]


def pearson_of_rank(rho: float) -> float:
    """Pearson correlation of a normal pair whose Spearman rank correlation is ``rho``."""
    return 2.0 * math.sin(math.pi * rho / 6.0)


def target_matrix(d: int, pairs: Sequence[tuple[int, int, float]]) -> np.ndarray:
    """The ``(d, d)`` Pearson correlation of the normal scores for rank correlations ``pairs``
    (column ``i``, column ``j``, Spearman rho); unpaired columns are uncorrelated."""
    c = np.eye(d)
    for i, j, rho in pairs:
        c[i, j] = c[j, i] = pearson_of_rank(rho)
    return c


def rank_correlate(u: np.ndarray, pairs: Sequence[tuple[int, int, float]], seed: int) -> np.ndarray:
    """``u`` (``(n, d)``) with the columns named in ``pairs`` reordered so that their rank
    correlations approach the targets (Iman-Conover); other columns are returned as they are.

    Raises ``numpy.linalg.LinAlgError`` when the targets are not a valid correlation matrix
    (not positive definite); the sweep checks this before it starts."""
    if not pairs:
        return u
    cols = sorted({i for i, _, _ in pairs} | {j for _, j, _ in pairs})
    where = {c: k for k, c in enumerate(cols)}
    target = target_matrix(len(cols), [(where[i], where[j], rho) for i, j, rho in pairs])
    p = np.linalg.cholesky(target)
    n = u.shape[0]
    if n < len(cols) + 2:  # too few rows to pair: nothing a correlation could mean
        return u
    from scipy.special import ndtri  # scipy.special alone: light next to scipy.stats

    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    scores = ndtri(np.arange(1, n + 1) / (n + 1))
    scores = scores / scores.std()
    m = np.empty((n, len(cols)))
    for k in range(len(cols)):
        m[:, k] = scores[rng.permutation(n)]
    # remove the chance correlation of the permuted scores, then impose the target
    q = np.linalg.cholesky(np.corrcoef(m, rowvar=False))
    t = m @ np.linalg.solve(q.T, p.T)
    out = u.copy()
    for k, c in enumerate(cols):
        out[np.argsort(t[:, k], kind="stable"), c] = np.sort(u[:, c], kind="stable")
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two samples (ties broken by order: samples here are continuous)."""
    if a.size < 2:
        return float("nan")
    ra = np.empty(a.size)
    rb = np.empty(b.size)
    ra[np.argsort(a, kind="stable")] = np.arange(a.size)
    rb[np.argsort(b, kind="stable")] = np.arange(b.size)
    return float(np.corrcoef(ra, rb)[0, 1])
