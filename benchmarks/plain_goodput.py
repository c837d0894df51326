"""Baseline: the checkpointed-job model as a plain-Python event loop (a heap of timed events).

The same model as ``simpy_goodput.py`` and :mod:`gigacampus.analyses.reliability.engine`, without
a simulation library: the cost per event of SimPy (generators, event objects, callbacks) is gone,
so the ratio of the vectorised engine against this loop measures the engine, not SimPy's
overheads. Events: end of a work interval, end of a checkpoint write, a failure, end of a
restart. A failure during work or a write loses everything since the last completed checkpoint;
in the base model failures do not strike restarts (the failure clock skips them).
"""

from __future__ import annotations

import heapq

import numpy as np

WORK_END, CHECKPOINT_END, FAILURE, RESTART_END = 0, 1, 2, 3


def _replica(
    rate: float, interval_s: float, checkpoint_s: float, restart_s: float, horizon_s: float, rng: np.random.Generator
) -> tuple[int, int]:
    draws = iter(rng.exponential(1.0 / rate, size=1024))

    def gap() -> float:
        nonlocal draws
        try:
            return next(draws)
        except StopIteration:
            draws = iter(rng.exponential(1.0 / rate, size=1024))
            return next(draws)

    events: list[tuple[float, int, int]] = []  # (time, generation, kind): stale job events are skipped
    generation = 0
    heapq.heappush(events, (interval_s, generation, WORK_END))
    heapq.heappush(events, (gap(), -1, FAILURE))
    checkpoints = failures = 0
    restarting_until = -1.0
    while events:
        t, gen, kind = heapq.heappop(events)
        if t >= horizon_s:
            break
        if kind == FAILURE:
            if t < restarting_until:  # no failure during a restart: draw the next one after it
                heapq.heappush(events, (restarting_until + gap(), -1, FAILURE))
                continue
            failures += 1
            generation += 1  # the job's pending work or write is lost
            restarting_until = t + restart_s
            heapq.heappush(events, (restarting_until, generation, RESTART_END))
            heapq.heappush(events, (t + gap(), -1, FAILURE))
        elif gen != generation:
            continue
        elif kind == WORK_END:
            heapq.heappush(events, (t + checkpoint_s, generation, CHECKPOINT_END))
        elif kind == CHECKPOINT_END:
            checkpoints += 1
            heapq.heappush(events, (t + interval_s, generation, WORK_END))
        else:  # RESTART_END
            heapq.heappush(events, (t + interval_s, generation, WORK_END))
    return checkpoints, failures


def simulate(
    rate: float, interval_s: float, checkpoint_s: float, restart_s: float, horizon_s: float, replicas: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Checkpoints and failures of each replica (two int arrays)."""
    rng = np.random.default_rng(seed)
    out = [_replica(rate, interval_s, checkpoint_s, restart_s, horizon_s, rng) for _ in range(replicas)]
    checkpoints, fails = zip(*out, strict=True)
    return np.array(checkpoints, dtype=np.int64), np.array(fails, dtype=np.int64)
