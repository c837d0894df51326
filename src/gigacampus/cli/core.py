"""Core commands: run, validate, catalog, schema."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gigacampus.catalog import load_catalog
from gigacampus.cli import command
from gigacampus.cli.common import EXIT_INPUT, check_id, console, print_csv, print_json
from gigacampus.cli.options import FormatOption, OutOption, ScenarioArg, SeedOption, SetOption, TableOrJson
from gigacampus.cli.policy import show_policy
from gigacampus.errors import InputError
from gigacampus.pipeline import run_file
from gigacampus.report import catalog_table, run_table, write_run
from gigacampus.report.finance import headline_finance
from gigacampus.report.terminal import headline_text, section_lines
from gigacampus.scenario import load_scenario
from gigacampus.scenario.load import is_country_file


@command
def run(
    file: ScenarioArg,
    out: OutOption = None,
    fmt: FormatOption = TableOrJson.table,
    set_: SetOption = None,
    seed: SeedOption = None,
) -> None:
    """Run a scenario year by year and show power, accelerators, compute and energy.

    --out writes summary.json, timeline.csv, phases.csv and report.html (charts, inputs, sources).
    """
    if is_country_file(file):
        _run_country(file, out, fmt, set_ or (), seed)
        return
    result = run_file(file, overrides=set_ or (), seed=seed)
    written = write_run(result, out) if out is not None else []
    if fmt is TableOrJson.json:
        print_json(result.to_summary())
        return
    if fmt is TableOrJson.csv:  # the year table with every column, as timeline.csv
        print_csv(result.rows)
        return
    con = console()
    con.print(run_table(result))
    con.print(headline_text(result))
    for line in result.explanations:
        con.print(f"  {line}")
    for line in section_lines(result):
        con.print(line)
    if "finance" in result.blocks:
        con.print(headline_finance(result), markup=False)
    for line in result.blocks.get("reliability", {}).get("explanations", []):
        con.print(f"  {line}", markup=False)
    show_policy(con, result)
    for path in written:
        con.print(f"wrote {path}")


def _run_country(file: Path, out: Path | None, fmt: TableOrJson, set_: Sequence[str], seed: int | None) -> None:
    """``run COUNTRY.toml``: the national allocation, each campus's analyses, the national tables."""
    from gigacampus.country import run_country_file
    from gigacampus.report.country import campus_table, country_lines, national_table, write_country

    result = run_country_file(file, overrides=set_, seed=seed)
    written = write_country(result, out) if out is not None else []
    if fmt is TableOrJson.json:
        print_json(result.to_summary())
        return
    con = console()
    summary = result.to_summary()
    con.print(national_table(summary))
    con.print(campus_table(summary))
    for line in country_lines(summary):
        con.print(line, markup=False)
    for path in written:
        con.print(f"wrote {path}")


@command
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.", show_default=False)],
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Check scenario files; print one line per problem (exit code 2 if any)."""
    from gigacampus.scenario.country import load_country

    report = []
    for file in files:
        try:
            if is_country_file(file):
                load_country(file)
            else:
                load_scenario(file)
            report.append({"file": str(file), "ok": True, "problems": []})
        except InputError as err:
            report.append({"file": str(file), "ok": False, "problems": [p.to_dict() for p in err.problems]})
    if fmt is TableOrJson.json:
        print_json(report)
    elif fmt is TableOrJson.csv:
        print_csv(
            {
                "file": i["file"],
                "ok": i["ok"],
                "path": p.get("path") if p else "",
                "message": p.get("message") if p else "",
            }
            for i in report
            for p in (i["problems"] or [None])
        )
    else:
        for item in report:
            if item["ok"]:
                print(f"ok: {item['file']}")
            for problem in item["problems"]:
                print(f"error: {problem['text']}", file=sys.stderr)
    if not all(item["ok"] for item in report):
        raise typer.Exit(EXIT_INPUT)


@command
def catalog(
    item: Annotated[str | None, typer.Argument(help="An accelerator or system id; omit to list all.")] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """List the hardware catalog, or show one item with its derived values and sources."""
    cat = load_catalog()
    check_id(item, cat.ids(), "catalog", "id")
    if fmt is TableOrJson.json:
        print_json(cat.describe(item) if item else [cat.describe(i) for i in cat.ids()])
        return
    if fmt is TableOrJson.csv:
        print_csv({k: v for k, v in cat.describe(i).items() if k != "units"} for i in ([item] if item else cat.ids()))
        return
    con = console()
    if item is None:
        con.print(catalog_table(cat))
        con.print(
            "Systems: "
            + ", ".join(f"{s.id} ({s.accelerators_per_system} x {s.accelerator})" for s in cat.systems.values())
        )
        con.print("Details and sources: gigacampus catalog ID --format json")
        return
    data = cat.describe(item)
    units = data.pop("units")
    derived = data.pop("derived")
    for key, value in [*data.items(), *derived.items()]:
        unit = units.get(key, "") if value is not None else ""
        shown = "-" if value is None else value
        con.print(f"{key:>28}: {shown} {unit if unit != 'year' else ''}".rstrip(), markup=False)


class SchemaFormat(StrEnum):
    markdown = "markdown"
    json = "json"


class ColumnsFormat(StrEnum):
    markdown = "markdown"
    json = "json"
    csv = "csv"


@command
def schema(
    fmt: Annotated[SchemaFormat, typer.Option("--format", help="markdown reference or JSON schema.")] = (
        SchemaFormat.markdown
    ),
) -> None:
    """Print the scenario file reference (every key, its bounds, unit and default)."""
    from gigacampus.scenario.reference import json_schema, markdown_reference

    if fmt is SchemaFormat.json:
        print_json(json_schema())
    else:
        sys.stdout.write(markdown_reference())


@command
def columns(
    fmt: Annotated[ColumnsFormat, typer.Option("--format", help="markdown reference, JSON or CSV.")] = (
        ColumnsFormat.markdown
    ),
) -> None:
    """Print every result column: unit, type, the analysis that writes it, and its meaning."""
    from gigacampus.report.columns import columns_json, markdown_columns

    if fmt is ColumnsFormat.json:
        print_json(columns_json())
    elif fmt is ColumnsFormat.csv:
        print_csv(columns_json())
    else:
        sys.stdout.write(markdown_columns())
