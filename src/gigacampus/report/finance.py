"""Rich tables and lines for the finance analysis. They format results; they never compute them."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gigacampus.report.terminal import titled_table
from gigacampus.results import Result

__all__ = [
    "capex_table",
    "cash_flow_table",
    "excluded",
    "finance_lines",
    "finance_table",
    "headline_finance",
    "partner_table",
    "npv_tornado_table",
    "returns_lines",
    "tornado_table",
]


def _bn(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:,.2f}"


def _money(value: float | None) -> str:
    """A USD amount in the unit that reads best ($ bn, $ m or $)."""
    if value is None:
        return "-"
    if value == 0:
        return "$0"
    if value < 0:
        return "-" + _money(-value)
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.1f} bn"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.1f} m"
    return f"${value:,.2f}"


#: Columns of :func:`finance_table` after the year: header and timeline column.
_FINANCE_COLUMNS = {
    "Capex": "capex_usd",
    "Opex": "opex_usd",
    "Deprec.": "depreciation_usd",
    "Capital": "capital_charge_usd",
    "TCO": "tco_usd",
    "$/acc-h": "tco_usd_per_accelerator_hour",
    "Revenue": "revenue_usd",
    "Need": "funding_need_usd",
    "Secured": "funding_secured_usd",
    "Announced": "funding_announced_usd",
    "Gap": "funding_gap_usd",
    "Gap if announced": "funding_gap_if_announced_usd",
}


def _finance_cell(column: str, value: float) -> str:
    """USD bn, but USD per accelerator-hour (NaN in years without accelerators) for that column."""
    if column == "tco_usd_per_accelerator_hour":
        return "-" if value != value else f"{value:.2f}"
    return _bn(value)


def finance_table(result: Result) -> Table:
    """One row per year: capex, opex, depreciation, interest, TCO, cost per accelerator-hour, funding."""
    block = result.blocks["finance"]
    info = result.scenario.scenario
    title = f"{info.name}: finance, USD bn ({block['price_year']} dollars)"
    table = titled_table(title, ("Year", *_FINANCE_COLUMNS), no_wrap=True)
    for row in result.rows:
        table.add_row(str(row["year"]), *(_finance_cell(column, row[column]) for column in _FINANCE_COLUMNS.values()))
    return table


def capex_table(block: dict[str, Any]) -> Table:
    """Capex and opex over the horizon by category."""
    table = titled_table(
        "Capex and opex by category, whole horizon", ("category", "USD bn", "share"), left=("category",)
    )
    for kind in ("capex", "opex"):
        parts = block[f"{kind}_by_category_usd"]
        total = block[f"{kind}_usd"]
        for name, value in parts.items():
            share = f"{value / total:.0%}" if total else "-"
            table.add_row(f"{kind}: {name}", _bn(value), share)
        table.add_row(f"{kind}: total", _bn(total), "", end_section=True)
    return table


#: Columns of :func:`cash_flow_table`: header and key of a ``cash_flows`` row.
_CASH_FLOW_COLUMNS = {
    "Revenue": "revenue_usd",
    "Opex": "opex_usd",
    "Capex": "capex_usd",
    "Residual": "residual_value_usd",
    "Project CF": "project_cash_flow_usd",
    "Cumulative": "cumulative_project_cash_flow_usd",
    "Discounted": "discounted_cash_flow_usd",
    "Debt drawn": "debt_drawn_usd",
    "Interest": "interest_usd",
    "Repaid": "principal_repaid_usd",
    "Equity CF": "equity_cash_flow_usd",
}


def cash_flow_table(block: dict[str, Any]) -> Table:
    """The cash-flow table: one row per year, USD bn."""
    ret = block["returns"]
    table = titled_table(
        f"Cash flows, USD bn ({block['price_year']} dollars), discounted at the WACC {ret['wacc']:.1%}",
        ("Year", *_CASH_FLOW_COLUMNS),
        no_wrap=True,
    )
    for row in block["cash_flows"]:
        table.add_row(str(row["year"]), *(_bn(row[key]) for key in _CASH_FLOW_COLUMNS.values()))
    return table


def excluded(block: dict[str, Any]) -> str:
    """``" (excluding land, staff, ...)"`` when costs are left out, else ``""``."""
    if not block["not_included"]:
        return ""
    return f" (excluding {', '.join(item['category'] for item in block['not_included'])})"


def returns_lines(block: dict[str, Any]) -> list[str]:
    """Sentences on revenue and returns: NPV, IRR, payback, break-even, residual value."""
    ret = block["returns"]
    lines = []
    paths = ret["rent_usd_per_accelerator_hour"]
    for accelerator, path in paths.items():
        years = sorted(path)
        lines.append(
            f"Rent {accelerator}: {_money(path[years[0]])}/hour in {years[0]}, "
            f"falling {ret['rent_decline_per_year']:.0%} a year to {_money(path[years[-1]])} in {years[-1]}"
            + (
                f"; {ret['contracted_share']:.0%} of hours on take-or-pay"
                + (
                    f" at {_money(ret['contract_usd_per_accelerator_hour'])}"
                    if ret["contract_usd_per_accelerator_hour"] is not None
                    else " at the online year's rent"
                )
                if ret["contracted_share"] > 0
                else ""
            )
            + (f"; {ret['rental_utilization']:.0%} of the other hours sold." if ret["rental_utilization"] else ".")
        )
    if ret["revenue_note"]:
        lines.append(f"Returns: {ret['revenue_note']}.")
    irr = f"IRR {ret['irr']:.1%}" if ret["irr"] is not None else f"IRR undefined: {ret['irr_reason']}"
    payback = f"payback in {ret['payback_year']}" if ret["payback_year"] else f"no payback ({ret['payback_reason']})"
    lines.append(
        f"Returns at a WACC of {ret['wacc']:.1%}: revenue {_money(ret['revenue_usd'])}, NPV {_money(ret['npv_usd'])}, "
        f"{irr}, {payback}; residual value {_money(ret['residual_value_usd'])} (net book value)."
    )
    if ret["break_even_usd_per_accelerator_hour"] is not None and not block.get("market"):
        lines.append(
            f"Break-even rent (TCO with capital / hours sold at {ret['rental_utilization']:.0%}): "
            f"{_money(ret['break_even_usd_per_accelerator_hour'])}/accelerator-hour."
        )
    if ret["break_even_rent_scale"] is not None:
        lines.append(f"The NPV is zero with every rent x {ret['break_even_rent_scale']:.2f}.")
    return lines


def partner_table(block: dict[str, Any]) -> Table:
    """Funding sources: partner, kind, secured, money provided, interest."""
    headers = ("partner", "kind", "secured", "covers", "USD bn", "share of need", "rate", "interest USD bn")
    table = titled_table("Funding sources, whole horizon", headers, left=("partner", "kind", "covers"))
    for src in block["sources"]:
        table.add_row(
            src["partner"],
            src["kind"],
            "yes" if src["secured"] else "no",
            ", ".join(src["covers"]) or "amount",
            _bn(src["available_usd"]),
            "-" if src["fraction_of_need"] is None else f"{src['fraction_of_need']:.0%}",
            "-" if src["rate"] is None else f"{src['rate']:.1%}",
            _bn(src["interest_usd"]),
        )
    return table


def finance_lines(block: dict[str, Any]) -> list[str]:
    """Plain sentences: totals, capex per MW, unit costs, market comparison, budget, funding, WACC, gaps."""
    unit = block["unit_economics"]
    fund = block["funding"]
    lines = [
        f"Money in USD of {block['price_year']}: capex {_money(block['capex_usd'])} "
        f"({_money(block['capex_initial_usd'])} initial, {_money(block['capex_refresh_usd'])} refresh), "
        f"opex {_money(block['opex_usd'])}, TCO {_money(block['tco_usd'])}.",
        f"Initial capex per MW: {_money(block['capex_usd_per_facility_mw'])} of facility power, "
        f"{_money(block['capex_usd_per_it_mw'])} of IT power.",
        f"TCO per accelerator-hour {_money(unit['tco_usd_per_accelerator_hour'])} with capital at "
        f"{block['wacc']:.1%} ({block['wacc_origin']}): "
        f"{_money(unit['tco_usd_per_accelerator_hour_before_capital'])} before capital plus "
        f"{_money(unit['capital_charge_usd_per_accelerator_hour'])} capital charge{excluded(block)}; per H100e-hour "
        f"{_money(unit['tco_usd_per_h100e_hour'])}, "
        f"per dense BF16 exaFLOP-day {_money(unit['tco_usd_per_exaflop_day'])}.",
    ]
    market = block.get("market")
    if market:
        be = market["break_even_usd_per_accelerator_hour"]
        util = market["rental_utilization"]
        if be is None:
            lines.append(
                f"Market price {_money(market['market_price_usd_per_accelerator_hour'])}/accelerator-hour; "
                "give finance.rental_utilization for the break-even price."
            )
        else:
            lines.append(
                f"Break-even rental price at {util:.0%} of hours sold: {_money(be)}/accelerator-hour; the market price "
                f"{_money(market['market_price_usd_per_accelerator_hour'])} "
                f"is {market['price_over_break_even']:.2f} x that."
            )
    budget = block.get("budget")
    if budget and budget["budget_buys_facility_mw"] is not None:
        lines.append(
            f"A budget of {_money(budget['budget_usd'])} buys {budget['budget_buys_facility_mw']:,.0f} MW of facility "
            f"power at this scenario's initial capex of {_money(budget['capex_usd_per_facility_mw'])} per MW."
        )
    gap_year = fund["first_gap_year"]
    lines.append(
        f"Funding ({fund['need']}): need {_money(fund['need_usd'])}, secured {_money(fund['secured_usd'])}, "
        f"announced {_money(fund['announced_usd'])}."
    )
    secured_only = (
        f"{_money(fund['gap_usd'])} at the end (largest {_money(fund['largest_gap_usd'])}, from {gap_year})"
        if gap_year
        else "none"
    )
    with_announced = (
        f"{_money(fund['gap_if_announced_usd'])} at the end "
        f"(largest {_money(fund['largest_gap_if_announced_usd'])}, from {fund['first_gap_year_if_announced']})"
        if fund["first_gap_year_if_announced"]
        else "none"
    )
    lines.append(f"Funding gap with secured money only: {secured_only}; with announced money too: {with_announced}.")
    if fund["gap_cost_usd"] or fund["gap_cost_if_announced_usd"]:
        lines.append(
            f"Carrying the gap at {fund['gap_rate']:.1%} a year costs {_money(fund['gap_cost_usd'])} over the horizon "
            f"with secured money only ({_money(fund['gap_cost_if_announced_usd'])} with announced money too)."
        )
    if block["sources"]:
        if block["wacc_of_sources"] is not None:
            lines.append(f"Weighted rate of the funding sources: {block['wacc_of_sources']:.2%}.")
        elif block["wacc_missing_rates"]:
            lines.append(
                f"No weighted rate of the funding sources (no rate for {', '.join(block['wacc_missing_rates'])}); "
                f"the WACC is the {block['wacc_origin']}."
            )
    lines += returns_lines(block)
    if block["not_included"]:
        keys = ", ".join(item["key"].removeprefix("finance.") for item in block["not_included"])
        lines.append(f"Not included (no sourced default; set finance.<key> to count them): {keys}.")
    return lines


def headline_finance(result: Result) -> str:
    """One line for ``gigacampus run``: capex, TCO per accelerator-hour and the funding gap."""
    block = result.blocks["finance"]
    fund = block["funding"]
    return (
        f"Finance (USD of {block['price_year']}): capex {_money(block['capex_usd'])}, "
        f"opex {_money(block['opex_usd'])}, "
        f"TCO {_money(block['unit_economics']['tco_usd_per_accelerator_hour'])}/accelerator-hour at a "
        f"{block['wacc']:.0%} WACC{excluded(block)}; NPV {_money(block['returns']['npv_usd'])}; "
        f"funding gap with secured money {_money(fund['gap_usd'])} (details: gigacampus finance FILE)."
    )


def tornado_table(sens: dict[str, Any]) -> Table:
    """The sensitivity of TCO per accelerator-hour to each driver at -delta and +delta."""
    pct = f"{sens['delta']:.0%}"
    table = titled_table(
        f"Tornado: TCO per accelerator-hour (base ${sens['base_tco_usd_per_accelerator_hour']:.3f}), "
        f"each driver at -{pct} / +{pct}",
        ("driver", "base value", f"-{pct}", f"+{pct}", "swing"),
        left=("driver",),
        no_wrap=True,
        caption=f"{sens['variants']} variants in one vectorised run; USD of {sens['price_year']}",
    )
    for row in sens["drivers"]:
        if row["swing_usd_per_accelerator_hour"] == 0:
            continue
        table.add_row(
            row["label"],
            _base_value(row["base_value"]),
            f"${row['tco_usd_per_accelerator_hour_low']:.3f}",
            f"${row['tco_usd_per_accelerator_hour_high']:.3f}",
            f"${row['swing_usd_per_accelerator_hour']:.3f}",
        )
    return table


def _base_value(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.4g}"


def npv_tornado_table(sens: dict[str, Any]) -> Table | None:
    """The sensitivity of the NPV to each driver at -delta and +delta (None without revenue)."""
    if sens.get("base_npv_usd") is None:
        return None
    pct = f"{sens['delta']:.0%}"
    table = titled_table(
        f"Tornado: NPV at a {sens['wacc']:.1%} WACC (base {_money(sens['base_npv_usd'])}), "
        f"each driver at -{pct} / +{pct}",
        ("driver", "base value", f"-{pct}", f"+{pct}", "swing"),
        left=("driver",),
        no_wrap=True,
        caption=f"USD of {sens['price_year']}",
    )
    for row in sorted(sens["drivers"], key=lambda r: -(r["npv_swing_usd"] or 0.0)):
        if not row["npv_swing_usd"]:
            continue
        table.add_row(
            row["label"],
            _base_value(row["base_value"]),
            _money(row["npv_usd_low"]),
            _money(row["npv_usd_high"]),
            _money(row["npv_swing_usd"]),
        )
    return table
