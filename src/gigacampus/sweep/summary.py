"""The statistics of a sweep's variants: mean and percentiles of every numeric column, the named
event probabilities and the headline histograms.

Everything is computed with numpy from columns handed over by a reader (``names -> arrays``):
the variants held in memory, or columns read back from Parquet (the joined file or the parts, in
variant order), so every path gives the same numbers. A reader gives numeric columns as float64
with NaN for NULL and text columns as object arrays (``None`` for NULL).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = [
    "Reader",
    "column_stats",
    "event_columns",
    "events",
    "histogram",
    "memory_reader",
    "percentiles",
    "percentiles_by_band",
    "percentiles_by_sort",
    "sort_is_faster",
    "stats_of",
]

Reader = Callable[[Sequence[str]], Mapping[str, np.ndarray]]
"""Columns by name: numeric as float64 (NaN for NULL), text as object."""


def memory_reader(columns: Mapping[str, np.ndarray]) -> Reader:
    """A reader over columns held in memory (numeric ones given as float64, as Parquet gives them back)."""

    def read(names: Sequence[str]) -> dict[str, np.ndarray]:
        out = {}
        for c in names:
            x = columns[c]
            out[c] = x if x.dtype.kind == "O" else np.asarray(x, dtype=float)
        return out

    return read


def stats_of(x: np.ndarray) -> dict[str, float | None]:
    """mean, p5, p50, p95 of the finite values (linear interpolation, as ``numpy.percentile``)."""
    finite = np.isfinite(x)
    if not finite.all():
        x = x[finite]
    if x.size == 0:
        return {"mean": None, "p5": None, "p50": None, "p95": None}
    lo, hi = x.min(), x.max()
    if lo == hi and (lo != 0 or not np.signbit(x).any()):
        # one value (many of a sweep's columns are): every percentile is that value, as numpy
        # gives it, without numpy's partition (0.0 and -0.0 mixed go to numpy)
        p5 = p50 = p95 = lo
    else:
        p5, p50, p95 = percentiles(x, (5, 50, 95))
    return {"mean": float(x.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}


def percentiles(x: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``numpy.percentile(x, q)`` (linear interpolation) bit for bit, for a non-empty float64 ``x``
    without NaN: a sweep-sized column by :func:`percentiles_by_band`, else (or where that gives
    up) by numpy itself or by :func:`percentiles_by_sort`, whichever finds order statistics
    faster on this machine (:func:`sort_is_faster`); the numbers are the same."""
    if x.size >= _BAND_FROM:
        got = percentiles_by_band(x, q)
        if got is not None:
            return got
    if x.size >= _CALIBRATE_FROM and sort_is_faster():
        return percentiles_by_sort(x, q)
    return np.percentile(x, q)


#: Fewest values :func:`percentiles` finds by :func:`percentiles_by_band`.
_BAND_FROM = 50_000
#: Values of a column :func:`percentiles_by_band` sorts to place its bands.
_BAND_SAMPLE = 8192


def percentiles_by_band(x: np.ndarray, q: Sequence[float]) -> np.ndarray | None:
    """``numpy.percentile(x, q)`` bit for bit, its order statistics found in narrow bands of the
    values; ``None`` where it gives the column to numpy instead.

    The order statistic of rank k lies between two values of a sorted sample of
    :data:`_BAND_SAMPLE` evenly spaced values (a sweep's variants are in quasi-random order),
    taken about six standard deviations of the sample's rank error either side of k. Counting the
    values below the band and gathering those in it (a few vectorised passes over the column,
    0.15 ms each for 1,000,000 values) gives its rank exactly, so the order statistic is found by
    partitioning the band alone; a band that misses its rank gives the column to numpy. For
    p5, p50 and p95 of 1,000,000 values this took about 5 ms where numpy took 18 (its
    introselect over the whole column, six times). The interpolation is numpy's, as in
    :func:`percentiles_by_sort`; 0.0 and -0.0 both among the values, with a zero picked, go to
    numpy, which decides which sits at an index; so does a percentile at the top value."""
    n = x.size
    virtual = (n - 1) * np.true_divide(np.asarray(q, dtype=float), 100)
    if n < 2 * _BAND_SAMPLE or np.any(virtual >= n - 1) or np.any(virtual < 0):
        return None
    below = np.floor(virtual).astype(np.intp)
    above = below + 1
    ranks = np.unique(np.concatenate([below, above]))
    sample = np.sort(x[np.linspace(0, n - 1, _BAND_SAMPLE).astype(np.intp)])
    m = sample.size
    found: dict[int, float] = {}
    for first, last, wanted in _bands(ranks.tolist(), n, m):
        lo = sample[first] if first >= 0 else -np.inf
        hi = sample[last] if last < m else np.inf
        inside = x >= lo
        before = n - int(np.count_nonzero(inside))  # values below the band
        inside &= x <= hi
        size = int(np.count_nonzero(inside))
        if before > wanted[0] or wanted[-1] >= before + size:
            return None  # the band missed a rank: numpy's way
        if lo == hi:  # one value (a tie): every rank in it is that value
            found.update((k, float(lo)) for k in wanted)
            continue
        kth = np.asarray(wanted, dtype=np.intp) - before
        values = np.partition(x[inside], kth)[kth]
        found.update(zip(wanted, values.tolist(), strict=True))
    a = np.asarray([found[k] for k in below.tolist()])
    b = np.asarray([found[k] for k in above.tolist()])
    if (a == 0).any() or (b == 0).any():
        zeros = np.signbit(x[x == 0])
        if zeros.any() and not zeros.all():
            return None
    gamma = virtual - below
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


