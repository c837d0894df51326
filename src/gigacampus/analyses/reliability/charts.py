"""Report charts of the reliability analysis, drawn from a saved summary (its ``"reliability"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import PALETTE, Chart, bar, block_years, figure, line, reference_line, style_figure

__all__ = ["reliability_charts"]


def reliability_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block, rows, years = block_years(summary, "reliability")
    if not rows:
        return []
    goodput = figure()
    for i, (key, label) in enumerate((("campus_job", "campus-wide job"), ("fraction_job", "fraction job"))):
        jobs = [r.get(key) or {} for r in rows]
        mean = [j.get("goodput") for j in jobs]
        low = [
            None if j.get("goodput_p5") is None or m is None else m - j["goodput_p5"]
            for j, m in zip(jobs, mean, strict=True)
        ]
        high = [
            None if j.get("goodput_p95") is None or m is None else j["goodput_p95"] - m
            for j, m in zip(jobs, mean, strict=True)
        ]
        p5_p95 = {"type": "data", "symmetric": False, "array": high, "arrayminus": low}
        goodput.add_trace(line(years, mean, label, PALETTE[i], error_y=p5_p95, hover="%{y:.3f}"))
    threshold = (block.get("inputs") or {}).get("min_goodput")
    if threshold is not None:
        goodput.add_trace(reference_line(years, threshold, "viable from", PALETTE[4], hover="%{y:.2f}"))
    style_figure(goodput, "expected goodput")
    goodput.update_yaxes(range=[0, 1.02])
    failures = [r.get("hardware_failures_per_day") for r in rows]
    available = [None if (a := r.get("available_fraction_median")) is None else 100 * a for r in rows]
    fleet = figure()
    fleet.add_trace(bar(years, failures, "hardware failures per day", PALETTE[6], hover="%{y:,.1f}"))
    fleet.add_trace(line(years, available, "fleet available (median)", PALETTE[1], yaxis="y2", hover="%{y:.2f}%"))
    style_figure(fleet, "failures per day", y2_title="% of the fleet available")
    shown = [a for a in available if a is not None]
    if shown:  # zoom on the values (99.7% is a flat line on 0-100): at least a 1-point span, capped at 100
        low = max(0.0, min(min(shown) - 0.5, 99.0))
        fleet.update_layout(yaxis2={"range": [low, 100.05], "rangemode": "normal", "ticksuffix": "%"})
    return [
        Chart(
            "reliability-goodput",
            "Goodput of large training jobs",
            "Expected useful work / wall time of a synchronous job on the whole campus and on a fraction "
            "of it (Monte Carlo mean with p5-p95 bars), at the best checkpoint interval.",
            goodput,
        ),
        Chart(
            "reliability-fleet",
            "Failures and fleet availability",
            "Hardware failures per day across the fleet, and the median share of accelerators in service "
            "given the repair times.",
            fleet,
        ),
    ]
