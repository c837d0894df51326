"""The carbon and water analysis: emissions of the electricity the campus uses, the effective carbon
intensity of its mix, and the water its cooling uses on site, per year (docs/carbon.md).

Runs for every scenario. Without ``[carbon]``, emissions are facility energy x
``site.grid_kgco2_per_kwh`` (NaN without it), as the core model computed them before, and water is
not computed. With ``[carbon]``, ``generation`` replaces part of the grid by on-site or contracted
sources (catalog ``emission_factors.csv``), and ``cooling`` or ``wue_l_per_kwh`` gives the WUE
(catalog ``water_use.csv``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.analyses.carbon.charts import carbon_charts
from gigacampus.analyses.carbon.mix import effective_intensity, emissions_tco2, grid_share, water_m3
from gigacampus.analyses.carbon.section import Carbon
from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs
from gigacampus.catalog import Catalog
from gigacampus.catalog.carbon import WaterUse, emission_factors, water_use
from gigacampus.jsonable import jsonable
from gigacampus.model import CampusInputs
from gigacampus.model.batch import Batch, batched
from gigacampus.model.columns import Column, read_columns
from gigacampus.scenario import ResolvedInput, Scenario

__all__ = ["CARBON", "CarbonInputs", "CarbonSettings", "MixPart", "settings"]

PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.carbon")
_BLOCK_UNITS = {c.name: c.unit for c in PROVIDES} | {
    "share": "-",
    "kgco2_per_kwh": "kgCO2/kWh",
    "intensity_kgco2_per_kwh": "kgCO2/kWh",
    "wue_l_per_kwh": "L/kWh",
    "energy_mwh_total": "MWh",
    "it_energy_mwh_total": "MWh",
    "emissions_tco2_total": "tCO2",
    "water_m3_total": "m3",
}


@dataclass(frozen=True)
class MixPart:
    """One part of the electricity mix: the grid or a source of ``[carbon] generation``."""

    id: str
    """``grid`` or the catalog id of the source."""
    name: str
    share: float
    """Part of the campus's electricity it supplies [-]."""
    kgco2_per_kwh: float | None
    """Its emission factor [kgCO2/kWh]; ``None`` for the grid when no intensity is given."""
    basis: str
    """``lifecycle`` or ``direct`` for a catalog factor; ``as the scenario states it`` for the grid, and
    ``as the scenario states it (catalog row: <basis>)`` for a factor the scenario gives."""
    origin: str
    """Where the factor came from: ``scenario``, ``catalog:emission_factors`` or ``not given``."""
    source: str = ""


@dataclass(frozen=True)
class CarbonSettings:
    """Effective carbon and water inputs of a scenario, with where each came from."""

    parts: tuple[MixPart, ...]
    """The grid first (when it supplies a share), then the generation sources in file order."""
    intensity_kgco2_per_kwh: float
    """Carbon intensity of the electricity used [kgCO2/kWh]; NaN when it cannot be computed."""
    wue_l_per_kwh: float | None
    wue_origin: str
    wue_source: str
    cooling: WaterUse | None
    notes: tuple[str, ...]
    provenance: tuple[ResolvedInput, ...]

    @property
    def grid_share(self) -> float:
        return sum(p.share for p in self.parts if p.id == "grid")


def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


def _water(
    section: Carbon, rows: list[ResolvedInput], notes: list[str]
) -> tuple[float | None, str, str, WaterUse | None]:
    cooling = water_use()[section.cooling] if section.cooling is not None else None
    if section.cooling is not None:
        assert cooling is not None
        rows.append(ResolvedInput("carbon.cooling", cooling.id, "", "scenario"))
    if section.wue_l_per_kwh is not None:
        wue = float(section.wue_l_per_kwh)
        rows.append(ResolvedInput("carbon.wue_l_per_kwh", wue, "L/kWh", "scenario"))
        if cooling is not None and cooling.wue_l_per_kwh is not None:
            notes.append(
                f"carbon.wue_l_per_kwh ({wue:g} L/kWh) replaces the catalog WUE of cooling {cooling.id!r} "
                f"({cooling.wue_l_per_kwh:g} L/kWh)"
            )
        return wue, "scenario", "", cooling
    if cooling is not None:
        if cooling.wue_l_per_kwh is None:  # the schema refuses this; kept for direct callers
            raise ValueError(f"cooling {cooling.id!r} has no sourced WUE: give carbon.wue_l_per_kwh")
        wue = cooling.wue_l_per_kwh
        rows.append(ResolvedInput("carbon.wue_l_per_kwh", wue, "L/kWh", "catalog:water_use", cooling.source))
        if wue == 0.0:
            notes.append(
                f"the WUE of cooling {cooling.id!r} counts cooling water only (0 L/kWh): the site's domestic "
                "water (restrooms, kitchens) is not included; give carbon.wue_l_per_kwh to count it"
            )
        return wue, "catalog:water_use", cooling.source, cooling
    rows.append(
        ResolvedInput(
            "carbon.wue_l_per_kwh",
            None,
            "L/kWh",
            "not included (no carbon.cooling or carbon.wue_l_per_kwh given: water_m3 is not computed)",
        )
    )
    notes.append(
        "no WUE given: water_m3 is not computed (null); give carbon.cooling (a catalog cooling type: "
        f"{', '.join(water_use())}) or carbon.wue_l_per_kwh [L/kWh]"
    )
    return None, "not given", "", None


