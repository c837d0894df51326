"""Report generation for the flagship scenario (Stargate UAE), each against a baseline timed in
the same run (target from issue #6: under 2 seconds).

- ``render_report`` from the saved summary in a warm process (charts, tables and the embedded
  plotly.js bundle: what ``write_run`` adds to a run), against the run itself in the same process
  (``gigacampus.run_file``);
- ``gigacampus run FILE --out DIR`` and ``gigacampus report DIR`` (redraw from summary.json
  without recomputing) as fresh processes, against the bare import floor (``import numpy,
  pandas, pydantic, typer, rich``), interleaved round by round.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import interleaved

import gigacampus as gc
from gigacampus.report.files import summary_json
from gigacampus.report.html import render_report

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"
CLI = [sys.executable, "-c", "from gigacampus.cli import main; main()"]
FLOOR = [sys.executable, "-c", "import numpy, pandas, pydantic, typer, rich"]


def run(repeat: int) -> list[dict]:
    summary = json.loads(summary_json(gc.run_file(SCENARIO)))
    warm = interleaved({"run": lambda: gc.run_file(SCENARIO), "render": lambda: render_report(summary)}, repeat)
    rows = [
        {
            "name": "report: render_report (warm)",
            "metric": (
                f"median of {repeat} in-process; the run itself {warm['run'] * 1e3:.0f} ms (same run): "
                f"render / run x{warm['render'] / warm['run']:.2f}; target < 2 s"
            ),
            "value": warm["render"] * 1e3,
            "unit": "ms",
            "ratio_to_run": warm["render"] / warm["run"],
        }
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "uae"

        def process(args: list[str]):
            return lambda: subprocess.run(args, check=True, capture_output=True)

        cold = interleaved(
            {
                "floor": process(FLOOR),
                "run --out": process([*CLI, "run", str(SCENARIO), "--out", str(out)]),
                "report DIR": process([*CLI, "report", str(out)]),
            },
            repeat,
        )
        size_mb = (out / "report.html").stat().st_size / 1e6
    for label in ("run --out", "report DIR"):
        rows.append(
            {
                "name": f"report: gigacampus {label} (cold)",
                "metric": (
                    f"median of {repeat} new processes; import floor {cold['floor']:.2f} s (same run): "
                    f"x{cold[label] / cold['floor']:.2f} the floor; target < 2 s"
                ),
                "value": cold[label],
                "unit": "s",
                "ratio_to_import_floor": cold[label] / cold["floor"],
                "load": os.getloadavg(),
            }
        )
    rows[-1]["report_html_mb"] = round(size_mb, 2)
    return rows
