"""``gigacampus init``: write a commented starter scenario that validates."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from gigacampus.cli import command
from gigacampus.cli.common import console
from gigacampus.errors import InputError, Problem, closest
from gigacampus.scenario import scenario_from_text
from gigacampus.scenario.shipped import shipped_scenarios

__all__ = ["BLANK", "init", "starter_text"]

#: The ``blank`` starter: one phase and the core sections, every optional section shown commented out.
BLANK = """\
# A gigacampus scenario. Every key, its bounds, unit and default: `gigacampus schema`
# (docs/scenario-reference.md). Check it with `gigacampus validate FILE`, run it with
# `gigacampus run FILE --out out/my-campus`.

[scenario]
name = "My campus"               # shown in tables and reports
start_year = 2026                # first modelled year
end_year = 2030                  # last modelled year (inclusive)
description = ""
sources = []                     # where this scenario's numbers come from (URLs or documents)
# seed = 0                       # seed of every random draw (reliability)

[site]
name = ""
pue = 1.3                        # facility power / IT power (>= 1); give your own: no default
# overhead_fraction = 0.25       # network, storage and hosts as a fraction of system power (catalog default, sourced)
# electricity_usd_per_mwh = 50   # needed by [finance] for the electricity bill
# grid_kgco2_per_kwh = 0.4       # gives the campus's emissions

# Each phase is facility power that comes online in a year, filled with one accelerator
# (`gigacampus catalog` lists the ids). Earlier phases fill first when chips are short.
[[phase]]
name = "Phase 1"
online_year = 2026
power_mw = 100                   # facility power this phase adds [MW]
accelerator = "gb300"            # ships in its catalog system (gb300-nvl72)

# [[phase]]
# name = "Phase 2"
# online_year = 2028
# power_mw = 400
# accelerator = "gb300"

[fleet]
lifetime_years = 5               # accelerators retire and are replaced after this many years

# Optional sections: uncomment to add an analysis.
# [quota]                        # a simple national cap (or [policy] for an export regime and holders)
# units_per_year = 100000
# campus_share = 1.0
#
# [supply.gb300]                 # what the vendor can deliver to this campus
# units_per_year = 50000
#
# [reliability]                  # goodput of large training jobs under failures
# checkpoint_s = 60              # time to write a checkpoint [s]: yours to give
# restart_s = 600                # time to restart after a failure [s]: yours to give
# rates_from = "h100-sxm"        # borrow the failure rates Meta published for H100s (an assumption for gb300)
#
# [finance]                      # capex, opex, TCO and the funding gap (catalog prices, sourced)
#
# [training]                     # the largest training run (defaults: 100 days, MFU 0.4)
# days = 100
"""


def starter_text(source: str) -> str:
    """The text ``init`` writes for ``--from source`` (``blank`` or a shipped scenario id)."""
    if source == "blank":
        return BLANK
    text = shipped_scenarios()[source]
    header = (
        f"# Started from the shipped scenario {source!r} by `gigacampus init`: edit freely, then\n"
        "# `gigacampus validate FILE` and `gigacampus run FILE --out DIR`. Every key: `gigacampus schema`.\n\n"
    )
    return header + text


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@command
def init(
    file: Annotated[Path, typer.Argument(help="Scenario file to create (TOML).", show_default=False)],
    from_: Annotated[
        str,
        typer.Option(
            "--from",
            help="Start from: blank, or a shipped scenario id (e.g. stargate-uae).",
            autocompletion=lambda: ["blank", *shipped_scenarios()],
        ),
    ] = "blank",
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a commented starter scenario that validates (--from blank or a shipped scenario)."""
    known = ["blank", *shipped_scenarios()]
    if from_ not in known:
        message = f"unknown starter {from_!r}; allowed: {', '.join(known)}"
        raise InputError([Problem("init", "--from", message, closest(from_, known))])
    text = starter_text(from_)
    scenario_from_text(text, str(file))  # a starter that does not validate is a bug: fail loudly here
    if file.exists() and not force:
        raise InputError([Problem(str(file), "", "exists; allowed: a new file name, or --force to overwrite it")])
    if file.exists() and not file.is_file():
        raise InputError([Problem(str(file), "", "exists and is not a file")])
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(file, text)
    except OSError as exc:
        raise InputError([Problem(str(file), "", f"cannot write: {exc.strerror or exc}")]) from None
    console().print(f"wrote {file} (from {from_}); next: gigacampus run {file} --out out/{file.stem}", markup=False)
