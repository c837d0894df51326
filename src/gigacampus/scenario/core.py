"""The core sections of a scenario: what it is, the site, its power phases, the fleet's life,
a simple quota and vendor supply limits, with their cross-field checks (years, phase names,
systems, supply keys). Analyses' sections live with their analyses (``analyses/<name>/section.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from gigacampus.catalog import Catalog
from gigacampus.errors import closest
from gigacampus.scenario.base import (
    Problems,
    Section,
    Year,
    array_at,
    catalog_of,
    check_name,
    choice,
    num,
    table_at,
    whole_number,
)

__all__ = [
    "POWER_BASES",
    "MAX_PHASES",
    "MAX_YEARS",
    "Fleet",
    "Phase",
    "Quota",
    "ScenarioInfo",
    "Site",
    "SupplyLimit",
    "core_problems",
    "scenario_years",
]

#: Longest scenario the model accepts, in years.
MAX_YEARS = 100
#: Most phases one scenario may list.
MAX_PHASES = 200
#: What a phase's ``power_mw`` measures: ``facility`` (grid) power, or critical ``it`` power.
POWER_BASES: tuple[str, ...] = ("facility", "it")
PowerBasis = Literal["facility", "it"]


class ScenarioInfo(Section):
    """``[scenario]``: what the scenario is and which years it covers."""

    name: str = Field(min_length=1, max_length=200)
    """Name shown in tables and reports."""
    start_year: Year
    """First modelled year."""
    end_year: Year
    """Last modelled year (inclusive)."""
    description: str = Field(default="", max_length=10_000)
    """Free text describing the scenario."""
    sources: tuple[str, ...] = ()
    """Where the scenario's numbers come from (URLs or documents)."""
    seed: int = Field(default=0, strict=True, ge=0, le=2**63 - 1)
    """Seed of every random draw made for this scenario; recorded in results."""


class Site(Section):
    """``[site]``: the campus and its power usage effectiveness."""

    name: str = Field(default="", max_length=200)
    """Name of the site."""
    pue: float = num("-", ge=1.0, le=3.0)
    """Power usage effectiveness: facility power / IT power [-], at least 1."""
    power_basis: PowerBasis = "facility"
    """What the phases' ``power_mw`` measures, unless a phase says otherwise: ``"facility"``
    (grid power; IT power = power / PUE) or ``"it"`` (critical IT power, as operators usually
    quote capacity; facility power = power x PUE). See docs/model.md."""
    overhead_fraction: float | None = num("-", ge=0.0, le=1.0, default=None)
    """IT power for network, storage and CPU hosts outside the accelerator systems, as a
    fraction of accelerator-system power [-]. Default: catalog ``site.overhead_fraction``."""
    electricity_usd_per_mwh: float | None = num("USD/MWh", ge=0.0, le=10_000.0, default=None)
    """Price of grid electricity [USD/MWh]; used by the finance analysis."""
    grid_kgco2_per_kwh: float | None = num("kgCO2/kWh", ge=0.0, le=2.0, default=None)
    """Carbon intensity of the grid's electricity [kgCO2/kWh]; gives ``emissions_tco2`` (the carbon analysis)."""


