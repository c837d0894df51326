"""Model inputs as numpy arrays with a leading scenario axis.

Shapes: ``S`` scenarios (variants), ``T`` years, ``P`` phases, ``M`` accelerator models.
Every variant in a batch shares the structure (years, phases, the phase -> model map);
values (power, PUE, per-accelerator figures, caps, ...) may differ per variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from gigacampus import network
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.model.allocation import PolicyInputs
from gigacampus.scenario import resolve
from gigacampus.scenario.schema import Scenario

__all__ = ["CampusInputs", "from_scenario", "stack"]


@dataclass(frozen=True)
class CampusInputs:
    """Inputs of :func:`gigacampus.model.campus.simulate`.

    Arrays with a leading ``S`` axis hold one row per variant. Caps and supply limits use
    ``inf`` for "no limit".
    """

    years: np.ndarray
    """(T,) modelled years."""
    models: tuple[str, ...]
    """(M,) accelerator ids present in the batch."""
    phase_names: tuple[str, ...]
    """(P,) phase names, in priority order."""
    phase_model: np.ndarray
    """(P,) index into ``models`` of each phase's accelerator."""
    phase_online_year: np.ndarray
    """(S, P) year each phase's power comes online."""
    phase_power_mw: np.ndarray
    """(S, P) facility power each phase adds [MW]."""
    pue: np.ndarray
    """(S,) facility power / IT power [-]."""
    overhead_fraction: np.ndarray
    """(S,) non-accelerator IT power as a fraction of accelerator-system power [-]; (S, P) per
    phase when the network is sized (``[network] model = "clos"``, see docs/network.md)."""
    accelerator_power_w: np.ndarray
    """(S, P) system power per accelerator [W] (system power / accelerators per system)."""
    utilization: np.ndarray
    """(S, P) average power draw / nameplate [-]."""
    lifetime_years: np.ndarray
    """(S,) years an accelerator serves before it is retired and replaced."""
    h100e_per_accelerator: np.ndarray
    """(S, P) H100-equivalents of one accelerator [-]."""
    tpp_per_accelerator: np.ndarray
    """(S, P) TPP of one accelerator."""
    dense_bf16_flops_per_accelerator: np.ndarray
    """(S, P) dense BF16 throughput of one accelerator [FLOP/s]."""
    dense_fp8_flops_per_accelerator: np.ndarray
    """(S, P) dense 8-bit throughput of one accelerator [FLOP/s]."""
    quota_units: np.ndarray
    """(S, T) cap on accelerators shipped to the campus per year (inf = none)."""
    quota_h100e: np.ndarray
    """(S, T) cap on H100e shipped to the campus per year (inf = none)."""
    quota_tpp: np.ndarray
    """(S, T) cap on TPP shipped to the campus per year (inf = none)."""
    supply_units: np.ndarray
    """(S, M, T) vendor supply of each model to the campus per year (inf = none)."""
    grid_kgco2_per_kwh: np.ndarray
    """(S,) carbon intensity of electricity [kgCO2/kWh] (NaN = not given)."""
    policy: PolicyInputs | None = None
    """Holders and pools of a ``[policy]`` regime; replaces the quota arrays when given."""

    @property
    def n_scenarios(self) -> int:
        return int(self.pue.shape[0])

    def take(self, index: np.ndarray | Sequence[int]) -> CampusInputs:
        """The variants at ``index`` (a new batch)."""
        idx = np.asarray(index)
        changes = {f.name: getattr(self, f.name)[idx] for f in fields(self) if _is_batched(f.name)}
        if self.policy is not None:
            changes["policy"] = self.policy.take(idx)
        return replace(self, **changes)

    def repeat(self, n: int) -> CampusInputs:
        """A batch of ``n`` copies of variant 0, ready to be varied."""
        return self.take(np.zeros(n, dtype=np.int64))


_STRUCTURE = {"years", "models", "phase_names", "phase_model", "policy"}


def _is_batched(name: str) -> bool:
    return name not in _STRUCTURE


def _cap(value: float, share: float) -> float:
    return value * share if value > 0 else np.inf


