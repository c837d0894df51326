"""A saved run as a spreadsheet or as chart images, drawn from its files alone.

:func:`write_workbook` writes an Excel workbook (openpyxl) with one sheet per table;
:func:`write_chart_images` writes every chart of the run's report as PNG or SVG through
plotly's static export (Kaleido), driving the Chromium given (Debian's ``/usr/bin/chromium``
by default): Kaleido never downloads a browser here, and MathJax (which it would fetch from a
CDN) is off, so nothing is loaded from the network.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gigacampus.errors import InputError, Problem
from gigacampus.pipeline import COLUMNS
from gigacampus.report.charts import sections_for

__all__ = [
    "CHROMIUM",
    "FORMULA_STARTS",
    "chart_files",
    "flat_record",
    "workbook_sheets",
    "write_chart_images",
    "write_workbook",
]

#: The browser Kaleido drives unless told otherwise (Debian's package).
CHROMIUM = Path("/usr/bin/chromium")
#: Largest number of rows written to one sheet (a 100-year, 200-phase run has 20,000).
MAX_ROWS = 200_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def flat_record(record: Mapping[str, Any], prefix: str = "", *, text_safe: bool = False) -> dict[str, Any]:
    """A record with nested keys dotted (``versus.gpt-4``) and lists joined with `` ; ``.

    ``text_safe``: text cells a spreadsheet would read as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) get a leading apostrophe (OWASP's advice on CSV
    injection), so that names from a scenario stay text.
    """
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_record(value, f"{name}.", text_safe=text_safe))
        elif isinstance(value, (list, tuple)):
            out[name] = " ; ".join(str(v) for v in value if not isinstance(v, Mapping))
        elif text_safe and isinstance(value, str) and value.startswith(FORMULA_STARTS):
            out[name] = "'" + value
        else:
            out[name] = value
    return out


def _years(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for rec in summary["years"]:
        row = {k: v for k, v in rec.items() if k != "by_accelerator"}
        row.update({f"accelerators_{m}": n for m, n in (rec.get("by_accelerator") or {}).items()})
        rows.append(row)
    return rows


def _holders(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    block = summary.get("policy")
    if not isinstance(block, Mapping):
        return []
    return [
        {"year": y.get("year"), **flat_record({k: v for k, v in h.items()})}
        for y in block.get("years", [])
        if isinstance(y, Mapping)
        for h in y.get("holders", [])
        if isinstance(h, Mapping)
    ]


def _finance(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    block = summary.get("finance")
    if not isinstance(block, Mapping):
        return [], []
    cols = [c.key for c in COLUMNS.table("year") if COLUMNS.owner(c.name) == "finance"]
    per_year = [{"year": r["year"], **{c: r.get(c) for c in cols}} for r in summary["years"]]
    totals = [
        {"key": k, "value": v, "unit": "USD" if k.endswith("_usd") or ".usd" in k or "_usd." in k else ""}
        for k, v in flat_record(block).items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    return per_year, totals


def _inputs(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in summary.get("inputs", []):
        if isinstance(item, Mapping):
            value = item.get("value")
            if isinstance(value, (list, tuple, Mapping)):
                value = str(value)
            rows.append({**{k: v for k, v in item.items() if k != "value"}, "value": value})
    order = ["path", "value", "unit", "origin", "source"]
    return [{**{k: r.get(k) for k in order}, **{k: v for k, v in r.items() if k not in order}} for r in rows]


def _columns(summary: Mapping[str, Any], present: Iterable[str]) -> list[dict[str, Any]]:
    units = summary.get("units") or {}
    rows = []
    for key in dict.fromkeys(present):
        col = COLUMNS.get(key)
        rows.append(
            {
                "column": key,
                "unit": units.get(key, col.unit if col else ""),
                "analysis": (COLUMNS.owner(key) or "core") if col else "",
                "description": col.description if col else "",
            }
        )
    return rows


def workbook_sheets(
    summary: Mapping[str, Any], phase_years: Sequence[Mapping[str, Any]] = ()
) -> dict[str, list[dict[str, Any]]]:
    """The workbook's sheets as records, by sheet name: ``years``, ``phases`` (and ``phase_years``
    when given, the rows of phases.csv), ``holders`` (with [policy]), ``finance`` and
    ``finance_totals`` (with [finance]), ``inputs`` (every input with its origin and source) and
    ``columns`` (unit and meaning of each column of ``years``)."""
    years = _years(summary)
    sheets: dict[str, list[dict[str, Any]]] = {
        "years": years,
        "phases": [flat_record(p) for p in summary.get("phases", []) if isinstance(p, Mapping)],
    }
    if phase_years:
        sheets["phase_years"] = [dict(r) for r in phase_years]
    holders = _holders(summary)
    if holders:
        sheets["holders"] = holders
    per_year, totals = _finance(summary)
    if per_year:
        sheets["finance"] = per_year
        sheets["finance_totals"] = totals
    sheets["inputs"] = _inputs(summary)
    sheets["columns"] = _columns(summary, (k for r in years for k in r))
    return sheets


def _atomic(path: Path, write: Any) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            write(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot write: {exc.strerror or exc}")]) from None
    return path


def write_workbook(summary: Mapping[str, Any], path: str | Path, phase_years: Sequence[Mapping[str, Any]] = ()) -> Path:
    """An Excel workbook of :func:`workbook_sheets`: a bold, frozen header row of canonical column
    names (units in the suffix, and on the ``columns`` sheet); text cells stay text (a scenario
    name starting with ``=`` is never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, rows in workbook_sheets(summary, phase_years).items():
        sheet = book.create_sheet(name)
        headers = list(dict.fromkeys(k for r in rows[:MAX_ROWS] for k in r))
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows[:MAX_ROWS]:
            sheet.append([_cell(r.get(h)) for h in headers])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"  # openpyxl reads "=..." as a formula; keep it text
        sheet.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            width = max([len(str(header)), *(len(str(r.get(header) or "")) for r in rows[:200])])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(width + 2, 8), 60)
    return _atomic(Path(path), book.save)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (list, tuple, Mapping)):
        return str(value)
    return value


