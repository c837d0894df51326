"""Reliability engines: speed against the targets of issue #5, and memory.

* goodput: 1,000 replicas of a 30-day job on 100,000 H100s (catalog rates, 0.173 failures per
  accelerator-year: about 1,070 failures and 3,500 checkpoints per replica with a 600 s
  restart) in under 2 s on one core;
* the same inputs in the straightforward SimPy model (``simpy_goodput.py``), timed on fewer
  replicas and compared per replica: at least 50 times slower;
* the same inputs in a plain-Python event loop (``plain_goodput.py``, a heap of timed events, no
  library): the engine's ratio against it is the engine's own speed-up, without SimPy's cost per
  event; the mean checkpoints and failures per replica of all three are printed side by side;
* memory: a campus-wide job on 1 GW of GB300 (328,205 accelerators) over 5 years, about
  136,000 failures per replica (restarts take about half the time), peak traced memory (numpy
  reports its buffers to tracemalloc);
* fleet: Stargate UAE's 7-year availability simulation (200 replicas), and its memory.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plain_goodput  # noqa: E402
import simpy_goodput  # noqa: E402
from timing import median_seconds  # noqa: E402

from gigacampus.analyses.reliability.engine import simulate_job  # noqa: E402
from gigacampus.analyses.reliability.fleet import RepairPolicy, campus_availability, exact_availability  # noqa: E402
from gigacampus.analyses.reliability.renewal import optimal_interval_s  # noqa: E402
from gigacampus.catalog.failure_rates import catalog_rates  # noqa: E402

CHECKPOINT_S, RESTART_S, DAYS = 60.0, 600.0, 30.0
SIMPY_REPLICAS = 20
PLAIN_REPLICAS = 50


def _job_inputs(accelerators: int) -> tuple[float, float]:
    rate = catalog_rates("h100-sxm").rate_per_s(accelerators)
    return rate, float(optimal_interval_s(rate, CHECKPOINT_S))


def _peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def run(repeat: int) -> list[dict]:
    rows = []
    rate, interval = _job_inputs(100_000)
    horizon = DAYS * 86_400.0
    out = simulate_job(rate, interval, CHECKPOINT_S, RESTART_S, horizon, 1_000, 0)
    events = int(out.failures.sum() + out.checkpoints.sum())
    vec = median_seconds(lambda: simulate_job(rate, interval, CHECKPOINT_S, RESTART_S, horizon, 1_000, 0), repeat)
    rows.append(
        {
            "name": "goodput 1,000 x 30 days x 100,000 acc.",
            "metric": f"median of {repeat} runs; {events / 1_000:,.0f} events per replica; target < 2 s",
            "value": vec * 1e3,
            "unit": "ms",
            "events_per_s": events / vec,
            "failures_per_replica": float(out.failures.mean()),
            "checkpoints_per_replica": float(out.checkpoints.mean()),
        }
    )
    simpy_times = []
    for _ in range(max(1, min(repeat, 3))):
        start = time.perf_counter()
        simpy_goodput.simulate(rate, interval, CHECKPOINT_S, RESTART_S, horizon, SIMPY_REPLICAS, 0)
        simpy_times.append(time.perf_counter() - start)
    per_replica_simpy = statistics.median(simpy_times) / SIMPY_REPLICAS
    per_replica_vec = vec / 1_000
    rows.append(
        {
            "name": "SimPy baseline, same inputs",
            "metric": f"median of {len(simpy_times)} runs of {SIMPY_REPLICAS} replicas, per replica",
            "value": per_replica_simpy * 1e3,
            "unit": "ms/replica",
        }
    )
    rows.append(
        {
            "name": "speed-up over SimPy",
            "metric": "SimPy time per replica / vectorised time per replica; target >= 50",
            "value": per_replica_simpy / per_replica_vec,
            "unit": "x",
        }
    )
    plain_times, plain_out = [], None
    for _ in range(max(1, min(repeat, 3))):
        start = time.perf_counter()
        plain_out = plain_goodput.simulate(rate, interval, CHECKPOINT_S, RESTART_S, horizon, PLAIN_REPLICAS, 0)
        plain_times.append(time.perf_counter() - start)
    per_replica_plain = statistics.median(plain_times) / PLAIN_REPLICAS
    assert plain_out is not None
    rows.append(
        {
            "name": "plain-Python event loop, same inputs",
            "metric": f"median of {len(plain_times)} runs of {PLAIN_REPLICAS} replicas, per replica; "
            f"mean checkpoints {plain_out[0].mean():,.0f} (engine {out.checkpoints.mean():,.0f}), "
            f"failures {plain_out[1].mean():,.0f} (engine {out.failures.mean():,.0f})",
            "value": per_replica_plain * 1e3,
            "unit": "ms/replica",
        }
    )
    rows.append(
        {
            "name": "speed-up over the plain event loop",
            "metric": "plain-loop time per replica / vectorised time per replica (same run)",
            "value": per_replica_plain / per_replica_vec,
            "unit": "x",
        }
    )
    gw_rate, gw_interval = _job_inputs(328_205)
    five_years = 5 * 365.25 * 86_400.0
    replicas = 1_000
    start = time.perf_counter()
    peak = _peak_mib(lambda: simulate_job(gw_rate, gw_interval, CHECKPOINT_S, RESTART_S, five_years, replicas, 0))
    elapsed = time.perf_counter() - start
    rows.append(
        {
            "name": "1 GW campus-wide job, 5 years, 1,000 reps",
            "metric": f"peak traced memory; at most {gw_rate * five_years:,.0f} failures per replica "
            f"(none strike restarts); {elapsed:.1f} s with tracing",
            "value": peak,
            "unit": "MiB",
        }
    )
    years = np.arange(2026, 2033)
    installed = np.array([65_641, 65_641, 328_205, 328_205, 328_205, 328_205, 328_205], dtype=float)
    hw = np.full(years.size, catalog_rates("h100-sxm").hardware_failures_per_accelerator_year)
    policy = RepairPolicy(7.0)
    fleet_t = median_seconds(lambda: campus_availability(years, installed, hw, policy, 200, 0), repeat)
    rows.append(
        {
            "name": "fleet availability, 7 years, 200 replicas",
            "metric": f"median of {repeat} runs; {policy.steps_per_day} steps/day",
            "value": fleet_t * 1e3,
            "unit": "ms",
            "peak_mib": _peak_mib(lambda: campus_availability(years, installed, hw, policy, 200, 0)),
        }
    )
    exact_t = median_seconds(lambda: exact_availability(years, installed, hw, policy), repeat)
    rows.append(
        {
            "name": "fleet availability, exact (unlimited crews)",
            "metric": f"median of {repeat} runs; Poisson path, the mean by a daily matrix-exponential step",
            "value": exact_t * 1e3,
            "unit": "ms",
            "ratio_to_monte_carlo": fleet_t / exact_t,
        }
    )
    return rows


if __name__ == "__main__":
    import os

    print(f"load average before: {os.getloadavg()}")
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        print(f"{row['name']:<48} {row['value']:12,.3f} {row['unit']:<11} {row['metric']}")
    print(f"load average after: {os.getloadavg()}")
