"""The finance analysis after the campus model: the ``"finance"`` block, per-year columns and
the sensitivity (tornado) study, all from one vectorised evaluation over the batch.

Applies with a ``[finance]`` section, or with the run option ``force`` (the defaults of an empty
``[finance]``; see :func:`check_finance` for what the scenario must still give). When the
network analysis prices the fabric (``network_capex_usd``), that replaces the networking share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs
from gigacampus.analyses.finance.charts import finance_charts
from gigacampus.analyses.finance.costs import FinanceOutputs, evaluate, funding, unit_costs, wacc
from gigacampus.analyses.finance.inputs import NOT_INCLUDED_UNLESS_GIVEN, FinanceInputs, finance_inputs
from gigacampus.analyses.finance.section import CAPEX_CATEGORIES, OPEX_CATEGORIES, Finance, finance_problems
from gigacampus.catalog import Catalog
from gigacampus.errors import InputError, Problem
from gigacampus.jsonable import jsonable
from gigacampus.model import CampusInputs, simulate
from gigacampus.model.columns import Column, read_columns
from gigacampus.scenario import ResolvedInput, Scenario, section_rows

__all__ = ["DRIVERS", "FINANCE", "FINANCE_COLUMNS", "FINANCE_UNITS", "check_finance", "sensitivity_batch", "tornado"]

#: Per-year columns the finance analysis adds to the timeline (``columns.csv`` of this folder).
PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.finance")
FINANCE_COLUMNS: tuple[str, ...] = tuple(c.name for c in PROVIDES)

#: Units of the finance block's values and columns.
FINANCE_UNITS: dict[str, str] = {
    **{c.name: c.unit for c in PROVIDES if c.name.endswith("_usd")},  # money first, as summary.json has them
    "tco_usd_per_accelerator_hour": "USD/accelerator-hour",
    "tco_usd_per_h100e_hour": "USD/H100e-hour",
    "tco_usd_per_exaflop_day": "USD/(dense BF16 EFLOP/s x day)",
    "break_even_usd_per_accelerator_hour": "USD/accelerator-hour",
    "market_price_usd_per_accelerator_hour": "USD/accelerator-hour",
    "capex_usd_per_facility_mw": "USD/MW",
    "capex_usd_per_it_mw": "USD/MW",
    "budget_buys_facility_mw": "MW",
    "wacc": "1/year",
}

_PRICE_BASIS = (
    "Money in US dollars of the price year. Catalog quotes (dated 2024-2026) are used as quoted, "
    "without inflation adjustment; scenario values are taken to be in the same dollars."
)


def check_finance(scenario: Scenario, catalog: Catalog, source: str) -> None:
    """Raise :class:`InputError` if the scenario lacks what finance needs (electricity price,
    system prices), naming ``source`` and the key paths."""
    data = scenario.model_dump()
    if data.get("finance") is None:
        data["finance"] = {}
    problems = finance_problems(data, catalog)
    if problems:
        raise InputError([Problem(source, path, message, hint) for path, message, hint in problems])


@dataclass(frozen=True)
class _Evaluated:
    fin: FinanceInputs
    res: FinanceOutputs
    rows: tuple
    prices: dict[str, Any]


#: The per-year column of the network analysis that replaces the networking share when priced.
FABRIC_CAPEX = "network_capex_usd"


def _inputs(scenario: Scenario, cat: Catalog, campus: CampusInputs) -> OwnInputs:
    fin, rows, prices = finance_inputs(scenario, cat, campus)
    return OwnInputs(fin, rows, prices)


def _evaluate(ctx: Context) -> _Evaluated:
    assert ctx.own is not None  # the pipeline builds the inputs of an analysis that has a builder
    fin, rows, prices = ctx.own_inputs, ctx.own.provenance, ctx.own.data
    fabric = ctx.columns.get(FABRIC_CAPEX)
    if fabric is not None and not np.isnan(fabric).any() and np.isnan(fin.network_capex_usd).all():
        # the sized fabric's capex (from [network] with switch and optic prices) replaces the share
        fin = replace(fin, network_capex_usd=np.asarray(fabric, dtype=float))
        rows = (
            *rows,
            ResolvedInput("finance.network_capex_usd", "per year from [network] (network_capex_usd)", "USD", "derived"),
        )
    return _Evaluated(fin, evaluate(fin, ctx.inputs, ctx.outputs), tuple(rows), prices)


def _columns(ev: _Evaluated) -> dict[str, np.ndarray]:
    res = ev.res
    money = funding(ev.fin, res)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_hour = np.where(res.accelerator_hours > 0, res.tco / res.accelerator_hours, np.nan)
    data = {
        "capex_usd": res.capex,
        "opex_usd": res.opex,
        "depreciation_usd": res.depreciation,
        "interest_usd": res.interest,
        "tco_usd": res.tco,
        "tco_usd_per_accelerator_hour": per_hour,
        **money,
    }
    return {name: data[name] for name in FINANCE_COLUMNS}


def _first_year(years: np.ndarray, flags: np.ndarray) -> int | None:
    return int(years[np.argmax(flags)]) if flags.any() else None


def _block(scenario: Scenario, ev: _Evaluated, columns: dict[str, np.ndarray], v: int = 0) -> dict[str, Any]:
    fin, res = ev.fin, ev.res
    years = fin.years
    capex_total = float(res.capex[v].sum())
    refresh = float(res.capex_refresh[v].sum())
    initial = capex_total - refresh
    units = unit_costs(fin, res)
    fin_section = scenario.finance or Finance()
    sources = []
    need_total = float(res.funding_need[v].sum())
    for k, src in enumerate(fin_section.source):
        available = float(res.source_available[v, k].sum())
        sources.append(
            {
                "partner": src.partner,
                "kind": src.kind,
                "secured": src.secured,
                "covers": list(src.covers),
                "available_usd": available,
                "fraction_of_need": available / need_total if need_total > 0 else None,
                "rate": src.rate,
                "tenor_years": src.tenor_years,
                "interest_usd": float(res.source_interest[v, k].sum()),
                "repaid_usd": float(res.source_principal[v, k].sum()),
                "note": src.note,
            }
        )
    by_partner: dict[str, float] = {}
    for item in sources:
        by_partner[item["partner"]] = by_partner.get(item["partner"], 0.0) + item["available_usd"]
    gap = columns["funding_gap_usd"][v]
    gap_all = columns["funding_gap_if_announced_usd"][v]
    price = fin.market_price_usd_per_accelerator_hour[v]
    util = fin.rental_utilization[v]
    break_even = units["break_even_usd_per_accelerator_hour"][v]
    market = None
    if np.isfinite(price):
        market = {
            "market_price_usd_per_accelerator_hour": float(price),
            "rental_utilization": None if np.isnan(util) else float(util),
            "break_even_usd_per_accelerator_hour": None if np.isnan(break_even) else float(break_even),
            "price_over_break_even": None if np.isnan(break_even) else float(price / break_even),
            "revenue_usd": float(res.revenue[v].sum()),
        }
    per_mw = initial / res.facility_mw_max[v] if res.facility_mw_max[v] > 0 else float("nan")
    budget = None
    if np.isfinite(fin.budget_usd[v]):
        budget = {
            "budget_usd": float(fin.budget_usd[v]),
            "capex_usd_per_facility_mw": per_mw,
            "budget_buys_facility_mw": float(fin.budget_usd[v] / per_mw) if per_mw > 0 else None,
        }
    by_year = []
    for t, year in enumerate(years):
        entry: dict[str, Any] = {"year": int(year)}
        entry.update({f"capex_{c}_usd": res.capex_by_category[v, i, t] for i, c in enumerate(CAPEX_CATEGORIES)})
        entry.update({f"opex_{c}_usd": res.opex_by_category[v, i, t] for i, c in enumerate(OPEX_CATEGORIES)})
        entry.update(
            {
                "capex_refresh_usd": res.capex_refresh[v, t],
                "depreciation_it_usd": res.depreciation_it[v, t],
                "depreciation_facility_usd": res.depreciation_facility[v, t],
                "principal_repaid_usd": res.source_principal[v, :, t].sum(),
                "revenue_usd": res.revenue[v, t],
                "accelerator_hours": res.accelerator_hours[v, t],
            }
        )
        by_year.append(entry)
    not_included = [
        {"category": label, "key": f"finance.{key}"}
        for key, label in NOT_INCLUDED_UNLESS_GIVEN.items()
        if getattr(fin_section, key) is None
    ]
    wacc_value = float(wacc(fin, res)[v])
    return jsonable(
        {
            "currency": "USD",
            "price_year": fin.price_year,
            "price_basis": _PRICE_BASIS,
            "capex_usd": capex_total,
            "capex_initial_usd": initial,
            "capex_refresh_usd": refresh,
            "opex_usd": float(res.opex[v].sum()),
            "depreciation_usd": float(res.depreciation[v].sum()),
            "interest_usd": float(res.interest[v].sum()),
            "tco_usd": float(res.tco[v].sum()),
            "capex_by_category_usd": {
                c: float(res.capex_by_category[v, i].sum()) for i, c in enumerate(CAPEX_CATEGORIES)
            },
            "opex_by_category_usd": {c: float(res.opex_by_category[v, i].sum()) for i, c in enumerate(OPEX_CATEGORIES)},
            "capex_usd_per_facility_mw": per_mw,
            "capex_usd_per_it_mw": initial / res.it_mw_max[v] if res.it_mw_max[v] > 0 else None,
            "unit_economics": {name: float(values[v]) for name, values in units.items()},
            "market": market,
            "budget": budget,
            "funding": {
                "need": fin_section.funding_need,
                "need_usd": need_total,
                "secured_usd": float(columns["funding_secured_usd"][v].sum()),
                "announced_usd": float(columns["funding_announced_usd"][v].sum()),
                "gap_usd": float(gap[-1]),
                "largest_gap_usd": float(gap.max()),
                "first_gap_year": _first_year(years, gap > 0),
                "gap_if_announced_usd": float(gap_all[-1]),
                "largest_gap_if_announced_usd": float(gap_all.max()),
                "first_gap_year_if_announced": _first_year(years, gap_all > 0),
            },
            "by_partner_usd": by_partner,
            "sources": sources,
            "wacc": None if np.isnan(wacc_value) else wacc_value,
            "wacc_missing_rates": list(
                dict.fromkeys(s["partner"] for s in sources if s["rate"] is None and s["available_usd"] > 0)
            ),
            "system_prices": ev.prices,
            "not_included": not_included,
            "by_year": by_year,
            "inputs": [r.to_dict() for r in ev.rows],
            "units": FINANCE_UNITS,
        }
    )


def _applies(scenario: Scenario, options: Mapping[str, Any]) -> bool:
    return scenario.finance is not None or bool(options.get("force"))


def _run(ctx: Context) -> Block:
    ev = _evaluate(ctx)
    columns = _columns(ev)
    return Block(
        columns=columns,
        payload=_block(ctx.scenario, ev, columns, ctx.variant),
        provenance=(*ev.rows, *_more_provenance(ctx.scenario, ev)),
        data=ev,
    )


def _more_provenance(scenario: Scenario, ev: _Evaluated) -> list[ResolvedInput]:
    """The run's rows beyond the block's own ``inputs`` list (kept as it was): the plain values of
    ``[finance]``, every funding source, and the catalog's system prices with their sources."""
    fin = scenario.finance or Finance()
    given = {r.path for r in ev.rows}
    rows = [r for r in section_rows(("finance",), fin) if r.path not in given and r.value is not None]
    for i, src in enumerate(fin.source):
        rows += [r for r in section_rows(("finance", "source", i), src) if r.value is not None]
    for system, entries in ev.prices.items():
        catalog = [e for e in entries if e.get("origin") == "catalog:prices"]
        if catalog:
            value = catalog[0]["usd_per_system"] if len(catalog) == 1 else [e["usd_per_system"] for e in catalog]
            source = " ; ".join(dict.fromkeys(e["source"] for e in catalog))
            rows.append(
                ResolvedInput(f"finance.system_price_usd.{system}", value, "USD/system", "catalog:prices", source)
            )
    return rows


