"""Renderers of a sweep, from its ``sweep.json`` document: the terminal table, the query
results, and ``report.html`` (fan charts, last-year distributions, Sobol bars, event
probabilities, inputs with their distributions and sources). Offline, like the run report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from gigacampus.charting import INK, Chart, bar, figure, line, palette_color, style_figure
from gigacampus.jsonable import jsonable
from gigacampus.report.html import chart_html, esc, fmt, linkify, page, table_html

__all__ = [
    "HEADLINE",
    "query_text",
    "render_sweep_report",
    "sweep_json",
    "sweep_lines",
    "sweep_table",
    "top_inputs",
]

#: Columns shown first (the terminal table, the fan charts), in this order, when the sweep has them.
HEADLINE = (
    "accelerators",
    "h100e",
    "capex_usd",
    "tco_usd_per_accelerator_hour",
    "funding_gap_usd",
    "campus_job_goodput",
    "training_flop",
    "energy_mwh",
)
_TITLES = {
    "accelerators": "Accelerators installed",
    "h100e": "H100-equivalents installed",
    "capex_usd": "Capex in the year",
    "tco_usd_per_accelerator_hour": "TCO per accelerator-hour",
    "funding_gap_usd": "Funding gap (cumulative)",
    "campus_job_goodput": "Expected goodput of a campus-wide job",
    "training_flop": "Largest training run",
    "energy_mwh": "Facility energy in the year",
}


def sweep_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(jsonable(doc), indent=2, allow_nan=False) + "\n"


def _headline(doc: Mapping[str, Any]) -> list[str]:
    return [c for c in HEADLINE if c in doc["outputs"]]


def top_inputs(doc: Mapping[str, Any], column: str, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` inputs with the largest total-order index for ``column`` (at the last year)."""
    indices = (doc.get("sensitivity") or {}).get(column) or {}
    ranked = sorted(indices.items(), key=lambda kv: -kv[1]["total_order"])
    return [(path, v["total_order"]) for path, v in ranked[:k] if v["total_order"] > 0.005]


def country_sweep_table(doc: Mapping[str, Any]) -> Table:
    """A country sweep by year: national shipments (p5 / p50 / p95), held back, P(national cap binds);
    then each campus's shipped and held back at the last year."""
    out, binds = doc["outputs"], doc["probabilities"]["national_cap_binds"]["by_year"]
    t = Table(title=f"{doc['variants']:,} variants of a country ({doc['method']}, seed {doc['seed']})")
    for name in ("Year", "wanted p50", "shipped p5", "shipped p50", "shipped p95", "held back p50", "P(cap binds)"):
        t.add_column(name, justify="left" if name == "Year" else "right")
    unit = "accelerators/year"
    for i, y in enumerate(doc["years"]):
        w, s, h = out["national_wanted"], out["national_shipped"], out["national_held_back"]
        t.add_row(
            str(y),
            fmt(w["p50"][i], unit),
            *(fmt(s[q][i], unit) for q in ("p5", "p50", "p95")),
            fmt(h["p50"][i], unit),
            f"{binds[str(y)]:.0%}",
        )
    for c in doc["campuses"]:
        s, h = out[f"shipped[{c}]"], out[f"held_back[{c}]"]
        t.add_row(
            Text(f"{c} ({doc['years'][-1]})"),
            "",
            *(fmt(s[q][-1], unit) for q in ("p5", "p50", "p95")),
            fmt(h["p50"][-1], unit),
            "",
        )
    return t


