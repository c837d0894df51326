"""How the campus model's cost grows: variants 1e3-1e6, years 7-100, phases 2-50.

For each size, the compiled kernel (one thread) and, up to 1e5 variants, the numpy reference on
the same batch in the same run: median time, the ratio, and the peak memory each allocates
during the call (``tracemalloc``, which sees numpy's buffers), per scenario-year-phase element.
The batch is Stargate UAE varied as in bench_campus; more years repeat its schedule, more phases
split its power into equal phases coming online one year apart.
"""

from __future__ import annotations

import os
import tracemalloc
from dataclasses import replace

import numpy as np
from bench_campus import batch, interleaved, set_threads

from gigacampus.model import simulate
from gigacampus.model.kernel import simulate_kernel

REFERENCE_MAX_ELEMENTS = 3_000_000  # the numpy reference needs ~100 B per element: keep it below ~1 GiB


def shaped(n: int, years: int, phases: int):
    """``n`` variants, ``years`` years, ``phases`` equal phases (online one year apart, wrapping)."""
    b = batch(n)
    t0 = int(b.years[0])
    yrs = np.arange(t0, t0 + years, dtype=np.int64)
    n_m = b.supply_units.shape[1]
    total = b.phase_power_mw.sum(axis=1, keepdims=True)

    def per_phase(a: np.ndarray) -> np.ndarray:
        return np.repeat(a[:, :1], phases, axis=1)

    return replace(
        b,
        years=yrs,
        phase_names=tuple(f"P{i}" for i in range(phases)),
        phase_model=np.zeros(phases, dtype=np.int64),
        phase_online_year=np.broadcast_to(t0 + np.arange(phases) % years, (n, phases)).copy(),
        phase_power_mw=np.repeat(total / phases, phases, axis=1),
        phase_power_is_it=per_phase(b.phase_power_is_it),
        accelerator_power_w=per_phase(b.accelerator_power_w),
        accelerators_per_system=per_phase(b.accelerators_per_system),
        overhead_included=per_phase(b.overhead_included),
        utilization=per_phase(b.utilization),
        h100e_per_accelerator=per_phase(b.h100e_per_accelerator),
        tpp_per_accelerator=per_phase(b.tpp_per_accelerator),
        dense_bf16_flops_per_accelerator=per_phase(b.dense_bf16_flops_per_accelerator),
        dense_fp8_flops_per_accelerator=per_phase(b.dense_fp8_flops_per_accelerator),
        quota_units=np.repeat(b.quota_units[:, :1], years, axis=1),
        quota_h100e=np.full((n, years), np.inf),
        quota_tpp=np.full((n, years), np.inf),
        supply_units=np.full((n, n_m, years), np.inf),
    )


def peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


SIZES = (
    [(n, 7, 2) for n in (1_000, 10_000, 100_000, 1_000_000)]
    + [(10_000, y, 2) for y in (25, 50, 100)]
    + [(10_000, 7, p) for p in (10, 20, 50)]
)


def run(repeat: int) -> list[dict]:
    set_threads(1)
    rows = []
    for n, years, phases in SIZES:
        inputs = shaped(n, years, phases)
        elements = n * years * phases
        fns = {"kernel": lambda i=inputs: simulate_kernel(i, parallel=False)}
        with_ref = elements <= REFERENCE_MAX_ELEMENTS
        if with_ref:
            fns["numpy"] = lambda i=inputs: simulate(i)
        t = interleaved(fns, max(1, repeat if elements <= 2_000_000 else 3))
        mem_k = peak_bytes(fns["kernel"]) / elements
        row = {
            "name": f"scaling kernel {n:,} variants x {years} years x {phases} phases",
            "value": n * years / t["kernel"],
            "unit": "scenario-years/s",
            "seconds": t["kernel"],
            "kernel_peak_bytes_per_element": mem_k,
            "loadavg": os.getloadavg(),
        }
        metric = f"{t['kernel'] * 1e3:.1f} ms, {mem_k:.0f} B/element peak"
        if with_ref:
            mem_n = peak_bytes(fns["numpy"]) / elements
            row |= {"numpy_seconds": t["numpy"], "ratio_to_numpy": t["numpy"] / t["kernel"]}
            row["numpy_peak_bytes_per_element"] = mem_n
            metric += f"; numpy {t['numpy'] * 1e3:.1f} ms, {mem_n:.0f} B/element; x{t['numpy'] / t['kernel']:.2f}"
        row["metric"] = metric
        rows.append(row)
    return rows
