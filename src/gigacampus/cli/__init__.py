"""The ``gigacampus`` command line: a thin layer over the public API.

Commands live in modules of this package, each registering on :data:`app` with
:func:`command`. Input problems print one line each on stderr and exit with code 2.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gigacampus._version import __version__
from gigacampus.cli.common import F, handles_input_errors

app = typer.Typer(
    name="gigacampus",
    help="Plan and simulate gigawatt-scale AI compute campuses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts name TOML sections like [policy]: print them as written
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gigacampus {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Plan and simulate gigawatt-scale AI compute campuses."""


def command(func: F) -> F:
    """Register ``func`` as a ``gigacampus`` command whose input errors print as stderr lines (exit code 2)."""
    return app.command()(handles_input_errors(func))


# Command modules register themselves on `app` when imported.
from gigacampus.cli import core, finance, policy, reliability, reports, sweep, training  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app(prog_name="gigacampus")
