"""Effective inputs: scenario values, else sourced catalog defaults, with where each came from.

Every value the model uses is listed by :func:`input_table` with its origin, so reports can
show "every parameter with its value and where the default came from".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from gigacampus.catalog import Accelerator, Catalog, System
from gigacampus.catalog.tables import schema
from gigacampus.scenario.core import Phase
from gigacampus.scenario.document import Scenario
from gigacampus.scenario.hardware import catalog_for
from gigacampus.scenario.load import format_path

__all__ = [
    "ORIGINS",
    "ResolvedInput",
    "default_row",
    "hardware_rows",
    "input_table",
    "lifetime_years",
    "overhead_fraction",
    "power_basis",
    "section_rows",
    "system_power_kw",
    "utilization",
]

#: What ``ResolvedInput.origin`` may start with: the scenario file, a schema default, a catalog
#: table (``catalog:<table>``, with a source), a value derived by the model from other inputs, a
#: run option (command line or API), or a cost left out because nothing sources a default.
ORIGINS: tuple[str, ...] = ("scenario", "schema default", "catalog:", "derived", "option", "not included")


@dataclass(frozen=True)
class ResolvedInput:
    """One effective input value."""

    path: str
    """Key path in the scenario, e.g. ``phase[0].utilization``."""
    value: Any
    unit: str
    origin: str
    """Where the value came from; starts with one of :data:`ORIGINS`."""
    source: str = ""
    """Where a catalog value comes from (URL or document)."""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value, "unit": self.unit, "origin": self.origin, "source": self.source}


def lifetime_years(scn: Scenario, cat: Catalog) -> int:
    """Accelerator service life [years]."""
    given = scn.fleet.lifetime_years
    return given if given is not None else int(cat.default("fleet.lifetime_years").value)


def overhead_fraction(scn: Scenario, cat: Catalog) -> float:
    """Non-accelerator IT power as a fraction of accelerator-system power [-]."""
    given = scn.site.overhead_fraction
    return given if given is not None else cat.default("site.overhead_fraction").value


def power_basis(phase: Phase, scn: Scenario) -> str:
    """What the phase's ``power_mw`` measures: its own ``power_basis``, else the site's."""
    return phase.power_basis if phase.power_basis is not None else scn.site.power_basis


def utilization(phase: Phase, cat: Catalog) -> float:
    """Average power draw as a fraction of nameplate [-]."""
    return phase.utilization if phase.utilization is not None else cat.default("phase.utilization").value


def system_power_kw(phase: Phase, cat: Catalog) -> float:
    """Power of one system [kW]: the scenario's value, else the catalog's."""
    if phase.system_power_kw is not None:
        return phase.system_power_kw
    power = cat.system_for(phase.accelerator, phase.system).system_power_kw
    if power is None:  # the schema refuses such a phase; kept for direct callers
        raise ValueError(f"phase {phase.name!r}: system power unknown")
    return power


def _unit(model: type[BaseModel], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def section_rows(prefix: tuple[Any, ...], section: BaseModel) -> list[ResolvedInput]:
    """One row per plain value of a section (tables and nested sections are left to the caller)."""
    rows = []
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, BaseModel) or value is None or isinstance(value, dict):
            continue
        if isinstance(value, tuple):
            if any(isinstance(v, BaseModel) for v in value):
                continue  # an array of tables: its rows are the caller's to list
            value = list(value)
        origin = "scenario" if name in section.model_fields_set else "schema default"
        rows.append(ResolvedInput(format_path((*prefix, name)), value, _unit(type(section), name), origin))
    return rows


def default_row(path: str, parameter: str, cat: Catalog) -> ResolvedInput:
    """The row of a value taken from the catalog's ``defaults.csv``, with its source."""
    d = cat.default(parameter)
    return ResolvedInput(path, d.value, d.unit or "", "catalog:defaults", d.source)


def _origin(item: Accelerator | System, table: str, column: str) -> str:
    """``catalog:<table>`` for a shipped row; for a scenario-defined one ``scenario`` or, for a column
    the scenario lists in ``assumed``, ``scenario (assumption)``."""
    if item.defined_in == "catalog":
        return f"catalog:{table}"
    return "scenario (assumption)" if column in item.assumed else "scenario"


def _source(item: Accelerator | System, origin: str) -> str:
    return "" if origin.endswith("(assumption)") else item.source


def hardware_rows(scn: Scenario, cat: Catalog) -> list[ResolvedInput]:
    """One row per value of every accelerator and system the scenario defines, with its source
    (or ``scenario (assumption)`` for the columns it lists in ``assumed``)."""
    rows = []
    for section, table, items in (
        ("accelerator", "accelerators", cat.accelerators),
        ("system", "systems", cat.systems),
    ):
        spec = scn.accelerator if section == "accelerator" else scn.system
        for key in spec:
            item = items.get(key)
            if item is None:
                continue
            for col in schema()[table]:
                value = getattr(item, col.attribute, None)
                if col.attribute in ("id", "source", "retrieved", "notes") or value is None:
                    continue
                origin = _origin(item, table, col.attribute)
                rows.append(
                    ResolvedInput(f"{section}.{key}.{col.attribute}", value, col.unit, origin, _source(item, origin))
                )
    return rows


def input_table(scn: Scenario, cat: Catalog) -> list[ResolvedInput]:
    """Every effective input with its value, unit and origin, in file order."""
    cat = catalog_for(scn, cat)
    rows = section_rows(("scenario",), scn.scenario)
    rows += section_rows(("site",), scn.site)
    if scn.site.overhead_fraction is None:
        rows.append(default_row("site.overhead_fraction", "site.overhead_fraction", cat))
    for i, ph in enumerate(scn.phase):
        rows += section_rows(("phase", i), ph)
        if ph.power_basis is None:
            origin = "scenario" if "power_basis" in scn.site.model_fields_set else "schema default"
            rows.append(
                ResolvedInput(f"phase[{i}].power_basis", scn.site.power_basis, "", f"{origin} (site.power_basis)")
            )
        system = cat.system_for(ph.accelerator, ph.system)
        acc = cat.accelerators[ph.accelerator]
        if ph.system is None:
            origin = _origin(acc, "accelerators", "default_system")
            rows.append(ResolvedInput(f"phase[{i}].system", system.id, "", origin, _source(acc, origin)))
        if ph.system_power_kw is None:
            origin = _origin(system, "systems", "system_power_kw")
            rows.append(
                ResolvedInput(
                    f"phase[{i}].system_power_kw", system.system_power_kw, "kW", origin, _source(system, origin)
                )
            )
        if ph.utilization is None:
            rows.append(default_row(f"phase[{i}].utilization", "phase.utilization", cat))
    if scn.fleet.lifetime_years is None:
        rows.append(default_row("fleet.lifetime_years", "fleet.lifetime_years", cat))
    else:
        rows += section_rows(("fleet",), scn.fleet)
    if scn.quota is not None:
        rows += section_rows(("quota",), scn.quota)
    rows += hardware_rows(scn, cat)
    for acc, lim in scn.supply.items():
        rows += section_rows(("supply", acc), lim)
        for year, units in lim.by_year.items():
            rows.append(ResolvedInput(f"supply.{acc}.by_year.{year}", units, "accelerators/year", "scenario"))
    return rows
