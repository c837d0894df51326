"""Sweeps: ``gigacampus sweep`` (many variants through the whole chain) and ``gigacampus query``
(DuckDB SQL over a sweep's variants)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from gigacampus.cli import command
from gigacampus.cli.common import console, print_json
from gigacampus.cli.options import FormatOption, ScenarioArg, SeedOption, SetOption, TableOrJson
from gigacampus.errors import InputError, Problem
from gigacampus.jsonable import jsonable
from gigacampus.report.html import write_html
from gigacampus.report.sweep import query_table, query_text, render_sweep_report, sweep_json, sweep_lines, sweep_table
from gigacampus.scenario.load import is_country_file
from gigacampus.scenario.uncertainty import METHODS
from gigacampus.sweep import ENGINES, prepare_sweep, run_sweep
from gigacampus.sweep.store import output_folder
from gigacampus.sweep.store import query as run_query


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@command
def sweep(
    file: ScenarioArg,
    samples: Annotated[
        int | None, typer.Option("--samples", help="Variants to draw (default: [uncertainty] samples, else 1024).")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help=f"Sampling: {', '.join(METHODS)} (default sobol).")
    ] = None,
    seed: SeedOption = None,
    set_: SetOption = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary", help="An input's distribution, e.g. --vary 'site.pue=triangular(1.1, 1.3, 1.5)' (repeatable)."
        ),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", help="A full-factorial axis, e.g. --grid phase[1].online_year=2027,2028 (repeatable)."),
    ] = None,
    correlate: Annotated[
        list[str] | None,
        typer.Option(
            "--correlate",
            help="A Spearman rank correlation of two sampled inputs, "
            "e.g. --correlate 'site.pue,phase[1].rack_power_kw=0.5' (repeatable).",
        ),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help=f"Where chunks run: {', '.join(ENGINES)}.")] = "local",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=256,
            help="dask worker processes, or the local engine's (forked on Linux, at most the cores; "
            "else threads; default: the cores).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="An existing dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", min=1, help="Variants per chunk (default: from memory).")
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity/--no-sensitivity", help="Sobol indices at the last year.")
    ] = True,
    sensitivity_samples: Annotated[
        int, typer.Option("--sensitivity-samples", help="Base points of the Sobol design (a power of 2).")
    ] = 512,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for sweep.json, variants.parquet, report.html.")
    ] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Run many variants of a scenario through the whole chain: p5 / p50 / p95 by year, event
    probabilities and Sobol sensitivity.

    Inputs come from the file's [uncertainty] section, --vary and --grid. --out writes sweep.json,
    variants.parquet (one row per variant; ask it with gigacampus query) and report.html.
    """
    if engine not in ENGINES:
        raise InputError([Problem("--engine", "", f"found {engine!r}; allowed: {', '.join(ENGINES)}")])
    if scheduler and engine != "dask":
        raise InputError([Problem("--scheduler", "", "needs --engine dask")])
    if is_country_file(file):
        if engine != "local":
            raise InputError([Problem("--engine", "", f"found {engine!r}; allowed: local for a country file")])
        if correlate:
            allowed = "allowed: campus scenario files only (a country sweep's inputs are independent)"
            raise InputError([Problem("--correlate", "", allowed)])
        _sweep_country(file, samples, method, seed, set_ or (), vary or (), grid or (), out, fmt)
        return
    spec = prepare_sweep(
        file,
        samples=samples,
        method=method,
        seed=seed,
        sets=set_ or (),
        vary=vary or (),
        grid=grid or (),
        sensitivity=sensitivity,
        sensitivity_samples=sensitivity_samples,
        correlate=correlate or (),
    )
    kwargs = {"engine": engine, "workers": workers, "scheduler": scheduler, "chunk_size": chunk_size}
    if out is None:
        doc = run_sweep(spec, None, **kwargs)  # nothing written: the numbers only
    else:
        with output_folder(out) as folder:
            doc = run_sweep(spec, folder, **kwargs)
            (folder / "sweep.json").write_text(sweep_json(doc), encoding="utf-8")
            write_html(render_sweep_report(doc), folder / "report.html")
    if fmt is TableOrJson.json:
        print_json(jsonable(doc))
        return
    _print(doc, out)


def _sweep_country(
    file: Path,
    samples: int | None,
    method: str | None,
    seed: int | None,
    sets: list[str] | tuple[str, ...],
    vary: list[str] | tuple[str, ...],
    grid: list[str] | tuple[str, ...],
    out: Path | None,
    fmt: TableOrJson,
) -> None:
    """A country file: each variant's country run as ``gigacampus run`` would (sweep.json and
    variants.parquet; no report.html, no engines, no sensitivity)."""
    from gigacampus.sweep.country import prepare_country_sweep, run_country_sweep  # country files only

    spec = prepare_country_sweep(file, samples=samples, method=method, seed=seed, sets=sets, vary=vary, grid=grid)
    if out is None:
        doc = run_country_sweep(spec, None)
    else:
        with output_folder(out) as folder:
            doc = run_country_sweep(spec, folder)
            (folder / "sweep.json").write_text(sweep_json(doc), encoding="utf-8")
    if fmt is TableOrJson.json:
        print_json(jsonable(doc))
        return
    _print(doc, out, ("sweep.json", "variants.parquet"))


def _print(
    doc: dict[str, Any], out: Path | None, written: tuple[str, ...] = ("sweep.json", "variants.parquet", "report.html")
) -> None:
    con = console()
    con.print(sweep_table(doc))
    for line in sweep_lines(doc):
        con.print(line, markup=False)
    for name in written if out is not None else ():
        con.print(f"wrote {out / name}", markup=False)


@command
def query(
    folder: Annotated[Path, typer.Argument(help="A folder gigacampus sweep wrote.", show_default=False)],
    sql: Annotated[str, typer.Argument(help="DuckDB SQL over the view variants.", show_default=False)],
    fmt: Annotated[QueryFormat, typer.Option("--format", help="table, json or csv.")] = QueryFormat.table,
) -> None:
    """Ask a sweep's variants anything in DuckDB SQL over the view variants (one row per variant).

    Output columns are named <column>.<year>: quote them, e.g. SELECT avg("accelerators.2030") FROM variants.
    """
    names, rows, truncated = run_query(folder, sql)
    if fmt is QueryFormat.table:
        con = console()
        con.print(query_table(names, rows))
    else:
        typer.echo(query_text(names, rows, fmt.value), nl=False)
    if truncated:
        typer.echo(f"(first {len(rows):,} rows)", err=True)
