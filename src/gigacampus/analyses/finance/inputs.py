"""Finance inputs as numpy arrays with a leading scenario axis ``S``.

:class:`FinanceInputs` mirrors :class:`gigacampus.model.CampusInputs`: one row per variant,
structure (years, phases, funding sources and what they cover) shared by the batch, so a
sensitivity study is ``replace`` on a repeated batch and one call of
:func:`gigacampus.analyses.finance.costs.evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.analyses.finance.section import COST_CATEGORIES, Finance
from gigacampus.catalog import Catalog
from gigacampus.catalog.prices import load_prices, load_rents, price_rows, system_price_usd, to_price_year
from gigacampus.model import CampusInputs
from gigacampus.model.batch import Batch, batched, shared
from gigacampus.scenario import ResolvedInput, Scenario

__all__ = ["FinanceInputs", "NOT_INCLUDED_UNLESS_GIVEN", "finance_inputs"]


#: Finance keys with no sourced default: the cost is left out unless the scenario gives it.
NOT_INCLUDED_UNLESS_GIVEN: dict[str, str] = {
    "power_connection_usd_per_mw": "on-site power and grid connection",
    "land_usd": "land",
    "maintenance_it_share_per_year": "IT maintenance and support",
    "maintenance_facility_share_per_year": "facility maintenance",
    "staff_usd_per_mw_year": "staff",
    "software_usd_per_accelerator_year": "software licences",
}

# Finance keys whose default is a row of the catalog's defaults.csv (``finance.<key>``).
_CATALOG_DEFAULTS = (
    "price_year",
    "wacc",
    "networking_usd_per_accelerator",
    "storage_usd_per_accelerator",
    "rent_decline_per_year",
    "facility_usd_per_mw",
    "facility_electrical_share",
    "facility_cooling_share",
    "facility_life_years",
    "insurance_share_per_year",
)


@dataclass(frozen=True)
class FinanceInputs(Batch):
    """Inputs of :func:`gigacampus.analyses.finance.costs.evaluate`.

    Arrays with a leading ``S`` axis hold one row per variant; ``T`` years, ``P`` phases,
    ``K`` funding sources. Money is in USD of ``price_year``; ``NaN`` means "not given".
    """

    years: np.ndarray = shared()
    """(T,) modelled years (the campus model's)."""
    price_year: int = shared()
    """Year whose US dollars the values are in."""
    capex_only_need: bool = shared()
    """``True`` when the funding need is capex only (``funding_need = "capex"``)."""
    source_partner: tuple[str, ...] = shared()
    """(K,) partner of each funding source."""
    source_is_debt: np.ndarray = shared()
    """(K,) ``True`` for debt, ``False`` for equity."""
    source_secured: np.ndarray = shared()
    """(K,) ``True`` for secured (committed) money, ``False`` for announced money."""
    source_covers: np.ndarray = shared()
    """(K, C) categories (:data:`COST_CATEGORIES`) each cover-type source pays; all ``False`` for
    an amount-type source."""
    source_schedule: np.ndarray = shared()
    """(K, T) fraction of an amount-type source's money available each year (sums to 1)."""
    source_tenor_years: np.ndarray = shared()
    """(K,) repayment tenor of debt [years] (0 for equity)."""
    accelerator_price_usd: np.ndarray = batched()
    """(S, P, T) price of one accelerator of phase ``p`` bought in year ``t`` (system price /
    accelerators per system) [USD]."""
    networking_usd_per_accelerator: np.ndarray = batched()
    """(S,) networking capex per accelerator bought [USD/accelerator]."""
    networking_share: np.ndarray = batched()
    """(S,) networking capex / accelerator-system capex, replacing the per-accelerator price where not NaN [-]."""
    network_capex_usd: np.ndarray = batched()
    """(S, T) networking capex by year replacing the share where not NaN [USD]."""
    storage_usd_per_accelerator: np.ndarray = batched()
    """(S,) storage capex per accelerator bought [USD/accelerator]."""
    storage_share: np.ndarray = batched()
    """(S,) storage capex / accelerator-system capex, replacing the per-accelerator price where not NaN [-]."""
    facility_usd_per_mw: np.ndarray = batched()
    """(S,) facility capex per MW of IT power [USD/MW]."""
    facility_electrical_share: np.ndarray = batched()
    """(S,) electrical part of facility capex [-]."""
    facility_cooling_share: np.ndarray = batched()
    """(S,) cooling part of facility capex [-] (the rest is shell)."""
    facility_life_years: np.ndarray = batched()
    """(S,) facility depreciation life and refresh interval [years]."""
    power_connection_usd_per_mw: np.ndarray = batched()
    """(S,) on-site power and grid connection per MW of facility power [USD/MW]."""
    land_usd: np.ndarray = batched()
    """(S,) land, spent when the first phase comes online [USD]."""
    electricity_usd_per_mwh: np.ndarray = batched()
    """(S,) electricity price [USD/MWh]."""
    maintenance_it_share_per_year: np.ndarray = batched()
    """(S,) IT maintenance a year / IT capex in service [1/year]."""
    maintenance_facility_share_per_year: np.ndarray = batched()
    """(S,) facility maintenance a year / facility capex in service [1/year]."""
    insurance_share_per_year: np.ndarray = batched()
    """(S,) insurance a year / capex in service [1/year]."""
    staff_usd_per_mw_year: np.ndarray = batched()
    """(S,) staff a year per MW of facility power online [USD/MW/year]."""
    software_usd_per_accelerator_year: np.ndarray = batched()
    """(S,) software licences a year per accelerator [USD/accelerator/year]."""
    market_price_usd_per_accelerator_hour: np.ndarray = batched()
    """(S,) rental price in the first modelled year for every phase (NaN: none given) [USD/accelerator-hour]."""
    catalog_rent_usd_per_accelerator_hour: np.ndarray = batched()
    """(S, P) the catalog's rental quote for each phase's accelerator, in USD of the price year (NaN: none)."""
    catalog_rent_year: np.ndarray = shared()
    """(P,) year of each phase's catalog rent quote (its path starts there)."""
    rent_decline_per_year: np.ndarray = batched()
    """(S,) yearly decline of rental prices [1/year]."""
    rent_by_year: np.ndarray = batched()
    """(S, T) rental price by year for every phase, replacing the path where not NaN [USD/accelerator-hour]."""
    rental_utilization: np.ndarray = batched()
    """(S,) fraction of uncontracted accelerator-hours sold (NaN: none given) [-]."""
    contracted_share: np.ndarray = batched()
    """(S,) take-or-pay share of accelerator-hours [-]."""
    contract_usd_per_accelerator_hour: np.ndarray = batched()
    """(S,) fixed price of contracted hours (NaN: the rent in each phase's online year) [USD/accelerator-hour]."""
    wacc_given: np.ndarray = batched()
    """(S,) the scenario's discount rate (NaN: not given) [1/year]."""
    wacc_default: np.ndarray = batched()
    """(S,) the catalog's discount rate, used when neither the scenario nor every funding source gives one [1/year]."""
    gap_rate: np.ndarray = batched()
    """(S,) rate at which a funding gap is carried (NaN: the WACC) [1/year]."""
    residual_book: bool = shared()
    """``True``: assets left at the end count at net book value in the NPV and IRR."""
    budget_usd: np.ndarray = batched()
    """(S,) a budget to convert into facility MW (NaN: none given) [USD]."""
    tax_rate: np.ndarray = batched()
    """(S,) tax rate for the after-tax cost of debt [-]."""
    source_amount_usd: np.ndarray = batched()
    """(S, K) money of amount-type sources (0 for cover-type) [USD]."""
    source_share: np.ndarray = batched()
    """(S, K) fraction of the covered categories a cover-type source pays [-]."""
    source_rate: np.ndarray = batched()
    """(S, K) debt interest rate, or equity required return (NaN: not given) [1/year]."""

    @property
    def n_scenarios(self) -> int:
        """Variants in the batch (the same as ``n_variants``; kept for callers of the earlier name)."""
        return self.n_variants


def _value(fin: Finance, key: str, cat: Catalog, rows: list[ResolvedInput], unit: str) -> float:
    """A finance value: the scenario's, else the catalog default, else 0 (not included); recorded in ``rows``."""
    given = getattr(fin, key)
    path = f"finance.{key}"
    if given is not None:
        rows.append(ResolvedInput(path, given, unit, "scenario"))
        return float(given)
    if key in _CATALOG_DEFAULTS:
        d = cat.default(path)
        rows.append(ResolvedInput(path, d.value, d.unit or unit, "catalog:defaults", d.source))
        return float(d.value)
    rows.append(ResolvedInput(path, 0.0, unit, "not included (no sourced default; give it to count it)"))
    return 0.0


def _unit(key: str) -> str:
    extra = Finance.model_fields[key].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def finance_inputs(
    scn: Scenario, cat: Catalog, campus: CampusInputs
) -> tuple[FinanceInputs, tuple[ResolvedInput, ...], dict[str, Any]]:
    """Arrays (with ``S = 1``) for one validated scenario with its campus inputs.

    Returns the inputs, every effective finance value with its origin, and the system prices
    used (``{system id: [{year, usd_per_system, price_year, origin, source}]}``).
    A scenario without ``[finance]`` uses the defaults of an empty ``[finance]`` section.
    """
    fin = scn.finance or Finance()
    rows: list[ResolvedInput] = []
    years = campus.years
    n_t = len(years)

    def val(key: str) -> float:
        return _value(fin, key, cat, rows, _unit(key))

    price_year = int(val("price_year"))
    for key in ("networking_share", "storage_share", "contract_usd_per_accelerator_hour", "gap_rate"):
        if getattr(fin, key) is not None:
            rows.append(ResolvedInput(f"finance.{key}", getattr(fin, key), _unit(key), "scenario"))
    val("wacc")  # recorded: the scenario's, else the catalog's (used unless every funding source has a rate)
    prices = load_prices()

    def in_price_year(usd: float, year: int) -> float:
        return to_price_year(usd, year, price_year)

    acc_price = np.zeros((1, len(scn.phase), n_t))
    used: dict[str, list[dict[str, Any]]] = {}
    for p, ph in enumerate(scn.phase):
        system = cat.system_for(ph.accelerator, ph.system)
        if system.id in fin.system_price_usd:
            value = fin.system_price_usd[system.id]
            acc_price[0, p, :] = value / system.accelerators_per_system
            used.setdefault(system.id, [{"usd_per_system": value, "origin": "scenario"}])
            continue
        table = price_rows(system.id, prices)
        for t, year in enumerate(years):
            row = system_price_usd(table, int(year))
            acc_price[0, p, t] = in_price_year(row.usd_per_system, row.price_year) / system.accelerators_per_system
            entries = used.setdefault(system.id, [])
            if all(e.get("id") != row.id for e in entries):
                entries.append(
                    {
                        "id": row.id,
                        "year": row.year,
                        "usd_per_system": row.usd_per_system,
                        "price_year": row.price_year,
                        "usd_per_system_in_price_year": in_price_year(row.usd_per_system, row.price_year),
                        "origin": "catalog:prices",
                        "source": row.source,
                    }
                )
    for system_id, value in fin.system_price_usd.items():
        rows.append(ResolvedInput(f"finance.system_price_usd.{system_id}", value, "USD/system", "scenario"))

    rents = load_rents()
    catalog_rent = np.full((1, len(scn.phase)), np.nan)
    rent_year = np.zeros(len(scn.phase), dtype=np.int64)
    for p, ph in enumerate(scn.phase):
        quote = rents.get(ph.accelerator)
        if quote is not None:
            catalog_rent[0, p] = in_price_year(quote.usd_per_accelerator_hour, quote.price_year)
            rent_year[p] = quote.year
    if fin.market_price_usd_per_accelerator_hour is None and not fin.rent_by_year:
        for accelerator in dict.fromkeys(ph.accelerator for ph in scn.phase):
            quote = rents.get(accelerator)
            if quote is not None:
                rows.append(
                    ResolvedInput(
                        f"finance.rent.{accelerator}",
                        quote.usd_per_accelerator_hour,
                        f"USD/accelerator-hour ({quote.year}, USD of {quote.price_year})",
                        "catalog:rents",
                        quote.source,
                    )
                )
    rent_table = np.full((1, n_t), np.nan)
    for year, value in fin.rent_by_year.items():
        if int(years[0]) <= year <= int(years[-1]):
            rent_table[0, year - int(years[0])] = value
        rows.append(ResolvedInput(f"finance.rent_by_year.{year}", value, "USD/accelerator-hour", "scenario"))

    network = np.full((1, n_t), np.nan)
    for year, value in fin.network_capex_usd.items():
        network[0, year - int(years[0])] = value
        rows.append(ResolvedInput(f"finance.network_capex_usd.{year}", value, "USD", "scenario"))

    def optional(value: float | None) -> np.ndarray:
        return np.asarray([np.nan if value is None else value], dtype=np.float64)

    if scn.site.electricity_usd_per_mwh is None:  # the schema refuses this with [finance]; kept for direct callers
        raise ValueError("site.electricity_usd_per_mwh is required for finance")
    k = len(fin.source)
    schedule = np.zeros((k, n_t))
    covers = np.zeros((k, len(COST_CATEGORIES)), dtype=bool)
    for i, src in enumerate(fin.source):
        first = src.first_year if src.first_year is not None else int(years[0])
        last = src.last_year if src.last_year is not None else first
        mask = (years >= first) & (years <= last)
        schedule[i, mask] = 1.0 / mask.sum()
        for name in src.covers:
            covers[i, COST_CATEGORIES.index(name)] = True

    inputs = FinanceInputs(
        years=years,
        price_year=price_year,
        capex_only_need=fin.funding_need == "capex",
        source_partner=tuple(s.partner for s in fin.source),
        source_is_debt=np.asarray([s.kind == "debt" for s in fin.source], dtype=bool),
        source_secured=np.asarray([s.secured for s in fin.source], dtype=bool),
        source_covers=covers,
        source_schedule=schedule,
        source_tenor_years=np.asarray([s.tenor_years or 0 for s in fin.source], dtype=np.int64),
        accelerator_price_usd=acc_price,
        networking_usd_per_accelerator=np.asarray([val("networking_usd_per_accelerator")]),
        networking_share=optional(fin.networking_share),
        network_capex_usd=network,
        storage_usd_per_accelerator=np.asarray([val("storage_usd_per_accelerator")]),
        storage_share=optional(fin.storage_share),
        facility_usd_per_mw=np.asarray([val("facility_usd_per_mw")]),
        facility_electrical_share=np.asarray([val("facility_electrical_share")]),
        facility_cooling_share=np.asarray([val("facility_cooling_share")]),
        facility_life_years=np.asarray([int(val("facility_life_years"))], dtype=np.int64),
        power_connection_usd_per_mw=np.asarray([val("power_connection_usd_per_mw")]),
        land_usd=np.asarray([val("land_usd")]),
        electricity_usd_per_mwh=np.asarray([float(scn.site.electricity_usd_per_mwh)]),
        maintenance_it_share_per_year=np.asarray([val("maintenance_it_share_per_year")]),
        maintenance_facility_share_per_year=np.asarray([val("maintenance_facility_share_per_year")]),
        insurance_share_per_year=np.asarray([val("insurance_share_per_year")]),
        staff_usd_per_mw_year=np.asarray([val("staff_usd_per_mw_year")]),
        software_usd_per_accelerator_year=np.asarray([val("software_usd_per_accelerator_year")]),
        market_price_usd_per_accelerator_hour=optional(fin.market_price_usd_per_accelerator_hour),
        catalog_rent_usd_per_accelerator_hour=catalog_rent,
        catalog_rent_year=rent_year,
        rent_decline_per_year=np.asarray([val("rent_decline_per_year")]),
        rent_by_year=rent_table,
        rental_utilization=optional(fin.rental_utilization),
        contracted_share=np.asarray([fin.contracted_share]),
        contract_usd_per_accelerator_hour=optional(fin.contract_usd_per_accelerator_hour),
        wacc_given=optional(fin.wacc),
        wacc_default=np.asarray([float(cat.default("finance.wacc").value)]),
        gap_rate=optional(fin.gap_rate),
        residual_book=fin.residual_value == "book",
        budget_usd=optional(fin.budget_usd),
        tax_rate=np.asarray([fin.tax_rate]),
        source_amount_usd=np.asarray([[s.amount_usd or 0.0 for s in fin.source]], dtype=np.float64).reshape(1, k),
        source_share=np.asarray([[s.share for s in fin.source]], dtype=np.float64).reshape(1, k),
        source_rate=np.asarray([[np.nan if s.rate is None else s.rate for s in fin.source]], dtype=np.float64).reshape(
            1, k
        ),
    )
    return inputs, tuple(rows), used
