"""``gigacampus export``: a saved run as an Excel workbook or as chart images."""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gigacampus.cli import command
from gigacampus.cli.common import console
from gigacampus.errors import InputError, Problem
from gigacampus.report.summary import MAX_SUMMARY_BYTES, load_summary

__all__ = ["ExportFormat", "export"]


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    png = "png"
    svg = "svg"


def _phase_years(folder: Path) -> list[dict[str, str]]:
    path = folder / "phases.csv"
    if not path.is_file():
        return []
    if path.stat().st_size > MAX_SUMMARY_BYTES:
        raise InputError([Problem(str(path), "", f"file is larger than {MAX_SUMMARY_BYTES:,} bytes")])
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read as CSV: {exc}")]) from None


@command
def export(
    folder: Annotated[Path, typer.Argument(help="A folder written by run --out.", show_default=False)],
    to: Annotated[ExportFormat, typer.Option("--to", help="xlsx: one sheet per table; png or svg: every chart.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Workbook file (default FOLDER/results.xlsx) or image folder (FOLDER/charts)."),
    ] = None,
    chromium: Annotated[
        Path, typer.Option("--chromium", help="The Chromium that draws the images (Debian's package).")
    ] = Path("/usr/bin/chromium"),
) -> None:
    """Export a saved run: an Excel workbook (years, phases, holders, finance, inputs with sources)
    or every report chart as PNG or SVG. Nothing is recomputed."""
    from gigacampus.report.export import write_chart_images, write_workbook

    if (folder / "comparison.json").is_file() and not (folder / "summary.json").is_file():
        raise InputError(
            [Problem(str(folder), "", "is a comparison; allowed: one run's folder (e.g. FOLDER/<scenario>)")]
        )
    summary = load_summary(folder)
    con = console()
    if to is ExportFormat.xlsx:
        path = write_workbook(summary, out or folder / "results.xlsx", _phase_years(folder))
        con.print(f"wrote {path}", markup=False)
        return
    paths = write_chart_images(summary, out or folder / "charts", to.value, chromium=chromium)
    con.print(f"wrote {len(paths)} {to.value.upper()} charts to {paths[0].parent}", markup=False)
