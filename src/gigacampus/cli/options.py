"""Arguments and options shared by the commands: the scenario file, --format, --set, --seed, --out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class TableOrJson(StrEnum):
    """What --format prints: readable tables, JSON, or the main table as CSV."""

    table = "table"
    json = "json"
    csv = "csv"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (TOML).", show_default=False)]
FormatOption = Annotated[
    TableOrJson,
    typer.Option(
        "--format", help="table: readable tables; json: JSON on stdout; csv: the main table as CSV on stdout."
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a scenario value, e.g. --set site.pue=1.2 or --set phase[1].power_mw=600 (repeatable)."
    ),
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", min=0, help="Seed for random draws (default: the scenario's).")
]


def out_path(value: str) -> Path:
    """``--out`` as a path; an empty or blank one (``--out ''``) is refused, not taken as ``.``."""
    if not value.strip():
        raise typer.BadParameter(f"found {value!r}; allowed: a folder or file name")
    if "\x00" in value:
        raise typer.BadParameter("found a NUL character; allowed: a folder or file name")
    return Path(value)


OutOption = Annotated[Path | None, typer.Option("--out", parser=out_path, help="Folder to write result files into.")]
