"""Vectorised Monte Carlo engines: one row per replica, numpy across replicas.

Job engine (:func:`simulate_job`): the renewal process of :mod:`gigacampus.analyses.reliability.renewal`
sampled one *failure* at a time, not one event at a time. Failures are a Poisson process in the
time when they can strike (work, checkpoint writes and, if enabled, restarts), so the exposed
time between two failures is exponential. In one such stretch of length E the job completes
floor((E - offset) / (T + C)) checkpoints, where offset is the restart that opens the stretch
when failures can interrupt restarts (else the restart is a failure-free gap of R after it);
the rest of the stretch is lost work. A whole stretch, with all its checkpoints, costs one
random draw. Draws come in blocks of at most ``block_elements`` numbers, so memory is bounded by
the block, not by the number of events.

Fleet engine (:func:`simulate_fleet`): a repair queue stepped in time for all replicas at
once; see its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigacampus.units import SECONDS_PER_DAY

__all__ = ["BLOCK_ELEMENTS", "FleetSamples", "JobSamples", "simulate_fleet", "simulate_job"]

#: Random numbers drawn per block (per array); 2**18 float64 is 2 MiB, and the engine holds a
#: handful of arrays of that size at a time.
BLOCK_ELEMENTS = 2**18


@dataclass(frozen=True)
class JobSamples:
    """Per-replica outcomes of :func:`simulate_job` (arrays of length ``replicas``)."""

    checkpoints: NDArray[np.int64]
    """Checkpoints completed before the horizon."""
    failures: NDArray[np.int64]
    """Failures (interruptions) before the horizon."""
    by_component: NDArray[np.int64] | None
    """Failures split by component class, shape (replicas, classes), or ``None``."""
    blocks: int
    """Blocks of random numbers drawn (for tests of the memory bound)."""
    peak_block_elements: int
    """Largest block drawn [numbers]."""


def simulate_job(
    rate: float,
    interval_s: float,
    checkpoint_s: float,
    restart_s: float,
    horizon_s: float,
    replicas: int,
    seed: int | np.random.SeedSequence,
    *,
    restart_failures: bool = False,
    component_weights: Sequence[float] | None = None,
    block_elements: int = BLOCK_ELEMENTS,
) -> JobSamples:
    """Simulate ``replicas`` independent runs of length ``horizon_s`` of a checkpointed job.

    ``rate`` is the job's failure rate [1/s]. ``component_weights`` (summing to 1) split each
    replica's failures by component class (a multinomial draw from a separate stream, so the
    split never changes the goodput). The same seed gives the same numbers.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    main_ss, split_ss = ss.spawn(2)
    rng = np.random.default_rng(main_ss)
    cycle = interval_s + checkpoint_s
    checkpoints = np.zeros(replicas, dtype=np.int64)
    failures = np.zeros(replicas, dtype=np.int64)
    blocks = peak = 0
    if rate <= 0.0:
        checkpoints[:] = int(np.floor(horizon_s / cycle))
    else:
        gap = 0.0 if restart_failures else restart_s  # failure-free wall time after each failure
        offset = restart_s if restart_failures else 0.0  # restart that opens each later stretch
        stretch_mean = 1.0 / rate
        t = np.zeros(replicas)  # wall time at which each replica's next stretch starts
        first = np.ones(replicas, dtype=bool)  # the next stretch is the run's first (no restart)
        active = np.arange(replicas)
        while active.size:
            m = active.size
            left = float(np.max(horizon_s - t[active]))
            expected = left / (stretch_mean + gap)  # stretches still to come, at most
            cols = int(min(max(block_elements // m, 1), expected + 4.0 * np.sqrt(expected) + 8.0))
            exposed = rng.exponential(stretch_mean, size=(m, cols))
            blocks += 1
            peak = max(peak, m * cols)
            # each array below is computed in place where it can be (the same operations in the
            # same order as with temporaries, so the same numbers)
            wall = exposed + gap  # wall time of each stretch
            ends = np.cumsum(wall, axis=1)
            ends += t[active, None]
            starts = np.subtract(ends, wall, out=wall)
            inside = starts < horizon_s
            work = np.subtract(horizon_s, starts)
            np.minimum(exposed, work, out=work)
            if offset:  # (subtracting an offset of 0 changes no number)
                work -= offset
                work[first[active], 0] += offset  # the run starts at a checkpoint, not a restart
            np.maximum(work, 0.0, out=work)
            work /= cycle
            done_ck = np.floor(work, out=work)
            done_ck[~inside] = 0.0
            checkpoints[active] += done_ck.sum(axis=1).astype(np.int64)
            failures[active] += np.count_nonzero(starts + exposed < horizon_s, axis=1)
            t[active] = ends[:, -1]
            first[active] = False
            active = active[t[active] < horizon_s]
    by_component = None
    if component_weights is not None:
        weights = np.asarray(component_weights, dtype=np.float64)
        by_component = np.random.default_rng(split_ss).multinomial(failures, weights / weights.sum())
    return JobSamples(checkpoints, failures, by_component, blocks, peak)


@dataclass(frozen=True)
class FleetSamples:
    """Outcomes of :func:`simulate_fleet`."""

    down: NDArray[np.int64]
    """Accelerators out of service (waiting for or in repair), shape (replicas, records)."""
    record_times_s: NDArray[np.float64]
    """Time of each record [s]."""
    failures: NDArray[np.int64]
    """Hardware failures per replica over the whole run."""
    step_s: float
    """Time step used [s]."""


def simulate_fleet(
    installed: NDArray[np.float64],
    rate_per_accelerator_s: NDArray[np.float64],
    step_s: float,
    repair_mean_s: float,
    replicas: int,
    seed: int | np.random.SeedSequence,
    *,
    repair_shape: int = 1,
    crews: int | None = None,
    repairs_per_day: float | None = None,
    record_every: int = 1,
) -> FleetSamples:
    """Failures and repairs of a fleet, stepped in time, all replicas at once.

    ``installed`` and ``rate_per_accelerator_s`` give, for each step, the accelerators in
    the fleet and each one's hardware failure rate [1/s]. In a step of length dt, working
    accelerators fail as a Poisson draw with mean rate x working x dt. A failed accelerator
    waits for a repair crew (``crews`` at most work at once; ``repairs_per_day`` caps how many
    repairs start per day; both unlimited when ``None``), then is repaired after an
    Erlang(``repair_shape``) time of mean ``repair_mean_s`` (shape 1: exponential; larger:
    less variable), run as that many exponential stages. A unit leaves a stage in a step with
    probability k dt / mean, so it spends a geometric number of steps of mean exactly mean / k
    in each stage; accelerators that fail during a step join the first stage at its end, and
    queued ones join at the start of the step a crew frees up. Counted at step ends, the mean
    number down then obeys Little's law exactly (a unit is counted at mean / dt step ends on
    average). Needs dt <= mean / k.

    Records the accelerators down at the end of every ``record_every``-th step.
    """
    steps = installed.shape[0]
    k = int(repair_shape)
    p = k * step_s / repair_mean_s
    if not 0.0 < p <= 1.0:
        raise ValueError(f"time step {step_s} s too long for repair stages of mean {repair_mean_s / k} s")
    rng = np.random.default_rng(seed)
    stages = np.zeros((k, replicas), dtype=np.int64)
    queue = np.zeros(replicas, dtype=np.int64)
    total_failures = np.zeros(replicas, dtype=np.int64)
    budget = np.zeros(replicas)  # repair starts allowed by the daily throughput, carried over
    per_step_starts = None if repairs_per_day is None else repairs_per_day * step_s / SECONDS_PER_DAY
    n_records = steps // record_every
    down = np.empty((replicas, n_records), dtype=np.int64)
    times = np.empty(n_records)
    big = np.iinfo(np.int64).max // 4
    for step in range(steps):
        in_repair = stages.sum(axis=0)
        free = np.full(replicas, big) if crews is None else np.maximum(crews - in_repair, 0)
        if per_step_starts is not None:
            budget = np.minimum(budget + per_step_starts, per_step_starts + 1.0)  # carry fractions only
            free = np.minimum(free, np.floor(budget).astype(np.int64))
        start = np.minimum(queue, free)  # queued units start at the step's beginning
        queue -= start
        free -= start
        stages[0] += start
        working = np.maximum(installed[step] - in_repair - queue - start, 0.0)
        new = rng.poisson(rate_per_accelerator_s[step] * working * step_s)
        total_failures += new
        enter = np.minimum(new, free)  # new failures that find a free crew start at once
        queue += new - enter
        if per_step_starts is not None:
            budget -= start + enter
        # stages from last to first so a unit moves at most one stage per step
        for j in range(k - 1, -1, -1):
            leave = rng.binomial(stages[j], p)
            stages[j] -= leave
            if j + 1 < k:
                stages[j + 1] += leave
        stages[0] += enter  # failures of this step start their repair at its end
        if (step + 1) % record_every == 0:
            r = (step + 1) // record_every - 1
            down[:, r] = queue + stages.sum(axis=0)
            times[r] = (step + 1) * step_s
    return FleetSamples(down, times, total_failures, step_s)
