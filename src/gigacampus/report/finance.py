"""Rich tables and lines for the finance analysis. They format results; they never compute them."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gigacampus.report.terminal import titled_table
from gigacampus.results import Result

__all__ = ["capex_table", "finance_lines", "finance_table", "headline_finance", "partner_table", "tornado_table"]


def _bn(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:,.2f}"


def _money(value: float | None) -> str:
    """A USD amount in the unit that reads best ($ bn, $ m or $)."""
    if value is None:
        return "-"
    if value == 0:
        return "$0"
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
    "Interest": "interest_usd",
    "TCO": "tco_usd",
    "$/acc-h": "tco_usd_per_accelerator_hour",
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
    for year, row in result.timeline.iterrows():
        table.add_row(str(year), *(_finance_cell(column, row[column]) for column in _FINANCE_COLUMNS.values()))
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
        f"TCO per accelerator-hour {_money(unit['tco_usd_per_accelerator_hour'])}, per H100e-hour "
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
    if block["sources"]:
        if block["wacc"] is not None:
            lines.append(f"Weighted average cost of capital: {block['wacc']:.2%}.")
        elif block["wacc_missing_rates"]:
            lines.append(f"WACC not computed: no rate for {', '.join(block['wacc_missing_rates'])}.")
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
        f"TCO {_money(block['unit_economics']['tco_usd_per_accelerator_hour'])}/accelerator-hour; "
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
        table.add_row(
            row["label"],
            f"{row['base_value']:,.0f}" if abs(row["base_value"]) >= 1e4 else f"{row['base_value']:,.4g}",
            f"${row['tco_usd_per_accelerator_hour_low']:.3f}",
            f"${row['tco_usd_per_accelerator_hour_high']:.3f}",
            f"${row['swing_usd_per_accelerator_hour']:.3f}",
        )
    return table
