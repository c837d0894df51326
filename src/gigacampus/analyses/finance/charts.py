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
    tco.add_trace(line(years, cost, "TCO per accelerator-hour", PALETTE[0], hover=usd))
    market = (block.get("market") or {}).get("market_price_usd_per_accelerator_hour")
    if market:
        tco.add_trace(reference_line(years, market, "market price", PALETTE[4], hover=usd))
    style_figure(tco, "USD per accelerator-hour")
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
            "Cost per accelerator-hour",
            "TCO (depreciation + opex + interest) per accelerator-hour each year"
            + ("; the dotted line is the scenario's market price." if market else "."),
            tco,
        ),
    ]
