"""The reliability analysis for a batch of many variants: the exact renewal expectations only,
vectorised over variants and years (no Monte Carlo; ``gigacampus sweep`` runs this).

Per variant and year it gives the same values as the single run's ``_job`` for the columns
that come from the renewal model (accelerators, MTBF, interval, expected goodput, viability,
failures per day); the columns that only the Monte Carlo gives (spares, availability
percentiles) are NaN here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigacampus.analyses.reliability import renewal
from gigacampus.model.batch import Batch, batched, shared
from gigacampus.model.sums import sum_last
from gigacampus.units import DAYS_PER_FAILURE_YEAR, SECONDS_PER_FAILURE_YEAR, SECONDS_PER_HOUR

__all__ = ["MONTE_CARLO_COLUMNS", "ReliabilityInputs", "expected_columns"]

#: Columns only the Monte Carlo gives: NaN in the expected-only mode.
MONTE_CARLO_COLUMNS = ("campus_job_spares", "fraction_job_spares", "available_fraction_p5", "available_fraction_median")


@dataclass(frozen=True)
class ReliabilityInputs(Batch):
    """The ``[reliability]`` numbers per variant."""

    checkpoint_s: np.ndarray = batched()
    """(S,) time to write a checkpoint [s]."""
    restart_s: np.ndarray = batched()
    """(S,) time to restart from a checkpoint [s]."""
    interval_s: np.ndarray = batched()
    """(S,) work between checkpoints [s]; NaN: the optimal interval."""
    min_goodput: np.ndarray = batched()
    """(S,) expected goodput at which a job is viable [-]."""
    job_fraction: np.ndarray = batched()
    """(S,) share of the fleet the second job runs on [-]."""
    failures_per_accelerator_year: np.ndarray = batched()
    """(S, P) failures per accelerator-year of each phase's accelerator [1/year]."""
    hardware_failures_per_accelerator_year: np.ndarray = batched()
    """(S, P) hardware failures per accelerator-year (the ones that need a repair) [1/year]."""
    restart_failures: bool = shared()
    """Whether a failure during a restart restarts it."""


def _job(n: np.ndarray, rate: np.ndarray, b: ReliabilityInputs) -> dict[str, np.ndarray]:
    """One job per variant and year: ``n`` accelerators (S, T) at ``rate`` per accelerator-year."""
    c, r, t_given, target = (x[:, None] for x in (b.checkpoint_s, b.restart_s, b.interval_s, b.min_goodput))
    lam = n * rate / SECONDS_PER_FAILURE_YEAR
    failing = (n > 0) & (lam > 0)
    safe = np.where(failing, lam, 1.0)
    optimal = renewal.optimal_interval_s(safe, np.broadcast_to(c, n.shape))
    interval = np.where(np.isnan(t_given), optimal, t_given)
    g_fail = renewal.expected_goodput(safe, interval, c, r, b.restart_failures)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_idle = np.where(n > 0, t_given / (t_given + c), np.nan)  # no failures: interval / (interval + C)
        mtbf = np.where(failing, 1.0 / safe / SECONDS_PER_HOUR, np.nan)
    goodput = np.where(failing, g_fail, g_idle)
    return {
        "mtbf_h": mtbf,
        "interval_s": np.where(failing, interval, np.broadcast_to(t_given, n.shape)),
        "goodput": goodput,
        "viable": np.where(np.isnan(goodput), False, goodput >= target),
    }


def expected_columns(installed: np.ndarray, b: ReliabilityInputs) -> dict[str, np.ndarray]:
    """The per-year columns of every variant, ``(S, T)`` each, from ``installed`` (S, T, P)."""
    whole = np.trunc(installed)
    total = sum_last(whole)
    rate_sum = sum_last(whole * b.failures_per_accelerator_year[:, None, :])
    hw_sum = sum_last(whole * b.hardware_failures_per_accelerator_year[:, None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(total > 0, rate_sum / total, 0.0)
    n = np.rint(total)
    n_frac = np.floor(b.job_fraction[:, None] * n)
    campus, part = _job(n, rate, b), _job(n_frac, rate, b)
    nan = np.full(n.shape, np.nan)
    return {
        "campus_job_accelerators": n,
        "campus_job_mtbf_h": campus["mtbf_h"],
        "campus_job_interval_s": campus["interval_s"],
        "campus_job_goodput": campus["goodput"],
        "campus_job_viable": campus["viable"].astype(float),
        "fraction_job_accelerators": n_frac,
        "fraction_job_goodput": part["goodput"],
        "failures_per_day": rate_sum / DAYS_PER_FAILURE_YEAR,
        "hardware_failures_per_day": hw_sum / DAYS_PER_FAILURE_YEAR,
        **{name: nan.copy() for name in MONTE_CARLO_COLUMNS},
    }
