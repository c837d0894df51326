"""Report charts of the training analysis, drawn from a saved summary (its ``"training"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import PALETTE, Chart, bar, block_years, figure, palette_color, reference_line, style_figure

__all__ = ["training_charts"]


def training_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block, rows, years = block_years(summary, "training")
    if not rows:
        return []
    flop = "%{y:.2e} FLOP"
    fig = figure()
    fig.add_trace(bar(years, [r.get("training_flop") for r in rows], "largest run", PALETTE[0], hover=flop))
    for i, run in enumerate(block.get("known_runs", [])):
        fig.add_trace(reference_line(years, run["training_flop"], run["name"], palette_color(i + 3), hover=flop))
    style_figure(fig, "training FLOP")
    fig.update_yaxes(type="log", rangemode="normal", dtick=1, exponentformat="power")  # a label every decade
    a = block.get("assumptions") or {}
    goodput = a.get("goodput")
    goodput_text = goodput if isinstance(goodput, str) else f"{goodput:g}"
    return [
        Chart(
            "training-flop",
            "Largest training run",
            f"Training compute one run could use in {a.get('days', 0):g} days (MFU {a.get('mfu', 0):g}, goodput "
            f"{goodput_text}), against published runs (log scale).",
            fig,
        ),
    ]