#: Fewest values for which :func:`percentiles` asks which way is faster (below, numpy's own:
#: the two differ by microseconds).
_CALIBRATE_FROM = 20_000


@functools.cache
def sort_is_faster() -> bool:
    """Whether ``np.sort`` of a sweep-sized column beats numpy's ``np.partition`` at the six
    order statistics of p5, p50 and p95, timed once a process on 65,536 fixed pseudo-random
    values (best of three each, about 20 ms in all).

    It depends on the processor: numpy sorts with vectorised code on some and not on others.
    Where this was first measured (2026-12-03) the sort took 0.9 ms for 100,000 values against
    the partition's 2.8; on this project's machine of 2026-12-04 (an AMD EPYC, numpy 2.4.6) the
    sort took 3.7 ms against numpy's percentile's 1.5, and 16.1 s against 4.9 s for the 328
    varying columns of the flagship's 1,000,000 variants (benchmarks/RESULTS.md)."""
    x = np.random.default_rng(0).random(1 << 16)
    n = x.size
    kth = sorted({i for p in (0.05, 0.5, 0.95) for i in (int(p * (n - 1)), int(p * (n - 1)) + 1)})

    def best(f: Callable[[], Any]) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            f()
            times.append(time.perf_counter() - start)
        return min(times)

    return best(lambda: np.sort(x)) < best(lambda: np.partition(x, kth))


def _bands(ranks: list[int], n: int, m: int) -> list[tuple[int, int, list[int]]]:
    """For the sorted ``ranks`` among ``n`` values, the sample positions (of ``m`` sorted sample
    values; -1 and ``m`` mean no bound) that bracket them, six standard deviations of a sample
    rank's error and one position either side, overlapping brackets merged: ``(first, last,
    ranks inside)``."""
    out: list[tuple[int, int, list[int]]] = []
    for k in ranks:
        p = k / (n - 1)
        centre = p * (m - 1)
        margin = 6 * math.sqrt(m * p * (1 - p)) + 1
        first, last = max(-1, math.floor(centre - margin) - 1), min(m, math.ceil(centre + margin) + 1)
        if out and first <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], last), [*out[-1][2], k])
        else:
            out.append((first, last, [k]))
    return out


def percentiles_by_sort(x: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``numpy.percentile(x, q)`` bit for bit, its order statistics found by one ``np.sort``.

    numpy finds the order statistics it interpolates between with ``np.partition``
    (introselect); ``np.sort`` finds the same values, and the interpolation below is numpy's,
    operation for operation. The values are the same whichever way they are found, since no two
    values compare equal with different bits, except 0.0 and -0.0: with both among the values
    the algorithm decides which one sits at an index, so those go to numpy itself."""
    s = np.sort(x)
    if np.searchsorted(s, 0.0, side="left") < np.searchsorted(s, 0.0, side="right"):  # a zero among them
        # (looked up in x: numpy's vectorised sort may give back 0.0 for -0.0 or -0.0 for 0.0)
        zeros = np.signbit(x[x == 0])
        if zeros.any() and not zeros.all():
            return np.percentile(x, q)
    n = s.size
    # numpy's linear method (numpy.lib._function_base_impl._quantile, _get_indexes and _lerp)
    virtual = (n - 1) * np.true_divide(np.asarray(q), 100)
    below = np.floor(virtual)
    above = below + 1
    last = virtual >= n - 1  # the top value itself
    below[last] = -1
    above[last] = -1
    below, above = below.astype(np.intp), above.astype(np.intp)
    gamma = virtual - below
    a, b = s[below], s[above]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def column_stats(
    read: Reader, columns: Sequence[str], batch: int = 16, threads: int = 1
) -> dict[str, dict[str, float | None]]:
    """:func:`stats_of` each numeric column, ``batch`` columns read at a time (bounded memory),
    on ``threads`` threads (numpy's partition lets go of the GIL; each column's numbers are its own)."""
    out: dict[str, dict[str, float | None]] = {}
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    try:
        for i in range(0, len(columns), batch):
            names = columns[i : i + batch]
            got = read(names)
            xs = [np.asarray(got[c], dtype=float) for c in names]
            out.update(zip(names, pool.map(stats_of, xs) if pool is not None else map(stats_of, xs), strict=True))
    finally:
        if pool is not None:
            pool.shutdown()
    return out


def histogram(x: np.ndarray, bins: int = 30) -> dict[str, list[float]] | None:
    """Counts of the finite values in ``bins`` equal bins (``None``: no values)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    if not hi - lo > 1e-9 * max(1.0, abs(lo), abs(hi)):  # one value, up to rounding: one bin around it
        bins, lo, hi = 1, lo - 0.5 * abs(lo) * 1e-9 - 0.5, hi + 0.5 * abs(hi) * 1e-9 + 0.5
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


# name -> (description, columns per year, the event in year y from the columns, over)
_EVENTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "quota_binds": ("the export quota is the binding constraint in the year", ("binding_constraint",), "any"),
    "campus_full": (
        "by the year, every slot of the whole campus (all phases, at the last year's power) is filled",
        ("accelerators", "accelerator_slots"),
        "last",
    ),
    "funding_gap_above_zero": (
        "the cumulative funding gap is above zero at the year's end",
        ("funding_gap_usd",),
        "last",
    ),
    "campus_job_not_viable": (
        "the campus-wide job's expected goodput is below the viability threshold (reliability.min_goodput)",
        ("campus_job_viable", "campus_job_accelerators"),
        "any",
    ),
}


