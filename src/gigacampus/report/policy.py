"""Rich tables for export controls: classification, regimes, allocation by holder, caps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from gigacampus.analyses.policy.classify import Classification
from gigacampus.catalog.regimes import Regime
from gigacampus.report.terminal import titled_table

__all__ = [
    "cap_meaning_table",
    "caps_table",
    "classify_table",
    "holders_table",
    "policy_summary_lines",
    "regimes_table",
    "years_table",
]

_STYLE = {"power": "green", "quota": "bold red", "approval": "magenta", "supply": "yellow", "none": "dim"}


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _big(value: float | None) -> str:
    """Large amounts (TPP) in millions or billions."""
    if value is None:
        return "no cap"
    for scale, suffix in ((1e9, "bn"), (1e6, "M")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f} {suffix}"
    return f"{value:,.0f}"


def classify_table(items: Iterable[Classification]) -> Table:
    """One row per accelerator: TPP, density, H100e, ECCN outcome and the paragraph that applied."""
    headers = ("id", "TPP", "precision", "die mm2", "density", "H100e", "H100 (TPP)", "ECCN", "reason")
    table = titled_table("ECCN 3A090 classification", headers, left=("id", "precision", "ECCN", "reason"))
    for c in items:
        table.add_row(
            c.accelerator,
            _n(c.tpp),
            c.tpp_precision,
            _n(c.die_area_mm2),
            _n(c.performance_density, 2),
            f"{c.h100e:.2f}",
            f"{c.h100_tpp_equivalents:.2f}",
            c.eccn,
            c.reason,
        )
    return table


def regimes_table(regimes: Mapping[str, Regime]) -> Table:
    headers = ("id", "name", "years", "status", "caps")
    table = titled_table("Quota regimes", headers, left=headers)
    for regime in regimes.values():
        years = "-"
        if regime.first_year is not None:
            years = f"{regime.first_year}-{regime.last_year or ''}"
        status = f"rescinded {regime.rescinded_on.isoformat()}" if regime.rescinded_on else "in force"
        caps = "\n".join(f"{c.name}: {c.describe()}" for c in regime.caps) or "no caps"
        table.add_row(regime.id, regime.name, years, status, caps)
    return table


def holders_table(block: Mapping[str, Any], title: str = "Chips by holder") -> Table:
    """One row per year and holder: allocated, shipped, unused, H100e and TPP delivered, binding."""
    headers = ("Year", "Holder", "Approved", "Allocated", "Shipped", "Unused", "H100e", "TPP", "Installed", "Binding")
    table = titled_table(title, headers, left=("Holder", "Binding", "Approved"), no_wrap=True)
    here = {h["name"] for h in block["holders"] if h["phases"]}
    for rec in block["years"]:
        for i, h in enumerate(r for r in rec["holders"] if r["holder"] in here):
            table.add_row(
                str(rec["year"]) if i == 0 else "",
                h["holder"],
                "yes" if h["approved"] else "no",
                _n(h["allocated"]) if h["allocated"] is not None else "no cap",
                _n(h["shipped"]),
                _n(h["unused"]) if h["unused"] is not None else "-",
                _n(h["h100e_delivered"]),
                _big(h["tpp_delivered"]),
                _n(h["installed"]),
                Text(h["binding"], style=_STYLE.get(h["binding"], "")),
            )
    return table


def years_table(block: Mapping[str, Any]) -> Table:
    """One row per year: regime in force, campus binding, stranded power, chips needed and the
    share of the national cap that needs."""
    caps = [c for c in block["caps"] if c["scope"] == "national"]
    headers = ["Year", "Regime", "Binding", "Stranded MW", "Needed", "Shipped"]
    headers += [f"Share of {c['name']}" for c in caps]
    table = titled_table("Campus and national cap", headers, left=("Regime", "Binding"), no_wrap=True)
    for rec in block["years"]:
        row = [
            str(rec["year"]),
            rec["regime_status"],
            Text(rec["binding_constraint"], style=_STYLE.get(rec["binding_constraint"], "")),
            _n(rec["stranded_power_mw"]),
            _n(rec["accelerators_needed"]),
            _n(rec["accelerators_shipped"]),
        ]
        for cap in caps:
            share = rec["national_cap_share_needed"].get(cap["cap"])
            row.append("-" if share is None else f"{share:.1%}")
        table.add_row(*row)
    return table


def caps_table(block: Mapping[str, Any]) -> Table:
    """One row per year and cap (pool): available, used, unused, whether it bound."""
    headers = ("Year", "Cap", "Unit", "Available", "Used", "Unused", "Bound")
    table = titled_table("Caps by year", headers, left=("Cap", "Unit", "Bound"), no_wrap=True)
    for rec in block["years"]:
        for i, c in enumerate(rec["caps"]):
            table.add_row(
                str(rec["year"]) if i == 0 else "",
                c["name"],
                c["unit"],
                _big(c["available"]),
                _big(c["used"]),
                _big(c["unused"]) if c["unused"] is not None else "-",
                Text("yes", style="bold red") if c["binding"] else "",
            )
    return table


def cap_meaning_table(block: Mapping[str, Any]) -> Table:
    """What each regime cap means for the campus's accelerators: that many accelerators, H100e and TPP."""
    headers = ("Cap", "Amount", "Accelerator", "Accelerators", "H100e", "TPP")
    table = titled_table("What each cap means", headers, left=("Cap", "Amount", "Accelerator"))
    for cap in block["caps"]:
        equivalents = cap.get("equivalents") or {}
        for i, (model, eq) in enumerate(equivalents.items()):
            table.add_row(
                cap["name"] if i == 0 else "",
                cap["describe"] if i == 0 else "",
                model,
                _n(eq["accelerators"]),
                _n(eq["h100e"]),
                _big(eq["tpp"]),
            )
    return table


