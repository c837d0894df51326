"""Helpers shared by the command modules: consoles, formats, error handling."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from gigacampus.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (file, option or key).
EXIT_INPUT = 2


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


# Options shared by commands that take a scenario file.
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (TOML).", show_default=False)]
FormatOption = Annotated[TableOrJson, typer.Option("--format", help="table: readable tables; json: JSON on stdout.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a scenario value, e.g. --set site.pue=1.2 or --set phase[1].power_mw=600 (repeatable)."
    ),
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", min=0, help="Seed for random draws (default: the scenario's).")
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder to write result files into.")]


def console(stderr: bool = False) -> Console:
    """A console that keeps tables readable when output is not a terminal."""
    con = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not con.is_terminal:
        con = Console(stderr=stderr, highlight=False, soft_wrap=False, width=160)
    return con


def print_problems(err: InputError) -> None:
    """Each problem on its own stderr line (plain text, no markup)."""
    for problem in err.problems:
        print(f"error: {problem}", file=sys.stderr)


def handles_input_errors(func: F) -> F:
    """Turn :class:`InputError` into clear stderr lines and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as err:
            print_problems(err)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """JSON on stdout (UTF-8, two-space indent, no NaN)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
