"""Chart sections for the analysis blocks: policy, finance, reliability, training, network.

Each section is drawn only when the summary has its block (see :mod:`gigacampus.report.charts`)
and claims the per-year columns it draws or tabulates, so they are not drawn a second time as
generic "other results". Like every renderer, these read the saved summary only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from gigacampus.economics.analysis import FINANCE_COLUMNS
from gigacampus.network import NETWORK_UNITS
from gigacampus.reliability.analysis import COLUMN_UNITS as RELIABILITY_COLUMN_UNITS
from gigacampus.report.charts import PALETTE, Chart, Section, register_section, style_figure
from gigacampus.report.summary import series
from gigacampus.training import TRAINING_UNITS

__all__ = ["finance_charts", "network_charts", "policy_charts", "reliability_charts", "training_charts"]


def _years(summary: Mapping[str, Any]) -> list[int]:
    return [int(r["year"]) for r in summary["years"]]


def _bn(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else v / 1e9 for v in values]


# --- policy -------------------------------------------------------------------------------


def policy_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary["policy"]
    years = [int(y["year"]) for y in block.get("years", [])]
    if not years:
        return []
    holders = list(dict.fromkeys(h["holder"] for y in block["years"] for h in y.get("holders", [])))
    shipped = go.Figure()
    installed = go.Figure()
    for i, name in enumerate(holders):
        rows = [next((h for h in y.get("holders", []) if h["holder"] == name), {}) for y in block["years"]]
        color = PALETTE[i % len(PALETTE)]
        shipped.add_trace(
            go.Bar(
                x=years,
                y=[r.get("shipped", 0) for r in rows],
                name=name,
                marker_color=color,
                hovertemplate="%{y:,.0f} shipped",
            )
        )
        installed.add_trace(
            go.Bar(
                x=years,
                y=[r.get("installed", 0) for r in rows],
                name=name,
                marker_color=color,
                hovertemplate="%{y:,.0f} installed",
            )
        )
    share = [100.0 * sum((y.get("national_cap_share_needed") or {}).values()) for y in block["years"]]
    shipped.add_trace(
        go.Scatter(
            x=years,
            y=share,
            name="share of the national cap needed",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#1d2a33", "dash": "dot"},
            hovertemplate="%{y:.1f}%",
        )
    )
    style_figure(shipped, "accelerators shipped", barmode="stack", y2_title="% of the national cap")
    style_figure(installed, "accelerators installed", barmode="stack")
    regime = (block.get("regime") or {}).get("name") or "no regime"
    return [
        Chart(
            "policy-shipped",
            "Chips shipped by holder",
            f"Accelerators each holder received each year under {regime}; the dotted line is the share "
            "of the national cap the campus needed to stay full, replacements included.",
            shipped,
        ),
        Chart(
            "policy-installed",
            "Installed by holder",
            "Accelerators each holder has installed at the campus at year end.",
            installed,
        ),
    ]


# --- finance ------------------------------------------------------------------------------

_CAPEX_LABELS = {
    "accelerator_systems": "accelerator systems",
    "networking": "networking",
    "storage": "storage",
    "facility_shell": "facility shell",
    "facility_electrical": "electrical",
    "facility_cooling": "cooling",
    "power_connection": "power connection",
    "land": "land",
}


def finance_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary["finance"]
    years = _years(summary)
    by_year = {int(r["year"]): r for r in block.get("by_year", [])}
    price_year = block.get("price_year")
    money = f"USD bn of {price_year}" if price_year else "USD bn"
    capex = go.Figure()
    for i, (key, label) in enumerate(_CAPEX_LABELS.items()):
        values = [by_year.get(y, {}).get(f"capex_{key}_usd") or 0.0 for y in years]
        if any(values):
            capex.add_trace(
                go.Bar(
                    x=years,
                    y=_bn(values),
                    name=label,
                    marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{y:,.2f} bn",
                )
            )
    capex.add_trace(
        go.Scatter(
            x=years,
            y=_bn(series(summary, "opex_usd")),
            name="opex",
            mode="lines+markers",
            line={"color": "#1d2a33"},
            hovertemplate="%{y:,.2f} bn",
        )
    )
    style_figure(capex, money, barmode="stack")
    funding = go.Figure()
    funding.add_trace(
        go.Bar(
            x=years,
            y=_bn(series(summary, "funding_need_usd")),
            name="spending need",
            marker_color=PALETTE[6],
            hovertemplate="%{y:,.2f} bn",
        )
    )
    funding.add_trace(
        go.Scatter(
            x=years,
            y=_bn(series(summary, "funding_gap_usd")),
            name="funding gap, secured money only",
            mode="lines+markers",
            line={"color": PALETTE[4]},
            hovertemplate="%{y:,.2f} bn",
        )
    )
    funding.add_trace(
        go.Scatter(
            x=years,
            y=_bn(series(summary, "funding_gap_if_announced_usd")),
            name="funding gap, with announced money",
            mode="lines+markers",
            line={"color": PALETTE[1], "dash": "dash"},
            hovertemplate="%{y:,.2f} bn",
        )
    )
    style_figure(funding, money)
    tco = go.Figure()
    tco.add_trace(
        go.Scatter(
            x=years,
            y=series(summary, "tco_usd_per_accelerator_hour"),
            name="TCO per accelerator-hour",
            mode="lines+markers",
            line={"color": PALETTE[0]},
            hovertemplate="%{y:,.2f} USD",
        )
    )
    market = (block.get("market") or {}).get("market_price_usd_per_accelerator_hour")
    if market:
        tco.add_trace(
            go.Scatter(
                x=years,
                y=[market] * len(years),
                name="market price",
                mode="lines",
                line={"color": PALETTE[4], "dash": "dot"},
                hovertemplate="%{y:,.2f} USD",
            )
        )
    style_figure(tco, "USD per accelerator-hour")
    return [
        Chart(
            "finance-capex",
            "Capex by category, and opex",
            f"Money spent each year ({money}); refreshes at end of life are new capex in their year.",
            capex,
        ),
        Chart(
            "finance-funding",
            "Spending need and funding gap",
            "Bars: money needed each year; lines: the cumulative gap if only secured money arrives, and "
            "if announced money arrives too.",
            funding,
        ),
        Chart(
            "finance-tco",
            "Cost per accelerator-hour",
            "TCO (depreciation + opex + interest) per accelerator-hour each year"
            + ("; the dotted line is the scenario's market price." if market else "."),
            tco,
        ),
    ]


# --- reliability --------------------------------------------------------------------------


def reliability_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary["reliability"]
    rows = block.get("years", [])
    if not rows:
        return []
    years = [int(r["year"]) for r in rows]
    goodput = go.Figure()
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
        goodput.add_trace(
            go.Scatter(
                x=years,
                y=mean,
                name=label,
                mode="lines+markers",
                line={"color": PALETTE[i]},
                error_y={"type": "data", "symmetric": False, "array": high, "arrayminus": low},
                hovertemplate="%{y:.3f}",
            )
        )
    threshold = (block.get("inputs") or {}).get("min_goodput")
    if threshold is not None:
        goodput.add_trace(
            go.Scatter(
                x=years,
                y=[threshold] * len(years),
                name="viable from",
                mode="lines",
                line={"color": PALETTE[4], "dash": "dot"},
                hovertemplate="%{y:.2f}",
            )
        )
    style_figure(goodput, "expected goodput")
    goodput.update_yaxes(range=[0, 1.02])
    fleet = go.Figure()
    fleet.add_trace(
        go.Bar(
            x=years,
            y=[r.get("hardware_failures_per_day") for r in rows],
            name="hardware failures per day",
            marker_color=PALETTE[6],
            hovertemplate="%{y:,.1f}",
        )
    )
    fleet.add_trace(
        go.Scatter(
            x=years,
            y=[
                None if r.get("available_fraction_median") is None else 100 * r["available_fraction_median"]
                for r in rows
            ],
            name="fleet available (median)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": PALETTE[1]},
            hovertemplate="%{y:.2f}%",
        )
    )
    style_figure(fleet, "failures per day", y2_title="% of the fleet available")
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


# --- training -----------------------------------------------------------------------------


def training_charts(summary: Mapping[str, Any]) -> list[Chart]:
    block = summary["training"]
    rows = block.get("years", [])
    if not rows:
        return []
    years = [int(r["year"]) for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=years,
            y=[r.get("training_flop") for r in rows],
            name="largest run",
            marker_color=PALETTE[0],
            hovertemplate="%{y:.2e} FLOP",
        )
    )
    for i, run in enumerate(block.get("known_runs", [])):
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[run["training_flop"]] * len(years),
                name=run["name"],
                mode="lines",
                line={"color": PALETTE[(i + 3) % len(PALETTE)], "dash": "dot"},
                hovertemplate="%{y:.2e} FLOP",
            )
        )
    style_figure(fig, "training FLOP")
    fig.update_yaxes(type="log", rangemode="normal")
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


# --- network ------------------------------------------------------------------------------


def network_charts(summary: Mapping[str, Any]) -> list[Chart]:
    years = _years(summary)
    switches = series(summary, "network_switches")
    if not any(switches):
        return []
    fig = go.Figure()
    fig.add_trace(go.Bar(x=years, y=switches, name="switches", marker_color=PALETTE[0], hovertemplate="%{y:,.0f}"))
    power = series(summary, "network_power_mw")
    has_power = any(v is not None for v in power)
    if has_power:
        fig.add_trace(
            go.Scatter(
                x=years,
                y=power,
                name="network power",
                yaxis="y2",
                mode="lines+markers",
                line={"color": PALETTE[4]},
                hovertemplate="%{y:,.1f} MW",
            )
        )
    style_figure(fig, "switches", y2_title="MW" if has_power else None)
    return [
        Chart(
            "network-fabric",
            "Scale-out network",
            "Switches in the rail-optimised Clos fabrics of the installed accelerators"
            + (", and the fabric's power." if has_power else " (no switch power given)."),
            fig,
        ),
    ]


# The columns each analysis adds, as it declares them (the report only reads their names).
_POLICY_COLUMNS = ("accelerators_cut_by_approval",)
_FINANCE_COLUMNS = FINANCE_COLUMNS
_RELIABILITY_COLUMNS = tuple(RELIABILITY_COLUMN_UNITS)
_TRAINING_COLUMNS = (*TRAINING_UNITS, "training_fits_in_memory")
_NETWORK_COLUMNS = tuple(NETWORK_UNITS)

for _section in (
    Section("policy", "Export quota and holders", policy_charts, block="policy", columns=_POLICY_COLUMNS),
    Section("finance", "Capex, opex and funding", finance_charts, block="finance", columns=_FINANCE_COLUMNS),
    Section(
        "reliability", "Reliability at scale", reliability_charts, block="reliability", columns=_RELIABILITY_COLUMNS
    ),
    Section("training", "Training capacity", training_charts, block="training", columns=_TRAINING_COLUMNS),
    Section("network", "Network fabric", network_charts, block="network", columns=_NETWORK_COLUMNS),
):
    register_section(_section)
