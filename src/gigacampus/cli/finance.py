"""The ``finance`` command: capex, opex, funding gap, unit costs and the sensitivity tornado."""

from __future__ import annotations

from typing import Annotated

import typer

from gigacampus.cli import command
from gigacampus.cli.common import console, print_csv, print_json
from gigacampus.cli.options import FormatOption, OutOption, ScenarioArg, SeedOption, SetOption, TableOrJson
from gigacampus.pipeline import finance_sensitivity, run_finance
from gigacampus.report import write_run
from gigacampus.report.finance import (
    capex_table,
    cash_flow_table,
    finance_lines,
    finance_table,
    npv_tornado_table,
    partner_table,
    tornado_table,
)
from gigacampus.scenario import load_scenario


@command
def finance(
    file: ScenarioArg,
    fmt: FormatOption = TableOrJson.table,
    set_: SetOption = None,
    seed: SeedOption = None,
    out: OutOption = None,
    with_sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Also show how TCO per hour and NPV move with each driver (costs, rent, utilization, WACC).",
        ),
    ] = False,
    delta: Annotated[
        float, typer.Option("--delta", min=0.01, max=0.9, help="Relative move of each driver for --sensitivity.")
    ] = 0.2,
) -> None:
    """Costs and financing of a scenario: capex, opex, TCO, funding gap, cost per accelerator-hour.

    Works on any scenario; without a [finance] section the catalog defaults apply. --out writes
    summary.json (with the "finance" block), timeline.csv and phases.csv.
    """
    scenario = load_scenario(file, overrides=set_ or ())
    result = run_finance(scenario, seed=seed, source=str(file))
    sens = finance_sensitivity(scenario, delta=delta, source=str(file)) if with_sensitivity else None
    written = write_run(result, out) if out is not None else []
    block = result.blocks["finance"]
    if fmt is TableOrJson.json:
        print_json({"finance": block, **({"sensitivity": sens} if sens else {})})
        return
    if fmt is TableOrJson.csv:  # the per-year finance table; --sensitivity: the tornado's drivers
        if sens:
            print_csv(sens["drivers"])
            return
        cols = [c for c in result.columns if result.table and result.table.owner(c) == "finance"]
        print_csv([{"year": row["year"], **{c: row[c] for c in cols}} for row in result.rows])
        return
    con = console()
    con.print(finance_table(result))
    con.print(capex_table(block))
    con.print(cash_flow_table(block))
    if block["sources"]:
        con.print(partner_table(block))
    for line in finance_lines(block):
        con.print(line, markup=False)
    if sens:
        con.print(tornado_table(sens))
        npv_table = npv_tornado_table(sens)
        if npv_table is not None:
            con.print(npv_table)
    for path in written:
        con.print(f"wrote {path}")
