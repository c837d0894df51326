"""Plotly charts of one run, drawn from its summary document alone.

Charts are grouped in sections. Core sections are always drawn; a section tied to a summary
block (``"policy"``, ``"finance"``, ``"reliability"``, ``"training"``, ...) is drawn only when
the summary has that block. Analyses add theirs with :func:`register_section`::

    register_section(Section("finance", "Capex, opex and funding", finance_charts, block="finance"))

Per-year columns that no section draws (an analysis's new ``_usd`` or ``goodput`` columns,
say) are still drawn, grouped by unit, by :func:`extra_series_charts`, so nothing in a
summary is left out of its report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from gigacampus.report.summary import series

__all__ = [
    "BINDING_COLORS",
    "BINDING_LABELS",
    "PALETTE",
    "CORE_KEYS",
    "CORE_YEAR_COLUMNS",
    "Chart",
    "Section",
    "block_names",
    "extra_columns",
    "extra_series_charts",
    "figure_json",
    "register_section",
    "sections",
    "sections_for",
    "style_figure",
]

#: Top-level keys of every summary; any other key is an analysis's block.
CORE_KEYS = frozenset(
    {"scenario", "gigacampus_version", "seed", "headline", "explanations", "phases", "years", "inputs", "units"}
)

#: Per-year keys written by the core model (the core sections draw or tabulate these).
CORE_YEAR_COLUMNS = frozenset(
    {
        "year",
        "facility_power_mw",
        "it_power_mw",
        "power_used_mw",
        "stranded_power_mw",
        "accelerator_slots",
        "accelerators",
        "accelerators_added",
        "accelerators_retired",
        "accelerators_wanted",
        "accelerators_cut_by_quota",
        "accelerators_cut_by_supply",
        "h100e",
        "tpp",
        "dense_bf16_flops",
        "dense_fp8_flops",
        "it_energy_mwh",
        "energy_mwh",
        "emissions_tco2",
        "binding_constraint",
        "by_accelerator",
    }
)

BINDING_COLORS = {"power": "#2a9d8f", "quota": "#d62828", "supply": "#f4a261", "none": "#adb5bd"}
BINDING_LABELS = {
    "power": "power (full)",
    "quota": "export quota",
    "supply": "vendor supply",
    "none": "nothing online",
}
PALETTE = ("#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#457b9d", "#8ab17d", "#b56576")


@dataclass(frozen=True)
class Chart:
    """One figure with its title and a sentence saying how to read it."""

    id: str
    title: str
    caption: str
    figure: go.Figure


@dataclass(frozen=True)
class Section:
    """A group of charts. ``block`` set: drawn only when the summary has that block."""

    key: str
    title: str
    build: Callable[[Mapping[str, Any]], list[Chart]]
    block: str | None = None
    intro: str = ""
    columns: tuple[str, ...] = ()
    """Per-year columns this section draws or stands for (not drawn again as "other results")."""


@dataclass
class _Registry:
    items: list[Section] = field(default_factory=list)


_REGISTRY = _Registry()


def register_section(section: Section) -> None:
    """Add (or replace, by ``key``) a section; sections are drawn in registration order."""
    _REGISTRY.items = [s for s in _REGISTRY.items if s.key != section.key] + [section]


def sections() -> list[Section]:
    return list(_REGISTRY.items)


def block_names(summary: Mapping[str, Any]) -> list[str]:
    """Names of the analysis blocks in a summary, in document order."""
    return [k for k in summary if k not in CORE_KEYS]


def sections_for(summary: Mapping[str, Any]) -> list[tuple[Section, list[Chart]]]:
    """The sections this summary has data for, each with its charts."""
    out = []
    for section in _REGISTRY.items:
        if section.block is not None and section.block not in summary:
            continue
        charts = section.build(summary)
        if charts:
            out.append((section, charts))
    extras = extra_series_charts(summary)
    if extras:
        out.append((Section("extra", "Other results per year", extra_series_charts), extras))
    return out


# --- figure helpers --------------------------------------------------------------------


def _years(summary: Mapping[str, Any]) -> list[int]:
    return [int(r["year"]) for r in summary["years"]]


_AXIS = {"gridcolor": "#e6eaee", "linecolor": "#c9d1d8", "zerolinecolor": "#c9d1d8", "automargin": True}


def style_figure(fig: go.Figure, y_title: str, *, height: int = 360, y2_title: str | None = None, **extra: Any) -> None:
    """The look shared by every chart: white, light grid, years on x, legend on top.

    The styling is spelled out rather than taken from a named Plotly template: copying a
    template into each figure costs about 35 ms, a fifth of a whole report.
    """
    fig.update_layout(
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PALETTE),
        height=height,
        margin={"l": 70, "r": 70 if y2_title else 20, "t": 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hovermode="x unified",
        hoverlabel={"bgcolor": "white"},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#1d2a33"},
        xaxis={**_AXIS, "title": {"text": "year"}, "dtick": 1, "tickformat": "d"},
        yaxis={**_AXIS, "title": {"text": y_title}, "rangemode": "tozero", "separatethousands": True},
        **extra,
    )
    if y2_title:
        fig.update_layout(
            yaxis2={
                **_AXIS,
                "title": {"text": y2_title},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
                "separatethousands": True,
                "tickmode": "auto",
            }
        )


def _scaled(values: Sequence[float | None], factor: float) -> list[float | None]:
    return [None if v is None else v / factor for v in values]


def _any(values: Sequence[float | None]) -> bool:
    return any(v for v in values)


def figure_json(chart: Chart) -> dict[str, Any]:
    """A chart as a plain dict (``data``, ``layout``, ``id``, ``title``, ``caption``) for JSON APIs."""
    fig = json.loads(pio.to_json(chart.figure, validate=False))
    return {
        "id": chart.id,
        "title": chart.title,
        "caption": chart.caption,
        "data": fig["data"],
        "layout": fig["layout"],
    }


# --- core sections ---------------------------------------------------------------------


def power_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    fig = go.Figure()
    used = series(summary, "power_used_mw")
    stranded = series(summary, "stranded_power_mw")
    fig.add_trace(
        go.Scatter(
            x=years,
            y=used,
            name="used by installed accelerators",
            mode="lines",
            line={"shape": "hv", "color": PALETTE[1]},
            stackgroup="power",
            hovertemplate="%{y:,.0f} MW",
        )
    )
    if _any(stranded):
        fig.add_trace(
            go.Scatter(
                x=years,
                y=stranded,
                name="stranded (online, no accelerators)",
                mode="lines",
                line={"shape": "hv", "color": BINDING_COLORS["quota"]},
                stackgroup="power",
                hovertemplate="%{y:,.0f} MW",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=series(summary, "facility_power_mw"),
            name="facility power online",
            mode="lines+markers",
            line={"shape": "hv", "color": PALETTE[0], "width": 3},
            hovertemplate="%{y:,.0f} MW",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=series(summary, "it_power_mw"),
            name="IT power (facility / PUE)",
            mode="lines",
            line={"shape": "hv", "color": PALETTE[0], "dash": "dot"},
            hovertemplate="%{y:,.0f} MW",
        )
    )
    style_figure(fig, "MW")
    return [
        Chart(
            "power",
            "Facility power online vs power used",
            "Grid power online each year (line) and the share the installed accelerators draw at nameplate "
            "(area, including network, storage and cooling); red is power built but left without accelerators.",
            fig,
        )
    ]


def _model_colors(models: Sequence[str]) -> dict[str, str]:
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(models)}


def _models(summary: Mapping[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in summary["years"]:
        seen.update(dict.fromkeys(rec.get("by_accelerator") or {}))
    return list(seen)


def accelerator_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    models = _models(summary)
    colors = _model_colors(models)
    installed = go.Figure()
    for m in models:
        installed.add_trace(
            go.Bar(
                x=years,
                y=[(r.get("by_accelerator") or {}).get(m, 0) for r in summary["years"]],
                name=m,
                marker_color=colors[m],
                hovertemplate="%{y:,.0f}",
            )
        )
    style_figure(installed, "accelerators installed", barmode="stack", showlegend=True)

    changes = go.Figure()
    changes.add_trace(
        go.Bar(
            x=years,
            y=series(summary, "accelerators_added"),
            name="added",
            marker_color=PALETTE[1],
            hovertemplate="%{y:,.0f}",
        )
    )
    for key, label, kind in (
        ("accelerators_cut_by_quota", "held back by the quota", "quota"),
        ("accelerators_cut_by_supply", "held back by vendor supply", "supply"),
    ):
        values = [v or None for v in series(summary, key)]  # no outline drawn for zero
        if _any(values):
            changes.add_trace(
                go.Bar(
                    x=years,
                    y=values,
                    name=label,
                    marker={"color": "rgba(0,0,0,0)", "line": {"color": BINDING_COLORS[kind], "width": 2}},
                    marker_pattern_shape="/",
                    marker_pattern_fgcolor=BINDING_COLORS[kind],
                    hovertemplate="%{y:,.0f}",
                )
            )
    changes.add_trace(
        go.Bar(
            x=years,
            y=[None if v is None else -v for v in series(summary, "accelerators_retired")],
            name="retired",
            marker_color=PALETTE[4],
            customdata=series(summary, "accelerators_retired"),
            hovertemplate="%{customdata:,.0f}",
        )
    )
    style_figure(changes, "accelerators per year", barmode="relative")
    return [
        Chart(
            "accelerators",
            "Accelerators installed, by model",
            "Accelerators in service at each year end, stacked by model.",
            installed,
        ),
        Chart(
            "accelerator-changes",
            "Accelerators added and retired",
            "Shipped and installed each year (up), retired at end of life (down); hatched bars are accelerators "
            "the power could have held but the quota or the vendor's supply did not let through.",
            changes,
        ),
    ]


def compute_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=years,
            y=series(summary, "h100e"),
            name="H100-equivalents",
            marker_color=PALETTE[0],
            opacity=0.85,
            hovertemplate="%{y:,.0f} H100e",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=_scaled(series(summary, "dense_bf16_flops"), 1e18),
            name="dense BF16 exaFLOP/s",
            yaxis="y2",
            mode="lines+markers",
            line={"color": PALETTE[3], "width": 3},
            hovertemplate="%{y:,.1f} EFLOP/s",
        )
    )
    fp8 = series(summary, "dense_fp8_flops")
    if _any(fp8):
        fig.add_trace(
            go.Scatter(
                x=years,
                y=_scaled(fp8, 1e18),
                name="dense FP8 exaFLOP/s",
                yaxis="y2",
                mode="lines",
                line={"color": PALETTE[3], "dash": "dot"},
                hovertemplate="%{y:,.1f} EFLOP/s",
            )
        )
    style_figure(fig, "H100e", y2_title="exaFLOP/s (dense)")
    return [
        Chart(
            "compute",
            "Compute: H100-equivalents and dense FLOP/s",
            "H100e (bars) counts dense 8-bit throughput in H100 SXM units (1,979 TOPS each); lines are the "
            "fleet's dense BF16 and FP8 rates.",
            fig,
        )
    ]


def binding_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    binding = [str(r["binding_constraint"]) for r in summary["years"]]
    explanations = list(summary.get("explanations") or [])
    text = [explanations[i] if i < len(explanations) else "" for i in range(len(years))]
    fig = go.Figure()
    for kind in dict.fromkeys(binding):
        idx = [i for i, b in enumerate(binding) if b == kind]
        fig.add_trace(
            go.Bar(
                x=[years[i] for i in idx],
                y=[1] * len(idx),
                name=BINDING_LABELS.get(kind, kind),
                marker_color=BINDING_COLORS.get(kind, PALETTE[5]),
                width=1.0,
                customdata=[text[i] for i in idx],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    style_figure(fig, "", height=170)
    fig.update_layout(
        hovermode="closest",
        bargap=0,
        yaxis={"visible": False, "range": [0, 1]},
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
    )
    return [
        Chart(
            "binding",
            "Binding constraint by year",
            "What limited the build-out each year: power (every slot filled), the export quota or vendor supply "
            "(shipments short of what the power could hold). Hover for the reason.",
            fig,
        )
    ]


def energy_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=years,
            y=_scaled(series(summary, "energy_mwh"), 1e3),
            name="facility electricity",
            marker_color=PALETTE[6],
            hovertemplate="%{y:,.0f} GWh",
        )
    )
    emissions = series(summary, "emissions_tco2")
    has_emissions = _any(emissions)
    if has_emissions:
        fig.add_trace(
            go.Scatter(
                x=years,
                y=_scaled(emissions, 1e3),
                name="emissions",
                yaxis="y2",
                mode="lines+markers",
                line={"color": PALETTE[4]},
                hovertemplate="%{y:,.0f} ktCO2",
            )
        )
    style_figure(fig, "GWh per year", y2_title="ktCO2 per year" if has_emissions else None)
    return [
        Chart(
            "energy",
            "Energy",
            "Electricity the campus uses each year (accelerators at their utilization, plus overhead and PUE)"
            + ("; the line is the emissions at the grid's carbon intensity." if has_emissions else "."),
            fig,
        )
    ]


for _section in (
    Section("power", "Power", power_charts),
    Section("accelerators", "Accelerators", accelerator_charts),
    Section("compute", "Compute", compute_charts),
    Section("binding", "What bound the build-out", binding_charts),
    Section("energy", "Energy", energy_charts),
):
    register_section(_section)


# --- columns no section draws ------------------------------------------------------------


def extra_columns(summary: Mapping[str, Any]) -> list[str]:
    """Numeric per-year columns that neither the core model nor a present section claims."""
    claimed = set(CORE_YEAR_COLUMNS)
    for section in _REGISTRY.items:
        if section.block is None or section.block in summary:
            claimed.update(section.columns)
    cols: dict[str, None] = {}
    for rec in summary["years"]:
        for key, value in rec.items():
            if key in claimed or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            cols[key] = None
    return list(cols)


def extra_series_charts(summary: Mapping[str, Any]) -> list[Chart]:
    """One line chart per unit for the per-year columns analyses added."""
    units = summary.get("units") or {}
    groups: dict[str, list[str]] = {}
    for col in extra_columns(summary):
        groups.setdefault(str(units.get(col) or "-"), []).append(col)
    years = _years(summary)
    charts = []
    for unit, cols in groups.items():
        fig = go.Figure()
        for i, col in enumerate(cols):
            fig.add_trace(
                go.Scatter(
                    x=years,
                    y=series(summary, col),
                    name=col,
                    mode="lines+markers",
                    line={"color": PALETTE[i % len(PALETTE)]},
                )
            )
        style_figure(fig, unit)
        slug = "".join(c if c.isalnum() else "-" for c in unit.lower()).strip("-") or "none"
        charts.append(Chart(f"extra-{slug}", f"Per-year results in {unit}", f"Columns: {', '.join(cols)}.", fig))
    return charts


# Sections of the analysis blocks register themselves on import (after everything above exists).
from gigacampus.report import block_charts  # noqa: E402,F401
