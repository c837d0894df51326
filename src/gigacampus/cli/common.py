"""Helpers shared by the command modules: consoles, JSON output, error handling."""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

import typer
from rich.console import Console

from gigacampus.errors import InputError, Problem, closest

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (file, option or key).
EXIT_INPUT = 2


def console(stderr: bool = False) -> Console:
    """A console that keeps tables readable when output is not a terminal.

    No emoji codes: no text of gigacampus writes one, and replacing them costs a regular
    expression pass over every printed cell and the import of rich's emoji table."""
    options: dict[str, Any] = {"stderr": stderr, "highlight": False, "soft_wrap": False, "emoji": False}
    con = Console(**options)
    return con if con.is_terminal else Console(**options, width=160)


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


def check_id(item: str | None, known: Collection[str], command: str, what: str) -> None:
    """Raise :class:`InputError`, with a did-you-mean suggestion, if ``item`` is given but not ``known``."""
    if item is not None and item not in known:
        message = f"unknown {what} {item!r}; allowed: {', '.join(known)}"
        raise InputError([Problem(command, "ID", message, closest(item, known))])


def print_json(data: Any) -> None:
    """JSON on stdout (UTF-8, two-space indent, no NaN)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def print_csv(rows: Iterable[Mapping[str, Any]]) -> None:
    """Records as CSV on stdout: one row each, nested keys dotted (``versus.gpt-4``), lists joined
    with `` ; ``, full precision, no index; an empty cell for none or NaN; text that a spreadsheet
    would take for a formula kept as text (:func:`gigacampus.report.export.flat_record`)."""
    from gigacampus.report.export import flat_record

    flat = [flat_record(r, text_safe=True) for r in rows]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for r in flat:
        writer.writerow({k: "" if v is None or (isinstance(v, float) and v != v) else v for k, v in r.items()})
