"""Fabric sizing throughput: fabrics sized per second, and the clos power fixed point per phase.

``size_clos`` on 1,000,000 endpoint counts (one call), and ``solve_accelerators`` (the
bisection behind ``[network] model = "clos"``) for 10,000 phases of different power.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from timing import median_seconds

from gigacampus.analyses.network.sizing import plan, size_clos, solve_accelerators
from gigacampus.catalog import load_catalog
from gigacampus.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"


def run(repeat: int) -> list[dict]:
    rng = np.random.default_rng(0)
    n = rng.integers(0, 2_000_000, 1_000_000).astype(np.float64)
    t_size = median_seconds(lambda: size_clos(n, 64, 1.0, 8), repeat)
    clos = ['network.model="clos"', "network.switch_power_w=1500", "network.other_overhead_fraction=0.1"]
    scn = load_scenario(SCENARIO, overrides=clos)
    p = plan(scn, load_catalog())
    it_w = rng.uniform(1e6, 1e9, (10_000, 2))
    w = np.full((10_000, 2), 1875.0)
    t_solve = median_seconds(lambda: solve_accelerators(p, it_w, w, 0.1), repeat)
    return [
        {
            "name": "size_clos 1,000,000 fabrics",
            "metric": "fabrics/s",
            "value": len(n) / t_size,
            "unit": "1/s",
            "median_s": t_size,
        },
        {
            "name": "clos fixed point, 10,000 x 2 phases",
            "metric": "phases/s",
            "value": 20_000 / t_solve,
            "unit": "1/s",
            "median_s": t_solve,
        },
    ]
