"""Timing shared by the benchmarks: one warm-up run, then the median of ``repeat`` timed runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs, after one untimed warm-up run [s]."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(
    fns: dict[str, Callable[[], Any]], repeat: int, cpu: dict[str, float] | None = None
) -> dict[str, float]:
    """Median seconds of each function, run in turn ``repeat`` times after one warm-up round, so
    that a change in the machine's load hits each of them alike [s].

    ``cpu``, if given, receives each function's median process CPU time (``time.process_time``):
    on a machine shared with other work, a one-thread run's CPU time is what it costs without
    the time it waited for a core (its wall time includes that wait)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    cpus: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times[k].append(time.perf_counter() - start)
            cpus[k].append(time.process_time() - start_cpu)
    if cpu is not None:
        cpu.update({k: statistics.median(v) for k, v in cpus.items()})
    return {k: statistics.median(v) for k, v in times.items()}
