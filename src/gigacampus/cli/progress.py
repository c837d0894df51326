"""Progress bars for long commands: shown on a terminal, silent otherwise or with --quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["QuietOption", "progress"]

QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no 'wrote' lines.")]


@contextmanager
def progress(
    total: int, description: str, *, quiet: bool = False, console: Console | None = None
) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(next_description)``: one step done, and what comes next.

    The bar goes to stderr and only when stderr is a terminal, so piped or redirected output
    and ``--quiet`` runs stay clean.
    """
    con = console or Console(stderr=True)
    if quiet or not con.is_terminal:
        yield lambda _next="": None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=con, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(next_description: str = "") -> None:
            bar.update(task, advance=1, description=next_description or description)

        yield advance
