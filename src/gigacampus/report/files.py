"""Writing a run to a folder: summary.json, timeline.csv, phases.csv and report.html.

Every file is written whole or not at all: a run writes into a fresh temporary folder beside
``--out`` and moves the files into place only once every one of them is written, so a failed
run (disk full, a file limit, an unwritable file) leaves the folder as it was, never a new
summary.json beside an old report.html. Moving a file replaces a symlink at its name (the link,
not its target). Text cells of every CSV are written so that a spreadsheet never reads them as
formulas (:func:`csv_cell`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigacampus.errors import InputError, Problem
from gigacampus.report.atomic import write_text
from gigacampus.results import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["csv_cell", "csv_safe", "rows_csv", "staged", "summary_json", "write_csv", "write_run"]

#: What a spreadsheet takes for the start of a formula: = + - @, a tab or a carriage return
#: (a minus or plus followed by a number is a number, and is kept).
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![0-9.]))")


def csv_cell(value: Any) -> Any:
    """``value``, with text a spreadsheet would read as a formula prefixed with ``'``."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells, index and column names are safe for spreadsheets."""
    import pandas as pd

    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(csv_cell)
    return out


def write_csv(table: pd.DataFrame, path: str | Path, **to_csv: Any) -> Path:
    """Write ``table`` as CSV, text cells made safe (:func:`csv_safe`), atomically."""
    return write_text(path, csv_safe(table).to_csv(**to_csv))


def _csv_text(value: Any, float_format: str | None) -> str:
    if value is None or value != value:  # missing, or NaN: an empty cell
        return ""
    if isinstance(value, float):
        return float_format % value if float_format else repr(value)
    return csv_cell(value) if isinstance(value, str) else str(value)


def rows_csv(rows: Sequence[Mapping[str, Any]], *, float_format: str | None = None) -> str:
    """CSV text of rows that share their keys (the first row's order), with the cells and
    quoting of pandas' ``to_csv`` (floats through ``float_format``, NaN and None empty, text
    made safe by :func:`csv_cell`), without building a table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    names = list(rows[0]) if rows else []
    writer.writerow([csv_cell(name) for name in names])
    for row in rows:
        writer.writerow([_csv_text(row[name], float_format) for name in names])
    return buffer.getvalue()


def _commit(tmp: Path, out: Path) -> None:
    """Move everything under ``tmp`` into ``out``, file by file (each an atomic rename)."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in sorted(tmp.iterdir()):
        target = out / entry.name
        if entry.is_dir():
            if target.is_symlink() or (target.exists() and not target.is_dir()):
                target.unlink()  # a link or file where a folder goes: replaced, never followed
            _commit(entry, target)
        else:
            if target.is_dir() and not target.is_symlink():
                raise InputError([Problem(str(target), "", "is a folder; allowed: a file gigacampus writes")])
            os.replace(entry, target)


@contextlib.contextmanager
def staged(out_dir: str | Path) -> Iterator[Path]:
    """A fresh temporary folder beside ``out_dir`` to write into; its files move into
    ``out_dir`` when the block ends without an error, and it is removed either way."""
    if isinstance(out_dir, str) and not out_dir.strip():
        raise InputError([Problem("--out", "", "found ''; allowed: a folder name")])
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError([Problem(str(out), "", "exists and is not a folder")])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name or 'out'}.", suffix=".partial"))
    except OSError as exc:
        raise InputError([Problem(str(out), "", f"cannot create the output folder: {exc.strerror or exc}")]) from None
    try:
        yield tmp
        try:
            _commit(tmp, out)
        except OSError as exc:
            raise InputError([Problem(str(out), "", f"cannot write results: {exc.strerror or exc}")]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def summary_json(result: Result) -> str:
    """summary.json as text (UTF-8, two-space indent, no NaN)."""
    return json.dumps(result.to_summary(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_run(result: Result, out_dir: str | Path, *, html: bool = True) -> list[Path]:
    """Write ``summary.json``, ``timeline.csv``, ``phases.csv`` and (``html``) ``report.html``.

    The report is drawn from the summary text just written, exactly as ``gigacampus report``
    redraws it later. All files are written into a temporary folder first and moved into
    ``out_dir`` together (see the module's docstring). Returns the paths in ``out_dir``.
    """
    names = ["summary.json", "timeline.csv", "phases.csv", *(["report.html"] if html else [])]
    with staged(out_dir) as tmp:
        text = summary_json(result)
        try:
            (tmp / "summary.json").write_text(text, encoding="utf-8")
            timeline = rows_csv(result.rows, float_format="%.6g")
            (tmp / "timeline.csv").write_text(timeline, encoding="utf-8", newline="")
            (tmp / "phases.csv").write_text(rows_csv(result.phase_year_rows), encoding="utf-8", newline="")
            if html:
                from gigacampus.report.html import render_report_bytes  # only when a report is drawn

                (tmp / "report.html").write_bytes(render_report_bytes(json.loads(text)))
        except OSError as exc:
            raise InputError([Problem(str(out_dir), "", f"cannot write results: {exc.strerror or exc}")]) from None
    return [Path(out_dir) / n for n in names]
