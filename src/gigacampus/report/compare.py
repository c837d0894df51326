"""Several runs side by side: overlaid charts and a table of headline differences.

Like the single-run report, everything here is drawn from summary documents alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gigacampus.charting import Figure, binding_bar, line, palette_color, scaled, series, summary_years
from gigacampus.report.charts import Chart, extra_columns, style_figure
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

__all__ = ["DIFFERENCE_COLUMNS", "comparison_charts", "differences", "render_comparison", "unique_labels"]

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
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


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
    shape = "hv" if key.endswith("_mw") else "linear"
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
        band.add_trace(binding_bar(kind, reasons, orientation="h", y=runs, x=[1] * len(cells), base=starts))
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
    toc = [("differences", "Differences"), ("charts", "Charts"), ("runs", "Each run"), ("sources", "Sources")]
    body = [
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