class Phase(Section):
    """``[[phase]]``: facility power that comes online in a year, filled with one accelerator."""

    name: str = Field(min_length=1, max_length=200)
    """Name of the phase (unique within the scenario)."""
    online_year: Year
    """Year the phase's power comes online; accelerators ship from this year."""
    power_mw: float = num("MW", gt=0.0, le=50_000.0)
    """Power this phase adds [MW]: facility (grid) or critical IT power, as ``power_basis`` says."""
    power_basis: PowerBasis | None = None
    """``"facility"`` or ``"it"``: what ``power_mw`` measures. Default: ``site.power_basis``."""
    accelerator: str = Field(min_length=1, max_length=64)
    """Catalog id of the accelerator that fills this phase (see ``gigacampus catalog``)."""
    system: str | None = Field(default=None, min_length=1, max_length=64)
    """Catalog id of the system the accelerators ship in; default: the accelerator's own."""
    system_power_kw: float | None = num("kW", gt=0.0, le=10_000.0, default=None)
    """Power of one system [kW]; overrides the catalog, and is required where it has none."""
    utilization: float | None = num("-", gt=0.0, le=1.0, default=None)
    """Average power draw as a fraction of nameplate, for energy [-].
    Default: catalog ``phase.utilization``."""

    @field_validator("accelerator")
    @classmethod
    def _known_accelerator(cls, value: str, info: ValidationInfo) -> str:
        if value in _declared(info, "accelerator"):
            return value  # defined in [accelerator.<id>]; its row's own errors are reported there
        return choice(value, catalog_of(info).accelerators, "accelerator")

    @field_validator("system")
    @classmethod
    def _known_system(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value in _declared(info, "system"):
            return value
        return choice(value, catalog_of(info).systems, "system")


def _declared(info: ValidationInfo, section: str) -> frozenset[str]:
    """Ids the scenario declares in ``[<section>.<id>]`` (passed in the validation context)."""
    return (info.context or {}).get("declared", {}).get(section, frozenset())


class Fleet(Section):
    """``[fleet]``: how long accelerators stay in service."""

    lifetime_years: int | None = Field(default=None, strict=True, ge=1, le=30, json_schema_extra={"unit": "year"})
    """Years an accelerator serves; it retires in install year + lifetime and is replaced
    that year within the same power, quota and supply. Default: catalog ``fleet.lifetime_years``."""


class Quota(Section):
    """``[quota]``: an annual national cap on accelerators shipped, and this campus's share of it.

    Any of the three caps may be given; each binds. 0 or absent means no cap of that kind.
    """

    units_per_year: float = num("accelerators/year", ge=0.0, le=1e9, default=0.0)
    """Cap on accelerators shipped per year [accelerators/year]."""
    h100e_per_year: float = num("H100e/year", ge=0.0, le=1e9, default=0.0)
    """Cap on H100-equivalents shipped per year [H100e/year]."""
    tpp_per_year: float = num("TPP/year", ge=0.0, le=1e15, default=0.0)
    """Cap on Total Processing Performance shipped per year [TPP/year]."""
    campus_share: float = num("-", gt=0.0, le=1.0, default=1.0)
    """Fraction of the national caps available to this campus [-]."""


class SupplyLimit(Section):
    """``[supply.<accelerator id>]``: how many of one accelerator the vendor can deliver."""

    units_per_year: float = num("accelerators/year", ge=0.0, le=1e9)
    """Accelerators of this model deliverable to the campus per year [accelerators/year]."""
    by_year: dict[int, Annotated[float, num("accelerators/year", ge=0.0, le=1e9)]] = Field(default_factory=dict)
    """Year-specific limits that replace ``units_per_year`` in those years, e.g. ``{2026 = 50000}``."""


def core_problems(data: Any, cat: Catalog) -> Problems:
    """Checks that involve several keys, as ``(key path, message, suggestion)``.

    Works on raw (unvalidated) data too, skipping whatever has the wrong shape, so the
    loader can report these problems next to field errors in one pass.
    """
    problems: Problems = []
    if not isinstance(data, dict):
        return problems
    info = table_at(data, "scenario")
    check_name(problems, "scenario.name", info.get("name"), {}, "scenarios")
    start, end = whole_number(info.get("start_year")), whole_number(info.get("end_year"))
    years_ok = start is not None and end is not None
    if years_ok and end < start:
        problems.append(("scenario.end_year", f"found {end}; allowed: >= start_year ({start})", None))
        years_ok = False
    elif years_ok and end - start + 1 > MAX_YEARS:
        problems.append(
            ("scenario.end_year", f"found {end}: {end - start + 1} years; allowed: at most {MAX_YEARS} years", None)
        )
        years_ok = False
    phases = array_at(data, "phase")
    seen: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for i, ph in enumerate(phases):
        if not isinstance(ph, dict):
            continue
        online = whole_number(ph.get("online_year"))
        if years_ok and online is not None and not start <= online <= end:
            problems.append(
                (f"phase[{i}].online_year", f"found {online}; allowed: within the scenario years {start}-{end}", None)
            )
        check_name(problems, f"phase[{i}].name", ph.get("name"), seen, "phases")
        acc, sys_id = ph.get("accelerator"), ph.get("system")
        if not isinstance(acc, str) or acc not in cat.accelerators:
            continue
        used.add(acc)
        if sys_id is not None and (not isinstance(sys_id, str) or sys_id not in cat.systems):
            continue
        system = cat.system_for(acc, sys_id)
        if system.accelerator != acc:
            allowed = cat.systems_for(acc)
            problems.append(
                (
                    f"phase[{i}].system",
                    f"system {system.id!r} holds {system.accelerator!r}, not {acc!r}; "
                    f"systems for {acc}: {', '.join(allowed)}",
                    allowed[0] if allowed else None,
                )
            )
        elif system.system_power_kw is None and ph.get("system_power_kw") is None:
            problems.append(
                (
                    f"phase[{i}].system_power_kw",
                    f"missing; the catalog has no sourced power for system "
                    f"{system.id!r}, so the scenario must give system_power_kw [kW] (a number > 0)",
                    None,
                )
            )
    supply = table_at(data, "supply")
    for acc, lim in supply.items():
        if acc not in cat.accelerators:
            problems.append(
                (
                    f"supply.{acc}",
                    f"unknown accelerator {acc!r}; allowed: {', '.join(cat.accelerators)}",
                    closest(str(acc), cat.accelerators),
                )
            )
        elif used and acc not in used:
            problems.append(
                (
                    f"supply.{acc}",
                    f"no phase uses accelerator {acc!r}; phases use: {', '.join(sorted(used))}",
                    closest(acc, used),
                )
            )
        by_year = lim.get("by_year") if isinstance(lim, dict) else None
        if years_ok and isinstance(by_year, dict):
            for key in by_year:
                year = whole_number(key)
                if year is not None and not start <= year <= end:
                    problems.append(
                        (
                            f"supply.{acc}.by_year.{key}",
                            f"found year {year}; allowed: within the scenario years {start}-{end}",
                            None,
                        )
                    )
    return problems


def scenario_years(data: Any) -> tuple[int, int] | None:
    """``(start_year, end_year)`` of raw scenario data when both are valid, else ``None``."""
    info = table_at(data, "scenario")
    start, end = whole_number(info.get("start_year")), whole_number(info.get("end_year"))
    if start is None or end is None or end < start or end - start + 1 > MAX_YEARS:
        return None
    return start, end
