"""Building small CampusInputs by hand for model tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from gigacampus.model import CampusInputs


def make_inputs(
    *,
    years: range = range(2026, 2031),
    phases: list[dict[str, Any]] | None = None,
    pue: float = 1.0,
    overhead: float = 0.0,
    lifetime: int = 5,
    quota_units: float = np.inf,
    quota_h100e: float = np.inf,
    quota_tpp: float = np.inf,
    supply: dict[str, float] | None = None,
    power_basis: str = "facility",
) -> CampusInputs:
    """One variant. Each phase dict: power_mw, online_year, model, power_w, h100e, tpp, util,
    and optionally basis ("facility" or "it"; default ``power_basis``), per_system (accelerators
    per system, default 1) and included (system power includes the overhead, default False)."""
    phases = phases or [{"power_mw": 10.0, "online_year": years[0]}]
    defaults = {"model": "x", "power_w": 1000.0, "h100e": 1.0, "tpp": 10.0, "util": 1.0, "bf16": 1e15, "fp8": 2e15}
    phases = [{**defaults, **p} for p in phases]
    models = tuple(dict.fromkeys(p["model"] for p in phases))
    n_t = len(years)
    supply_arr = np.full((1, len(models), n_t), np.inf)
    for m, name in enumerate(models):
        if supply and name in supply:
            supply_arr[0, m, :] = supply[name]

    def row(key: str) -> np.ndarray:
        return np.asarray([[p[key] for p in phases]], dtype=np.float64)

    return CampusInputs(
        years=np.asarray(list(years), dtype=np.int64),
        models=models,
        phase_names=tuple(f"P{i}" for i in range(len(phases))),
        phase_model=np.asarray([models.index(p["model"]) for p in phases]),
        phase_online_year=np.asarray([[p["online_year"] for p in phases]], dtype=np.int64),
        phase_power_mw=row("power_mw"),
        phase_power_is_it=np.asarray([[p.get("basis", power_basis) == "it" for p in phases]]),
        pue=np.asarray([pue]),
        overhead_fraction=np.asarray([overhead]),
        accelerator_power_w=row("power_w"),
        accelerators_per_system=np.asarray([[p.get("per_system", 1) for p in phases]], dtype=np.float64),
        overhead_included=np.asarray([[p.get("included", False) for p in phases]]),
        utilization=row("util"),
        lifetime_years=np.asarray([lifetime]),
        h100e_per_accelerator=row("h100e"),
        tpp_per_accelerator=row("tpp"),
        dense_bf16_flops_per_accelerator=row("bf16"),
        dense_fp8_flops_per_accelerator=row("fp8"),
        quota_units=np.full((1, n_t), quota_units),
        quota_h100e=np.full((1, n_t), quota_h100e),
        quota_tpp=np.full((1, n_t), quota_tpp),
        supply_units=supply_arr,
    )
