"""Report charts of the carbon analysis, drawn from a saved summary (its ``"carbon"`` block and columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigacampus.charting import PALETTE, Chart, bar, figure, palette_color, series, style_figure, summary_years

__all__ = ["carbon_charts"]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _emissions_chart(summary: Mapping[str, Any], block: Mapping[str, Any], years: list[int]) -> Chart | None:
    emissions = series(summary, "emissions_tco2")
    if all(v is None for v in emissions):
        return None
    energy = series(summary, "energy_mwh")
    fig = figure()
    parts = [p for p in block.get("parts") or [] if _number(p.get("share")) and _number(p.get("kgco2_per_kwh"))]
    if parts:
        # stacked by source: energy [MWh] x share x factor [kgCO2/kWh] = tCO2, shown in kt
        for i, part in enumerate(parts):
            rate = float(part["share"]) * float(part["kgco2_per_kwh"])
            kt = [None if e is None else e * rate / 1e3 for e in energy]
            name = f"{part.get('id', '')} ({float(part['share']) * 100:.4g}%)"
            fig.add_trace(bar(years, kt, name, palette_color(i), hover="%{y:,.1f} ktCO2"))
        fig.update_layout(barmode="stack")
    else:
        kt = [None if e is None else e / 1e3 for e in emissions]
        fig.add_trace(bar(years, kt, "emissions", PALETTE[0], hover="%{y:,.1f} ktCO2"))
    style_figure(fig, "ktCO2 per year")
    intensity = _number(block.get("intensity_kgco2_per_kwh"))
    text = f" at {intensity:.3g} kgCO2/kWh" if intensity is not None else ""
    return Chart(
        "carbon-emissions",
        "Emissions",
        f"Emissions of the electricity used each year{text}, by source of the electricity "
        "(factors as the scenario and the catalog state them: life-cycle and direct factors are not the same measure).",
        fig,
    )


def _water_chart(summary: Mapping[str, Any], block: Mapping[str, Any], years: list[int]) -> Chart | None:
    water = series(summary, "water_m3")
    if all(v is None for v in water):
        return None
    thousands = [None if w is None else w / 1e3 for w in water]
    fig = figure(bar(years, thousands, "water", PALETTE[6], hover="%{y:,.1f} thousand m3"))
    style_figure(fig, "thousand m3 per year")
    wue = block.get("wue") or {}
    value = _number(wue.get("wue_l_per_kwh"))
    where = f"cooling {wue['cooling']}" if wue.get("cooling") and wue.get("origin") != "scenario" else "the scenario"
    text = f"WUE {value:g} L/kWh from {where}" if value is not None else "the WUE"
    return Chart(
        "carbon-water",
        "Water",
        f"Water used on site each year: IT energy x {text}. Water used off site to generate the electricity "
        "is not counted.",
        fig,
    )


def carbon_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary.get("carbon") or {}
    if not summary.get("years"):
        return []
    years = summary_years(summary)
    charts = [_emissions_chart(summary, block, years), _water_chart(summary, block, years)]
    return [c for c in charts if c is not None]
