"""The ``[carbon]`` section: where the campus's electricity comes from and how it is cooled, and its
checks against the catalog (cooling types, electricity sources, factors without a sourced value).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field

from gigacampus.catalog import Catalog
from gigacampus.catalog.carbon import emission_factors, water_use
from gigacampus.errors import closest
from gigacampus.scenario.base import Problems, Section, finite_number, num, table_at

__all__ = ["MAX_EMISSION_FACTOR", "MAX_WUE", "SHARE_TOLERANCE", "Carbon", "carbon_problems"]

#: Largest WUE a scenario may give [L/kWh]: a bound against unit mistakes (gallons, m3), well above
#: every figure in the catalog.
MAX_WUE = 20.0
#: Largest emission factor a scenario may give [kgCO2/kWh], the bound of ``site.grid_kgco2_per_kwh``.
MAX_EMISSION_FACTOR = 2.0
#: Shares of ``generation`` may sum to 1 + this (rounding of decimal shares such as 0.7 + 0.2 + 0.1).
SHARE_TOLERANCE = 1e-9

Share = Annotated[float, num("-", ge=0.0, le=1.0)]
Factor = Annotated[float, num("kgCO2/kWh", ge=0.0, le=MAX_EMISSION_FACTOR)]


class Carbon(Section):
    """``[carbon]``: the electricity mix behind the campus's emissions and the cooling behind its
    water use (docs/carbon.md). Without it, emissions use ``site.grid_kgco2_per_kwh`` for all the
    electricity and water is not computed."""

    cooling: str | None = Field(default=None, min_length=1, max_length=64)
    """Catalog id of the cooling type (catalog ``water_use.csv``, e.g. ``closed-loop-dry-cooler``);
    gives the WUE unless ``wue_l_per_kwh`` is given."""
    wue_l_per_kwh: float | None = num("L/kWh", ge=0.0, le=MAX_WUE, default=None)
    """Water usage effectiveness: litres of water used on site per kWh of IT energy [L/kWh] (The Green
    Grid's definition); replaces the WUE of ``cooling``, and is required for a cooling type the
    catalog has no WUE for."""
    generation: dict[str, Share] = Field(default_factory=dict)
    """Share of the campus's electricity [-] each source supplies on site or under dedicated
    contracts, by catalog id (``emission_factors.csv``), e.g. ``{ solar-pv-utility = 0.2 }``. Shares
    sum to at most 1; the rest comes from the grid at ``site.grid_kgco2_per_kwh``."""
    emission_factor_kgco2_per_kwh: dict[str, Factor] = Field(default_factory=dict)
    """Emissions per kWh generated [kgCO2/kWh] of a source in ``generation``, by id: required for a
    source the catalog has no factor for (e.g. ``gas-simple-cycle-direct``), else it replaces the
    catalog's."""

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        return carbon_problems(data, catalog)


def _allowed_factor() -> str:
    return f"a number >= 0 and <= {MAX_EMISSION_FACTOR:g} [kgCO2/kWh]"


def carbon_problems(data: Any, cat: Catalog) -> Problems:
    """Checks of ``[carbon]`` against the catalog, on raw (possibly malformed) data."""
    section = data.get("carbon") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return []
    problems: Problems = []
    coolings = water_use()
    cooling = section.get("cooling")
    if isinstance(cooling, str) and cooling.strip():
        key = cooling.strip()
        row = coolings.get(key)
        if row is None:
            problems.append(
                (
                    "carbon.cooling",
                    f"unknown cooling type {key!r}; allowed: {', '.join(coolings)}",
                    closest(key, coolings),
                )
            )
        elif row.wue_l_per_kwh is None and section.get("wue_l_per_kwh") is None:
            problems.append(
                (
                    "carbon.wue_l_per_kwh",
                    f"missing; the catalog has no sourced WUE for cooling {key!r}, so give wue_l_per_kwh "
                    f"[L/kWh] (a number >= 0 and <= {MAX_WUE:g})",
                    None,
                )
            )
    factors = emission_factors()
    generation = table_at(section, "generation")
    given = table_at(section, "emission_factor_kgco2_per_kwh")
    shares: list[tuple[str, float]] = []
    for key, share in generation.items():
        row = factors.get(key)
        if row is None:
            problems.append(
                (
                    f"carbon.generation.{key}",
                    f"unknown electricity source {key!r}; allowed: {', '.join(factors)}",
                    closest(str(key), factors),
                )
            )
            continue
        value = finite_number(share)
        if value is not None and 0.0 <= value <= 1.0:
            shares.append((key, value))
        if row.kgco2_per_kwh is None and key not in given:
            problems.append(
                (
                    f"carbon.emission_factor_kgco2_per_kwh.{key}",
                    f"missing; the catalog has no sourced emission factor for {key!r} ({row.basis} basis), "
                    f"so give its factor ({_allowed_factor()})",
                    None,
                )
            )
    total = math.fsum(v for _, v in shares)
    if total > 1.0 + SHARE_TOLERANCE:
        terms = " + ".join(f"{k} {v:g}" for k, v in shares)
        problems.append(
            (
                "carbon.generation",
                f"shares sum to {total:g} ({terms}); allowed: a sum of at most 1 "
                "(the rest of the electricity comes from the grid)",
                None,
            )
        )
    for key in given:
        if key not in factors:
            problems.append(
                (
                    f"carbon.emission_factor_kgco2_per_kwh.{key}",
                    f"unknown electricity source {key!r}; allowed: {', '.join(factors)}",
                    closest(str(key), factors),
                )
            )
        elif key not in generation:
            listed = ", ".join(str(k) for k in generation) or "none"
            problems.append(
                (
                    f"carbon.emission_factor_kgco2_per_kwh.{key}",
                    f"found a factor for {key!r}, which has no share in carbon.generation, so it would not be "
                    f"used; allowed: factors for the sources in carbon.generation ({listed})",
                    closest(str(key), [str(k) for k in generation]),
                )
            )
    return problems
