"""Exact expected goodput of a checkpointed synchronous job (a renewal process).

The model (derivation in ``docs/reliability.md``): failures arrive as a Poisson process with
rate ``rate`` [1/s]. The job works ``interval_s`` (T), then writes a checkpoint taking
``checkpoint_s`` (C); a failure at any moment of the T + C loses everything since the last
completed checkpoint. After a failure the job restarts for ``restart_s`` (R) and begins the
cycle again. In the base model no failure strikes during a restart; with
``restart_failures=True`` failures keep arriving and a failed restart starts over.

A *renewal* is a completed checkpoint; the time W between two renewals has

    E[W] = (exp(rate (T + C)) - 1) (1/rate + R)                 base model
    E[W] = (exp(rate (T + C)) - 1) exp(rate R) / rate          failures during restart

and each renewal keeps T of work, so the long-run goodput is T / E[W] (renewal-reward
theorem). The interval that maximises it solves ``-log(1 - x) - x = rate C`` with x = rate T
(equivalently x = 1 + W0(-exp(-1 - rate C)), W0 the Lambert W function); it does not depend on
R, and there the goodput is exactly (1 - x) / (1 + rate R), or (1 - x) exp(-rate R).

Every function takes numbers or numpy arrays (broadcast together) and returns float arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gigacampus.model.sums import per_distinct

__all__ = [
    "SIZE_GRID",
    "best_job_rate",
    "best_job_size",
    "cycle_moments",
    "expected_goodput",
    "max_checkpoint_s",
    "max_common_scale",
    "max_restart_s",
    "optimal_goodput",
    "optimal_interval_s",
    "restart_factor",
    "time_fractions",
    "young_daly_interval_s",
]

Array = NDArray[np.float64]


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def restart_factor(rate: ArrayLike, restart_s: ArrayLike, restart_failures: bool = False) -> Array:
    """The factor restarts put on goodput: 1 / (1 + rate R), or exp(-rate R) with failures
    during restart."""
    lam, r = _f(rate), _f(restart_s)
    return np.exp(-lam * r) if restart_failures else 1.0 / (1.0 + lam * r)


def expected_goodput(
    rate: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    restart_failures: bool = False,
    horizon_s: ArrayLike | None = None,
) -> Array:
    """Expected goodput (useful work kept / wall time).

    Without ``horizon_s``: the long-run value T / E[W]. With ``horizon_s`` (D): the expected
    goodput of a run of length D that starts at a checkpoint, to second order,
    T (D / E[W] + (Var[W] - E[W]^2) / (2 E[W]^2)) / D (the renewal function's asymptotic
    expansion); only work covered by a checkpoint completed before D counts.
    """
    lam, t, c = _f(rate), _f(interval_s), _f(checkpoint_s)
    if horizon_s is None:
        safe = np.where(lam > 0, lam, 1.0)
        with np.errstate(over="ignore"):  # exp overflow: goodput 0
            g = t * safe / np.expm1(safe * (t + c)) * restart_factor(safe, restart_s, restart_failures)
        return np.where(lam > 0, g, t / (t + c))
    mean, var = cycle_moments(lam, t, c, restart_s, restart_failures)
    d = _f(horizon_s)
    renewals = d / mean + (var - mean**2) / (2.0 * mean**2)
    return np.clip(t * renewals / d, 0.0, None)


def _truncated_exp_moments(lam: Array, s: Array) -> tuple[Array, Array]:
    """Mean and variance of an exponential(lam) time given it is shorter than s."""
    a = lam * s
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        em1 = np.expm1(a)  # inf for huge a: then mean -> 1/lam and var -> 1/lam^2, as they should
        mean = 1.0 / lam - s / em1
        var = 1.0 / lam**2 - s**2 / (em1 * -np.expm1(-a))
        small = a < 1e-4  # series, to avoid cancellation: mean ~ s/2 - a s/12, var ~ s^2/12
        mean = np.where(small, s / 2.0 - a * s / 12.0, mean)
        var = np.where(small, s**2 / 12.0 - a**2 * s**2 / 720.0, var)
    return mean, var


def cycle_moments(
    rate: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    restart_failures: bool = False,
) -> tuple[Array, Array]:
    """Mean and variance [s, s^2] of the time W between two completed checkpoints.

    W = S + sum of F failed attempts, each (time to failure given it is < S) + restart, with
    S = T + C and F geometric with success probability exp(-rate S).
    """
    lam, t, c, r = np.broadcast_arrays(_f(rate), _f(interval_s), _f(checkpoint_s), _f(restart_s))
    s = t + c
    zero = lam <= 0
    lam = np.where(zero, 1.0 / s, lam)  # any rate that keeps the unused branch finite
    with np.errstate(over="ignore"):  # a cycle that almost never completes: infinite moments
        fails_mean = np.expm1(lam * s)  # E[F]
        fails_var = fails_mean * np.exp(lam * s)  # Var[F]
    x_mean, x_var = _truncated_exp_moments(lam, s)
    if restart_failures:
        b = lam * r
        g_mean = np.expm1(b)
        g_var = g_mean * np.exp(b)
        z_mean, z_var = _truncated_exp_moments(lam, np.where(r > 0, r, 1.0))
        z_mean, z_var = np.where(r > 0, z_mean, 0.0), np.where(r > 0, z_var, 0.0)
        r_mean = r + g_mean * z_mean
        r_var = g_mean * z_var + g_var * z_mean**2
    else:
        r_mean, r_var = r, np.zeros_like(r)
    y_mean, y_var = x_mean + r_mean, x_var + r_var
    mean = s + fails_mean * y_mean
    var = fails_mean * y_var + fails_var * y_mean**2
    return np.where(zero, s, mean), np.where(zero, 0.0, var)


def time_fractions(
    rate: ArrayLike,
    interval_s: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    restart_failures: bool = False,
) -> dict[str, Array]:
    """Where the wall time goes in the long run: ``useful``, ``checkpoint`` (completed writes),
    ``lost`` (work and partial writes thrown away by failures) and ``restart``; they add to 1."""
    lam, t, c, r = np.broadcast_arrays(_f(rate), _f(interval_s), _f(checkpoint_s), _f(restart_s))
    mean, _ = cycle_moments(lam, t, c, r, restart_failures)
    safe = np.where(lam > 0, lam, 1.0 / (t + c))
    fails = np.where(lam > 0, np.expm1(safe * (t + c)), 0.0)
    lost = fails * _truncated_exp_moments(safe, t + c)[0]
    restart = np.where(lam > 0, fails * (np.expm1(safe * r) / safe if restart_failures else r), 0.0)
    return {"useful": t / mean, "checkpoint": c / mean, "lost": lost / mean, "restart": restart / mean}


def _optimal_xy(c: Array) -> tuple[Array, Array]:
    """Root x in (0, 1) of h(x) = -log(1 - x) - x - c, and y = 1 - x, for c = rate * C > 0.

    For c <= 1, Newton on h: h is increasing and convex on (0, 1), and both sqrt(2c) (h >= 0
    there, by the series of -log(1 - x)) and 1 - exp(-1 - c) (h = exp(-1 - c) > 0) lie right
    of the root, so Newton from their minimum converges monotonically. For c > 1, y is small
    and is solved for directly (so 1 - x never rounds to 0): g(y) = -log(y) - (1 - y) - c is
    decreasing and convex, and g(exp(-1 - c)) > 0, so Newton from there converges
    monotonically from the left.
    """
    c = np.asarray(c, dtype=np.float64)
    if c.ndim == 0:
        return _optimal_xy_scalar(c[()])
    # a sweep repeats few distinct values (16 x fewer in the flagship's): solve each once. Every
    # element's Newton path is elementwise and the stopping test is over all of them, and the
    # distinct values are the same set, so the loops stop at the same step: the same roots bit for bit
    return per_distinct(_optimal_xy_distinct, c)


def _optimal_xy_distinct(c: Array) -> tuple[Array, Array]:
    """:func:`_optimal_xy` of an array (of any shape; the caller folds repeated values)."""
    low = c <= 1.0
    x = np.where(low, np.minimum(np.sqrt(2.0 * c), -np.expm1(-1.0 - c)), 0.5)
    for _ in range(100):
        small = x < 1e-3
        series = x**2 * (1 / 2 + x * (1 / 3 + x * (1 / 4 + x * (1 / 5 + x * (1 / 6 + x / 7)))))
        h = np.where(small, series, -np.log1p(-np.where(small, 0.0, x)) - x) - c
        step = np.where(low, h * (1.0 - x) / x, 0.0)
        x = x - step
        if np.all(np.abs(step) <= 1e-14 * x):
            break
    y = np.where(low, 0.5, np.maximum(np.exp(-1.0 - np.where(low, 0.0, c)), 1e-300))  # 0 below 1e-300
    for _ in range(100):
        g = -np.log(y) - (1.0 - y) - c
        y_new = np.maximum(y + np.where(low, 0.0, g * y / (1.0 - y)), 1e-300)  # -g / g', g' = 1 - 1/y
        step, y = y_new - y, y_new
        if np.all(np.abs(step) <= 1e-14 * y):
            break
    return np.where(low, x, 1.0 - y), np.where(low, 1.0 - x, y)


def _optimal_xy_scalar(c: np.float64) -> tuple[Array, Array]:
    """:func:`_optimal_xy` of one number: the same numpy operations on the same values, in the
    same order, on numpy scalars (only the branch taken is computed), without the per-call cost
    of arrays (a bisection such as :func:`max_common_scale` calls it hundreds of times)."""
    if c <= 1.0:
        # x starts as an array of no dimensions and is a numpy scalar after one step, as in the
        # array path (x**2 squares the one and calls pow on the other: they can differ by an ulp)
        x = np.asarray(np.minimum(np.sqrt(2.0 * c), -np.expm1(-1.0 - c)))
        for _ in range(100):
            if x < 1e-3:
                h = x**2 * (1 / 2 + x * (1 / 3 + x * (1 / 4 + x * (1 / 5 + x * (1 / 6 + x / 7))))) - c
            else:
                h = (-np.log1p(-x) - x) - c
            step = h * (1.0 - x) / x
            x = x - step
            if np.abs(step) <= 1e-14 * x:
                break
        return np.asarray(x), np.asarray(1.0 - x)
    y = np.maximum(np.exp(-1.0 - c), 1e-300)
    for _ in range(100):
        g = -np.log(y) - (1.0 - y) - c
        y_new = np.maximum(y + g * y / (1.0 - y), 1e-300)
        step, y = y_new - y, y_new
        if np.abs(step) <= 1e-14 * y:
            break
    return np.asarray(1.0 - y), np.asarray(y)


def _optimal_x(c: Array) -> Array:
    return _optimal_xy(c)[0]


def optimal_interval_s(rate: ArrayLike, checkpoint_s: ArrayLike) -> Array:
    """The work interval T [s] that maximises the long-run expected goodput (exact, any rate).

    Independent of the restart time and of whether restarts can fail. Infinite for rate 0.
    """
    lam, c = np.broadcast_arrays(_f(rate), _f(checkpoint_s))
    pos = lam > 0
    safe = np.where(pos, lam, 1.0)
    x = _optimal_x(safe * c)
    return np.where(pos, x / safe, np.inf)


def optimal_goodput(
    rate: ArrayLike, checkpoint_s: ArrayLike, restart_s: ArrayLike, restart_failures: bool = False
) -> Array:
    """The long-run expected goodput at the optimal interval: (1 - rate T*) x restart factor."""
    lam, c, r = np.broadcast_arrays(_f(rate), _f(checkpoint_s), _f(restart_s))
    pos = lam > 0
    safe = np.where(pos, lam, 1.0)
    _, y = _optimal_xy(safe * c)
    return np.where(pos, y * restart_factor(safe, r, restart_failures), 1.0)


def young_daly_interval_s(rate: ArrayLike, checkpoint_s: ArrayLike) -> Array:
    """Young/Daly's first-order interval sqrt(2 C MTBF) [s] (infinite for rate 0)."""
    lam, c = np.broadcast_arrays(_f(rate), _f(checkpoint_s))
    with np.errstate(divide="ignore"):
        return np.sqrt(2.0 * c / lam)


