"""Campus model throughput: the compiled kernel against the numpy reference, timed in the same run.

The batch is Stargate UAE with PUE (1.05-1.6), phase power (x0.5-2) and the unit quota
(20,000-600,000 a year) drawn per variant, so power and quota both bind within the batch.
Each row gives scenario-years per second (this machine's, at the load average it states) and the
claim: the ratio of the kernel's rate to the numpy reference's (``simulate``), both medians of
``repeat`` runs interleaved in one process; with each, the median CPU time of the process and
that ratio (on a shared machine the one-thread CPU time leaves out the waits for a core).
The kernel is timed as a sweep's chunks and these repeats call it (each call's outputs dropped
before the next, so it writes into the block of the call before: ``kernel._outputs``) and with
fresh outputs every call (the kept block held busy during the call: the page faults of new
memory paid each time, as by a caller that keeps every call's outputs).
Targets (issue #12): 10 million scenario-years/s on one thread; the kernel's first call, from a
fresh process, with and without numba's cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import interleaved

from gigacampus.model import core_inputs, simulate
from gigacampus.model import kernel as kernel_module
from gigacampus.model.kernel import simulate_kernel
from gigacampus.scenario import load_scenario

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "stargate-uae.toml"


def batch(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    # the core path: core_inputs reads only the core sections, so the quota below is what binds
    base = core_inputs(load_scenario(SCENARIO)).repeat(n)
    return replace(
        base,
        pue=rng.uniform(1.05, 1.6, n),
        phase_power_mw=base.phase_power_mw * rng.uniform(0.5, 2.0, (n, 1)),
        quota_units=np.broadcast_to(rng.uniform(20_000, 600_000, (n, 1)), base.quota_units.shape).copy(),
    )


def set_threads(n: int) -> None:
    import numba

    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def compare(label: str, inputs, repeat: int) -> list[dict]:
    """Kernel on 1 thread and on every core against the numpy reference, one interleaved run."""
    import numba

    cores = numba.config.NUMBA_NUM_THREADS

    def kernel(threads: int, parallel: bool, fresh: bool = False):
        def go():
            set_threads(threads)
            busy = list(kernel_module._spare) if fresh else []  # a reference keeps the kept block from reuse
            simulate_kernel(inputs, parallel=parallel)
            del busy

        return go

    cpu: dict = {}
    t = interleaved(
        {
            "numpy": lambda: simulate(inputs),
            "kernel1-fresh": kernel(1, False, True),
            "kernelN-fresh": kernel(cores, True, True),
            "kernel1": kernel(1, False),
            "kernelN": kernel(cores, True),
        },
        repeat,
        cpu,
    )
    n, years = inputs.n_variants, inputs.years.size
    load = os.getloadavg()
    rows = []
    for key, what in (
        ("numpy", "numpy reference"),
        ("kernel1", "kernel, 1 thread"),
        ("kernelN", f"kernel, {cores} threads"),
        ("kernel1-fresh", "kernel, 1 thread, fresh outputs"),
        ("kernelN-fresh", f"kernel, {cores} threads, fresh outputs"),
    ):
        rows.append(
            {
                "name": f"{label} {what}, {n:,} variants x {years} years",
                "metric": f"median of {repeat}, {t[key] * 1e3:.1f} ms; x{t['numpy'] / t[key]:.2f} the numpy reference"
                f"; CPU {cpu[key] * 1e3:.1f} ms, x{cpu['numpy'] / cpu[key]:.2f}",
                "value": n * years / t[key],
                "unit": "scenario-years/s",
                "seconds": t[key],
                "ratio_to_numpy": t["numpy"] / t[key],
                "cpu_seconds": cpu[key],
                "cpu_ratio_to_numpy": cpu["numpy"] / cpu[key],
                "loadavg": load,
            }
        )
    return rows


_FIRST = """
import time, sys
t0 = time.perf_counter()
sys.path.insert(0, {bench!r})
from bench_campus import batch
from gigacampus.model import simulate
b = batch(1000)
t1 = time.perf_counter(); simulate(b); t2 = time.perf_counter()
from gigacampus.model.kernel import simulate_kernel
simulate_kernel(b, parallel=False); t3 = time.perf_counter()
print(t2 - t1, t3 - t2)
"""


def first_call(cache_dir: str) -> tuple[float, float]:
    """(numpy reference's first call, kernel's first call incl. importing numba) in a fresh process [s]."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", _FIRST.format(bench=str(HERE))], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def first_call_rows() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for what in ("empty cache (compiles)", "warm cache (loads the compiled code)"):
            ref, ker = first_call(cache)
            rows.append(
                {
                    "name": f"kernel first call in a fresh process, {what}",
                    "metric": f"numpy reference's first call {ref * 1e3:.1f} ms; kernel / reference x{ker / ref:.0f}",
                    "value": ker,
                    "unit": "s",
                    "ratio_to_numpy": ker / ref,
                    "loadavg": os.getloadavg(),
                }
            )
    return rows


def run(repeat: int) -> list[dict]:
    rows = []
    # 1,000 variants (14,000 elements) is below KERNEL_MIN_ELEMENTS: simulate_fast runs the numpy
    # reference there; 20,000 and 100,000 are batches it gives to the kernel
    for n in (1_000, 20_000, 100_000):
        rows += compare("campus", batch(n), repeat)
    return rows + first_call_rows()