def _happens(name: str, got: Mapping[str, np.ndarray], y: int, last: int) -> np.ndarray:
    """Whether the event ``name`` happens in year ``y``, per variant (a NULL input: it does not)."""
    with np.errstate(invalid="ignore"):
        if name == "quota_binds":
            return np.asarray(got[f"binding_constraint.{y}"] == "quota", dtype=bool)
        if name == "campus_full":
            return got[f"accelerators.{y}"] >= got[f"accelerator_slots.{last}"]
        if name == "funding_gap_above_zero":
            return got[f"funding_gap_usd.{y}"] > 0
        return (got[f"campus_job_accelerators.{y}"] > 0) & (got[f"campus_job_viable.{y}"] == 0)


def event_columns(years: Sequence[int], have: Iterable[str]) -> dict[str, list[str]]:
    """The events a sweep with these columns reports, and the ``<column>.<year>`` each reads."""
    have = set(have)
    return {
        name: [f"{c}.{y}" for c in needs for y in years]
        for name, (_, needs, _) in _EVENTS.items()
        if set(needs) <= have
    }


def events(read: Reader, years: Sequence[int], have: Iterable[str]) -> dict[str, Any]:
    """Probabilities of the named events, by year and over the horizon (the share of all variants)."""
    years = list(years)
    last = years[-1]
    out: dict[str, Any] = {}
    for name, cols in event_columns(years, have).items():
        text, _, over = _EVENTS[name]
        got = read(cols)
        n = len(next(iter(got.values())))
        by = {y: _happens(name, got, y, last) for y in years}
        by_year = {str(y): (float(np.count_nonzero(by[y])) / n if n else None) for y in years}
        if over == "any":
            anywhere = np.logical_or.reduce([by[y] for y in years])
            horizon = float(np.count_nonzero(anywhere)) / n if n else None
            when = "in some year"
        else:
            horizon, when = by_year[str(last)], f"by {last}"
        out[name] = {"description": text, "probability": horizon, "over": when, "by_year": by_year}
    return out


def summarise(
    read: Reader,
    years: Sequence[int],
    stats: Sequence[str],
    have: Iterable[str] | None,
    histograms: Sequence[str],
    batch: int = 16,
    threads: int = 1,
) -> dict[str, Any]:
    """The numbers of a sweep's document from one reader: ``stats`` of these columns (``batch``
    read at a time, on ``threads`` threads), the events (``have``: the output columns; ``None``:
    none) and the ``histograms`` of these columns."""
    out: dict[str, Any] = {"stats": column_stats(read, stats, batch, threads)}
    if have is not None:
        out["probabilities"] = events(read, years, have)
    out["distributions"] = {c: h for c in histograms if (h := histogram(read([c])[c])) is not None}
    return out


def summarise_files(
    files: Sequence[str],
    years: Sequence[int],
    stats: Sequence[str],
    have: Iterable[str] | None,
    histograms: Sequence[str],
) -> dict[str, Any]:
    """:func:`summarise` over Parquet files read in order (the parts of a sweep: a dask task; its
    columns read at once)."""
    from gigacampus.sweep.store import column_reader

    return summarise(column_reader(files), years, stats, have, histograms, max(1, len(stats)))
