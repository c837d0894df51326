"""The finance analysis after the campus model: the ``"finance"`` block, per-year columns and
the sensitivity (tornado) study, all from one vectorised evaluation over the batch.

Applies with a ``[finance]`` section, or with the run option ``force`` (the defaults of an empty
``[finance]``; see :func:`check_finance` for what the scenario must still give). When the
network analysis prices the fabric (``network_capex_usd``), that replaces the networking share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs
from gigacampus.analyses.finance.charts import finance_charts
from gigacampus.analyses.finance.costs import FinanceOutputs, evaluate, funding, irr, returns, unit_costs, wacc
from gigacampus.analyses.finance.inputs import NOT_INCLUDED_UNLESS_GIVEN, FinanceInputs, finance_inputs
from gigacampus.analyses.finance.section import CAPEX_CATEGORIES, OPEX_CATEGORIES, Finance, finance_problems
from gigacampus.catalog import Catalog
from gigacampus.errors import InputError, Problem
from gigacampus.jsonable import jsonable
from gigacampus.model import CampusInputs, simulate
from gigacampus.model.columns import Column, read_columns
from gigacampus.scenario import ResolvedInput, Scenario, section_rows

__all__ = [
    "CASH_FLOW_TABLE",
    "DRIVERS",
    "FINANCE",
    "FINANCE_COLUMNS",
    "FINANCE_UNITS",
    "check_finance",
    "sensitivity_batch",
    "tornado",
]

#: Per-year columns the finance analysis adds to the timeline (``columns.csv`` of this folder).
PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.finance")
FINANCE_COLUMNS: tuple[str, ...] = tuple(c.name for c in PROVIDES)

#: Units of the finance block's values and columns.
FINANCE_UNITS: dict[str, str] = {
    **{c.name: c.unit for c in PROVIDES if c.name.endswith("_usd")},  # money first, as summary.json has them
    "tco_usd_per_accelerator_hour": "USD/accelerator-hour",
    "tco_usd_per_accelerator_hour_before_capital": "USD/accelerator-hour",
    "capital_charge_usd_per_accelerator_hour": "USD/accelerator-hour",
    "rent_usd_per_accelerator_hour": "USD/accelerator-hour",
    "contract_usd_per_accelerator_hour": "USD/accelerator-hour",
    "npv_usd": "USD",
    "irr": "1/year",
    "rent_decline_per_year": "1/year",
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
    "Money in US dollars of the price year. Catalog quotes (system prices and rents, dated 2020-2026) are "
    "converted from their own year with the US CPI-U (BLS, catalog price_index.csv); the catalog's per-MW and "
    "per-accelerator defaults are 2025 quotes; scenario values are taken to be in the price year's dollars. "
    "No escalation after the price year: every year is in the same dollars."
)

#: How the residual value is stated in the returns block, by ``finance.residual_value``.
_RESIDUAL_METHOD = {
    True: "net book value at the end of the horizon (straight line, mid-year convention) of IT and facility capex, "
    "land at cost; counted as an inflow in the last year",
    False: "none (finance.residual_value = 'none')",
}
_CONVENTION = (
    "project (unlevered, pre-tax) cash flows = revenue - opex - capex, the residual value in the last year; "
    "valued at the start of the first year, each year's flow at mid-year: NPV = sum CF_t / (1 + WACC)^(t + 1/2); "
    "payback from operating cash flows (residual excluded)"
)
_RATE_ORIGIN = ("scenario (finance.wacc)", "funding sources (their weighted rate)", "catalog default (finance.wacc)")

#: Name of the cash-flow table in the finance block (one row per year; exported as a table).
CASH_FLOW_TABLE = "cash_flows"


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
        "capital_charge_usd": res.capital_charge,
        "interest_usd": res.interest,
        "tco_usd": res.tco,
        "tco_before_capital_usd": res.tco_before_capital,
        "tco_usd_per_accelerator_hour": per_hour,
        "revenue_usd": res.revenue,
        "project_cash_flow_usd": res.project_cash_flow,
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
    rate = float(res.discount_rate[v])
    one = res.take([v])
    back = returns(fin.take([v]), one)  # variant v's alone (a sweep's batch has thousands)
    _, reasons = irr(one.project_cash_flow)
    cash_flows = _cash_flow_table(ev, v)
    unknown = [scenario.phase[p].accelerator for p in range(len(scenario.phase)) if not res.revenue_known[v, p]]
    returns_block = _returns_block(scenario, fin, res, back, reasons[0], v, list(dict.fromkeys(unknown)))
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
                "gap_rate": float(fin.gap_rate[v]) if np.isfinite(fin.gap_rate[v]) else rate,
                "gap_cost_usd": float(columns["funding_gap_cost_usd"][v].sum()),
                "gap_cost_if_announced_usd": float(funding(fin, res)["funding_gap_cost_if_announced_usd"][v].sum()),
            },
            "by_partner_usd": by_partner,
            "sources": sources,
            "wacc": rate,
            "wacc_origin": _RATE_ORIGIN[int(res.discount_rate_origin[v])],
            "wacc_of_sources": None if np.isnan(wacc_value) else wacc_value,
            "returns": returns_block,
            CASH_FLOW_TABLE: cash_flows,
            "wacc_missing_rates": _missing_rates(sources),
            "system_prices": ev.prices,
            "not_included": not_included,
            "by_year": by_year,
            "inputs": [r.to_dict() for r in ev.rows],
            "units": FINANCE_UNITS,
        }
    )


def _cash_flow_table(ev: _Evaluated, v: int) -> list[dict[str, Any]]:
    """One row per year: the project's and the equity's cash flows and their discounting."""
    fin, res = ev.fin, ev.res
    rate = float(res.discount_rate[v])
    project = res.project_cash_flow[v]
    equity = res.equity_cash_flow[v]
    rows = []
    cumulative = 0.0
    for t, year in enumerate(fin.years):
        factor = (1.0 + rate) ** -(t + 0.5)
        residual = float(res.residual_value[v]) if t == len(fin.years) - 1 else 0.0
        cumulative += float(project[t])
        rows.append(
            {
                "year": int(year),
                "revenue_usd": float(res.revenue[v, t]),
                "opex_usd": float(res.opex[v, t]),
                "capex_usd": float(res.capex[v, t]),
                "residual_value_usd": residual,
                "project_cash_flow_usd": float(project[t]),
                "cumulative_project_cash_flow_usd": cumulative,
                "discount_factor": factor,
                "discounted_cash_flow_usd": float(project[t]) * factor,
                "debt_drawn_usd": float(res.debt_drawn[v, t]),
                "interest_usd": float(res.interest[v, t]),
                "principal_repaid_usd": float(res.source_principal[v, :, t].sum()),
                "equity_cash_flow_usd": float(equity[t]),
            }
        )
    return rows


def _returns_block(
    scenario: Scenario,
    fin: FinanceInputs,
    res: FinanceOutputs,
    back: dict[str, np.ndarray],
    irr_reason: str | None,
    v: int,
    without_revenue: list[str],
) -> dict[str, Any]:
    """The ``returns`` block: NPV at the WACC, IRR, payback, break-even, residual value, rent path
    (``back``: variant ``v``'s :func:`returns`, one element each)."""
    years = fin.years
    rent = res.rent_usd_per_accelerator_hour[v]
    paths = {}
    for p, ph in enumerate(scenario.phase):
        if np.isfinite(rent[p]).all():
            paths.setdefault(ph.accelerator, {str(int(y)): float(rent[p, t]) for t, y in enumerate(years)})
    util = fin.rental_utilization[v]
    payback = int(back["payback_year"][0])
    discounted = int(back["discounted_payback_year"][0])
    end = int(years[-1])
    no_rent = [ph.accelerator for p, ph in enumerate(scenario.phase) if not np.isfinite(rent[p]).all()]
    needs = []
    if no_rent:
        needs.append(
            "a rent (finance.market_price_usd_per_accelerator_hour or finance.rent_by_year; the catalog has none "
            f"for {', '.join(dict.fromkeys(no_rent))})"
        )
    if not np.isfinite(util) and fin.contracted_share[v] < 1:
        needs.append("finance.rental_utilization")
    note = (
        f"revenue is not counted for {', '.join(without_revenue)}: give {' and '.join(needs)}"
        if without_revenue
        else None
    )
    irr_value = float(back["irr"][0])
    scale = float(back["break_even_rent_scale"][0])
    return {
        "npv_usd": float(back["npv_usd"][0]),
        "wacc": float(res.discount_rate[v]),
        "irr": None if np.isnan(irr_value) else irr_value,
        "irr_reason": irr_reason,
        "payback_year": payback if payback >= 0 else None,
        "payback_reason": None if payback >= 0 else f"the cumulative cash flow is still negative in {end}",
        "discounted_payback_year": discounted if discounted >= 0 else None,
        "break_even_usd_per_accelerator_hour": float(unit_costs(fin, res)["break_even_usd_per_accelerator_hour"][v])
        if np.isfinite(util)
        else None,
        "break_even_rent_scale": None if np.isnan(scale) else scale,
        "revenue_usd": float(res.revenue[v].sum()),
        "pv_revenue_usd": float(back["pv_revenue_usd"][0]),
        "residual_value_usd": float(res.residual_value[v]),
        "residual_method": _RESIDUAL_METHOD[fin.residual_book],
        "rental_utilization": None if np.isnan(util) else float(util),
        "contracted_share": float(fin.contracted_share[v]),
        "contract_usd_per_accelerator_hour": None
        if np.isnan(fin.contract_usd_per_accelerator_hour[v])
        else float(fin.contract_usd_per_accelerator_hour[v]),
        "rent_decline_per_year": float(fin.rent_decline_per_year[v]),
        "rent_usd_per_accelerator_hour": paths,
        "revenue_note": note,
        "convention": _CONVENTION,
    }


def _applies(scenario: Scenario, options: Mapping[str, Any]) -> bool:
    return scenario.finance is not None or bool(options.get("force"))


def _explanations(block: dict[str, Any]) -> tuple[str, ...]:
    """Sentences for the report: the cost of an hour with and without capital, the returns, the gap."""
    unit, ret, fund = block["unit_economics"], block["returns"], block["funding"]
    left_out = ", ".join(item["category"] for item in block["not_included"])
    lines = [
        f"An accelerator-hour costs {unit['tco_usd_per_accelerator_hour']:.2f} USD with capital at a "
        f"{block['wacc']:.1%} WACC ({block['wacc_origin']}), {unit['tco_usd_per_accelerator_hour_before_capital']:.2f} "
        f"USD before the cost of capital" + (f", excluding {left_out}." if left_out else "."),
    ]
    irr_text = f"IRR {ret['irr']:.1%}" if ret["irr"] is not None else f"no IRR ({ret['irr_reason']})"
    payback = f"pays back in {ret['payback_year']}" if ret["payback_year"] else "does not pay back in the horizon"
    lines.append(
        f"Revenue {ret['revenue_usd'] / 1e9:,.1f} bn USD; NPV {ret['npv_usd'] / 1e9:,.1f} bn USD at the WACC, "
        f"{irr_text}; the project {payback}; residual value {ret['residual_value_usd'] / 1e9:,.1f} bn USD "
        "(net book value)." + (f" Note: {ret['revenue_note']}." if ret["revenue_note"] else "")
    )
    if fund["first_gap_year"] is not None:
        lines.append(
            f"With secured money only the plan is {fund['largest_gap_usd'] / 1e9:,.1f} bn USD short at most (from "
            f"{fund['first_gap_year']}); carrying the gap at {fund['gap_rate']:.1%} costs "
            f"{fund['gap_cost_usd'] / 1e9:,.1f} bn USD."
        )
    return tuple(lines)


def _run(ctx: Context) -> Block:
    ev = _evaluate(ctx)
    columns = _columns(ev)
    provenance = (*ev.rows, *_more_provenance(ctx.scenario, ev))
    if not ctx.payload:  # the block (variant v's returns and IRR again, the tables) costs more than the columns
        return Block(columns=columns, provenance=provenance, data=ev)
    payload = _block(ctx.scenario, ev, columns, ctx.variant)
    explanations = _explanations(payload)
    return Block(
        columns=columns,
        payload={**payload, "explanations": list(explanations)},
        explanations=explanations,
        provenance=provenance,
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
    def value(c: CampusInputs, f: FinanceInputs) -> float:
        values = np.asarray(getattr(f, field)[0], dtype=np.float64)
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    return value


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


def _scale_per_accelerator(
    what: str,
) -> Callable[[CampusInputs, FinanceInputs, np.ndarray], tuple[CampusInputs, FinanceInputs]]:
    """Scale a per-accelerator price, or the share that replaces it when the scenario gives one."""

    def apply(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
        usd, share = getattr(f, f"{what}_usd_per_accelerator"), getattr(f, f"{what}_share")
        return c, replace(f, **{f"{what}_usd_per_accelerator": usd * k, f"{what}_share": share * k})

    return apply


def _per_accelerator_value(what: str) -> Callable[[CampusInputs, FinanceInputs], float]:
    def value(c: CampusInputs, f: FinanceInputs) -> float:
        share = float(getattr(f, f"{what}_share")[0])
        return share if np.isfinite(share) else float(getattr(f, f"{what}_usd_per_accelerator")[0])

    return value


def _scale_network(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    c, f = _scale_per_accelerator("networking")(c, f, k)
    return c, replace(f, network_capex_usd=f.network_capex_usd * k[:, None])


def _network_value(c: CampusInputs, f: FinanceInputs) -> float:
    if np.isfinite(f.network_capex_usd[0]).any():
        return float(np.nansum(f.network_capex_usd[0]))
    return _per_accelerator_value("networking")(c, f)


def _base_rate(f: FinanceInputs) -> np.ndarray:
    """(S,) the scenario's rate, else the catalog's (a sources' rate is fixed before scaling, see _scale_wacc)."""
    return np.where(np.isfinite(f.wacc_given), f.wacc_given, f.wacc_default)


def _scale_wacc(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return c, replace(f, wacc_given=np.minimum(f.wacc_given * k, 1.0))


def _scale_rent(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return c, replace(
        f,
        market_price_usd_per_accelerator_hour=f.market_price_usd_per_accelerator_hour * k,
        catalog_rent_usd_per_accelerator_hour=f.catalog_rent_usd_per_accelerator_hour * k[:, None],
        rent_by_year=f.rent_by_year * k[:, None],
        contract_usd_per_accelerator_hour=f.contract_usd_per_accelerator_hour * k,
    )


def _scale_rental_utilization(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return c, replace(f, rental_utilization=np.minimum(f.rental_utilization * k, 1.0))


def _scale_decline(c: CampusInputs, f: FinanceInputs, k: np.ndarray) -> tuple[CampusInputs, FinanceInputs]:
    return c, replace(f, rent_decline_per_year=np.minimum(f.rent_decline_per_year * k, 0.99))


def _debt_rate(c: CampusInputs, f: FinanceInputs) -> float:
    rates = f.source_rate[0][f.source_is_debt]
    return float(rates.mean()) if rates.size else 0.0


#: Cost drivers of the tornado, in a fixed order (the table sorts them by swing).
DRIVERS: tuple[Driver, ...] = (
    Driver("accelerator_price", "accelerator system prices (x)", _scale_fin("accelerator_price_usd"), lambda c, f: 1.0),
    Driver(
        "networking_usd_per_accelerator",
        "finance.networking_usd_per_accelerator",
        _scale_network,
        _network_value,
    ),
    Driver(
        "storage_usd_per_accelerator",
        "finance.storage_usd_per_accelerator",
        _scale_per_accelerator("storage"),
        _per_accelerator_value("storage"),
    ),
    Driver("wacc", "finance.wacc (cost of capital)", _scale_wacc, lambda c, f: float(_base_rate(f)[0])),
    Driver("rent", "rental prices (x)", _scale_rent, lambda c, f: 1.0),
    Driver(
        "rental_utilization",
        "finance.rental_utilization (hours sold)",
        _scale_rental_utilization,
        _fin_value("rental_utilization"),
    ),
    Driver(
        "rent_decline_per_year",
        "finance.rent_decline_per_year",
        _scale_decline,
        _fin_value("rent_decline_per_year"),
    ),
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
    """Tornado of TCO per accelerator-hour (whole horizon) and of the NPV (when there is revenue) when
    each driver moves by +-``delta``.

    ``campus`` is the scenario's campus inputs (``S = 1``, every prepare step applied);
    ``refresh`` re-derives what depends on the varied values (the pipeline passes its prepare
    steps, so a PUE driver moves a clos fabric's overhead too). All
    variants are evaluated in one vectorised call of the campus model and one of the finance
    model. Drivers that do not change the result (e.g. a cost left out) are dropped; the rest
    are sorted by swing, largest first.
    """
    fin, _, _ = finance_inputs(scenario, cat, campus)
    # the rate the base uses (the scenario's, the sources', or the catalog's) becomes the one the driver moves
    if np.isfinite(fin.wacc_given).all():
        rate = fin.wacc_given
    elif fin.source_rate.size and np.isfinite(fin.source_rate).all():  # the sources' weighted rate: evaluate once
        rate = evaluate(fin, refresh(campus), simulate(refresh(campus))).discount_rate
    else:
        rate = fin.wacc_default
    fin = replace(fin, wacc_given=np.asarray(rate, dtype=np.float64).copy())
    c, f = sensitivity_batch(campus, fin, delta)
    c = refresh(c)
    res = evaluate(f, c, simulate(c))
    per_hour = unit_costs(f, res)["tco_usd_per_accelerator_hour"]
    value_npv = returns(f, res)["npv_usd"]
    has_revenue = bool(res.revenue[0].sum() > 0)
    base = float(per_hour[0])
    base_npv = float(value_npv[0])

    def same(a: float, b: float) -> bool:
        return abs(a - b) < 1e-12 * max(abs(b), 1.0)

    rows = []
    for i, driver in enumerate(DRIVERS):
        low, high = float(per_hour[1 + 2 * i]), float(per_hour[2 + 2 * i])
        npv_low, npv_high = float(value_npv[1 + 2 * i]), float(value_npv[2 + 2 * i])
        value = driver.base(campus, fin)
        npv_moves = has_revenue and not (same(npv_low, base_npv) and same(npv_high, base_npv))
        if not np.isfinite(value) or value == 0 or (same(low, base) and same(high, base) and not npv_moves):
            continue
        rows.append(
            {
                "driver": driver.name,
                "label": driver.label,
                "base_value": value,
                "tco_usd_per_accelerator_hour_low": low,
                "tco_usd_per_accelerator_hour_high": high,
                "swing_usd_per_accelerator_hour": abs(high - low),
                "npv_usd_low": npv_low if has_revenue else None,
                "npv_usd_high": npv_high if has_revenue else None,
                "npv_swing_usd": abs(npv_high - npv_low) if has_revenue else None,
            }
        )
    rows.sort(key=lambda r: -r["swing_usd_per_accelerator_hour"])
    return jsonable(
        {
            "metric": "tco_usd_per_accelerator_hour",
            "delta": delta,
            "base_tco_usd_per_accelerator_hour": base,
            "base_npv_usd": base_npv if has_revenue else None,
            "wacc": float(rate[0]),
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


def _missing_rates(sources: list[dict]) -> list[str]:
    """The funding sources with money but no rate, by partner; a partner with more than one
    source is named with the source's key path (``SoftBank (finance.source[1])``), so that
    setting one source's rate shows which of the partner's others still lacks one."""
    count = Counter(s["partner"] for s in sources)
    return [
        s["partner"] if count[s["partner"]] == 1 else f"{s['partner']} (finance.source[{i}])"
        for i, s in enumerate(sources)
        if s["rate"] is None and s["available_usd"] > 0
    ]