def policy_summary_lines(block: Mapping[str, Any]) -> list[str]:
    """Headline sentences: regime status, when the campus is full, compute per holder, pledges."""
    lines = [block["explanations"][0]]
    full = block["campus_full_year"]
    bindings = {}
    for rec in block["years"]:
        bindings.setdefault(rec["binding_constraint"], []).append(rec["year"])
    text = ", ".join(f"{name} in {_years(ys)}" for name, ys in bindings.items())
    lines.append(f"Campus {'full in ' + str(full) if full else 'not full within the horizon'}; binding: {text}.")
    phases = ", ".join(f"{name} {year if year else 'not full'}" for name, year in block["phases_full_year"].items())
    lines.append(f"Phases full: {phases}.")
    bound: dict[str, list[int]] = {}
    for rec in block["years"]:
        for cap in rec["caps"]:
            if cap["binding"]:
                bound.setdefault(cap["name"], []).append(rec["year"])
    if bound:
        lines.append("Caps that bound: " + "; ".join(f"{name} in {_years(ys)}" for name, ys in bound.items()) + ".")
    else:
        lines.append("No cap bound.")
    delivered = ", ".join(
        f"{h['name']} {h['h100e_delivered_total']:,.0f} H100e ({h['shipped_total']:,} accelerators)"
        for h in block["holders"]
        if h["phases"]
    )
    lines.append(f"Delivered over the horizon: {delivered}.")
    for h in block["holders"]:
        if h["phases"] and h.get("shares_room_with"):
            lines.append(
                f"Allocated for {h['name']} is room it shares with {', '.join(h['shares_room_with'])} "
                "(no share reserves it: first come, first served)."
            )
    for h in block["holders"]:
        if not h["phases"]:
            caps = "; ".join(f"{c['amount']:,.0f} {c['unit']} {c['per']}" for c in h["caps"]) or "no own cap"
            lines.append(
                f"{h['name']}: {h['status']} from {h['approval_year']}, fills no phase of this campus ({caps})."
            )
    for note in block["notes"]:
        lines.append(f"Note: {note}.")
    for p in block["pledges"]:
        per = p["usd_per_h100e_delivered"]
        done = "" if p["fulfilled_share"] is None else f", {p['fulfilled_share']:.0%} fulfilled"
        lines.append(
            f"Pledge: {p['who']}: {p['what']}: {_usd(p['amount_usd'])} by {p['due_year']}{done}"
            + (f" = {per:,.0f} USD per H100e delivered here" if per else "")
            + f" ({p['source'].split(' ; ')[0]})."
        )
    return lines


def _usd(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= scale:
            return f"{value / scale:,.3g} {word} USD"
    return f"{value:,.0f} USD"


def _years(years: list[int]) -> str:
    spans, start, prev = [], years[0], years[0]
    for y in years[1:] + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(spans)
