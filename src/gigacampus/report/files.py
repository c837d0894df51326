"""Writing a run to a folder: summary.json, timeline.csv, phases.csv and report.html."""

from __future__ import annotations

import json
from pathlib import Path

from gigacampus.errors import InputError, Problem
from gigacampus.results import Result

__all__ = ["summary_json", "write_run"]


def summary_json(result: Result) -> str:
    """summary.json as text (UTF-8, two-space indent, no NaN)."""
    return json.dumps(result.to_summary(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_run(result: Result, out_dir: str | Path, *, html: bool = True) -> list[Path]:
    """Write ``summary.json``, ``timeline.csv``, ``phases.csv`` and (``html``) ``report.html``.

    The report is drawn from the summary text just written, exactly as ``gigacampus report``
    redraws it later. Returns the paths written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot create the output folder: {exc.strerror or exc}")]) from None
    if not out.is_dir():
        raise InputError([Problem(str(out), "", "exists and is not a folder")])
    paths = [out / "summary.json", out / "timeline.csv", out / "phases.csv"]
    text = summary_json(result)
    try:
        paths[0].write_text(text, encoding="utf-8")
        result.timeline.to_csv(paths[1], float_format="%.6g")
        result.by_phase.to_csv(paths[2], index=False)
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot write results: {exc.strerror or exc}")]) from None
    if html:
        from gigacampus.report.html import render_report, write_html  # plotly loads only when a report is drawn

        paths.append(write_html(render_report(json.loads(text)), out / "report.html"))
    return paths
