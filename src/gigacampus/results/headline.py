"""The headline of a run in plain sentences, from its summary document alone.

Used by the HTML report, the dashboard, the comparison report and a result's notebook view, so
every place says the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["binding_runs", "headline_sentences"]


def binding_runs(years: Sequence[int], binding: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Consecutive years with the same binding constraint: ``{"power": [(2026, 2026), (2029, 2032)]}``."""
    runs: dict[str, list[tuple[int, int]]] = {}
    for i, (year, kind) in enumerate(zip(years, binding, strict=True)):
        spans = runs.setdefault(kind, [])
        if i > 0 and binding[i - 1] == kind:
            spans[-1] = (spans[-1][0], year)
        else:
            spans.append((year, year))
    return runs


def _spans(spans: Sequence[tuple[int, int]]) -> str:
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in spans]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_BOUND_WORDS = {
    "power": "power (the campus was full)",
    "quota": "the export quota (shipments fell short of what the power could hold)",
    "supply": "vendor supply (deliveries fell short of what the power could hold)",
    "none": "nothing (no power online yet)",
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _money(usd: float) -> str:
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:,.1f} bn"
    if abs(usd) >= 1e6:
        return f"${usd / 1e6:,.1f} m"
    return f"${usd:,.2f}"


def _cost_sentence(summary: Mapping[str, Any]) -> str | None:
    fin = summary.get("finance")
    if not isinstance(fin, Mapping):
        return None
    capex = _number(fin.get("capex_usd"))
    if capex is None:
        return None
    text = f"It costs {_money(capex)} of capex (USD of {fin.get('price_year', '?')})"
    per_hour = _number((fin.get("unit_economics") or {}).get("tco_usd_per_accelerator_hour"))
    if per_hour is not None:
        text += f", {_money(per_hour)} per accelerator-hour all in (TCO)"
    gap = _number((fin.get("funding") or {}).get("gap_usd"))
    if gap is not None:
        text += f"; funding gap with secured money {_money(gap)}" if gap > 0 else "; secured money covers it"
    return text + "."


def _goodput_sentence(summary: Mapping[str, Any]) -> str | None:
    if "reliability" not in summary:
        return None
    last = summary["years"][-1]
    goodput = _number(last.get("campus_job_goodput"))
    if goodput is None:
        return None
    mtbf_h = _number(last.get("campus_job_mtbf_h"))
    fails = f" fails every {mtbf_h * 60:,.1f} min and" if mtbf_h is not None else ""
    viable = last.get("campus_job_viable")
    verdict = "" if not isinstance(viable, bool) else ("; viable" if viable else "; not viable")
    return (
        f"A campus-wide training job in {last['year']}{fails} keeps {goodput:.2f} of its time as useful work "
        f"(expected goodput){verdict}."
    )


def _training_sentence(summary: Mapping[str, Any]) -> str | None:
    tr = summary.get("training")
    rows = tr.get("years") if isinstance(tr, Mapping) else None
    if not isinstance(rows, list) or not rows or not isinstance(rows[-1], Mapping):
        return None
    y = rows[-1]
    flop = _number(y.get("training_flop"))
    if flop is None:
        return None
    days = _number((tr.get("assumptions") or {}).get("days"))
    versus = _number((y.get("versus") or {}).get("llama-3.1-405b"))
    text = f"The largest training run it can host in {y.get('year')} is {flop:.2e} FLOP"
    if days is not None:
        text += f" in {days:g} days"
    if versus is not None:
        text += f", {versus:,.1f} times Llama 3.1 405B"
    return text + "."


def headline_sentences(summary: Mapping[str, Any]) -> list[str]:
    """The run's headline in plain sentences: what it holds, when it is full, what bound it, the
    energy, and, when the run has them, its cost, the goodput of a campus-wide job and the largest
    training run."""
    info, h = summary["scenario"], summary["headline"]
    years = [int(r["year"]) for r in summary["years"]]
    last = summary["years"][-1]
    models = {k: v for k, v in (last.get("by_accelerator") or {}).items() if v}
    mix = ", ".join(f"{int(v):,} {k}" for k, v in models.items())
    exaflops = (last.get("dense_bf16_flops") or 0) / 1e18
    first = (
        f"By {years[-1]}, {info['name']} has {last['facility_power_mw']:,.0f} MW of facility power online "
        f"holding {int(last['accelerators']):,} accelerators"
        + (f" ({mix})" if mix else "")
        + f": {last['h100e']:,.0f} H100-equivalents and {exaflops:,.1f} dense BF16 exaFLOP/s."
    )
    full = h.get("full_year")
    if full is not None:
        second = f"The campus is full (every accelerator slot its power allows is filled) from {full}."
    else:
        second = f"The campus is not full by {years[-1]}: some of its power has no accelerators."
    runs = binding_runs(years, [str(r["binding_constraint"]) for r in summary["years"]])
    if len(runs) == 1:
        kind = next(iter(runs))
        third = f"Binding constraint every year from {years[0]} to {years[-1]}: {_BOUND_WORDS.get(kind, kind)}."
    else:
        parts = [f"{_BOUND_WORDS.get(kind, kind)} in {_spans(spans)}" for kind, spans in runs.items()]
        third = "Binding constraint: " + "; ".join(parts) + "."
    energy = h.get("energy_mwh_total")
    sentences = [first, second, third]
    if isinstance(energy, (int, float)):
        sentences.append(
            f"Over {years[0]}-{years[-1]} the campus uses {energy / 1e6:,.1f} TWh of electricity "
            f"(average draw at the phases' utilization)."
        )
    for extra in (_cost_sentence(summary), _goodput_sentence(summary), _training_sentence(summary)):
        if extra:
            sentences.append(extra)
    return sentences
