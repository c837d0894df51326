"""Fabric sizing throughput, each against a baseline timed in the same run.

* ``size_clos`` (vectorised numpy) on 1,000,000 endpoint counts, against a plain-Python loop of
  the same sizing on 20,000 of them (written here independently from the rule in
  docs/network.md, and checked to give the same switches and tiers): the ratio per fabric.
* ``solve_accelerators`` (the integer bisection behind ``[network] model = "clos"``) for 10,000
  campuses x 2 phases, against one ``fabric`` sizing of the same shape: the fixed point's cost
  in sizings.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from timing import interleaved

from gigacampus.analyses.network.fabric import MAX_TIERS, size_clos
from gigacampus.analyses.network.sizing import fabric, plan, solve_accelerators
from gigacampus.catalog import load_catalog
from gigacampus.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"


def plain_clos(endpoints: float, radix: int, oversubscription: float = 1.0) -> tuple[int, float]:
    """(tiers, switches) of a folded Clos with ``endpoints`` ports, one fabric at a time."""
    n = math.ceil(endpoints)
    if n <= 0:
        return 0, 0.0
    if n <= radix:
        return 1, 1.0
    down = min(max(math.floor(radix * oversubscription / (1 + oversubscription)), 1), radix - 1)
    up = radix - down
    leaves = math.ceil(n / down)
    tiers = next(t for t in range(2, MAX_TIERS + 1) if leaves <= radix * (radix / 2) ** (t - 2))
    uplinks = leaves * up
    switches = float(leaves)
    switches += (tiers - 2) * math.ceil(uplinks / (radix / 2))  # middle tiers: half their ports go up
    return tiers, switches + math.ceil(uplinks / radix)  # the top tier: every port down


def run(repeat: int) -> list[dict]:
    rng = np.random.default_rng(0)
    n = rng.integers(0, 2_000_000, 1_000_000).astype(np.float64)
    few = n[:20_000].tolist()
    # the plain loop gives the same fabrics as the vectorised sizing (else the ratio means nothing)
    ref = size_clos(n[:20_000], 64, 1.0, 1)
    loop = [plain_clos(x, 64) for x in few]
    assert [t for t, _ in loop] == ref.tiers.tolist()
    assert np.array_equal([s for _, s in loop], ref.total_switches)
    t = interleaved(
        {"numpy": lambda: size_clos(n, 64, 1.0, 1), "plain": lambda: [plain_clos(x, 64) for x in few]}, repeat
    )
    per_numpy, per_plain = t["numpy"] / n.size, t["plain"] / len(few)
    clos = ['network.model="clos"', "network.switch_power_w=1500", "network.other_overhead_fraction=0.1"]
    scn = load_scenario(SCENARIO, overrides=clos)
    p = plan(scn, load_catalog())
    it_w = rng.uniform(1e6, 1e9, (10_000, 2))
    w = np.full((10_000, 2), 1875.0)
    n_guess = np.floor(it_w / (w * 1.1))
    s = interleaved({"solve": lambda: solve_accelerators(p, it_w, w, 0.1), "one": lambda: fabric(p, n_guess)}, repeat)
    load = os.getloadavg()
    return [
        {
            "name": "size_clos 1,000,000 fabrics",
            "metric": (
                f"median of {repeat}; {per_numpy * 1e9:.0f} ns a fabric against {per_plain * 1e9:.0f} ns in a "
                f"plain-Python loop (same run): x{per_plain / per_numpy:.0f}"
            ),
            "value": n.size / t["numpy"],
            "unit": "fabrics/s",
            "median_s": t["numpy"],
            "ratio_to_plain_python": per_plain / per_numpy,
            "load": load,
        },
        {
            "name": "clos fixed point, 10,000 x 2 phases",
            "metric": (
                f"median of {repeat}; {s['solve'] * 1e3:.1f} ms against one sizing of the same shape "
                f"{s['one'] * 1e3:.2f} ms (same run): x{s['solve'] / s['one']:.0f} sizings"
            ),
            "value": 20_000 / s["solve"],
            "unit": "phases/s",
            "median_s": s["solve"],
            "ratio_to_one_sizing": s["solve"] / s["one"],
            "load": load,
        },
    ]
