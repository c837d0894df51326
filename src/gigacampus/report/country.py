"""A country run in the terminal, in files and as an HTML page: campuses stacked, the national
cap line, binding years. Drawn from the country summary (``summary.json`` of ``run COUNTRY``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.table import Table

from gigacampus.charting import Chart, bar, figure, line, palette_color, style_figure
from gigacampus.errors import InputError, Problem
from gigacampus.report.terminal import titled_table

__all__ = [
    "campus_table",
    "country_chart",
    "country_lines",
    "national_table",
    "render_country",
    "write_country",
]


def _cap_units(rec: Mapping[str, Any]) -> float | None:
    """The year's national cap in accelerators (caps in another unit are not drawn as a count)."""
    caps = [c["available"] for c in rec["national_caps"] if c["unit"] == "units" and c["available"] is not None]
    return min(caps) if caps else None


def national_table(summary: Mapping[str, Any]) -> Table:
    headers = (
        "Year",
        "Facility MW",
        "Wanted",
        "Shipped",
        "Held back",
        "National cap",
        "Cap binds",
        "Installed",
        "H100e",
        "Binding",
    )
    table = titled_table(f"{summary['country']['name']}: national allocation", headers, left=("Cap binds", "Binding"))
    for rec in summary["years"]:
        cap = _cap_units(rec)
        table.add_row(
            str(rec["year"]),
            f"{rec['facility_power_mw']:,.0f}",
            f"{rec['accelerators_wanted']:,}",
            f"{rec['accelerators_shipped']:,}",
            f"{rec['accelerators_held_back']:,}",
            "-" if cap is None else f"{cap:,.0f}",
            "yes" if rec["national_cap_binding"] else "",
            f"{rec['accelerators']:,}",
            f"{rec['h100e']:,.0f}",
            rec["binding_constraint"],
        )
    return table


def campus_table(summary: Mapping[str, Any]) -> Table:
    headers = ("Year", "Campus", "Wanted", "Shipped", "Held back", "Installed", "Stranded MW", "Binding")
    table = titled_table("By campus", headers, left=("Campus", "Binding"))
    for rec in summary["years"]:
        for i, c in enumerate(rec["campuses"]):
            table.add_row(
                str(rec["year"]) if i == 0 else "",
                c["campus"],
                f"{c['wanted']:,}",
                f"{c['shipped']:,}",
                f"{c['held_back']:,}",
                f"{c['accelerators']:,}",
                f"{c['stranded_power_mw']:,.0f}",
                c["binding_constraint"],
            )
    return table


def country_lines(summary: Mapping[str, Any]) -> list[str]:
    lines = list(summary["explanations"])
    for note in summary.get("notes", []):
        lines.append(f"Note: {note}")
    return lines


def country_chart(summary: Mapping[str, Any]) -> Chart:
    """Accelerators shipped each year, stacked by campus, held back hatched, with the national cap line."""
    years = [r["year"] for r in summary["years"]]
    names = [c["name"] for c in summary["campuses"]]
    traces = []
    for i, name in enumerate(names):
        shipped = [r["campuses"][i]["shipped"] for r in summary["years"]]
        traces.append(bar(years, shipped, f"{name}: shipped", palette_color(i), hover="%{y:,.0f}", offsetgroup="s"))
    for i, name in enumerate(names):
        held = [r["campuses"][i]["held_back"] for r in summary["years"]]
        if any(held):
            traces.append(
                bar(
                    years,
                    held,
                    f"{name}: held back",
                    palette_color(i),
                    hatched=True,
                    hover="%{y:,.0f}",
                    offsetgroup="s",
                )
            )
    caps = [_cap_units(r) for r in summary["years"]]
    if any(c is not None for c in caps):
        traces.append(line(years, caps, "national cap", "#1d2a33", dash="dot", shape="hv", hover="%{y:,.0f}"))
    fig = figure(*traces)
    fig.update_layout(barmode="stack")
    style_figure(fig, "accelerators per year")
    return Chart(
        "country-shipments",
        "Accelerators shipped per year, by campus",
        "Campuses stacked in drawing order; hatched: wanted but held back; dotted: the national cap "
        "(when it is a number of accelerators).",
        fig,
    )


def render_country(summary: Mapping[str, Any], links: Mapping[str, str] | None = None) -> str:
    """The country's HTML page (campuses stacked, the national cap line, binding years, links to
    each campus's own report)."""
    from gigacampus.report.html import chart_html, esc, linkify, page, table_html

    links = dict(links or {})
    name = summary["country"]["name"]
    years = [r["year"] for r in summary["years"]]
    head = summary["headline"]
    binds = head["national_cap_binding_years"]
    bind_text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in binds) or "never"
    rows = []
    for i, c in enumerate(summary["campuses"]):
        kinds = [r["campuses"][i]["binding_constraint"] for r in summary["years"]]
        held = [y for y, r in zip(years, summary["years"], strict=True) if r["campuses"][i]["held_back"] > 0]
        link = f'<a href="{esc(links[c["name"]])}">report</a>' if c["name"] in links else ""
        rows.append(
            [
                esc(c["name"]),
                esc(f"{c['priority']:g}"),
                esc(", ".join(f"{y}: {k}" for y, k in zip(years, kinds, strict=True))),
                esc(", ".join(str(y) for y in held) or "never"),
                link,
            ]
        )
    body = [
        '<section id="national"><h2>National allocation</h2>',
        "".join(f"<p>{esc(line)}</p>" for line in summary["explanations"]),
        f"<p>National caps bind in: {esc(bind_text)}.</p>",
        chart_html(country_chart(summary)),
        "</section>",
        '<section id="campuses"><h2>Campuses and binding years</h2>',
        table_html(["Campus", "Priority", "Binding by year", "Held back in", ""], rows),
        "</section>",
        '<section id="sources"><h2>Sources</h2><ol class="sources">',
        "".join(f"<li>{linkify(s)}</li>" for s in summary["scenario"].get("sources", [])),
        "</ol></section>",
    ]
    header = f"<h1>{esc(name)}</h1><p>{esc(len(summary['campuses']))} campuses, {years[0]}-{years[-1]}</p>"
    footer = "Made by gigacampus. Each campus's full report is in its own folder. This file works offline."
    toc = [("national", "National"), ("campuses", "Campuses"), ("sources", "Sources")]
    return page(f"{name}: gigacampus country", header, toc, "\n".join(body), footer)


def write_country(result: Any, out_dir: str | Path) -> list[Path]:
    """Write ``summary.json`` and ``report.html`` of the country, and each campus's run files in
    ``out_dir/<campus>/``. Returns the paths written."""
    from gigacampus.report.files import write_run
    from gigacampus.report.html import write_html

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot create the output folder: {exc.strerror or exc}")]) from None
    paths: list[Path] = []
    links: dict[str, str] = {}
    used: set[str] = set()
    for name, campus in result.campuses.items():
        folder = _slug(name, used)
        paths += write_run(campus, out / folder)
        links[name] = f"{folder}/report.html"
    summary = result.to_summary()
    text = json.dumps(summary, indent=2, allow_nan=False)
    target = out / "summary.json"
    tmp = target.with_suffix(".json.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot write results: {exc.strerror or exc}")]) from None
    paths.append(target)
    paths.append(write_html(render_country(summary, links), out / "report.html"))
    return paths


def _slug(name: str, used: set[str]) -> str:
    import re

    base = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60] or "campus"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug
