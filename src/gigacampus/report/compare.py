"""Several runs side by side: overlaid charts and a table of headline differences.

Like the single-run report, everything here is drawn from summary documents alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gigacampus.charting import Figure, binding_bar, line, palette_color, scaled, series, summary_years
from gigacampus.report.charts import Chart, band_labels, extra_columns, style_figure
from gigacampus.report.html import (
    chart_html,
    esc,
    fmt,
    linkify,
    page,
    source_list,
    table_html,
)
from gigacampus.report.summary import binding_runs, headline_sentences
from gigacampus.results.xarray import unique_names

__all__ = [
    "DIFFERENCE_COLUMNS",
    "comparison_charts",
    "differences",
    "input_differences",
    "render_comparison",
    "unique_labels",
]

#: Up to this many inputs that differ are shown open in the comparison report; more fold away.
_OPEN_INPUT_ROWS = 30

#: Inputs that describe a scenario rather than set the model: never listed as differences.
DESCRIPTIVE_INPUTS = frozenset({"scenario.name", "scenario.description", "scenario.sources"})

#: Columns of the differences table: (key, header, unit).
DIFFERENCE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("years", "Years", ""),
    ("facility_power_mw", "Facility MW", "MW"),
    ("accelerators", "Accelerators", ""),
    ("h100e", "H100e", "H100e"),
    ("dense_bf16_exaflops", "Dense BF16 EFLOP/s", "EFLOP/s"),
    ("full_year", "Full in", "year"),
    ("energy_mwh_total", "Energy TWh", "TWh"),
    ("binding", "Binding constraint", ""),
    ("capex_usd", "Capex (USD bn)", "USD bn"),
)


def unique_labels(names: Sequence[str]) -> list[str]:
    """Names made unique for legends: repeats get ``(2)``, ``(3)``, ..."""
    return unique_names(names)


def _binding_text(summary: Mapping[str, Any]) -> str:
    years = [int(r["year"]) for r in summary["years"]]
    runs = binding_runs(years, [str(r["binding_constraint"]) for r in summary["years"]])
    parts = []
    for kind, spans in runs.items():
        text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
        parts.append(f"{kind} {text}")
    return "; ".join(parts)


def differences(summaries: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> list[dict[str, Any]]:
    """One row per run: the headline numbers at the end of its horizon.

    ``capex_usd`` is the sum of the per-year ``capex_usd`` column when a run has one (the finance
    analysis adds it), else ``None``.
    """
    rows = []
    for label, s in zip(labels, summaries, strict=True):
        last, h = s["years"][-1], s["headline"]
        capex = series(s, "capex_usd")
        rows.append(
            {
                "label": label,
                "years": f"{s['years'][0]['year']}-{last['year']}",
                "facility_power_mw": last["facility_power_mw"],
                "accelerators": int(last["accelerators"]),
                "h100e": last["h100e"],
                "dense_bf16_exaflops": (last.get("dense_bf16_flops") or 0) / 1e18,
                "full_year": h.get("full_year"),
                "energy_mwh_total": h.get("energy_mwh_total"),
                "binding": _binding_text(s),
                "capex_usd": sum(v for v in capex if v is not None) if any(v is not None for v in capex) else None,
            }
        )
    return rows


def input_differences(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every input whose value is not the same in all runs, in first-seen order.

    Each row: ``path``, ``unit``, and per run (in the order given) ``values`` and ``origins``
    (``None`` for both where a run has no such input, e.g. a phase or section it lacks). The
    scenario's name, description and sources are left out: they describe, they do not set.
    """
    tables = []
    for s in summaries:
        tables.append({str(i["path"]): i for i in s.get("inputs", []) if isinstance(i, Mapping) and "path" in i})
    paths = list(dict.fromkeys(p for t in tables for p in t))
    rows = []
    for path in paths:
        if path in DESCRIPTIVE_INPUTS:
            continue
        items = [t.get(path) for t in tables]
        values = [None if i is None else i.get("value") for i in items]
        if all(v == values[0] for v in values[1:]) and all(i is not None for i in items):
            continue
        unit = next((str(i.get("unit") or "") for i in items if i is not None), "")
        rows.append(
            {
                "path": path,
                "unit": "" if unit == "-" else unit,
                "values": values,
                "origins": [None if i is None else i.get("origin") for i in items],
            }
        )
    return rows


