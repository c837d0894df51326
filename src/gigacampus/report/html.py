"""Self-contained HTML reports: one file with its charts, styles and plotly.js inside.

The file loads nothing from the network: plotly.js is embedded from the installed plotly
package and the styles use system fonts. Every piece of text from a scenario is escaped,
and chart data is embedded as JSON with ``<`` escaped, so a scenario name cannot inject markup.
"""

from __future__ import annotations

import functools
import html
import importlib.resources
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gigacampus._version import __version__
from gigacampus.charting import figure_to_json
from gigacampus.errors import InputError, Problem
from gigacampus.report.atomic import write_text
from gigacampus.report.charts import BINDING_LABELS, Chart, block_names, sections_for

__all__ = [
    "chart_html",
    "esc",
    "fmt",
    "linkify",
    "page",
    "page_bytes",
    "plotly_js",
    "render_report",
    "render_report_bytes",
    "source_list",
    "table_html",
    "report_css",
    "write_html",
]

#: Plotly options for every chart: no logo, no links out, PNG export works offline.
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False, "showLink": False, "showSendToCloud": False}

_URL = re.compile(r"https?://[^\s;,<>\"']+")


@functools.cache
def _plotly_js_raw() -> bytes:
    """The bytes of the plotly.js bundle shipped inside the installed plotly package (read as a
    file, without importing plotly.py)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package (which ships plotly.js) is not installed")
    return (Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js").read_bytes()


@functools.cache
def plotly_js() -> str:
    """The plotly.js bundle shipped inside the installed plotly package, as text (newlines read
    as ``\\n``, as a file read in text mode reads them)."""
    return _plotly_js_raw().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _plotly_js_utf8() -> bytes:
    """:func:`plotly_js` encoded as UTF-8: the file's own bytes when it has no carriage return
    (it has none), so a report's 4.8 MB of plotly.js are never decoded and encoded again."""
    raw = _plotly_js_raw()
    return raw if b"\r" not in raw else plotly_js().encode("utf-8")


@functools.cache
def report_css() -> str:
    return (importlib.resources.files("gigacampus.report") / "assets" / "report.css").read_text(encoding="utf-8")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, unit: str = "") -> str:
    """A number as people read it: thousands separators, sensible digits; ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = f"{value:,}" if unit != "year" else str(value)
    elif isinstance(value, float):
        a = abs(value)
        if unit == "year" and value.is_integer():
            text = str(int(value))
        elif a >= 1e15:
            text = f"{value:.4g}"
        elif a >= 100 or value.is_integer():
            text = f"{value:,.0f}"
        elif a >= 1:
            text = f"{value:,.2f}".rstrip("0").rstrip(".")
        else:
            text = f"{value:.3g}"
    else:
        text = str(value)
    return text


def linkify(text: str) -> str:
    """Escaped text with http(s) URLs turned into links that open outside the report."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        out.append(esc(text[pos : m.start()]))
        url = m.group(0).rstrip(".)")
        out.append(f'<a href="{esc(url)}" rel="noopener noreferrer" target="_blank">{esc(url)}</a>')
        out.append(esc(m.group(0)[len(url) :]))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def table_html(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None) -> str:
    """A table from already-escaped cells."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th{' class=num' if n else ''}>{esc(h)}</th>" for h, n in zip(headers, numeric, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if n else ''}>{c}</td>" for c, n in zip(row, numeric, strict=True))
        + "</tr>"
        for row in rows
    )
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def chart_html(chart: Chart, *, with_title: bool = True) -> str:
    """A chart's container, caption and its figure as inert JSON (drawn by :func:`page`'s script)."""
    fig = figure_to_json(chart.figure)  # "<", ">" and "&" escaped: safe inside <script>
    title = f"<h3>{esc(chart.title)}</h3>" if with_title else ""
    return (
        f'<div class="chart-box">{title}<p class="caption">{esc(chart.caption)}</p>'
        f'<div class="chart" id="chart-{esc(chart.id)}" data-figure="fig-{esc(chart.id)}"></div>'
        f'<script type="application/json" id="fig-{esc(chart.id)}">{fig}</script></div>'
    )


_DRAW = """
(function () {
  var config = %s;
  document.querySelectorAll("div.chart[data-figure]").forEach(function (div) {
    var fig = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    Plotly.newPlot(div, fig.data, fig.layout, config);
  });
})();
"""


def _page_parts(
    title: str, header_html: str, toc: Sequence[tuple[str, str]], body_html: str, footer_html: str
) -> tuple[str, str]:
    """The HTML document around already-built, escaped body parts, before and after plotly.js."""
    nav = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in toc)
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
        f'<meta name="generator" content="gigacampus {esc(__version__)}">\n'
        f"<title>{esc(title)}</title>\n<style>\n{report_css()}</style>\n</head>\n<body>\n"
        f'<header class="report-header"><div class="inner">{header_html}</div></header>\n'
        f'<main>\n<nav class="toc">{nav}</nav>\n{body_html}\n'
        f'<footer class="report-footer">{footer_html}</footer>\n</main>\n'
        "<script>"
    )
    tail = f"</script>\n<script>{_DRAW % json.dumps(PLOTLY_CONFIG)}</script>\n</body>\n</html>\n"
    return head, tail


def page(title: str, header_html: str, toc: Sequence[tuple[str, str]], body_html: str, footer_html: str) -> str:
    """The whole HTML document around already-built, escaped body parts."""
    head, tail = _page_parts(title, header_html, toc, body_html, footer_html)
    return head + plotly_js() + tail


def page_bytes(title: str, header_html: str, toc: Sequence[tuple[str, str]], body_html: str, footer_html: str) -> bytes:
    """:func:`page` as the bytes a text file of it holds (UTF-8, newlines as ``os.linesep``), built
    around plotly.js's own bytes."""
    head, tail = _page_parts(title, header_html, toc, body_html, footer_html)
    out = b"".join((head.encode("utf-8"), _plotly_js_utf8(), tail.encode("utf-8")))
    return out if os.linesep == "\n" else out.replace(b"\n", os.linesep.encode("ascii"))