def _mix(scn: Scenario, section: Carbon, rows: list[ResolvedInput], notes: list[str]) -> tuple[MixPart, ...]:
    catalog = emission_factors()
    grid = scn.site.grid_kgco2_per_kwh
    sources: list[MixPart] = []
    for key, share in section.generation.items():
        row = catalog[key]
        rows.append(ResolvedInput(f"carbon.generation.{key}", float(share), "-", "scenario"))
        given = section.emission_factor_kgco2_per_kwh.get(key)
        path = f"carbon.emission_factor_kgco2_per_kwh.{key}"
        if given is not None:
            factor, origin, source = float(given), "scenario", ""
            rows.append(ResolvedInput(path, factor, "kgCO2/kWh", "scenario"))
            if row.kgco2_per_kwh is not None:
                notes.append(
                    f"{path} ({factor:g}) replaces the catalog's {row.kgco2_per_kwh:g} kgCO2/kWh ({row.basis} basis)"
                )
        elif row.kgco2_per_kwh is not None:
            factor, origin, source = row.kgco2_per_kwh, "catalog:emission_factors", row.source
            rows.append(ResolvedInput(path, factor, "kgCO2/kWh", origin, source))
        else:  # the schema refuses this; kept for direct callers
            raise ValueError(f"{key!r} has no sourced emission factor: give {path}")
        basis = (
            row.basis
            if origin == "catalog:emission_factors"
            else f"as the scenario states it (catalog row: {row.basis})"
        )
        sources.append(MixPart(key, row.name, float(share), factor, basis, origin, source))
    if not section.generation:
        rows.append(ResolvedInput("carbon.generation", "none: all electricity from the grid", "-", "schema default"))
    rest = grid_share(p.share for p in sources)
    parts = list(sources)
    if rest > 0.0:
        origin = "scenario" if grid is not None else "not given"
        parts.insert(0, MixPart("grid", "grid", rest, grid, "as the scenario states it", origin))
        if grid is None:
            rows.append(
                ResolvedInput(
                    "site.grid_kgco2_per_kwh",
                    None,
                    "kgCO2/kWh",
                    "not included (not given: emissions_tco2 is not computed)",
                )
            )
            notes.append(
                f"no grid carbon intensity given: the grid supplies {_percent(rest)} of the electricity, so "
                "emissions_tco2 and carbon_intensity_kgco2_per_kwh are not computed (null); give "
                "site.grid_kgco2_per_kwh [kgCO2/kWh]"
            )
    from_catalog = [p for p in sources if p.origin == "catalog:emission_factors"]
    bases = {p.basis for p in from_catalog}
    if len(bases) > 1:
        by_basis = "; ".join(f"{b}: {', '.join(p.id for p in from_catalog if p.basis == b)}" for b in sorted(bases))
        notes.append(
            f"the generation sources mix emission-factor bases ({by_basis}): a life-cycle factor counts fuel "
            "supply and construction, a direct one only combustion, so their sum mixes two measures"
        )
    if sources and rest > 0.0 and grid is not None:
        against = f", while the catalog factors used are {' and '.join(sorted(bases))}" if bases else ""
        notes.append(
            f"the grid factor (site.grid_kgco2_per_kwh = {grid:g}) is used as the scenario states it; its basis "
            f"is not known to the model{against}"
        )
    return tuple(parts)


def settings(scn: Scenario) -> CarbonSettings:
    """The effective carbon and water inputs of ``scn`` (``[carbon]`` or its defaults)."""
    section = scn.carbon or Carbon()
    rows: list[ResolvedInput] = []
    notes: list[str] = []
    parts = _mix(scn, section, rows, notes)
    sources = [p for p in parts if p.id != "grid"]
    intensity = effective_intensity(
        {p.id: p.share for p in sources},
        {p.id: float(p.kgco2_per_kwh) for p in sources if p.kgco2_per_kwh is not None},
        scn.site.grid_kgco2_per_kwh,
    )
    wue, wue_origin, wue_source, cooling = _water(section, rows, notes)
    return CarbonSettings(parts, intensity, wue, wue_origin, wue_source, cooling, tuple(notes), tuple(rows))


@dataclass(frozen=True)
class CarbonInputs(Batch):
    """What the carbon analysis's columns are computed from, one value per variant."""

    intensity_kgco2_per_kwh: np.ndarray = batched()
    """(S,) carbon intensity of the electricity used [kgCO2/kWh] (NaN: not known)."""
    wue_l_per_kwh: np.ndarray = batched()
    """(S,) water usage effectiveness [L per kWh of IT energy] (NaN: not given)."""


