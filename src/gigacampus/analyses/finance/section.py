"""The ``[finance]`` section: prices, costs and funding sources, its cost categories, and its checks
against the rest of the scenario (electricity price, system prices, years).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gigacampus.catalog import Catalog
from gigacampus.catalog.prices import load_price_index, load_prices
from gigacampus.errors import closest
from gigacampus.scenario.base import (
    Problems,
    ScenarioChecksFailed,
    Section,
    Year,
    array_at,
    catalog_of,
    choice_validator,
    num,
    table_at,
    whole_number,
)
from gigacampus.scenario.core import scenario_years

__all__ = [
    "CAPEX_CATEGORIES",
    "COST_CATEGORIES",
    "OPEX_CATEGORIES",
    "RESIDUAL_METHODS",
    "Finance",
    "FinanceSource",
    "finance_problems",
]


#: Capex categories, in reporting order (``covers`` of a funding source may name them).
CAPEX_CATEGORIES: tuple[str, ...] = (
    "accelerator_systems",
    "networking",
    "storage",
    "facility_shell",
    "facility_electrical",
    "facility_cooling",
    "power_connection",
    "land",
)
#: Opex categories, in reporting order.
OPEX_CATEGORIES: tuple[str, ...] = ("electricity", "maintenance", "insurance", "staff", "software")
#: Every cost category a funding source may cover: capex first, then opex.
COST_CATEGORIES: tuple[str, ...] = CAPEX_CATEGORIES + OPEX_CATEGORIES
_SOURCE_KINDS = ("equity", "debt")
_FUNDING_NEEDS = ("cash_flow", "capex")
#: How the assets left at the end of the horizon are valued (``residual_value``).
RESIDUAL_METHODS = ("book", "none")


UsdAmount = Annotated[float, num("USD", ge=0.0, le=1e14)]


class FinanceSource(Section):
    """``[[finance.source]]``: money a named partner commits, as equity or debt.

    Give either ``amount_usd`` (spread evenly over ``first_year``-``last_year``) or ``covers``
    (the partner pays ``share`` of the named cost categories as they are spent).
    """

    partner: str = Field(min_length=1, max_length=200)
    """Who provides the money (e.g. SoftBank)."""
    kind: str = Field(min_length=1, max_length=20)
    """``equity`` or ``debt``."""
    amount_usd: float | None = num("USD", ge=0.0, le=1e14, default=None)
    """Money committed [USD], available in equal parts each year from ``first_year`` to ``last_year``."""
    covers: tuple[str, ...] = ()
    """Cost categories this partner pays as they are spent (instead of ``amount_usd``), e.g.
    ``["facility_shell", "facility_electrical", "facility_cooling"]``."""
    share: float = num("-", gt=0.0, le=1.0, default=1.0)
    """With ``covers``: the fraction of those categories this partner pays [-]."""
    first_year: Year | None = None
    """First year the money is available; default: the scenario's first year."""
    last_year: Year | None = None
    """Last year the money is available; default: ``first_year``."""
    rate: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """Debt: annual interest rate (required). Equity: the return the partner requires (optional,
    used for the weighted average cost of capital) [1/year]; 0.08 is 8%."""
    tenor_years: int | None = Field(default=None, strict=True, ge=1, le=100, json_schema_extra={"unit": "year"})
    """Debt: years over which each year's drawing is repaid in equal parts (required for debt)."""
    secured: bool = Field(default=False, strict=True)
    """``true`` for money committed (signed, in hand); ``false`` for money announced or planned."""
    note: str = Field(default="", max_length=2000)
    """Where the commitment is reported (URL or document)."""

    _known_kind = choice_validator("kind", _SOURCE_KINDS)
    _known_categories = choice_validator("covers", COST_CATEGORIES, "cost category")

    @model_validator(mode="after")
    def _consistent(self) -> FinanceSource:
        problems: list[tuple[str, str, str | None]] = []
        if (self.amount_usd is None) == (not self.covers):
            problems.append(("amount_usd", "give either amount_usd [USD] or covers (a list of cost categories)", None))
        if self.kind == "debt":
            if self.rate is None:
                problems.append(("rate", "missing; debt needs an annual interest rate (a number >= 0 and <= 1)", None))
            if self.tenor_years is None:
                problems.append(("tenor_years", "missing; debt needs a tenor (a whole number of years >= 1)", None))
        elif self.tenor_years is not None:
            problems.append(("tenor_years", "found a tenor on equity; allowed: tenor_years only for debt", None))
        if self.first_year is not None and self.last_year is not None and self.last_year < self.first_year:
            problems.append(("last_year", f"found {self.last_year}; allowed: >= first_year ({self.first_year})", None))
        if problems:
            raise ScenarioChecksFailed(problems)
        return self