def from_scenario(scn: Scenario, catalog: Catalog | None = None) -> CampusInputs:
    """Arrays (with S = 1) for one validated scenario."""
    cat = catalog or load_catalog()
    years = np.arange(scn.scenario.start_year, scn.scenario.end_year + 1, dtype=np.int64)
    models = tuple(dict.fromkeys(ph.accelerator for ph in scn.phase))
    accs = [cat.accelerators[ph.accelerator] for ph in scn.phase]
    per_acc_w = [
        resolve.system_power_kw(ph, cat) * 1000.0 / cat.system_for(ph.accelerator, ph.system).accelerators_per_system
        for ph in scn.phase
    ]
    q = scn.quota
    share = q.campus_share if q else 1.0
    n_years = len(years)
    supply = np.full((1, len(models), n_years), np.inf)
    for m, acc_id in enumerate(models):
        lim = scn.supply.get(acc_id)
        if lim is not None:
            supply[0, m, :] = lim.units_per_year
            for year, units in lim.by_year.items():
                supply[0, m, year - years[0]] = units

    def row(values: Sequence[float]) -> np.ndarray:
        return np.asarray([values], dtype=np.float64)

    overhead = np.asarray([resolve.overhead_fraction(scn, cat)], dtype=np.float64)
    fabric_plan = network.plan(scn, cat)
    if fabric_plan is not None and fabric_plan.model == "clos":
        it_w = row([ph.power_mw * 1e6 / scn.site.pue for ph in scn.phase])
        overhead, _ = network.phase_overhead_fraction(fabric_plan, it_w, row(per_acc_w))

    return CampusInputs(
        years=years,
        models=models,
        phase_names=tuple(ph.name for ph in scn.phase),
        phase_model=np.asarray([models.index(ph.accelerator) for ph in scn.phase], dtype=np.int64),
        phase_online_year=np.asarray([[ph.online_year for ph in scn.phase]], dtype=np.int64),
        phase_power_mw=row([ph.power_mw for ph in scn.phase]),
        pue=np.asarray([scn.site.pue], dtype=np.float64),
        overhead_fraction=overhead,
        accelerator_power_w=row(per_acc_w),
        utilization=row([resolve.utilization(ph, cat) for ph in scn.phase]),
        lifetime_years=np.asarray([resolve.lifetime_years(scn, cat)], dtype=np.int64),
        h100e_per_accelerator=row([cat.h100e(a.id) for a in accs]),
        tpp_per_accelerator=row([a.tpp for a in accs]),
        dense_bf16_flops_per_accelerator=row([a.dense_bf16_tflops * 1e12 for a in accs]),
        dense_fp8_flops_per_accelerator=row([a.dense_8bit_tops * 1e12 for a in accs]),
        quota_units=np.full((1, n_years), _cap(q.units_per_year, share) if q else np.inf),
        quota_h100e=np.full((1, n_years), _cap(q.h100e_per_year, share) if q else np.inf),
        quota_tpp=np.full((1, n_years), _cap(q.tpp_per_year, share) if q else np.inf),
        supply_units=supply,
        grid_kgco2_per_kwh=np.asarray(
            [scn.site.grid_kgco2_per_kwh if scn.site.grid_kgco2_per_kwh is not None else np.nan]
        ),
        policy=_policy(scn, cat, years),
    )


def _policy(scn: Scenario, cat: Catalog, years: np.ndarray) -> PolicyInputs | None:
    if scn.policy is None:
        return None
    from gigacampus.model.policy_inputs import build_policy

    return build_policy(scn, cat, years, [ph.name for ph in scn.phase]).inputs


def stack(batches: Sequence[CampusInputs]) -> CampusInputs:
    """Join batches that share years, phases and models along the scenario axis."""
    first = batches[0]
    for other in batches[1:]:
        if (
            not np.array_equal(other.years, first.years)
            or other.models != first.models
            or other.phase_names != first.phase_names
            or not np.array_equal(other.phase_model, first.phase_model)
        ):
            raise ValueError("batches differ in years, phases or accelerator models and cannot be stacked")
    changes = {
        f.name: np.concatenate([getattr(b, f.name) for b in batches], axis=0)
        for f in fields(CampusInputs)
        if _is_batched(f.name)
    }
    if len({b.policy is None for b in batches}) > 1:
        raise ValueError("batches differ in whether they have a policy and cannot be stacked")
    if first.policy is not None:
        changes["policy"] = PolicyInputs.concatenate([b.policy for b in batches if b.policy is not None])
    return replace(first, **changes)