# --- parts of a single-run report -------------------------------------------------------


def kpi_items(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(value, label) of each headline card: the campus, and its cost, goodput and largest training
    run when the run has them (the dashboard shows the same cards)."""
    h, last = summary["headline"], summary["years"][-1]
    items = [
        (fmt(last["facility_power_mw"]), "MW facility power"),
        (fmt(int(last["accelerators"])), "accelerators"),
        (fmt(last["h100e"]), "H100-equivalents"),
        (f"{(last.get('dense_bf16_flops') or 0) / 1e18:,.1f}", "dense BF16 exaFLOP/s"),
        (str(h.get("full_year") or "not full"), "year the campus is full"),
        (f"{(h.get('energy_mwh_total') or 0) / 1e6:,.1f}", f"TWh used {summary['years'][0]['year']}-{last['year']}"),
    ]
    fin = summary.get("finance")
    if isinstance(fin, Mapping) and isinstance(fin.get("capex_usd"), (int, float)):
        items.append((f"${fin['capex_usd'] / 1e9:,.1f} bn", f"capex (USD of {fin.get('price_year', '?')})"))
        per_hour = (fin.get("unit_economics") or {}).get("tco_usd_per_accelerator_hour")
        if isinstance(per_hour, (int, float)):
            items.append((f"${per_hour:,.2f}", "TCO per accelerator-hour"))
    goodput = last.get("campus_job_goodput")
    if isinstance(goodput, (int, float)) and not isinstance(goodput, bool):
        items.append((f"{goodput:.2f}", f"goodput of a campus-wide job in {last['year']}"))
    tr = summary.get("training")
    runs = tr.get("years") if isinstance(tr, Mapping) else None
    if isinstance(runs, list) and runs and isinstance(runs[-1].get("training_flop"), (int, float)):
        items.append((f"{runs[-1]['training_flop']:.2e}", f"FLOP of the largest training run in {runs[-1]['year']}"))
    return items


def kpis_html(summary: Mapping[str, Any]) -> str:
    items = kpi_items(summary)
    cards = "".join(
        f'<div class="kpi"><div class="value">{esc(v)}</div><div class="label">{esc(label)}</div></div>'
        for v, label in items
    )
    return f'<div class="kpis">{cards}</div>'


def _binding_tag(kind: str) -> str:
    safe = kind if kind in BINDING_LABELS else "none"
    return f'<span class="tag {safe}">{esc(kind)}</span>'


def year_table_html(summary: Mapping[str, Any]) -> str:
    from gigacampus.report.terminal import RUN_TABLE_HEADERS  # a run's: a sweep's report does without

    headers = list(RUN_TABLE_HEADERS)
    rows = []
    for r in summary["years"]:
        rows.append(
            [
                esc(r["year"]),
                fmt(r["facility_power_mw"]),
                fmt(r["it_power_mw"]),
                fmt(r["accelerators_added"]),
                fmt(r["accelerators_retired"]),
                fmt(r["accelerators"]),
                _binding_tag(str(r["binding_constraint"])),
                fmt(r.get("stranded_power_mw")),
                fmt(r["h100e"]),
                f"{(r.get('dense_bf16_flops') or 0) / 1e18:,.1f}",
                fmt((r.get("energy_mwh") or 0) / 1e3),
            ]
        )
    numeric = [True] * len(headers)
    numeric[6] = False
    return table_html(headers, rows, numeric)


def phases_html(summary: Mapping[str, Any]) -> str:
    headers = ["Phase", "Online", "MW", "Accelerator", "System", "IT W per accelerator", "Holds", "Full in"]
    rows = [
        [
            esc(p.get("name", "")),
            esc(p.get("online_year", "")),
            fmt(p.get("power_mw")),
            esc(p.get("accelerator", "")),
            esc(p.get("system", "")),
            fmt(p.get("accelerator_it_power_w")),
            fmt(p.get("accelerator_slots")),
            esc(p.get("full_year") or "not full"),
        ]
        for p in summary["phases"]
        if isinstance(p, Mapping)
    ]
    return table_html(headers, rows, [False, True, True, False, False, True, True, True])


_ORIGIN_LABELS = {
    "scenario": "scenario file",
    "schema default": "schema default",
    "catalog:defaults": "catalog default (defaults.csv)",
    "catalog:accelerators": "catalog (accelerators.csv)",
    "catalog:systems": "catalog (systems.csv)",
}


def _value_html(value: Any, unit: str, path: str = "") -> str:
    if path == "scenario.sources" and isinstance(value, list):
        return f'{len(value)} listed under <a href="#sources">Sources</a>' if value else "-"
    # only a source is made a link; any other text (a name) is shown as written
    text = linkify if path.rsplit(".", 1)[-1].split("[")[0] in ("source", "sources", "url") else esc
    if isinstance(value, list):
        return "<br>".join(text(str(v)) if isinstance(v, str) else esc(fmt(v, unit)) for v in value) or "-"
    if isinstance(value, str):
        return text(value) if value else '<span class="muted">(empty)</span>'
    return esc(fmt(value, unit))


def _split_sources(text: Any) -> list[str]:
    return [s.strip() for s in str(text or "").split(" ; ") if s.strip()]


def source_list(summary: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Every source once, numbered in order: the scenario's own, then those behind catalog values.

    Each comes with the parameters it gave (empty for the scenario's own sources).
    """
    out: dict[str, list[str]] = {str(s): [] for s in summary["scenario"].get("sources") or []}
    for item in summary["inputs"]:
        if isinstance(item, Mapping):
            for src in _split_sources(item.get("source")):
                out.setdefault(src, []).append(str(item.get("path", "")))
    return list(out.items())


def _source_ref(number: int) -> str:
    return f'<a href="#source-{number}">[{number}]</a>'


def inputs_html(summary: Mapping[str, Any]) -> str:
    numbers = {src: i for i, (src, _) in enumerate(source_list(summary), start=1)}
    rows = []
    for item in summary["inputs"]:
        if not isinstance(item, Mapping):
            continue
        origin = str(item.get("origin", ""))
        unit = str(item.get("unit") or "")
        cls = "origin-scenario" if origin == "scenario" else "origin-default"
        refs = " ".join(_source_ref(numbers[s]) for s in _split_sources(item.get("source")) if s in numbers)
        rows.append(
            [
                f"<code>{esc(item.get('path', ''))}</code>",
                _value_html(item.get("value"), unit, str(item.get("path", ""))),
                esc(unit if unit != "-" else ""),
                f'<span class="{cls}">{esc(_ORIGIN_LABELS.get(origin, origin))}</span>',
                refs,
            ]
        )
    return table_html(["Parameter", "Value", "Unit", "Where it came from", "Sources"], rows)


def sources_html(summary: Mapping[str, Any]) -> str:
    items = []
    for number, (src, paths) in enumerate(source_list(summary), start=1):
        used = (
            f' <span class="muted">(for {esc(", ".join(dict.fromkeys(paths)))})</span>'
            if paths
            else ' <span class="muted">(cited by the scenario file)</span>'
        )
        items.append(f'<li id="source-{number}">{linkify(src)}{used}</li>')
    if not items:
        return '<p class="muted">No sources listed.</p>'
    return f'<ol class="sources">{"".join(items)}</ol>'


def block_html(value: Any, units: Mapping[str, str], depth: int = 0) -> str:
    """A summary block as nested tables (for blocks without charts of their own)."""
    if depth > 4:
        return esc(json.dumps(value, ensure_ascii=False)[:2000])
    if isinstance(value, Mapping):
        rows = [[f"<code>{esc(k)}</code>", block_html(v, units, depth + 1)] for k, v in value.items()]
        return table_html(["Key", "Value"], rows)
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        cols = list(dict.fromkeys(k for v in value for k in v))
        rows = [[block_html(v.get(c), units, depth + 1) for c in cols] for v in value[:500]]
        more = f'<p class="muted">{len(value) - 500:,} more rows in summary.json</p>' if len(value) > 500 else ""
        return table_html(cols, rows) + more
    if isinstance(value, list):
        return esc(", ".join(fmt(v) for v in value[:200]))
    if isinstance(value, str):
        return linkify(value)
    return esc(fmt(value))


def _header_html(summary: Mapping[str, Any]) -> str:
    info = summary["scenario"]
    years = [r["year"] for r in summary["years"]]
    where = f" · {info['site']}" if info.get("site") else ""
    desc = f"<p>{esc(' '.join(str(info.get('description') or '').split()))}</p>" if info.get("description") else ""
    return f"<h1>{esc(info['name'])}</h1><p>{esc(years[0])}-{esc(years[-1])}{esc(where)}</p>{desc}"


def _footer_html(summary: Mapping[str, Any], redraw: str) -> str:
    return (
        f"Made by gigacampus {esc(summary.get('gigacampus_version', __version__))} "
        f"(seed {esc(summary.get('seed', 0))}). {esc(redraw)} "
        "Charts are interactive: hover for values, drag to zoom, double-click to reset; "
        "the camera icon saves a PNG. This file works offline."
    )


def _block_explanations(summary: Mapping[str, Any], block: str | None) -> str:
    """An analysis's own sentences (its block's ``explanations``), above its charts."""
    data = summary.get(block) if block else None
    lines = data.get("explanations") if isinstance(data, Mapping) else None
    if not isinstance(lines, list) or not lines:
        return ""
    return '<ul class="explanations">' + "".join(f"<li>{esc(line)}</li>" for line in lines[:200]) + "</ul>"


def render_report(summary: Mapping[str, Any]) -> str:
    """The HTML report of one run, from its summary document (as written to summary.json)."""
    return page(*_report_parts(summary))


def render_report_bytes(summary: Mapping[str, Any]) -> bytes:
    """:func:`render_report` as the bytes of its file (see :func:`page_bytes`)."""
    return page_bytes(*_report_parts(summary))


def _report_parts(summary: Mapping[str, Any]) -> tuple[str, str, list[tuple[str, str]], str, str]:
    """Title, header, table of contents, body and footer of a single-run report."""
    from gigacampus.report.summary import headline_sentences  # a run's: a sweep's report does without

    toc = [("headline", "Headline")]
    body = [
        '<section id="headline" class="headline"><h2>Headline</h2>',
        "".join(f"<p>{esc(s)}</p>" for s in headline_sentences(summary)),
        kpis_html(summary),
        "<h3>Year by year: what bound the build-out and why</h3>",
        '<ul class="explanations">',
        "".join(f"<li>{esc(line)}</li>" for line in summary["explanations"]),
        "</ul></section>",
    ]
    built = sections_for(summary)
    for section, charts in built:
        toc.append((section.key, section.title))
        intro = f'<p class="caption">{esc(section.intro)}</p>' if section.intro else ""
        body.append(f'<section id="{esc(section.key)}"><h2>{esc(section.title)}</h2>{intro}')
        body.append(_block_explanations(summary, section.block))
        body.extend(chart_html(c) for c in charts)
        body.append("</section>")
    drawn = {s.block for s, _ in built if s.block}
    units = summary.get("units") or {}
    for name in block_names(summary):
        if name in drawn:
            continue
        anchor = f"block-{name}"
        toc.append((anchor, name.replace("_", " ").capitalize()))
        body.append(
            f'<section id="{esc(anchor)}"><h2>{esc(name.replace("_", " ").capitalize())}</h2>'
            f'<p class="caption">The <code>{esc(name)}</code> block of summary.json.</p>'
            f"{block_html(summary[name], units)}</section>"
        )
    toc += [("years", "Year by year"), ("phases", "Phases"), ("inputs", "Inputs"), ("sources", "Sources")]
    body += [
        f'<section id="years"><h2>Year by year</h2>{year_table_html(summary)}</section>',
        f'<section id="phases"><h2>Phases</h2>{phases_html(summary)}</section>',
        '<section id="inputs"><h2>Inputs</h2><p class="caption">Every parameter the run used, its value, and '
        "where it came from: the scenario file, or a catalog default with its source.</p>",
        inputs_html(summary),
        "</section>",
        f'<section id="sources"><h2>Sources</h2>{sources_html(summary)}</section>',
    ]
    return (
        f"{summary['scenario']['name']}: gigacampus report",
        _header_html(summary),
        toc,
        "\n".join(body),
        _footer_html(summary, "Redraw from the saved run with: gigacampus report DIR."),
    )


def write_html(text: str, path: str | Path) -> Path:
    """Write a report atomically (never through a symlink); an unwritable place is an
    :class:`InputError` naming it."""
    try:
        return write_text(path, text)
    except InputError as err:
        raise InputError(
            [
                Problem(p.source, p.path, p.message.replace("cannot write", "cannot write the report"))
                for p in err.problems
            ]
        ) from None