def _inputs(scenario: Scenario, catalog: Catalog, campus: CampusInputs) -> OwnInputs:
    st = settings(scenario)
    wue = np.nan if st.wue_l_per_kwh is None else st.wue_l_per_kwh
    batch = CarbonInputs(np.asarray([st.intensity_kgco2_per_kwh], dtype=np.float64), np.asarray([wue]))
    return OwnInputs(batch, st.provenance, st)


def _run(ctx: Context) -> Block:
    assert ctx.own is not None  # the pipeline builds the inputs of an analysis that has a builder
    st: CarbonSettings = ctx.own.data
    own: CarbonInputs = ctx.own_inputs
    energy = np.asarray(ctx.columns["energy_mwh"], dtype=np.float64)  # (S, T)
    it_energy = np.asarray(ctx.columns["it_energy_mwh"], dtype=np.float64)  # (S, T)
    intensity = own.intensity_kgco2_per_kwh[:, None]  # (S, 1)
    columns = {
        "emissions_tco2": emissions_tco2(energy, intensity),
        "carbon_intensity_kgco2_per_kwh": np.broadcast_to(intensity, energy.shape).copy(),
        "water_m3": water_m3(it_energy, own.wue_l_per_kwh[:, None]),
    }
    explanations = _explanations(st)
    return Block(
        columns=columns,
        payload={**_payload(ctx, st, columns, energy, it_energy), "explanations": list(explanations)},
        explanations=explanations,
        provenance=st.provenance,
        data=st,
    )


def _total(values: np.ndarray) -> float:
    """Sum over the horizon; NaN when any year is NaN (null in the summary)."""
    return float(np.sum(values))


def _payload(
    ctx: Context,
    st: CarbonSettings,
    columns: Mapping[str, np.ndarray],
    energy: np.ndarray,
    it_energy: np.ndarray,
) -> dict[str, Any]:
    v = ctx.variant
    energy_total = _total(energy[v])
    parts = []
    for p in st.parts:
        factor = p.kgco2_per_kwh
        emissions = energy_total * p.share * factor if factor is not None else math.nan
        parts.append(
            {
                "id": p.id,
                "name": p.name,
                "share": p.share,
                "kgco2_per_kwh": factor,
                "basis": p.basis,
                "origin": p.origin,
                "source": p.source,
                "emissions_tco2_total": emissions,
            }
        )
    cooling = st.cooling
    years = [int(y) for y in ctx.years]
    return jsonable(
        {
            "intensity_kgco2_per_kwh": float(ctx.own_inputs.intensity_kgco2_per_kwh[v]),
            "grid": {
                "share": st.grid_share,
                "kgco2_per_kwh": ctx.scenario.site.grid_kgco2_per_kwh,
                "basis": "as the scenario states it",
                "origin": "scenario" if ctx.scenario.site.grid_kgco2_per_kwh is not None else "not given",
            },
            "parts": parts,
            "wue": {
                "wue_l_per_kwh": float(ctx.own_inputs.wue_l_per_kwh[v]),
                "cooling": cooling.id if cooling is not None else None,
                "cooling_name": cooling.name if cooling is not None else None,
                "origin": st.wue_origin,
                "source": st.wue_source,
                "catalog_notes": cooling.notes if cooling is not None else None,
            },
            "totals": {
                "first_year": years[0],
                "last_year": years[-1],
                "energy_mwh_total": energy_total,
                "it_energy_mwh_total": _total(it_energy[v]),
                "emissions_tco2_total": _total(columns["emissions_tco2"][v]),
                "water_m3_total": _total(columns["water_m3"][v]),
            },
            "notes": list(st.notes),
            "units": _BLOCK_UNITS,
        }
    )


def _explanations(st: CarbonSettings) -> tuple[str, ...]:
    mix = ", ".join(
        f"{p.id} {_percent(p.share)} at {p.kgco2_per_kwh:g} kgCO2/kWh"
        if p.kgco2_per_kwh is not None
        else f"{p.id} {_percent(p.share)} (no intensity given)"
        for p in st.parts
    )
    if math.isnan(st.intensity_kgco2_per_kwh):
        carbon = f"Carbon intensity not computed: {mix}; give site.grid_kgco2_per_kwh."
    else:
        carbon = f"Carbon intensity {st.intensity_kgco2_per_kwh:.4g} kgCO2/kWh: {mix}."
    if st.wue_l_per_kwh is None:
        water = "Water not computed: give carbon.cooling or carbon.wue_l_per_kwh."
    else:
        where = f"cooling {st.cooling.id}" if st.cooling is not None and st.wue_origin != "scenario" else "scenario"
        water = f"Water: WUE {st.wue_l_per_kwh:g} L per kWh of IT energy ({where})."
    return carbon, water


CARBON = Analysis(
    name="carbon",
    title="Carbon and water",
    provides=PROVIDES,
    run=_run,
    requires=("energy_mwh", "it_energy_mwh"),
    inputs=_inputs,
    charts=carbon_charts,
    intro="Emissions of the electricity the campus uses, its carbon intensity, and the water its cooling uses on site.",
)