class Finance(Section):
    """``[finance]``: prices, costs and financing. Defaults come from the catalog with their sources;
    categories without a sourced default are left out unless given, and reports list them."""

    price_year: Year | None = None
    """Year whose US dollars the money values are in: catalog quotes are converted into it with the
    US CPI-U (``price_index.csv``); scenario values are taken to be in it. Default: catalog
    ``finance.price_year``."""
    wacc: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """Discount rate and cost of capital (nominal, pre-tax) for the capital charge in the TCO and the
    NPV [1/year]; 0.09 is 9%. Default: the funding sources' weighted rate when every source that
    provides money has a rate, else catalog ``finance.wacc``."""
    system_price_usd: dict[str, Annotated[float, num("USD/system", ge=0.0, le=1e10)]] = Field(default_factory=dict)
    """Price of one system [USD], by system id, for every purchase year; replaces the catalog's
    ``prices.csv`` (required for systems the catalog has no price for)."""
    networking_usd_per_accelerator: float | None = num("USD/accelerator", ge=0.0, le=1e7, default=None)
    """Scale-out networking capex per accelerator bought [USD/accelerator]. Default: catalog (Bernstein's
    dollars per GB200 NVL72 rack / 72)."""
    networking_share: float | None = num("-", ge=0.0, le=5.0, default=None)
    """Networking capex as a fraction of accelerator-system capex [-], instead of the per-accelerator price."""
    network_capex_usd: dict[int, UsdAmount] = Field(default_factory=dict)
    """Networking capex by year [USD] (e.g. from a network design), replacing the share in those years."""
    storage_usd_per_accelerator: float | None = num("USD/accelerator", ge=0.0, le=1e7, default=None)
    """Storage capex per accelerator bought [USD/accelerator]. Default: catalog (Bernstein)."""
    storage_share: float | None = num("-", ge=0.0, le=5.0, default=None)
    """Storage capex as a fraction of accelerator-system capex [-], instead of the per-accelerator price."""
    facility_usd_per_mw: float | None = num("USD/MW", ge=0.0, le=1e9, default=None)
    """Facility capex (shell, electrical, cooling) per MW of IT power, spent when a phase comes online
    [USD/MW]. Default: catalog."""
    facility_electrical_share: float | None = num("-", ge=0.0, le=1.0, default=None)
    """Part of the facility capex that is electrical [-]. Default: catalog."""
    facility_cooling_share: float | None = num("-", ge=0.0, le=1.0, default=None)
    """Part of the facility capex that is cooling [-]; the rest is shell. Default: catalog."""
    facility_life_years: int | None = Field(default=None, strict=True, ge=1, le=100, json_schema_extra={"unit": "year"})
    """Years over which facility capex is depreciated. Default: catalog ``finance.facility_life_years``."""
    power_connection_usd_per_mw: float | None = num("USD/MW", ge=0.0, le=1e9, default=None)
    """On-site power and grid connection capex per MW of facility power, spent when a phase comes
    online [USD/MW]. Not included unless given."""
    land_usd: float | None = num("USD", ge=0.0, le=1e12, default=None)
    """Land [USD], spent in the year the first phase comes online. Not included unless given."""
    maintenance_it_share_per_year: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """IT maintenance and support a year, as a fraction of IT capex in service [1/year].
    Not included unless given."""
    maintenance_facility_share_per_year: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """Facility maintenance a year, as a fraction of facility capex in service [1/year].
    Not included unless given."""
    insurance_share_per_year: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """Insurance a year as a fraction of the capex in service [1/year]. Default: catalog."""
    staff_usd_per_mw_year: float | None = num("USD/MW/year", ge=0.0, le=1e8, default=None)
    """Staff cost a year per MW of facility power online [USD/MW/year]. Not included unless given."""
    software_usd_per_accelerator_year: float | None = num("USD/accelerator/year", ge=0.0, le=1e6, default=None)
    """Software licences a year per accelerator [USD/accelerator/year]. Not included unless given."""
    market_price_usd_per_accelerator_hour: float | None = num("USD/accelerator-hour", ge=0.0, le=1e3, default=None)
    """Rental price of one accelerator for an hour in the first modelled year, for every phase; later
    years decline at ``rent_decline_per_year`` [USD/accelerator-hour]. Default: the catalog's quote for
    each phase's accelerator (``rents.csv``), from its quote year."""
    rent_decline_per_year: float | None = num("1/year", ge=0.0, lt=1.0, default=None)
    """Yearly decline of the rental price: the price of year ``t`` is the start price x
    ``(1 - decline) ^ (t - start year)`` [1/year]; below 1. Default: catalog ``finance.rent_decline_per_year``."""
    rent_by_year: dict[int, Annotated[float, num("USD/accelerator-hour", ge=0.0, le=1e3)]] = Field(default_factory=dict)
    """Rental price by year for every phase [USD/accelerator-hour], instead of a start price and a
    decline; must give every modelled year."""
    rental_utilization: float | None = num("-", gt=0.0, le=1.0, default=None)
    """Fraction of the uncontracted accelerator-hours that are sold, for revenue and the break-even price [-]."""
    contracted_share: float = num("-", ge=0.0, le=1.0, default=0.0)
    """Fraction of accelerator-hours sold under a take-or-pay contract: paid whether used or not, at
    ``contract_usd_per_accelerator_hour`` for the whole horizon [-]."""
    contract_usd_per_accelerator_hour: float | None = num("USD/accelerator-hour", ge=0.0, le=1e3, default=None)
    """Fixed price of the contracted hours [USD/accelerator-hour]. Default: the rental price in each
    phase's online year, held flat."""
    residual_value: str = Field(default="book", min_length=1, max_length=20)
    """How the assets at the end of the horizon count in the NPV and IRR: ``book`` (straight-line net book
    value of hardware and buildings, land at cost) or ``none``."""
    gap_rate: float | None = num("1/year", ge=0.0, le=1.0, default=None)
    """Rate at which a funding gap is carried, for its cost [1/year]. Default: the WACC."""
    budget_usd: float | None = num("USD", ge=0.0, le=1e15, default=None)
    """A budget [USD]: reports how much facility power it buys at this scenario's capex per MW."""
    funding_need: str = Field(default="cash_flow", min_length=1, max_length=20)
    """What the funding must pay: ``cash_flow`` (capex + opex + interest + repayments - revenue) or
    ``capex`` (capex only, e.g. when operating costs are the tenant's)."""
    tax_rate: float = num("-", ge=0.0, le=1.0, default=0.0)
    """Tax rate for the after-tax cost of debt in the WACC [-]; 0 gives a pre-tax WACC."""
    source: tuple[FinanceSource, ...] = Field(default=(), max_length=200)
    """Funding sources (``[[finance.source]]``)."""

    _known_need = choice_validator("funding_need", _FUNDING_NEEDS)
    _known_residual = choice_validator("residual_value", RESIDUAL_METHODS)

    @field_validator("system_price_usd")
    @classmethod
    def _known_systems(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        cat = catalog_of(info)
        unknown = [k for k in value if k not in cat.systems]
        if unknown:
            raise ScenarioChecksFailed(
                [
                    (k, f"unknown system {k!r}; allowed: {', '.join(cat.systems)}", closest(k, cat.systems))
                    for k in unknown
                ]
            )
        return value

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        return finance_problems(data, catalog)


def finance_problems(data: dict[str, Any], cat: Catalog) -> Problems:
    """Checks of ``[finance]`` against the rest of the scenario (electricity price, system prices, years)."""
    fin = data.get("finance")
    if not isinstance(fin, dict):
        return []
    problems: Problems = []
    site = table_at(data, "site")
    if site.get("electricity_usd_per_mwh") is None:
        problems.append(
            ("site.electricity_usd_per_mwh", "missing; [finance] needs the price of electricity [USD/MWh]", None)
        )
    given = fin.get("system_price_usd") if isinstance(fin.get("system_price_usd"), dict) else {}
    prices = load_prices()
    phases = array_at(data, "phase")
    missing: dict[str, int] = {}
    for i, ph in enumerate(phases):
        acc = ph.get("accelerator") if isinstance(ph, dict) else None
        sys_id = ph.get("system") if isinstance(ph, dict) else None
        if not isinstance(acc, str) or acc not in cat.accelerators:
            continue
        if sys_id is not None and sys_id not in cat.systems:
            continue
        system = cat.system_for(acc, sys_id).id
        if system not in prices and system not in given:
            missing.setdefault(system, i)
    for system, i in missing.items():
        problems.append(
            (
                f"finance.system_price_usd.{system}",
                f"missing; the catalog has no sourced price for system {system!r} (used by phase[{i}]), "
                "so [finance] must give its price [USD/system] (a number >= 0)",
                None,
            )
        )
    index = load_price_index()
    price_year = whole_number(fin.get("price_year"))
    if price_year is not None and price_year not in index:
        problems.append(
            (
                "finance.price_year",
                f"found {price_year}; allowed: a year of the price index (US CPI-U, {min(index)}-{max(index)})",
                None,
            )
        )
    years = scenario_years(data)
    if years is None:
        return problems
    start, end = years
    rents = fin.get("rent_by_year") if isinstance(fin.get("rent_by_year"), dict) else {}
    rent_years = {whole_number(k) for k in rents} - {None}
    if rents:
        missing_years = [y for y in range(start, end + 1) if y not in rent_years]
        if missing_years:
            problems.append(
                (
                    "finance.rent_by_year",
                    f"missing {', '.join(map(str, missing_years))}; allowed: a price for every year {start}-{end} "
                    "(a table with gaps is refused)",
                    None,
                )
            )
    within = f"allowed: within the scenario years {start}-{end}"
    for key in rents:
        year = whole_number(key)
        if year is not None and not start <= year <= end:
            problems.append((f"finance.rent_by_year.{key}", f"found year {year}; {within}", None))
    by_year = fin.get("network_capex_usd") if isinstance(fin.get("network_capex_usd"), dict) else {}
    for key in by_year:
        year = whole_number(key)
        if year is not None and not start <= year <= end:
            problems.append((f"finance.network_capex_usd.{key}", f"found year {year}; {within}", None))
    shares = [fin.get("facility_electrical_share"), fin.get("facility_cooling_share")]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shares) and sum(shares) > 1:
        problems.append(
            (
                "finance.facility_cooling_share",
                f"electrical + cooling shares add up to {sum(shares):g}; allowed: <= 1",
                None,
            )
        )
    sources = fin.get("source") if isinstance(fin.get("source"), (list, tuple)) else []
    for i, src in enumerate(sources):
        if not isinstance(src, dict):
            continue
        for key in ("first_year", "last_year"):
            year = whole_number(src.get(key))
            if year is not None and not start <= year <= end:
                problems.append((f"finance.source[{i}].{key}", f"found {year}; {within}", None))
    return problems