def sweep_table(doc: Mapping[str, Any]) -> Table:
    """Headline columns at the last year: p5 / p50 / p95 and the inputs that matter most."""
    if doc.get("kind") == "country":
        return country_sweep_table(doc)
    year = doc["years"][-1]
    t = Table(title=f"{doc['variants']:,} variants ({doc['method']}, seed {doc['seed']}): {year}")
    for name, right in (("Column", False), ("Unit", False), ("p5", True), ("p50", True), ("p95", True)):
        t.add_column(name, justify="right" if right else "left")
    t.add_column("Matters most (total-order Sobol index)")
    for c in _headline(doc):
        o = doc["outputs"][c]
        top = ", ".join(f"{p} {s:.2f}" for p, s in top_inputs(doc, c)) or "-"
        t.add_row(c, o["unit"], *(fmt(o[q][-1], o["unit"]) for q in ("p5", "p50", "p95")), top)
    return t


def sweep_lines(doc: Mapping[str, Any]) -> list[str]:
    """Event probabilities, notes, and how the sweep varied its inputs."""
    lines = []
    for name, ev in doc["probabilities"].items():
        lines.append(f"P({name} {ev['over']}) = {ev['probability']:.1%}: {ev['description']}.")
    for u in doc["inputs"]:
        lines.append(f"  {u['path']} = {u['written']}" + (f" ({u['note']})" if u["note"] else ""))
    for g in doc["grid"]:
        lines.append(f"  {g['path']} on the grid: {', '.join(map(str, g['values']))}")
    for c in doc.get("correlations", []):
        a, b = c["inputs"]
        lines.append(f"  rank correlation {a} ~ {b} = {c['rank']:g} (reached {c['achieved_rank']:.3f})")
    lines += [f"note: {n}" for n in doc.get("notes", [])]
    return lines


def query_text(names: Sequence[str], rows: Sequence[Sequence[Any]], fmt_name: str) -> str:
    """Query results as JSON (a list of objects) or CSV (cells are text, never formulas)."""
    if fmt_name == "json":
        return json.dumps(jsonable([dict(zip(names, r, strict=True)) for r in rows]), indent=2) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for r in rows:
        writer.writerow([_cell(v) for v in r])
    return buf.getvalue()


