"""Plotly charts of one run, drawn from its summary document alone.

Charts are grouped in sections: the core model's (power, accelerators, compute, binding
constraint, energy), then one per analysis in :data:`gigacampus.pipeline.ANALYSES` order whose
block the summary has, built by that analysis's ``charts``. A section claims the per-year columns
its analysis provides; columns no section claims are still drawn, grouped by unit, by
:func:`extra_series_charts`, so nothing in a summary is left out of its report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gigacampus.charting import (
    BINDING_COLORS,
    BINDING_LABELS,
    INK,
    PALETTE,
    Chart,
    Figure,
    any_value,
    bar,
    binding_bar,
    figure_json,
    line,
    palette_color,
    scaled,
    series,
    style_figure,
    summary_years,
)
from gigacampus.pipeline import ANALYSES, COLUMNS

__all__ = [
    "BINDING_COLORS",
    "BINDING_LABELS",
    "CORE_KEYS",
    "CORE_SECTIONS",
    "CORE_YEAR_COLUMNS",
    "PALETTE",
    "Chart",
    "Section",
    "band_labels",
    "block_names",
    "extra_columns",
    "extra_series_charts",
    "figure_json",
    "sections",
    "sections_for",
    "style_figure",
]

#: Top-level keys of every summary; any other key is an analysis's block.
CORE_KEYS = frozenset(
    {"scenario", "gigacampus_version", "seed", "headline", "explanations", "phases", "years", "inputs", "units"}
)

#: Per-year keys written by the core model (the core sections draw or tabulate these).
CORE_YEAR_COLUMNS = frozenset(c.key for c in COLUMNS.table("year") if COLUMNS.owner(c.name) is None)


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


def block_names(summary: Mapping[str, Any]) -> list[str]:
    """Names of the analysis blocks in a summary, in document order."""
    return [k for k in summary if k not in CORE_KEYS]


def sections() -> list[Section]:
    """Every section a report can have: the core ones, then one per analysis with charts."""
    out = list(CORE_SECTIONS)
    for a in ANALYSES:
        if a.charts is not None:
            out.append(Section(a.name, a.title, a.charts, block=a.name, intro=a.intro, columns=a.column_names))
    return out


def sections_for(summary: Mapping[str, Any]) -> list[tuple[Section, list[Chart]]]:
    """The sections this summary has data for, each with its charts."""
    out = []
    for section in sections():
        if section.block is not None and section.block not in summary:
            continue
        charts = section.build(summary)
        if charts:
            out.append((section, charts))
    extras = extra_series_charts(summary)
    if extras:
        out.append((Section("extra", "Other results per year", extra_series_charts), extras))
    return out


# --- core sections ---------------------------------------------------------------------


#: Title and caption of each core chart, by chart id.
_CHART_TEXT = {
    "power": (
        "Facility power online vs power used",
        "Grid power online each year (line) and the share the installed accelerators draw at nameplate "
        "(area, including network, storage and cooling); red is power built but left without accelerators.",
    ),
    "accelerators": ("Accelerators installed, by model", "Accelerators in service at each year end, stacked by model."),
    "accelerator-changes": (
        "Accelerators added and retired",
        "Shipped and installed each year (up), retired at end of life (down); hatched bars are accelerators "
        "the power could have held but the quota or the vendor's supply did not let through.",
    ),
    "compute": (
        "Compute: H100-equivalents and dense FLOP/s",
        "H100e (bars) counts dense 8-bit throughput in H100 SXM units (1,979 TOPS each); lines are the "
        "fleet's dense BF16 and FP8 rates.",
    ),
    "binding": (
        "Binding constraint by year",
        "What limited the build-out each year: power (every slot filled), the export quota or vendor supply "
        "(shipments short of what the power could hold). Hover for the reason.",
    ),
    "energy": (
        "Energy",
        "Electricity the campus uses each year (accelerators at their utilization, plus overhead and PUE).",
    ),
}


def _chart(chart_id: str, fig: Figure) -> Chart:
    """A core chart with its title and caption from :data:`_CHART_TEXT`."""
    title, caption = _CHART_TEXT[chart_id]
    return Chart(chart_id, title, caption, fig)


#: Power drawn as a stacked area of steps centred on each year (as the bars of the other charts are),
#: so that a step in the last year is as wide as any other rather than a spike at the right edge.
_STEP = "hvh"
_STEP_AREA: dict[str, Any] = {"mode": "lines", "shape": _STEP, "stackgroup": "power"}


def _year_range(fig: Figure, years: list[int]) -> None:
    """Half a year of room on each side, so that the first and last years' steps show in full."""
    if years:
        fig.update_xaxes(range=[years[0] - 0.5, years[-1] + 0.5])


def power_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    mw = "%{y:,.0f} MW"
    used = series(summary, "power_used_mw")
    stranded = series(summary, "stranded_power_mw")
    fig = Figure()
    fig.add_trace(line(years, used, "used by installed accelerators", PALETTE[1], **_STEP_AREA, hover=mw))
    if any_value(stranded):
        fig.add_trace(
            line(years, stranded, "stranded (online, no accelerators)", BINDING_COLORS["quota"], **_STEP_AREA, hover=mw)
        )
    online = series(summary, "facility_power_mw")
    fig.add_trace(line(years, online, "facility power online", PALETTE[0], shape=_STEP, width=3, hover=mw))
    it = series(summary, "it_power_mw")
    fig.add_trace(
        line(years, it, "IT power (facility / PUE)", PALETTE[0], mode="lines", shape=_STEP, dash="dot", hover=mw)
    )
    style_figure(fig, "MW")
    _year_range(fig, years)
    return [_chart("power", fig)]


