"""Finance model throughput, and the time of a whole sensitivity (tornado) study.

The batch is Stargate UAE with its [finance] section, with electricity price, accelerator
prices, facility cost and PUE varied per variant; one campus simulation feeds one finance
evaluation. The tornado is ``gigacampus finance FILE --sensitivity``'s computation: 33 variants,
one ``simulate`` and one ``evaluate`` call.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import median_seconds

from gigacampus.analyses.finance.costs import evaluate
from gigacampus.analyses.finance.inputs import finance_inputs
from gigacampus.catalog import load_catalog
from gigacampus.model import simulate
from gigacampus.pipeline import campus_inputs, finance_sensitivity
from gigacampus.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"


def batch(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scn = load_scenario(SCENARIO)
    cat = load_catalog()
    campus = campus_inputs(scn, cat)
    fin, _, _ = finance_inputs(scn, cat, campus)
    c = replace(campus.repeat(n), pue=rng.uniform(1.05, 1.6, n))
    f = fin.repeat(n)
    f = replace(
        f,
        electricity_usd_per_mwh=rng.uniform(20, 120, n),
        accelerator_price_usd=f.accelerator_price_usd * rng.uniform(0.6, 1.4, (n, 1, 1)),
        facility_usd_per_mw=rng.uniform(8e6, 20e6, n),
    )
    return c, simulate(c), f, scn


def run(repeat: int) -> list[dict]:
    rows = []
    for n in (1_000, 100_000):
        c, out, f, scn = batch(n)
        median = median_seconds(lambda f=f, c=c, out=out: evaluate(f, c, out), repeat)
        scenario_years = n * c.years.size
        rows.append(
            {
                "name": f"finance.evaluate {n:,} variants x {c.years.size} years",
                "metric": f"median of {repeat} runs, {median * 1e3:.1f} ms per batch",
                "value": scenario_years / median,
                "unit": "scenario-years/s",
                "seconds": median,
                "variants": n,
            }
        )
    scn = load_scenario(SCENARIO)
    median = median_seconds(lambda: finance_sensitivity(scn), repeat)
    rows.append(
        {
            "name": "finance sensitivity (tornado), Stargate UAE",
            "metric": f"median of {repeat} runs, 33 variants, one simulate + one evaluate",
            "value": median * 1e3,
            "unit": "ms",
            "seconds": median,
        }
    )
    return rows
