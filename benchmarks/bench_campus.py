"""Campus model throughput: scenario-years per second for a batch of variants.

Target (issue #2): at least 1,000,000 scenario-years per second for a batch of 100,000
variants. The batch is the Stargate UAE scenario with PUE, phase power and the quota varied
per variant, so quota and power both bind somewhere in the batch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import median_seconds

from gigacampus.model import core_inputs, simulate
from gigacampus.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"


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


def time_batch(label: str, inputs, repeat: int) -> dict:
    """Median time of ``simulate(inputs)`` over ``repeat`` runs after one warm-up, as a result row."""
    median = median_seconds(lambda: simulate(inputs), repeat)
    n = inputs.n_scenarios
    return {
        "name": f"{label} {n:,} variants x {inputs.years.size} years",
        "metric": f"median of {repeat} runs, {median * 1e3:.1f} ms per batch",
        "value": n * inputs.years.size / median,
        "unit": "scenario-years/s",
        "seconds": median,
        "variants": n,
    }


def run(repeat: int) -> list[dict]:
    return [time_batch("campus.simulate", batch(n), repeat) for n in (1_000, 100_000)]
