"""Helpers shared by the command modules: consoles, JSON output, error handling."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import typer
from rich.console import Console

from gigacampus.errors import InputError, Problem, closest

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (file, option or key).
EXIT_INPUT = 2


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


def check_id(item: str | None, known: Collection[str], command: str, what: str) -> None:
    """Raise :class:`InputError`, with a did-you-mean suggestion, if ``item`` is given but not ``known``."""
    if item is not None and item not in known:
        message = f"unknown {what} {item!r}; allowed: {', '.join(known)}"
        raise InputError([Problem(command, "ID", message, closest(item, known))])


def print_json(data: Any) -> None:
    """JSON on stdout (UTF-8, two-space indent, no NaN)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
