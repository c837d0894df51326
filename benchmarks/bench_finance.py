"""Finance model throughput against the campus model it follows, and the tornado against a run.

The batch is Stargate UAE with its [finance] section, with electricity price, accelerator
prices, facility cost and PUE varied per variant; one campus simulation feeds one finance
evaluation. The baseline, timed interleaved in the same run, is the numpy campus model
(``simulate``) on the same batch: the claim is finance's cost as a multiple of the campus
model's (no target in issue #4; the aim is that finance never dominates a run or a sweep). The
tornado is ``gigacampus finance FILE --sensitivity``'s computation (33 variants, one batched
run), against one plain run of the same file in the same process.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import interleaved

from gigacampus.analyses.finance.costs import evaluate
from gigacampus.analyses.finance.inputs import finance_inputs
from gigacampus.catalog import load_catalog
from gigacampus.model import simulate
from gigacampus.pipeline import campus_inputs, finance_sensitivity
from gigacampus.pipeline import run as run_scenario
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
        c, out, f, _ = batch(n)
        t = interleaved(
            {"campus": lambda c=c: simulate(c), "finance": lambda f=f, c=c, out=out: evaluate(f, c, out)}, repeat
        )
        scenario_years = n * c.years.size
        rows.append(
            {
                "name": f"finance.evaluate {n:,} variants x {c.years.size} years",
                "metric": (
                    f"median of {repeat}, {t['finance'] * 1e3:.1f} ms per batch; the numpy campus model on the "
                    f"same batch {t['campus'] * 1e3:.1f} ms; finance / campus x{t['finance'] / t['campus']:.2f}"
                ),
                "value": scenario_years / t["finance"],
                "unit": "scenario-years/s",
                "seconds": t["finance"],
                "baseline_seconds": t["campus"],
                "ratio_to_campus_model": t["finance"] / t["campus"],
                "variants": n,
                "load": os.getloadavg(),
            }
        )
    scn = load_scenario(SCENARIO)
    t = interleaved({"run": lambda: run_scenario(scn), "tornado": lambda: finance_sensitivity(scn)}, repeat)
    rows.append(
        {
            "name": "finance sensitivity (tornado), Stargate UAE",
            "metric": (
                f"median of {repeat}, 33 variants in one batched run; one plain run of the file "
                f"{t['run'] * 1e3:.0f} ms; tornado / run x{t['tornado'] / t['run']:.2f}"
            ),
            "value": t["tornado"] * 1e3,
            "unit": "ms",
            "seconds": t["tornado"],
            "baseline_seconds": t["run"],
            "ratio_to_a_run": t["tornado"] / t["run"],
            "load": os.getloadavg(),
        }
    )
    return rows