def max_checkpoint_s(rate: ArrayLike, restart_s: ArrayLike, target: ArrayLike, restart_failures: bool = False) -> Array:
    """Longest checkpoint [s] at which the optimal goodput still reaches ``target``, for the
    given restart time; NaN where no checkpoint, however short, reaches it.

    From goodput* = (1 - x) f with f the restart factor: x = 1 - target / f and
    rate C = -log(1 - x) - x.
    """
    lam, r, g = np.broadcast_arrays(_f(rate), _f(restart_s), _f(target))
    safe = np.where(lam > 0, lam, 1.0)
    ratio = g / restart_factor(safe, r, restart_failures)  # = 1 - x
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (-np.log(ratio) - (1.0 - ratio)) / safe
    out = np.where(ratio < 1.0, c, np.nan)
    return np.where(lam > 0, out, np.inf)


def max_restart_s(rate: ArrayLike, checkpoint_s: ArrayLike, target: ArrayLike, restart_failures: bool = False) -> Array:
    """Longest restart [s] at which the optimal goodput still reaches ``target``, for the given
    checkpoint time; NaN where even an instant restart does not reach it."""
    lam, c, g = np.broadcast_arrays(_f(rate), _f(checkpoint_s), _f(target))
    safe = np.where(lam > 0, lam, 1.0)
    need = g / _optimal_xy(safe * c)[1]  # the restart factor needed, <= 1 to be reachable
    with np.errstate(divide="ignore", invalid="ignore"):
        r = -np.log(need) / safe if restart_failures else (1.0 / need - 1.0) / safe
    out = np.where(need <= 1.0, r, np.nan)
    return np.where(lam > 0, out, np.inf)


