"""Water use by cooling type and emission factors by electricity source, from the catalog
(``catalog/data/water_use.csv`` and ``emission_factors.csv``; see docs/carbon.md).

A value the sources do not give is empty (``None``): the scenario must then give it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import CatalogDataError, read_table

__all__ = ["BASES", "EmissionFactor", "WaterUse", "emission_factors", "water_use"]

#: Bases of an emission factor (``emission_factors.csv`` ``basis``): CO2-equivalent over the
#: plant's life cycle, or CO2 from burning the fuel at the stack.
BASES: tuple[str, ...] = ("lifecycle", "direct")


@dataclass(frozen=True)
class WaterUse:
    """One cooling type with its water usage effectiveness (WUE, The Green Grid's definition)."""

    id: str
    name: str
    wue_l_per_kwh: float | None
    """Litres of water used on site per kWh of IT energy [L/kWh]; ``None`` where no source gives one."""
    source: str
    retrieved: _dt.date
    notes: str | None


@dataclass(frozen=True)
class EmissionFactor:
    """One electricity source with its emissions per kWh generated, on a stated basis."""

    id: str
    name: str
    kgco2_per_kwh: float | None
    """Emissions per kWh generated [kgCO2/kWh]; ``None`` where no source gives one."""
    basis: str
    """``lifecycle`` or ``direct`` (see :data:`BASES`)."""
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def water_use() -> dict[str, WaterUse]:
    """Cooling types in ``catalog/data/water_use.csv`` by id, in file order."""
    rows = {r["id"]: WaterUse(**r) for r in read_table("water_use")}
    for row in rows.values():
        if row.wue_l_per_kwh is not None and row.wue_l_per_kwh < 0:
            raise CatalogDataError(f"water_use.csv: {row.id}: wue_l_per_kwh {row.wue_l_per_kwh} is negative")
    return rows


@cache
def emission_factors() -> dict[str, EmissionFactor]:
    """Electricity sources in ``catalog/data/emission_factors.csv`` by id, in file order."""
    rows = {r["id"]: EmissionFactor(**r) for r in read_table("emission_factors")}
    for row in rows.values():
        if row.basis not in BASES:
            raise CatalogDataError(f"emission_factors.csv: {row.id}: basis {row.basis!r} is not one of {BASES}")
        if row.kgco2_per_kwh is not None and row.kgco2_per_kwh < 0:
            raise CatalogDataError(f"emission_factors.csv: {row.id}: kgco2_per_kwh {row.kgco2_per_kwh} is negative")
    return rows