def _cell(v: Any) -> Any:
    text = "" if v is None else v
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@") and not _number(text):
        return "'" + text  # a spreadsheet reads it as text, not a formula
    return text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def query_table(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    t = Table()
    for n in names:
        t.add_column(str(n), overflow="fold")
    for r in rows:
        t.add_row(*(fmt(v) if not isinstance(v, str) else v for v in r))
    return t


# --- report.html -------------------------------------------------------------------------


def _fan(doc: Mapping[str, Any], column: str, i: int) -> Chart:
    o = doc["outputs"][column]
    years, color = o["year"], palette_color(i)
    band = figure(
        line(years, o["p95"], "p95", color, mode="lines", width=0, showlegend=False),
        line(years, o["p5"], "p5-p95", color, mode="lines", width=0, fill="tonexty", opacity=0.3),
        line(years, o["p50"], "median", INK),
        line(years, o["mean"], "mean", color, mode="lines", dash="dot"),
    )
    style_figure(band, o["unit"])
    return Chart(
        f"fan-{column}",
        _TITLES.get(column, column),
        f"{column} [{o['unit']}] by year: the band holds the middle 90% of the {doc['variants']:,} variants.",
        band,
    )


def _histogram(doc: Mapping[str, Any], column: str, i: int) -> Chart:
    h = doc["distributions"][column]
    edges, counts = h["edges"], h["counts"]
    mids = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    unit = doc["outputs"][column]["unit"]
    fig = figure(bar(mids, counts, "variants", palette_color(i)))
    style_figure(fig, "variants")
    fig.update_xaxes(dtick=None, tickformat="", title_text=f"{column} [{unit}]")
    return Chart(f"hist-{column}", f"{_TITLES.get(column, column)} in {h['year']}", "How the variants spread.", fig)


def _sobol(doc: Mapping[str, Any], column: str) -> Chart:
    idx = doc["sensitivity"][column]
    paths = list(idx)
    fig = figure(
        bar(paths, [idx[p]["first_order"] for p in paths], "first order", palette_color(1)),
        bar(paths, [idx[p]["total_order"] for p in paths], "total order", palette_color(4)),
    )
    style_figure(fig, "share of variance", barmode="group")
    fig.update_xaxes(dtick=None, tickformat="", title_text="input")
    year = doc["sensitivity_design"]["year"]
    return Chart(
        f"sobol-{column}",
        f"What drives {column} in {year}",
        "Sobol indices: first order is the share of the variance an input explains alone; total order adds "
        "its interactions with the others.",
        fig,
    )


def render_sweep_report(doc: Mapping[str, Any]) -> str:
    """The HTML report of a sweep, from its ``sweep.json`` document."""
    head = _headline(doc)
    toc = [("fans", "Ranges by year"), ("events", "Events")]
    body = ['<section id="fans"><h2>Ranges by year</h2>']
    body += [chart_html(_fan(doc, c, i)) for i, c in enumerate(head)]
    body.append("</section>")
    if doc.get("distributions"):
        toc.append(("last-year", "Last year"))
        body.append('<section id="last-year"><h2>The last year</h2>')
        body += [chart_html(_histogram(doc, c, i)) for i, c in enumerate(head) if c in doc["distributions"]]
        body.append("</section>")
    rows = []
    for name, ev in doc["probabilities"].items():
        rows.append([esc(name), esc(ev["description"]), esc(f"{ev['probability']:.1%}"), esc(ev["over"])])
    body.append(
        '<section id="events"><h2>Events</h2>'
        + table_html(["event", "meaning", "probability", "over"], rows, [False, False, True, False])
        + "</section>"
    )
    if doc.get("sensitivity"):
        toc.append(("sensitivity", "Sensitivity"))
        design = doc["sensitivity_design"]
        body.append(
            '<section id="sensitivity"><h2>What matters most</h2>'
            f'<p class="caption">{esc(design["estimator"])}; {design["base_samples"]:,} base points, '
            f"{design['evaluations']:,} evaluations.</p>"
        )
        body += [chart_html(_sobol(doc, c)) for c in head if c in doc["sensitivity"]]
        body.append("</section>")
    toc.append(("inputs", "Inputs"))
    rows = [
        [esc(u["path"]), esc(u["written"]), esc(u["unit"]), esc(u["origin"]), linkify(u.get("source") or "-")]
        for u in doc["inputs"]
    ]
    rows += [[esc(g["path"]), esc("grid: " + ", ".join(map(str, g["values"]))), "", "--grid", "-"] for g in doc["grid"]]
    notes = "".join(f"<li>{esc(n)}</li>" for n in doc.get("notes", []))
    pairs = [
        [
            esc(c["inputs"][0]),
            esc(c["inputs"][1]),
            esc(f"{c['rank']:g}"),
            esc(f"{c['achieved_rank']:.3f}"),
            linkify(c.get("source") or "-"),
        ]
        for c in doc.get("correlations", [])
    ]
    correlations = (
        "<h3>Rank correlations (Spearman, induced by Iman-Conover)</h3>"
        + table_html(["input", "input", "asked", "reached", "source"], pairs, [False, False, True, True, False])
        if pairs
        else ""
    )
    body.append(
        '<section id="inputs"><h2>Inputs</h2>'
        + table_html(["key path", "distribution", "unit", "given in", "source"], rows)
        + correlations
        + (f'<ul class="explanations">{notes}</ul>' if notes else "")
        + "</section>"
    )
    years = doc["years"]
    header = (
        f"<h1>{esc(doc['scenario'])}: sweep</h1><p>{esc(years[0])}-{esc(years[-1])} · {doc['variants']:,} variants "
        f"({esc(doc['method'])}, seed {esc(doc['seed'])})</p>"
    )
    footer = (
        "Made by gigacampus sweep. Every variant is in variants.parquet; ask it anything with "
        'gigacampus query DIR "SQL". This file works offline.'
    )
    return page(f"{doc['scenario']}: gigacampus sweep", header, toc, "\n".join(body), footer)