def chart_files(summary: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(file stem, figure)`` of every chart in the run's report, in report order."""
    out = []
    seen: set[str] = set()
    for i, (_, charts) in enumerate(sections_for(summary)):
        for chart in charts:
            stem = re.sub(r"[^A-Za-z0-9_-]+", "-", chart.id).strip("-") or f"chart-{i}"
            while stem in seen:
                stem += "-2"
            seen.add(stem)
            out.append((stem, chart))
    return out


def write_chart_images(
    summary: Mapping[str, Any],
    folder: str | Path,
    fmt: str,
    *,
    chromium: str | Path = CHROMIUM,
    width: int = 1100,
    scale: float = 1.0,
) -> list[Path]:
    """Every report chart as ``folder/<chart id>.<fmt>`` (``png`` or ``svg``), each titled."""
    import kaleido

    browser = Path(chromium)
    if not browser.is_file():
        raise InputError(
            [
                Problem(
                    str(browser),
                    "",
                    "no Chromium here; chart images need Debian's chromium (apt-get install chromium), "
                    "never a downloaded browser",
                )
            ]
        )
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot create the folder: {exc.strerror or exc}")]) from None
    jobs, paths = [], []
    tmp_dir = Path(tempfile.mkdtemp(dir=out, prefix=".export-"))
    try:
        for stem, chart in chart_files(summary):
            fig = chart.figure.to_dict()
            layout = fig.setdefault("layout", {})
            height = int(layout.get("height") or 360) + 50
            top = dict(layout.get("margin") or {})
            top["t"] = max(int(top.get("t") or 0), 80)
            layout.update(margin=top, title={"text": chart.title, "x": 0, "xanchor": "left", "y": 0.98})
            layout["height"] = height
            tmp = tmp_dir / f"{stem}.{fmt}"
            opts = {"format": fmt, "width": width, "height": height, "scale": scale}
            jobs.append({"fig": fig, "path": str(tmp), "opts": opts})
            paths.append((tmp, out / f"{stem}.{fmt}"))
        try:
            kaleido.write_fig_from_object_sync(jobs, kopts={"path": str(browser), "mathjax": False})
        except Exception as exc:  # Kaleido's and the browser's own failures, named for the user
            raise InputError([Problem(str(out), "", f"chart export failed: {type(exc).__name__}: {exc}")]) from None
        for tmp, final in paths:
            os.replace(tmp, final)
    finally:
        for leftover in tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)
        tmp_dir.rmdir()
    return [final for _, final in paths]
