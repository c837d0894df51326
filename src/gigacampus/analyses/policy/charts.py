"""Report charts of the policy analysis, drawn from a saved summary (its ``"policy"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import INK, Chart, bar, block_years, figure, line, palette_color, style_figure

__all__ = ["policy_charts"]


def policy_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block, rows, years = block_years(summary, "policy")
    if not rows:
        return []
    holders = list(dict.fromkeys(h["holder"] for y in rows for h in y.get("holders", [])))
    shipped = figure()
    installed = figure()
    for i, name in enumerate(holders):
        got = [next((h for h in y.get("holders", []) if h["holder"] == name), {}) for y in rows]
        color = palette_color(i)
        shipped.add_trace(bar(years, [r.get("shipped", 0) for r in got], name, color, hover="%{y:,.0f} shipped"))
        installed.add_trace(bar(years, [r.get("installed", 0) for r in got], name, color, hover="%{y:,.0f} installed"))
    share = [100.0 * sum((y.get("national_cap_share_needed") or {}).values()) for y in rows]
    shipped.add_trace(
        line(years, share, "share of the national cap needed", INK, yaxis="y2", dash="dot", hover="%{y:.1f}%")
    )
    style_figure(shipped, "accelerators shipped", barmode="stack", y2_title="% of the national cap")
    style_figure(installed, "accelerators installed", barmode="stack")
    regime = (block.get("regime") or {}).get("name") or "no regime"
    return [
        Chart(
            "policy-shipped",
            "Chips shipped by holder",
            f"Accelerators each holder received each year under {regime}; the dotted line is the share "
            "of the national cap the campus needed to stay full, replacements included.",
            shipped,
        ),
        Chart(
            "policy-installed",
            "Installed by holder",
            "Accelerators each holder has installed at the campus at year end.",
            installed,
        ),
    ]