def max_common_scale(
    rate: ArrayLike,
    checkpoint_s: ArrayLike,
    restart_s: ArrayLike,
    target: ArrayLike,
    restart_failures: bool = False,
) -> Array:
    """Largest factor f in (0, 1] such that checkpoint and restart both shortened to f times
    their length reach ``target`` optimal goodput (1 where they already do).

    The optimal goodput falls as f grows, so bisection on f (60 halvings) finds it.
    """
    lam, c, r, g = np.broadcast_arrays(_f(rate), _f(checkpoint_s), _f(restart_s), _f(target))
    lo, hi = np.zeros_like(lam), np.ones_like(lam)
    ok_now = optimal_goodput(lam, c, r, restart_failures) >= g
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        good = optimal_goodput(lam, np.maximum(mid * c, 1e-300), mid * r, restart_failures) >= g
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    return np.where(ok_now, 1.0, lo)


def best_job_rate(checkpoint_s: ArrayLike, restart_s: ArrayLike, restart_failures: bool = False) -> Array:
    """The job failure rate [1/s] at which useful compute, accelerators x expected goodput at the
    optimal interval, is largest; a job of n accelerators failing at n r each fails at n r, so
    the best job size is this rate / r (or the whole fleet if smaller).

    Useful compute is proportional to h(rate) = rate (1 - x) f(rate), x the optimal interval's
    root for c = rate C and f the restart factor. With dx/dc = (1 - x) / x, d log h / d rate = 0
    gives x = c (1 + c R / C) (base model) or x = c / (1 - c R / C) (failures during restart);
    substituted into -log(1 - x) - x = c this is one equation in c, negative just above 0 and
    increasing past its minimum to infinity as x reaches 1, so it has one root, found by
    bisection (h rises before it and falls after, so the root is the maximum).
    """
    c0, r0 = np.broadcast_arrays(_f(checkpoint_s), _f(restart_s))
    rho = r0 / c0

    def x_of(c: Array) -> Array:
        return c / (1.0 - rho * c) if restart_failures else c * (1.0 + rho * c)

    # the largest c with x < 1: 1 / (1 + rho), or the root of rho c^2 + c = 1 (in the form that
    # does not cancel for small rho)
    top = 1.0 / (1.0 + rho) if restart_failures else 2.0 / (1.0 + np.sqrt(1.0 + 4.0 * rho))
    lo, hi = np.zeros_like(c0), np.asarray(top, dtype=np.float64) * (1.0 - 1e-12)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        x = x_of(mid)
        positive = -np.log1p(-x) - x - mid > 0
        lo, hi = np.where(positive, lo, mid), np.where(positive, mid, hi)
        if np.all(hi - lo <= 1e-15 * hi):
            break
    return 0.5 * (lo + hi) / c0


