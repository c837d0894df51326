"""Report charts of the network analysis, drawn from a saved summary (its ``"network"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import PALETTE, Chart, bar, figure, line, series, style_figure, summary_years

__all__ = ["network_charts"]


def network_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    switches = series(summary, "network_switches")
    if not any(switches):
        return []
    fig = figure()
    fig.add_trace(bar(years, switches, "switches", PALETTE[0], hover="%{y:,.0f}"))
    power = series(summary, "network_power_mw")
    has_power = any(v is not None for v in power)
    if has_power:
        fig.add_trace(line(years, power, "network power", PALETTE[4], yaxis="y2", hover="%{y:,.1f} MW"))
    style_figure(fig, "switches", y2_title="MW" if has_power else None)
    return [
        Chart(
            "network-fabric",
            "Scale-out network",
            "Switches in the rail-optimised Clos fabrics of the installed accelerators"
            + (", and the fabric's power." if has_power else " (no switch power given)."),
            fig,
        ),
    ]
