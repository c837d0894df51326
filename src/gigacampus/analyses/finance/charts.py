"""Report charts of the finance analysis, drawn from a saved summary (its ``"finance"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import (
    INK,
    PALETTE,
    Chart,
    bar,
    billions,
    figure,
    line,
    palette_color,
    reference_line,
    series,
    style_figure,
    summary_years,
)

__all__ = ["finance_charts"]


_CAPEX_LABELS = {
    "accelerator_systems": "accelerator systems",
    "networking": "networking",
    "storage": "storage",
    "facility_shell": "facility shell",
    "facility_electrical": "electrical",
    "facility_cooling": "cooling",
    "power_connection": "power connection",
    "land": "land",
}


def finance_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary["finance"]
    years = summary_years(summary)
    by_year = {int(r["year"]): r for r in block.get("by_year", [])}
    price_year = block.get("price_year")
    money = f"USD bn of {price_year}" if price_year else "USD bn"
    bn, usd = "%{y:,.2f} bn", "%{y:,.2f} USD"
    capex = figure()
    for i, (key, label) in enumerate(_CAPEX_LABELS.items()):
        values = [by_year.get(y, {}).get(f"capex_{key}_usd") or 0.0 for y in years]
        if any(values):
            capex.add_trace(bar(years, billions(values), label, palette_color(i), hover=bn))
    capex.add_trace(line(years, billions(series(summary, "opex_usd")), "opex", INK, hover=bn))
    style_figure(capex, money, barmode="stack")
    need, gap = billions(series(summary, "funding_need_usd")), billions(series(summary, "funding_gap_usd"))
    gap_announced = billions(series(summary, "funding_gap_if_announced_usd"))
    funding = figure()
    funding.add_trace(bar(years, need, "spending need", PALETTE[6], hover=bn))
    funding.add_trace(line(years, gap, "funding gap, secured money only", PALETTE[4], hover=bn))
    funding.add_trace(
        line(years, gap_announced, "funding gap, with announced money", PALETTE[1], dash="dash", hover=bn)
    )
    style_figure(funding, money)
    tco = figure()
    cost = series(summary, "tco_usd_per_accelerator_hour")
    tco.add_trace(line(years, cost, "TCO with capital, per accelerator-hour", PALETTE[0], hover=usd))
    hours = [by_year.get(y, {}).get("accelerator_hours") or 0.0 for y in years]
    before = series(summary, "tco_before_capital_usd")
    per_hour_before = [b / h if b is not None and h else None for b, h in zip(before, hours, strict=True)]
    tco.add_trace(line(years, per_hour_before, "before the cost of capital", PALETTE[2], dash="dash", hover=usd))
    rents = (block.get("returns") or {}).get("rent_usd_per_accelerator_hour") or {}
    for i, (accelerator, path) in enumerate(list(rents.items())[:20]):
        values = [path.get(str(y)) for y in years]
        tco.add_trace(line(years, values, f"rent {accelerator}", PALETTE[(4 + i) % len(PALETTE)], hover=usd))
    market = (block.get("market") or {}).get("market_price_usd_per_accelerator_hour")
    if market and not rents:
        tco.add_trace(reference_line(years, market, "market price", PALETTE[4], hover=usd))
    style_figure(tco, "USD per accelerator-hour")
    flows = {int(r["year"]): r for r in block.get("cash_flows", [])}
    cash = figure()
    cash.add_trace(
        bar(
            years,
            billions([flows.get(y, {}).get("project_cash_flow_usd") for y in years]),
            "project cash flow",
            PALETTE[6],
            hover=bn,
        )
    )
    cash.add_trace(
        line(
            years,
            billions([flows.get(y, {}).get("cumulative_project_cash_flow_usd") for y in years]),
            "cumulative",
            INK,
            hover=bn,
        )
    )
    style_figure(cash, money)
    return [
        Chart(
            "finance-capex",
            "Capex by category, and opex",
            f"Money spent each year ({money}); refreshes at end of life are new capex in their year.",
            capex,
        ),
        Chart(
            "finance-funding",
            "Spending need and funding gap",
            "Bars: money needed each year; lines: the cumulative gap if only secured money arrives, and "
            "if announced money arrives too.",
            funding,
        ),
        Chart(
            "finance-tco",
            "Cost and rent per accelerator-hour",
            "TCO per accelerator-hour each year with the capital charge at the WACC (solid) and before it (dashed)"
            + ("; the rent path of each accelerator." if rents else "."),
            tco,
        ),
        Chart(
            "finance-cash-flows",
            "Cash flows",
            "Bars: the project's cash flow each year (revenue - opex - capex, the residual value in the last year); "
            "line: its cumulative sum.",
            cash,
        ),
    ]
