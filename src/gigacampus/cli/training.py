"""The ``train`` command: the largest training run and serving capacity, year by year."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from gigacampus.cli import command
from gigacampus.cli.common import console, print_csv, print_json
from gigacampus.cli.options import FormatOption, ScenarioArg, SetOption, TableOrJson
from gigacampus.pipeline import run_file
from gigacampus.report.terminal import titled_table


class Precision(StrEnum):
    bf16 = "bf16"
    fp8 = "fp8"


@command
def train(
    file: ScenarioArg,
    days: Annotated[
        float | None, typer.Option("--days", min=0.001, max=3650, help="Length of the run [days] (default 100).")
    ] = None,
    mfu: Annotated[
        float | None, typer.Option("--mfu", min=0.001, max=1.0, help="Model FLOP utilisation (default: catalog, 0.40).")
    ] = None,
    precision: Annotated[
        Precision | None, typer.Option("--precision", help="Tensor precision of the run (default bf16).")
    ] = None,
    tokens_per_parameter: Annotated[
        float | None,
        typer.Option("--tokens-per-parameter", min=0.001, help="Tokens per parameter (default: catalog, 20)."),
    ] = None,
    goodput: Annotated[
        float | None,
        typer.Option("--goodput", min=0.001, max=1.0, help="Useful fraction of the run (default: catalog, 0.90)."),
    ] = None,
    fmt: FormatOption = TableOrJson.table,
    set_: SetOption = None,
) -> None:
    """The largest training run the campus can host each year, and what it can serve."""
    options = {
        "days": days,
        "mfu": mfu,
        "precision": precision.value if precision else None,
        "tokens_per_parameter": tokens_per_parameter,
        "goodput": goodput,
    }
    result = run_file(file, overrides=set_ or (), **options)
    block = result.blocks["training"]
    if fmt is TableOrJson.json:
        print_json({"scenario": result.scenario.scenario.name, **block})
        return
    if fmt is TableOrJson.csv:
        print_csv(block["years"])
        return
    a = block["assumptions"]
    goodput = f"goodput {a['goodput']}" if isinstance(a["goodput"], str) else f"goodput {a['goodput']:g}"
    title = (
        f"{result.scenario.scenario.name}: largest {a['precision'].upper()} run in {a['days']:g} days "
        f"(MFU {a['mfu']:g}, {goodput}, {a['tokens_per_parameter']:g} tokens/parameter)"
    )
    headers = (
        "Year",
        "Accelerators",
        "Goodput",
        "FLOP",
        "x Llama 3.1 405B",
        "Best job",
        "Its goodput",
        "Its FLOP",
        "Parameters",
        "Tokens",
        "Fits",
        "Serve tok/s",
    )
    table = titled_table(title, headers, no_wrap=True)
    for y in block["years"]:
        table.add_row(
            str(y["year"]),
            f"{y['accelerators']:,}",
            f"{y['goodput']:.2f}",
            f"{y['training_flop']:.2e}",
            f"{y['versus']['llama-3.1-405b']:,.1f}",
            f"{y['best_job']['accelerators']:,}"
            + (f" x{y['best_job']['concurrent_jobs']}" if y["best_job"]["concurrent_jobs"] > 1 else ""),
            f"{y['best_job']['goodput']:.2f}",
            f"{y['best_job']['training_flop']:.2e}",
            f"{y['parameters'] / 1e9:,.0f}B",
            f"{y['tokens'] / 1e12:,.1f}T",
            "yes" if y["fits_in_memory"] else "no",
            f"{y['serving_tokens_per_s']:,.0f}",
        )
    con = console()
    con.print(table)
    con.print(
        f"Serving a {a['serve_parameters'] / 1e9:,.0f}B model at {a['serve_bytes_per_parameter']:g} B/weight, "
        f"batch {a['serve_batch']}, {a['serve_context_tokens']:,} tokens of context: "
        + "; ".join(
            f"{s['phase']}: {s['accelerators_per_replica']} x {s['accelerator']} per replica, "
            f"{s['tokens_per_s_per_replica']:,.0f} tokens/s ({s['bound']} bound)"
            for s in block["serving_by_phase"]
        )
    )
    con.print(
        f"Best job: {a['best_job']}; 'xK' says K such jobs fit at once. Accelerators, goodput and FLOP are "
        f"those of the {'whole fleet' if a['scope'] == 'campus' else 'largest phase'} (scope {a['scope']})."
    )
    for note in block["notes"]:
        con.print(f"note: {note}")
