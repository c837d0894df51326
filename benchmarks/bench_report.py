"""Report generation time for the flagship scenario (Stargate UAE).

Target (issue #6): under 2 seconds. Measured three ways:

- ``render_report`` from the saved summary in a warm process (charts, tables and the embedded
  plotly.js bundle: what ``write_run`` adds to a run);
- ``gigacampus run FILE --out DIR`` as a fresh process: start-up, imports, the run, the four files;
- ``gigacampus report DIR`` as a fresh process: redraw from summary.json without recomputing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import median_seconds

import gigacampus as gc
from gigacampus.report.files import summary_json
from gigacampus.report.html import render_report

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"
CLI = [sys.executable, "-c", "from gigacampus.cli import main; main()"]


def _row(name: str, seconds: float, repeat: int, what: str) -> dict:
    return {
        "name": name,
        "metric": f"median of {repeat} runs ({what}); target < 2 s",
        "value": seconds,
        "unit": "s",
        "seconds": seconds,
    }


def run(repeat: int) -> list[dict]:
    summary = json.loads(summary_json(gc.run_file(SCENARIO)))
    rows = [
        _row(
            "report: render_report (warm)", median_seconds(lambda: render_report(summary), repeat), repeat, "in-process"
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "uae"

        def cli_run() -> None:
            subprocess.run([*CLI, "run", str(SCENARIO), "--out", str(out)], check=True, capture_output=True)

        def cli_report() -> None:
            subprocess.run([*CLI, "report", str(out)], check=True, capture_output=True)

        for label, fn in (("run --out", cli_run), ("report DIR", cli_report)):
            rows.append(_row(f"report: gigacampus {label} (cold)", median_seconds(fn, repeat), repeat, "new process"))
        size_mb = (out / "report.html").stat().st_size / 1e6
    rows[-1]["report_html_mb"] = round(size_mb, 2)
    return rows