def _models(summary: Mapping[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in summary["years"]:
        seen.update(dict.fromkeys(rec.get("by_accelerator") or {}))
    return list(seen)


def accelerator_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    count = "%{y:,.0f}"
    installed = Figure()
    for i, m in enumerate(_models(summary)):
        in_service = [(r.get("by_accelerator") or {}).get(m, 0) for r in summary["years"]]
        installed.add_trace(bar(years, in_service, m, palette_color(i), hover=count))
    style_figure(installed, "accelerators installed", barmode="stack", showlegend=True)

    changes = Figure()
    changes.add_trace(bar(years, series(summary, "accelerators_added"), "added", PALETTE[1], hover=count))
    for key, label, kind in (
        ("accelerators_cut_by_quota", "held back by the quota", "quota"),
        ("accelerators_cut_by_supply", "held back by vendor supply", "supply"),
    ):
        values = [v or None for v in series(summary, key)]  # no outline drawn for zero
        if any_value(values):
            changes.add_trace(bar(years, values, label, BINDING_COLORS[kind], hatched=True, hover=count))
    retired = series(summary, "accelerators_retired")
    down = [None if v is None else -v for v in retired]
    changes.add_trace(bar(years, down, "retired", PALETTE[4], customdata=retired, hover="%{customdata:,.0f}"))
    style_figure(changes, "accelerators per year", barmode="relative")
    return [_chart("accelerators", installed), _chart("accelerator-changes", changes)]


def compute_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    eflops = "%{y:,.1f} EFLOP/s"
    fig = Figure()
    h100e = series(summary, "h100e")
    fig.add_trace(bar(years, h100e, "H100-equivalents", PALETTE[0], opacity=0.85, hover="%{y:,.0f} H100e"))
    bf16 = scaled(series(summary, "dense_bf16_flops"), 1e18)
    fig.add_trace(line(years, bf16, "dense BF16 exaFLOP/s", PALETTE[3], yaxis="y2", width=3, hover=eflops))
    fp8 = series(summary, "dense_fp8_flops")
    if any_value(fp8):
        fp8 = scaled(fp8, 1e18)
        fig.add_trace(
            line(years, fp8, "dense FP8 exaFLOP/s", PALETTE[3], yaxis="y2", mode="lines", dash="dot", hover=eflops)
        )
    style_figure(fig, "H100e", y2_title="exaFLOP/s (dense)")
    return [_chart("compute", fig)]


def binding_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    binding = [str(r["binding_constraint"]) for r in summary["years"]]
    explanations = list(summary.get("explanations") or [])
    text = [explanations[i] if i < len(explanations) else "" for i in range(len(years))]
    fig = Figure()
    for kind in dict.fromkeys(binding):
        idx = [i for i, b in enumerate(binding) if b == kind]
        fig.add_trace(
            binding_bar(
                kind,
                [text[i] for i in idx],
                x=[years[i] for i in idx],
                y=[1] * len(idx),
                width=1.0,
                **band_labels(kind, len(idx)),
            )
        )
    style_figure(fig, "", height=170)
    fig.update_layout(
        showlegend=True,  # one kind is still named
        hovermode="closest",
        bargap=0,
        yaxis={"visible": False, "range": [0, 1]},
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
    )
    return [_chart("binding", fig)]


def band_labels(kind: str, cells: int) -> dict[str, Any]:
    """Each cell of a binding band says what bound, readable without hovering."""
    return {
        "text": [BINDING_LABELS.get(kind, kind)] * cells,
        "textposition": "inside",
        "insidetextanchor": "middle",
        "textfont": {"color": "white" if kind in ("power", "quota") else INK},
        "textangle": 0,
    }


def energy_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = summary_years(summary)
    gwh = scaled(series(summary, "energy_mwh"), 1e3)
    fig = Figure(bar(years, gwh, "facility electricity", PALETTE[6], hover="%{y:,.0f} GWh"))
    style_figure(fig, "GWh per year")
    return [_chart("energy", fig)]


#: The core model's sections, always drawn.
CORE_SECTIONS: tuple[Section, ...] = (
    Section("power", "Power", power_charts),
    Section("accelerators", "Accelerators", accelerator_charts),
    Section("compute", "Compute", compute_charts),
    Section("binding", "What bound the build-out", binding_charts),
    Section("energy", "Energy", energy_charts),
)


# --- columns no section draws ------------------------------------------------------------


def extra_columns(summary: Mapping[str, Any]) -> list[str]:
    """Numeric per-year columns that neither the core model nor a present section claims."""
    claimed = set(CORE_YEAR_COLUMNS)
    for section in sections():
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
    years = summary_years(summary)
    charts = []
    for unit, cols in groups.items():
        fig = Figure([line(years, series(summary, col), col, palette_color(i)) for i, col in enumerate(cols)])
        style_figure(fig, unit)
        slug = "".join(c if c.isalnum() else "-" for c in unit.lower()).strip("-") or "none"
        charts.append(Chart(f"extra-{slug}", f"Per-year results in {unit}", f"Columns: {', '.join(cols)}.", fig))
    return charts