#: Candidate job sizes per grid when the interval is fixed (log-spaced, then a linear refinement).
SIZE_GRID = 2_000


def best_job_size(
    installed: int,
    rate_per_accelerator: float,
    checkpoint_s: float,
    restart_s: float,
    restart_failures: bool = False,
    interval_s: float | None = None,
) -> int:
    """The job size n <= ``installed`` (>= 1) with the most useful compute, n x expected goodput,
    each accelerator failing at ``rate_per_accelerator`` [1/s]; 0 for an empty fleet.

    With ``interval_s`` None (each size at its optimal interval) exactly: the better of the two
    whole sizes next to :func:`best_job_rate` / rate, capped at the fleet (useful compute rises
    up to that rate and falls after it). With a given interval: the best of a log-spaced grid of
    ``SIZE_GRID`` sizes, refined on a linear grid between its neighbours (bounded work).
    """
    if installed <= 0:
        return 0
    if rate_per_accelerator <= 0:
        return int(installed)

    def useful(n: NDArray[np.float64]) -> NDArray[np.float64]:
        lam = rate_per_accelerator * n
        if interval_s is None:
            return n * optimal_goodput(lam, checkpoint_s, restart_s, restart_failures)
        return n * expected_goodput(lam, interval_s, checkpoint_s, restart_s, restart_failures)

    if interval_s is None:
        ideal = float(best_job_rate(checkpoint_s, restart_s, restart_failures)) / rate_per_accelerator
        sizes = np.unique(np.clip([np.floor(ideal), np.ceil(ideal)], 1.0, float(installed)))
    else:
        sizes = np.unique(np.round(np.geomspace(1.0, float(installed), SIZE_GRID)))
        i = int(np.argmax(useful(sizes)))
        sizes = np.unique(np.round(np.linspace(sizes[max(i - 1, 0)], sizes[min(i + 1, sizes.size - 1)], SIZE_GRID)))
    return int(sizes[int(np.argmax(useful(sizes)))])
