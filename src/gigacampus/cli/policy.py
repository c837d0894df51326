"""Export-control commands: classify, regimes, quota."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from gigacampus.analyses.policy.classify import classify as classify_one
from gigacampus.catalog import load_catalog
from gigacampus.catalog.regimes import load_regimes
from gigacampus.cli import command
from gigacampus.cli.common import check_id, console, print_csv, print_json
from gigacampus.cli.options import FormatOption, ScenarioArg, SetOption, TableOrJson
from gigacampus.errors import InputError, Problem
from gigacampus.pipeline import run_file
from gigacampus.report.policy import (
    cap_meaning_table,
    caps_table,
    classify_table,
    holders_table,
    policy_summary_lines,
    regimes_table,
    years_table,
)
from gigacampus.results import Result
from gigacampus.scenario.load import is_country_file

__all__ = ["show_block", "show_policy"]


def show_policy(con: Console, result: Result) -> None:
    """The policy tables and sentences of a run (used by ``run`` and ``quota``)."""
    block = result.blocks.get("policy")
    if block is not None:
        show_block(con, block)


def show_block(con: Console, block: dict) -> None:
    """The tables and sentences of a policy block."""
    con.print(holders_table(block))
    con.print(years_table(block))
    for line in policy_summary_lines(block):
        con.print(line, markup=False)


@command
def classify(
    item: Annotated[str | None, typer.Argument(help="An accelerator id; omit to classify every accelerator.")] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Export-control figures of an accelerator: TPP, performance density, H100e and ECCN 3A090."""
    cat = load_catalog()
    check_id(item, cat.accelerators, "classify", "accelerator")
    items = [classify_one(a, cat) for a in ([item] if item else list(cat.accelerators))]
    if fmt is TableOrJson.json:
        print_json(items[0].to_dict() if item else [c.to_dict() for c in items])
        return
    if fmt is TableOrJson.csv:
        print_csv({k: v for k, v in c.to_dict().items() if k not in ("units", "checks")} for c in items)
        return
    con = console()
    if item is None:
        con.print(classify_table(items))
        con.print("H100e: dense 8-bit ops / 1,979; H100 (TPP): TPP / 15,832, the unit export rules count in.")
        return
    data = items[0].to_dict()
    units = data.pop("units")
    checks = data.pop("checks")
    for key, value in data.items():
        shown = "-" if value is None else (f"{value:,.2f}" if isinstance(value, float) else value)
        con.print(f"{key:>22}: {shown} {units.get(key, '') if value is not None else ''}".rstrip(), markup=False)
    for check in checks:
        con.print(f"{check['paragraph']:>22}: {check['result']}", markup=False)


@command
def regimes(
    item: Annotated[str | None, typer.Argument(help="A regime id; omit to list all.")] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """The quota regimes a scenario can use ([policy] regime = ID), with their caps and sources."""
    known = load_regimes()
    check_id(item, known, "regimes", "regime")
    chosen = {item: known[item]} if item else known
    if fmt is TableOrJson.json:
        data = [r.to_dict() for r in chosen.values()]
        print_json(data[0] if item else data)
        return
    if fmt is TableOrJson.csv:  # one row per regime and cap
        print_csv(
            {**{k: v for k, v in r.to_dict().items() if k != "caps"}, **{f"cap.{k}": v for k, v in cap.items()}}
            for r in chosen.values()
            for cap in (r.to_dict()["caps"] or [{}])
        )
        return
    con = console()
    con.print(regimes_table(chosen))
    for regime in chosen.values():
        if item or regime.notes:
            con.print(f"{regime.id}: {regime.description}", markup=False)
            if regime.notes:
                con.print(f"  notes: {regime.notes}", markup=False)
            if regime.source:
                con.print(f"  sources: {regime.source}", markup=False)


@command
def quota(
    file: ScenarioArg,
    fmt: FormatOption = TableOrJson.table,
    set_: SetOption = None,
) -> None:
    """The allocation of a scenario's [policy] (or a country's national [policy]): chips by year and
    holder, caps, stranded power."""
    if is_country_file(file):
        from gigacampus.country import run_country_file

        block = run_country_file(file, overrides=set_ or ()).to_summary()["policy"]
    else:
        block = run_file(file, overrides=set_ or ()).blocks.get("policy")
    if block is None:
        raise InputError(
            [
                Problem(
                    str(file),
                    "policy",
                    'missing; the quota view needs a [policy] section (e.g. regime = "us-uae-2025")',
                )
            ]
        )
    if fmt is TableOrJson.json:
        print_json(block)
        return
    if fmt is TableOrJson.csv:  # one row per year and holder, as the holders table
        print_csv(
            {
                "year": y["year"],
                **{k: v for k, v in h.items() if k != "short_by"},
                **{f"short_by_{k}": v for k, v in (h.get("short_by") or {}).items()},
            }
            for y in block["years"]
            for h in y["holders"]
        )
        return
    con = console()
    show_block(con, block)
    if any(c.get("equivalents") for c in block["caps"]):
        con.print(cap_meaning_table(block))
        counted = ", ".join(block["regime"].get("counts") or ["all"])
        con.print(
            f"The caps count {counted} items only; other accelerators ship without drawing on them.", markup=False
        )
    if block["pools"]:
        con.print(caps_table(block))
    else:
        con.print(f"{block['regime']['id']} has no caps and no holder has its own.")
