"""Campus model with a policy: scenario-years per second when holders and caps allocate the chips.

The batch is Stargate UAE under its us-uae-2025 regime (four holders, five caps), with PUE,
phase power, the campus share of the national caps and G42's licence cap varied per variant,
so power, quota and approval all bind somewhere in the batch. The compiled kernel
(``simulate_kernel``, one thread and every core) is timed against the numpy reference (the
policy path of ``simulate``) in the same run. Target (issue #12): at least 5 times the numpy path
on 100,000 variants.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from bench_campus import compare

from gigacampus.pipeline import campus_inputs
from gigacampus.scenario import load_scenario

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "stargate-uae.toml"


def batch(n: int, seed: int = 0, regime: str = "us-uae-2025"):
    rng = np.random.default_rng(seed)
    scn = load_scenario(SCENARIO, overrides=[f"policy.regime={regime}"])
    base = campus_inputs(scn).repeat(n)
    pol = base.policy
    scale = np.ones((n, 1, len(pol.pool_ids)))
    for k, pid in enumerate(pol.pool_ids):
        if pid.startswith(("national:", "group:")):
            scale[:, 0, k] = rng.uniform(0.05, 1.0, n)  # the campus's share of the national caps
        elif pid.startswith("licence:G42"):
            scale[:, 0, k] = rng.uniform(0.2, 5.0, n)
    return replace(
        base,
        pue=rng.uniform(1.05, 1.6, n),
        phase_power_mw=base.phase_power_mw * rng.uniform(0.5, 2.0, (n, 1)),
        policy=replace(pol, pool_refill=pol.pool_refill * scale),
    )


def run(repeat: int) -> list[dict]:
    rows = []
    for regime, sizes in (("us-uae-2025", (1_000, 100_000)), ("ai-diffusion-2025", (100_000,))):
        for n in sizes:
            rows += compare(f"policy {regime}", batch(n, regime=regime), repeat)
    return rows
