"""The ``gigacampus`` command line: a thin layer over the public API.

Commands live in modules of this package, each registering its functions on :data:`app` with
:func:`command`. Input problems print one line each on stderr and exit with code 2.

**Adding a command.** Write ``@command def name(...)`` in a module of this package (a new one
or an existing one) and add one row ``"name": "gigacampus.cli.module"`` to :data:`COMMANDS`
(the order of the table is the order of ``gigacampus --help``). A test checks that the table and
the registered commands agree.

**Why the table.** The command line imports a module only when one of its commands runs
(:class:`LazyGroup`): ``gigacampus --version`` imports no command module, ``gigacampus run``
imports the run command's module and what it uses, and only ``gigacampus serve`` imports the
web server. Importing this package imports none of the model either (``gigacampus`` itself
loads its public names lazily). ``gigacampus --help`` and ``list_commands`` import every
module, since help lists every command's options.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_command_name

from gigacampus._version import __version__

if TYPE_CHECKING:  # annotations only: typer runs on its own copy of click, so importing click costs ~30 ms
    import click

F = TypeVar("F", bound=Callable[..., Any])

#: Command name -> the module that defines it (imported when the command runs).
COMMANDS: dict[str, str] = {
    "run": "gigacampus.cli.core",
    "validate": "gigacampus.cli.core",
    "catalog": "gigacampus.cli.core",
    "schema": "gigacampus.cli.core",
    "columns": "gigacampus.cli.core",
    "finance": "gigacampus.cli.finance",
    "classify": "gigacampus.cli.policy",
    "regimes": "gigacampus.cli.policy",
    "quota": "gigacampus.cli.policy",
    "goodput": "gigacampus.cli.reliability",
    "report": "gigacampus.cli.reports",
    "compare": "gigacampus.cli.reports",
    "serve": "gigacampus.cli.reports",
    "train": "gigacampus.cli.training",
    "campuses": "gigacampus.cli.campuses",
    "export": "gigacampus.cli.export",
    "init": "gigacampus.cli.init",
    "sweep": "gigacampus.cli.sweep",
    "query": "gigacampus.cli.sweep",
}


class LazyGroup(TyperGroup):
    """A command group that imports a command's module the first time the command is asked for."""

    def _load(self, module: str, only: str | None = None) -> None:
        """Import ``module`` and build its commands (``only`` that one: building a command makes
        typer inspect every parameter, wasted on the others in a run that uses one)."""
        enabled = gc.isenabled() or _start_up["paused"]
        _start_up["paused"] = False
        gc.disable()  # no collection passes over the objects an import builds: none of them is garbage
        try:
            importlib.import_module(module)  # its @command functions register on `app`
        finally:
            gc.freeze()  # they live as long as the process: later collections skip them
            if enabled:
                gc.enable()
        for info in app.registered_commands:
            name = info.name or (get_command_name(info.callback.__name__) if info.callback else None)
            if name in self.commands or (only is not None and name != only):
                continue
            cmd = get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)
            if cmd.name:
                self.commands[cmd.name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self._load(COMMANDS[cmd_name], only=cmd_name)
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in dict.fromkeys(COMMANDS.values()):
            self._load(module)
        return [name for name in COMMANDS if name in self.commands] + [
            name for name in self.commands if name not in COMMANDS
        ]


app = typer.Typer(
    name="gigacampus",
    cls=LazyGroup,
    help="Plan and simulate gigawatt-scale AI compute campuses.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
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
    from gigacampus.cli.common import handles_input_errors

    return app.command()(handles_input_errors(func))


#: Whether :func:`main` paused the garbage collector for start-up (the first command module's
#: import ends the pause).
_start_up = {"paused": False}


def main() -> None:
    """Console-script entry point.

    Start-up (parsing the arguments, importing the command's modules) runs without collection
    passes, which would only walk the objects imports build; those are then frozen
    (:func:`gc.freeze`), so the collector never walks them again, nor at exit (0.1 s of a run's
    exit went to the interpreter's last collections). The command itself runs with the
    collector on.
    """
    enabled = gc.isenabled()
    gc.disable()
    _start_up["paused"] = enabled
    try:
        app(prog_name="gigacampus")
    finally:
        gc.freeze()
        _start_up["paused"] = False
        if enabled:
            gc.enable()