def _input_differences_html(rows: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> str:
    if not rows:
        return '<p class="muted">Every input is the same in all runs.</p>'
    body = []
    for r in rows:
        cells = [f"<code>{esc(r['path'])}</code>", esc(r["unit"])]
        for value, origin in zip(r["values"], r["origins"], strict=True):
            if origin is None:
                cells.append('<span class="muted">(not in this run)</span>')
            else:
                shown = ", ".join(fmt(v) for v in value) if isinstance(value, list) else fmt(value, r["unit"])
                cells.append(f'{linkify(shown)} <span class="muted">({esc(origin)})</span>')
        body.append(cells)
    return table_html(["Key path", "Unit", *labels], body)


def _overlay(
    summaries: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    key: str,
    scale: float = 1.0,
    dash: str | None = None,
    fig: Figure | None = None,
    suffix: str = "",
) -> Figure:
    fig = fig or Figure()
    shape = "hvh" if key.endswith("_mw") else "linear"
    for i, (label, s) in enumerate(zip(labels, summaries, strict=True)):
        values = scaled(series(s, key), scale)
        if any(v is not None for v in values):
            color = palette_color(i)
            fig.add_trace(
                line(summary_years(s), values, label + suffix, color, shape=shape, dash=dash, legendgroup=label)
            )
    return fig


def comparison_charts(summaries: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> list[Chart]:
    """The single-run charts with one line (or band row) per run."""
    power = _overlay(summaries, labels, "facility_power_mw", suffix=": online")
    _overlay(summaries, labels, "power_used_mw", dash="dot", fig=power, suffix=": used")
    style_figure(power, "MW")
    every_year = [int(r["year"]) for s in summaries for r in s["years"]]
    if every_year:  # room for the first and last years' steps
        power.update_xaxes(range=[min(every_year) - 0.5, max(every_year) + 0.5])
    accelerators = _overlay(summaries, labels, "accelerators")
    style_figure(accelerators, "accelerators installed")
    h100e = _overlay(summaries, labels, "h100e")
    style_figure(h100e, "H100e")
    flops = _overlay(summaries, labels, "dense_bf16_flops", scale=1e18)
    style_figure(flops, "dense BF16 exaFLOP/s")
    energy = _overlay(summaries, labels, "energy_mwh", scale=1e3)
    style_figure(energy, "GWh per year")

    band = Figure()
    kinds: dict[str, list[tuple[str, int, str]]] = {}
    for label, s in zip(labels, summaries, strict=True):
        explanations = list(s.get("explanations") or [])
        for i, rec in enumerate(s["years"]):
            why = explanations[i] if i < len(explanations) else ""
            kinds.setdefault(str(rec["binding_constraint"]), []).append((label, int(rec["year"]), why))
    for kind, cells in kinds.items():
        runs, starts = [c[0] for c in cells], [c[1] - 0.5 for c in cells]
        reasons = [f"{run}: {why}" for run, _, why in cells]
        band.add_trace(
            binding_bar(
                kind, reasons, orientation="h", y=runs, x=[1] * len(cells), base=starts, **band_labels(kind, len(cells))
            )
        )
    style_figure(band, "", height=120 + 45 * len(labels))
    all_years = [int(r["year"]) for s in summaries for r in s["years"]]
    band.update_layout(
        barmode="overlay",
        showlegend=True,
        xaxis={"range": [min(all_years) - 0.5, max(all_years) + 0.5]},
        hovermode="closest",
        bargap=0.25,
        yaxis={"title": "", "autorange": "reversed", "type": "category"},
        margin={"l": 160, "r": 20, "t": 30, "b": 40},
    )

    charts = [
        Chart(
            "cmp-power",
            "Facility power online (solid) and used (dotted)",
            "Grid power online per run, and what its installed accelerators draw at nameplate.",
            power,
        ),
        Chart("cmp-accelerators", "Accelerators installed", "Accelerators in service at each year end.", accelerators),
        Chart("cmp-h100e", "H100-equivalents", "Dense 8-bit throughput in H100 SXM units.", h100e),
        Chart("cmp-flops", "Dense BF16 exaFLOP/s", "The fleet's dense BF16 rate.", flops),
        Chart(
            "cmp-binding",
            "Binding constraint by year",
            "What limited each run's build-out each year; hover for the reason.",
            band,
        ),
        Chart("cmp-energy", "Energy", "Electricity each run uses per year.", energy),
    ]
    extras: dict[str, None] = {}
    for s in summaries:
        extras.update(dict.fromkeys(extra_columns(s)))
    units: dict[str, str] = {}
    for s in summaries:
        units.update({k: str(v) for k, v in (s.get("units") or {}).items()})
    for col in extras:
        fig = _overlay(summaries, labels, col)
        style_figure(fig, units.get(col, "-"))
        charts.append(Chart(f"cmp-{col}", col, f"Per-year {col} of the runs that have it.", fig))
    return charts


def _differences_html(rows: Sequence[Mapping[str, Any]]) -> str:
    cols = [c for c in DIFFERENCE_COLUMNS if c[0] != "capex_usd" or any(r["capex_usd"] is not None for r in rows)]
    headers = ["Scenario", *(h for _, h, _ in cols)]
    body = []
    for r in rows:
        cells = [esc(r["label"])]
        for key, _, unit in cols:
            value = r[key]
            if key == "energy_mwh_total" and value is not None:
                cells.append(f"{value / 1e6:,.1f}")
            elif key == "capex_usd" and value is not None:
                cells.append(f"{value / 1e9:,.1f}")
            elif key == "dense_bf16_exaflops":
                cells.append(f"{value:,.1f}")
            elif key == "full_year":
                cells.append(esc(value or "not full"))
            else:
                cells.append(esc(fmt(value, unit)))
        body.append(cells)
    numeric = [False] + [key not in ("years", "binding") for key, _, _ in cols]
    return table_html(headers, body, numeric)


def render_comparison(
    summaries: Sequence[Mapping[str, Any]], labels: Sequence[str], links: Sequence[str | None] | None = None
) -> str:
    """One HTML page comparing runs; ``links`` are relative paths to each run's own report."""
    links = list(links or [None] * len(summaries))
    rows = differences(summaries, labels)
    inputs = input_differences(summaries)
    table = _input_differences_html(inputs, labels)
    toc = [
        ("inputs", "Inputs that differ"),
        ("differences", "Differences"),
        ("charts", "Charts"),
        ("runs", "Each run"),
        ("sources", "Sources"),
    ]
    body = [
        '<section id="inputs"><h2>Inputs that differ</h2>'
        f'<p class="caption">{len(inputs):,} inputs are not the same in every run: the value each run used '
        "and where it came from (scenario file, schema default or catalog).</p>",
        table
        if len(inputs) <= _OPEN_INPUT_ROWS
        else f"<details><summary>Show all {len(inputs):,}</summary>{table}</details>",
        "</section>",
        '<section id="differences"><h2>Headline differences</h2>'
        '<p class="caption">Each run at the end of its own horizon.</p>',
        _differences_html(rows),
        "</section>",
        '<section id="charts"><h2>Charts</h2>',
        *(chart_html(c) for c in comparison_charts(summaries, labels)),
        "</section>",
        '<section id="runs"><h2>Each run</h2>',
    ]
    for label, s, link in zip(labels, summaries, links, strict=True):
        more = f' <a href="{esc(link)}">Full report</a>' if link else ""
        body.append(f"<h3>{esc(label)}</h3>")
        body.extend(f"<p>{esc(sentence)}</p>" for sentence in headline_sentences(s))
        if more:
            body.append(f"<p>{more}</p>")
    body.append("</section>")
    body.append('<section id="sources"><h2>Sources</h2>')
    for label, s in zip(labels, summaries, strict=True):
        items = "".join(f"<li>{linkify(src)}</li>" for src, _ in source_list(s))
        body.append(f'<details><summary>{esc(label)}</summary><ol class="sources">{items}</ol></details>')
    body.append("</section>")
    title = " vs ".join(labels)
    header = f"<h1>{esc(title)}</h1><p>Comparison of {len(labels)} runs</p>"
    version = summaries[0].get("gigacampus_version", "") if summaries else ""
    footer = (
        f"Made by gigacampus {esc(version)}. Redraw from the saved runs with: gigacampus report DIR. "
        "This file works offline."
    )
    return page(f"{title}: gigacampus comparison", header, toc, "\n".join(body), footer)
