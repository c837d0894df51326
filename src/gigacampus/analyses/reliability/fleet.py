"""Fleet availability: failures, repairs and spares over a campus build-out.

The campus's accelerators fail at their hardware failure rate (every component class but
software, whose failures restart jobs but take nothing out of service). A failed accelerator
waits for a repair crew, is repaired after a random repair time and returns to service; the
queue is simulated for all replicas at once by :func:`gigacampus.analyses.reliability.engine.simulate_fleet`.

Spares for a job of N accelerators: the job draws on a pool of N + s accelerators that is a
random part of the campus, so given the campus's down fraction u at a moment the pool's down
count is Binomial(pool, u) (binomial thinning; with unlimited crews the campus's down count
is Poisson and so is the pool's). The spares needed are the smallest s such that, at a random
moment of the year, at most s of the pool are down with the target probability. Hot spares
are powered and fail like the rest (pool N + s); cold spares sit unpowered and do not fail
(pool N).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigacampus.analyses.reliability.engine import simulate_fleet
from gigacampus.units import SECONDS_PER_DAY, SECONDS_PER_FAILURE_YEAR

__all__ = ["CampusAvailability", "RepairPolicy", "campus_availability", "spares_needed"]

#: Time steps per repair stage's mean. The step scheme keeps each stage's mean exact (so the
#: mean number down obeys Little's law at any step); finer steps only bring the shape of each
#: stage's time (geometric in steps) closer to exponential.
STEPS_PER_STAGE = 10
#: Most samples of the down fraction used to size spares (a 99% quantile from 20,000 samples
#: is within a few tenths of a percent of probability).
MAX_SPARES_SAMPLES = 20_000


@dataclass(frozen=True)
class RepairPolicy:
    """How failed accelerators come back."""

    repair_days: float
    """Mean time from failure to return to service when a crew is free [days]."""
    repair_shape: int = 1
    """Erlang shape of the repair time: 1 exponential, larger less variable (CV 1/sqrt(shape))."""
    crews: int | None = None
    """Repairs that can run at once (``None``: unlimited)."""
    repairs_per_day: float | None = None
    """Most repairs that can start per day (``None``: unlimited)."""

    @property
    def steps_per_day(self) -> int:
        """Time steps per day: at least 1, and enough for ``STEPS_PER_STAGE`` per stage."""
        return max(1, math.ceil(STEPS_PER_STAGE * self.repair_shape / self.repair_days))


@dataclass(frozen=True)
class CampusAvailability:
    """Daily samples of a campus's fleet over its years."""

    years: NDArray[np.int64]
    day_year: NDArray[np.int64]
    """Calendar year of each recorded day."""
    installed: NDArray[np.float64]
    """Accelerators installed on each recorded day."""
    down: NDArray[np.int64]
    """Accelerators out of service, shape (replicas, days)."""
    failures: NDArray[np.int64]
    """Hardware failures per replica over the run."""

    @property
    def available_fraction(self) -> NDArray[np.float64]:
        """Fraction of the installed fleet in service, shape (replicas, days) (NaN with none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.installed > 0, 1.0 - self.down / self.installed, np.nan)


def campus_availability(
    years: NDArray[np.int64],
    installed: NDArray[np.float64],
    hardware_failures_per_accelerator_year: NDArray[np.float64],
    policy: RepairPolicy,
    replicas: int,
    seed: int | np.random.SeedSequence,
    *,
    installed_before: float = 0.0,
) -> CampusAvailability:
    """Simulate the fleet through the years, the installed base ramping linearly within each
    year from the previous year-end (``installed_before`` before the first) to the year-end
    value; the hardware failure rate [1/year] is constant within a year."""
    per_day = policy.steps_per_day
    days_per_year = round(SECONDS_PER_FAILURE_YEAR / SECONDS_PER_DAY)  # 365 recorded days a year
    steps_per_year = days_per_year * per_day
    step_s = SECONDS_PER_DAY / per_day
    prev = np.concatenate([[installed_before], installed[:-1]])
    ramp = (np.arange(steps_per_year) + 0.5) / steps_per_year
    inst_steps = (prev[:, None] + (installed - prev)[:, None] * ramp[None, :]).ravel()
    rate_steps = np.repeat(
        np.asarray(hardware_failures_per_accelerator_year) / SECONDS_PER_FAILURE_YEAR, steps_per_year
    )
    out = simulate_fleet(
        inst_steps,
        rate_steps,
        step_s,
        policy.repair_days * SECONDS_PER_DAY,
        replicas,
        seed,
        repair_shape=policy.repair_shape,
        crews=policy.crews,
        repairs_per_day=policy.repairs_per_day,
        record_every=per_day,
    )
    day_installed = inst_steps[per_day - 1 :: per_day]
    return CampusAvailability(
        years=np.asarray(years),
        day_year=np.repeat(np.asarray(years), days_per_year),
        installed=day_installed,
        down=out.down,
        failures=out.failures,
    )


def spares_needed(
    job_accelerators: int,
    down_fraction: NDArray[np.float64],
    probability: float,
    seed: int | np.random.SeedSequence,
    *,
    cold: bool = False,
) -> int:
    """Spares that keep ``job_accelerators`` working with ``probability``, given samples of
    the campus's down fraction (any shape; each sample a moment of some replica)."""
    u = np.clip(np.asarray(down_fraction, dtype=np.float64).ravel(), 0.0, 1.0)
    u = u[np.isfinite(u)]
    u = u[:: max(1, -(-u.size // MAX_SPARES_SAMPLES))]
    if job_accelerators <= 0 or u.size == 0:
        return 0
    rng = np.random.default_rng(seed)
    spares = 0
    for _ in range(4):  # the pool grows with its spares (hot); converges in one or two rounds
        pool = job_accelerators if cold else job_accelerators + spares
        down = rng.binomial(pool, u)
        new = int(np.quantile(down, probability, method="inverted_cdf"))
        if new == spares:
            break
        spares = max(spares, new)
    return spares
