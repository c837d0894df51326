"""Model inputs as numpy arrays with a leading scenario axis.

Shapes: ``S`` scenarios (variants), ``T`` years, ``P`` phases, ``M`` accelerator models.
Every variant in a batch shares the structure (years, phases, the phase -> model map);
values (power, PUE, per-accelerator figures, caps, ...) may differ per variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gigacampus.catalog import Catalog
from gigacampus.model.allocation import PolicyInputs
from gigacampus.model.batch import Batch, batched, shared
from gigacampus.scenario import resolve
from gigacampus.scenario.document import Scenario

__all__ = ["CampusInputs", "core_inputs", "phase_facility_mw", "phase_it_mw", "phase_it_w", "stack"]


@dataclass(frozen=True)
class CampusInputs(Batch):
    """Inputs of :func:`gigacampus.model.campus.simulate`.

    Arrays with a leading ``S`` axis hold one row per variant. Caps and supply limits use
    ``inf`` for "no limit".
    """

    years: np.ndarray = shared()
    """(T,) modelled years."""
    models: tuple[str, ...] = shared()
    """(M,) accelerator ids present in the batch."""
    phase_names: tuple[str, ...] = shared()
    """(P,) phase names, in priority order."""
    phase_model: np.ndarray = shared()
    """(P,) index into ``models`` of each phase's accelerator."""
    phase_online_year: np.ndarray = batched()
    """(S, P) year each phase's power comes online."""
    phase_power_mw: np.ndarray = batched()
    """(S, P) power each phase adds [MW], facility or IT as ``phase_power_is_it`` says."""
    phase_power_is_it: np.ndarray = batched()
    """(S, P) bool: ``phase_power_mw`` is critical IT power (``power_basis = "it"``), else
    facility power. :func:`phase_it_mw` and :func:`phase_facility_mw` give both."""
    pue: np.ndarray = batched()
    """(S,) facility power / IT power [-]."""
    overhead_fraction: np.ndarray = batched()
    """(S,) non-accelerator IT power as a fraction of accelerator-system power [-]; (S, P) per
    phase when the network is sized (``[network] model = "clos"``, see docs/network.md)."""
    accelerator_power_w: np.ndarray = batched()
    """(S, P) system power per accelerator [W] (system power / accelerators per system)."""
    accelerators_per_system: np.ndarray = batched()
    """(S, P) accelerators in one system of the phase (8 in an HGX server, 72 in an NVL72 rack,
    9,216 in a TPU7x pod): a phase installs whole systems, so counts are multiples of it."""
    overhead_included: np.ndarray = batched()
    """(S, P) bool: the system's power already covers hosts and network (catalog
    ``power_includes_overhead``, a whole TPU pod), so ``overhead_fraction`` is not added."""
    utilization: np.ndarray = batched()
    """(S, P) average power draw / nameplate [-]."""
    lifetime_years: np.ndarray = batched()
    """(S,) years an accelerator serves before it is retired and replaced."""
    h100e_per_accelerator: np.ndarray = batched()
    """(S, P) H100-equivalents of one accelerator [-]."""
    tpp_per_accelerator: np.ndarray = batched()
    """(S, P) TPP of one accelerator."""
    dense_bf16_flops_per_accelerator: np.ndarray = batched()
    """(S, P) dense BF16 throughput of one accelerator [FLOP/s]."""
    dense_fp8_flops_per_accelerator: np.ndarray = batched()
    """(S, P) dense 8-bit throughput of one accelerator [FLOP/s]."""
    quota_units: np.ndarray = batched()
    """(S, T) cap on accelerators shipped to the campus per year (inf = none)."""
    quota_h100e: np.ndarray = batched()
    """(S, T) cap on H100e shipped to the campus per year (inf = none)."""
    quota_tpp: np.ndarray = batched()
    """(S, T) cap on TPP shipped to the campus per year (inf = none)."""
    supply_units: np.ndarray = batched()
    """(S, M, T) vendor supply of each model to the campus per year (inf = none)."""
    policy: PolicyInputs | None = batched(default=None)
    """Holders and pools of a ``[policy]`` regime; replaces the quota arrays when given."""

    @property
    def n_scenarios(self) -> int:
        """Variants in the batch (the same as ``n_variants``; kept for callers of the earlier name)."""
        return self.n_variants


def phase_it_mw(inputs: CampusInputs) -> np.ndarray:
    """(S, P) critical IT power of each phase [MW]: the phase's power, or facility power / PUE."""
    power = inputs.phase_power_mw
    return np.where(inputs.phase_power_is_it, power, power / inputs.pue[:, None])


def phase_it_w(inputs: CampusInputs) -> np.ndarray:
    """(S, P) critical IT power of each phase [W] (as :func:`phase_it_mw`, computed in watts)."""
    power_w = inputs.phase_power_mw * 1e6
    return np.where(inputs.phase_power_is_it, power_w, power_w / inputs.pue[:, None])


def phase_facility_mw(inputs: CampusInputs) -> np.ndarray:
    """(S, P) facility (grid) power of each phase [MW]: the phase's power, or IT power x PUE."""
    power = inputs.phase_power_mw
    return np.where(inputs.phase_power_is_it, power * inputs.pue[:, None], power)


def _cap(value: float, share: float) -> float:
    return value * share if value > 0 else np.inf


def core_inputs(scn: Scenario, catalog: Catalog | None = None) -> CampusInputs:
    """The core model's arrays (with S = 1) for one validated scenario.

    Only the core sections are read. Analyses that change the model's inputs (an export
    regime's pools, a sized network's overhead) do so in their ``prepare`` step:
    :func:`gigacampus.pipeline.campus_inputs` gives the inputs with every such change applied.
    """
    cat = scn.hardware_catalog(catalog)
    years = np.arange(scn.scenario.start_year, scn.scenario.end_year + 1, dtype=np.int64)
    models = tuple(dict.fromkeys(ph.accelerator for ph in scn.phase))
    accs = [cat.accelerators[ph.accelerator] for ph in scn.phase]
    systems = [cat.system_for(ph.accelerator, ph.system) for ph in scn.phase]
    per_acc_w = [
        resolve.system_power_kw(ph, cat) * 1000.0 / system.accelerators_per_system
        for ph, system in zip(scn.phase, systems, strict=True)
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

    return CampusInputs(
        years=years,
        models=models,
        phase_names=tuple(ph.name for ph in scn.phase),
        phase_model=np.asarray([models.index(ph.accelerator) for ph in scn.phase], dtype=np.int64),
        phase_online_year=np.asarray([[ph.online_year for ph in scn.phase]], dtype=np.int64),
        phase_power_mw=row([ph.power_mw for ph in scn.phase]),
        phase_power_is_it=np.asarray([[resolve.power_basis(ph, scn) == "it" for ph in scn.phase]]),
        pue=np.asarray([scn.site.pue], dtype=np.float64),
        overhead_fraction=overhead,
        accelerator_power_w=row(per_acc_w),
        accelerators_per_system=row([s.accelerators_per_system for s in systems]),
        overhead_included=np.asarray([[s.power_includes_overhead for s in systems]]),
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
    )


def stack(batches: Sequence[CampusInputs]) -> CampusInputs:
    """Join batches that share years, phases and models along the scenario axis."""
    return CampusInputs.stack(batches)