# --- sensitivity --------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    """A cost driver the tornado moves: how to scale it in a batch, and its base value."""

    name: str
    label: str
    apply: Callable[[CampusInputs, FinanceInputs, np.ndarray], tuple[CampusInputs, FinanceInputs]]
    base: Callable[[CampusInputs, FinanceInputs], float]


def _scale_fin(field: str) -> Callable[[CampusInputs, FinanceInputs, np.ndarray], tuple[CampusInputs, FinanceInputs]]:
    def apply(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
        value = getattr(f, field)
        return c, replace(f, **{field: value * k.reshape((-1,) + (1,) * (value.ndim - 1))})

    return apply


def _fin_value(field: str) -> Callable[[CampusInputs, FinanceInputs], float]:
    return lambda c, f: float(np.nanmean(getattr(f, field)[0]))


def _scale_pue(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return replace(c, pue=np.maximum(c.pue * k, 1.0)), f


def _scale_utilization(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return replace(c, utilization=np.minimum(c.utilization * k[:, None], 1.0)), f


def _scale_life(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return replace(c, lifetime_years=np.maximum(np.rint(c.lifetime_years * k), 1).astype(np.int64)), f


def _scale_facility_life(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    life = np.maximum(np.rint(f.facility_life_years * k), 1).astype(np.int64)
    return c, replace(f, facility_life_years=life)


def _scale_debt_rate(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    rate = np.where(f.source_is_debt[None, :], f.source_rate * k[:, None], f.source_rate)
    return c, replace(f, source_rate=np.minimum(rate, 1.0))


def _debt_rate(c: CampusInputs, f: FinanceInputs) -> float:
    rates = f.source_rate[0][f.source_is_debt]
    return float(rates.mean()) if rates.size else 0.0


#: Cost drivers of the tornado, in a fixed order (the table sorts them by swing).
DRIVERS: tuple[Driver, ...] = (
    Driver("accelerator_price", "accelerator system prices (x)", _scale_fin("accelerator_price_usd"), lambda c, f: 1.0),
    Driver(
        "networking_share", "finance.networking_share", _scale_fin("networking_share"), _fin_value("networking_share")
    ),
    Driver("storage_share", "finance.storage_share", _scale_fin("storage_share"), _fin_value("storage_share")),
    Driver(
        "facility_usd_per_mw",
        "finance.facility_usd_per_mw",
        _scale_fin("facility_usd_per_mw"),
        _fin_value("facility_usd_per_mw"),
    ),
    Driver(
        "electricity_usd_per_mwh",
        "site.electricity_usd_per_mwh",
        _scale_fin("electricity_usd_per_mwh"),
        _fin_value("electricity_usd_per_mwh"),
    ),
    Driver("pue", "site.pue", _scale_pue, lambda c, f: float(c.pue[0])),
    Driver(
        "utilization", "phase utilization (power draw)", _scale_utilization, lambda c, f: float(c.utilization[0].mean())
    ),
    Driver("lifetime_years", "fleet.lifetime_years (IT life)", _scale_life, lambda c, f: float(c.lifetime_years[0])),
    Driver(
        "facility_life_years",
        "finance.facility_life_years",
        _scale_facility_life,
        lambda c, f: float(f.facility_life_years[0]),
    ),
    Driver("debt_rate", "debt interest rates", _scale_debt_rate, _debt_rate),
    Driver(
        "insurance_share_per_year",
        "finance.insurance_share_per_year",
        _scale_fin("insurance_share_per_year"),
        _fin_value("insurance_share_per_year"),
    ),
    Driver(
        "maintenance_it_share_per_year",
        "finance.maintenance_it_share_per_year",
        _scale_fin("maintenance_it_share_per_year"),
        _fin_value("maintenance_it_share_per_year"),
    ),
    Driver(
        "maintenance_facility_share_per_year",
        "finance.maintenance_facility_share_per_year",
        _scale_fin("maintenance_facility_share_per_year"),
        _fin_value("maintenance_facility_share_per_year"),
    ),
    Driver(
        "staff_usd_per_mw_year",
        "finance.staff_usd_per_mw_year",
        _scale_fin("staff_usd_per_mw_year"),
        _fin_value("staff_usd_per_mw_year"),
    ),
    Driver(
        "power_connection_usd_per_mw",
        "finance.power_connection_usd_per_mw",
        _scale_fin("power_connection_usd_per_mw"),
        _fin_value("power_connection_usd_per_mw"),
    ),
    Driver(
        "software_usd_per_accelerator_year",
        "finance.software_usd_per_accelerator_year",
        _scale_fin("software_usd_per_accelerator_year"),
        _fin_value("software_usd_per_accelerator_year"),
    ),
)


def sensitivity_batch(
    campus: CampusInputs, fin: FinanceInputs, delta: float, drivers: Sequence[Driver] = DRIVERS
) -> tuple[CampusInputs, FinanceInputs]:
    """A batch of ``1 + 2 x len(drivers)`` variants: the base, then each driver at ``1 - delta``
    and ``1 + delta`` (everything else at base)."""
    n = 1 + 2 * len(drivers)
    c, f = campus.repeat(n), fin.repeat(n)
    for i, driver in enumerate(drivers):
        k = np.ones(n)
        k[1 + 2 * i], k[2 + 2 * i] = 1.0 - delta, 1.0 + delta
        c, f = driver.apply(c, f, k)
    return c, f


def tornado(
    scenario: Scenario,
    cat: Catalog,
    campus: CampusInputs,
    delta: float = 0.2,
    refresh: Callable[[CampusInputs], CampusInputs] = lambda batch: batch,
) -> dict[str, Any]:
    """Tornado of TCO per accelerator-hour (whole horizon) when each cost driver moves by +-``delta``.

    ``campus`` is the scenario's campus inputs (``S = 1``, every prepare step applied);
    ``refresh`` re-derives what depends on the varied values (the pipeline passes its prepare
    steps, so a PUE driver moves a clos fabric's overhead too). All
    variants are evaluated in one vectorised call of the campus model and one of the finance
    model. Drivers that do not change the result (e.g. a cost left out) are dropped; the rest
    are sorted by swing, largest first.
    """
    fin, _, _ = finance_inputs(scenario, cat, campus)
    c, f = sensitivity_batch(campus, fin, delta)
    c = refresh(c)
    res = evaluate(f, c, simulate(c))
    per_hour = unit_costs(f, res)["tco_usd_per_accelerator_hour"]
    base = float(per_hour[0])
    rows = []
    for i, driver in enumerate(DRIVERS):
        low, high = float(per_hour[1 + 2 * i]), float(per_hour[2 + 2 * i])
        value = driver.base(campus, fin)
        if value == 0 or (
            abs(low - base) < 1e-12 * max(abs(base), 1.0) and abs(high - base) < 1e-12 * max(abs(base), 1.0)
        ):
            continue
        rows.append(
            {
                "driver": driver.name,
                "label": driver.label,
                "base_value": value,
                "tco_usd_per_accelerator_hour_low": low,
                "tco_usd_per_accelerator_hour_high": high,
                "swing_usd_per_accelerator_hour": abs(high - low),
            }
        )
    rows.sort(key=lambda r: -r["swing_usd_per_accelerator_hour"])
    return jsonable(
        {
            "metric": "tco_usd_per_accelerator_hour",
            "delta": delta,
            "base_tco_usd_per_accelerator_hour": base,
            "variants": int(per_hour.shape[0]),
            "currency": "USD",
            "price_year": fin.price_year,
            "drivers": rows,
        }
    )


FINANCE = Analysis(
    name="finance",
    title="Capex, opex and funding",
    provides=PROVIDES,
    run=_run,
    applies=_applies,
    requires=("accelerators", "energy_mwh", "facility_power_mw"),
    uses=(FABRIC_CAPEX,),
    options=("force",),
    inputs=_inputs,
    charts=finance_charts,
)
