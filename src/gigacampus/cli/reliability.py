"""``gigacampus goodput``: Monte Carlo goodput of one checkpointed synchronous training job."""

from __future__ import annotations

from typing import Annotated

import typer

from gigacampus.analyses.reliability.job import MAX_REPLICAS, goodput_study_from_options
from gigacampus.catalog import load_catalog
from gigacampus.catalog.failure_rates import COMPONENTS
from gigacampus.cli import command
from gigacampus.cli.common import console, print_csv, print_json
from gigacampus.cli.options import FormatOption, TableOrJson
from gigacampus.errors import InputError, Problem
from gigacampus.report.reliability import goodput_lines


def _component_rates(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    problems = []
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip().lower()] = float(value)
        except ValueError:
            problems.append(
                Problem(
                    "goodput",
                    "--component-rate",
                    f"found {item!r}; allowed: CLASS=RATE with CLASS one of {', '.join(COMPONENTS)} and RATE in "
                    "failures per accelerator-year, e.g. gpu=0.08",
                )
            )
    if problems:
        raise InputError(problems)
    return out


@command
def goodput(
    accelerators: Annotated[int, typer.Option("--accelerators", help="Accelerators in the synchronous job.")],
    checkpoint_s: Annotated[
        float | None,
        typer.Option("--checkpoint-s", help="Training time one checkpoint costs [s] (default: catalog, 32)."),
    ] = None,
    restart_s: Annotated[
        float | None,
        typer.Option("--restart-s", help="Wall time to restart after a failure [s] (default: catalog, 300)."),
    ] = None,
    accelerator: Annotated[
        str | None, typer.Option("--accelerator", help="Catalog id whose sourced failure rates to use, e.g. h100-sxm.")
    ] = None,
    failures_per_accelerator_year: Annotated[
        float | None,
        typer.Option("--failures-per-accelerator-year", help="Total failure rate per accelerator [1/year]."),
    ] = None,
    component_rate: Annotated[
        list[str] | None,
        typer.Option(
            "--component-rate",
            help=f"Rate of one component class, CLASS=RATE [1/year] ({', '.join(COMPONENTS)}); repeatable; "
            "overrides that class of --accelerator.",
        ),
    ] = None,
    interval_s: Annotated[
        str,
        typer.Option(
            "--interval-s", help="Work between checkpoints [s], or auto for the interval maximising expected goodput."
        ),
    ] = "auto",
    days: Annotated[float, typer.Option("--days", help="Length of each simulated run [days].")] = 30.0,
    replicas: Annotated[
        int, typer.Option("--replicas", help=f"Independent runs simulated (at most {MAX_REPLICAS:,}).")
    ] = 1_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random draws.")] = 0,
    restart_failures: Annotated[
        bool, typer.Option("--restart-failures", help="Let failures strike during restarts too.")
    ] = False,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Goodput of a checkpointed synchronous training job under random failures (Monte Carlo and exact)."""
    catalog = load_catalog()  # the defaults calibrated against Llama 3 (docs/reliability.md)
    study = goodput_study_from_options(
        accelerators=accelerators,
        checkpoint_s=catalog.default("reliability.checkpoint_s").value if checkpoint_s is None else checkpoint_s,
        restart_s=catalog.default("reliability.restart_s").value if restart_s is None else restart_s,
        accelerator=accelerator,
        failures_per_accelerator_year=failures_per_accelerator_year,
        component_rates=_component_rates(component_rate or []),
        interval_s=interval_s,
        days=days,
        replicas=replicas,
        seed=seed,
        restart_failures=restart_failures,
    )
    if fmt is TableOrJson.json:
        print_json(study.to_dict())
        return
    if fmt is TableOrJson.csv:  # one row: the study's numbers
        print_csv([study.to_dict()])
        return
    con = console()
    for line in goodput_lines(study.to_dict()):
        con.print(line, markup=False)
