"""Plain-text lines for the goodput study (``gigacampus goodput``)."""

from __future__ import annotations

from typing import Any

from gigacampus.units import SECONDS_PER_HOUR, duration

__all__ = ["duration", "goodput_lines"]


def goodput_lines(d: dict[str, Any]) -> list[str]:
    """The study's JSON (:meth:`GoodputStudy.to_dict`) as readable lines."""
    comps = d["failures_per_accelerator_year_by_component"]
    split = ", ".join(f"{k} {v:.3g}" for k, v in comps.items()) if len(comps) > 1 else ""
    origin = d["rates_origin"]
    mtbf = None if d["mtbf_h"] is None else d["mtbf_h"] * SECONDS_PER_HOUR
    frac = d["time_fractions_expected"]
    yd = d["goodput_expected_young_daly"]
    lines = [
        f"Job: {d['accelerators']:,} accelerators for {d['days']:g} days; {d['replicas']:,} replicas, seed {d['seed']}",
        f"Failure rate: {d['failures_per_accelerator_year']:.4g} per accelerator-year ({origin}"
        + (f": {split}" if split else "")
        + f"); the job fails every {duration(mtbf)} on average",
        f"Checkpoint {duration(d['checkpoint_s'])}, restart {duration(d['restart_s'])}"
        + (" (failures can strike restarts)" if d["restart_failures"] else ""),
        f"Interval: {duration(d['interval_s'])} of work between checkpoints "
        + ("(auto: maximises expected goodput)" if d["interval_mode"] == "auto" else "(given)")
        + f"; Young/Daly sqrt(2 C MTBF): {duration(d['young_daly_interval_s'])}",
        f"Goodput: mean {d['goodput_mean']:.4f} (p5 {d['goodput_p5']:.4f}, p95 {d['goodput_p95']:.4f}); "
        f"exact expected {d['goodput_expected']:.4f}"
        + (f", at the Young/Daly interval {yd:.4f}" if yd is not None else ""),
        f"Interruptions per run: mean {d['interruptions_mean']:,.1f} (p5 {d['interruptions_p5']:,.0f}, "
        f"p95 {d['interruptions_p95']:,.0f})",
        f"Wall time (expected): useful {frac['useful']:.1%}, checkpoints {frac['checkpoint']:.1%}, "
        f"lost work {frac['lost']:.1%}, restarts {frac['restart']:.1%}",
        f"Simulated {d['events_simulated']:,} events (failures and checkpoints).",
    ]
    if d["rates_source"]:
        lines.append(f"Rates from: {d['rates_source']}")
    return lines
