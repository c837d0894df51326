"""The ``campuses`` command: the model against real AI campuses (catalog ``campuses.csv``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from gigacampus.cli import command
from gigacampus.cli.common import console, print_json
from gigacampus.cli.options import FormatOption, TableOrJson
from gigacampus.report.terminal import titled_table
from gigacampus.validation import CampusCheck, check_campuses


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio(check: CampusCheck, quantity: str) -> str:
    found = [c for c in check.comparisons if c.quantity == quantity]
    return f"{found[0].ratio:.2f}" if found else "-"


def _status(check: CampusCheck) -> str:
    if not check.campus.modelled:
        return "listed only"
    if check.within_tolerance is None:
        return "no figure"
    gap = max(c.gap for c in check.comparisons)
    mark = "ok" if check.within_tolerance else "OUT"
    return f"{mark} {gap:.0%}/{check.campus.tolerance:.0%}"


@command
def campuses(
    campus: Annotated[str | None, typer.Argument(help="A campus row id; omit for every row.")] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Run the model on each real campus in the catalog and compare with what was reported.

    Accelerators, power and H100e, model against reported, with the ratio (model / reported);
    details, gaps and sources in docs/validation.md.
    """
    checks = check_campuses([campus] if campus else None)
    if fmt is TableOrJson.json:
        data = [c.to_dict() for c in checks]
        print_json(data[0] if campus else data)
        return
    table = titled_table(
        "Model against reported campuses (ratio = model / reported)",
        [
            "Campus",
            "MW",
            "Chip",
            "Acc. rep.",
            "Acc. model",
            "x",
            "MW need",
            "x ",
            "H100e rep.",
            "H100e model",
            "x  ",
            "Gap/tol.",
        ],
        left=("Campus", "Chip", "Gap/tol."),
        no_wrap=True,
        caption="x = model / reported; MW need: power the reported accelerators take, on the reported basis.",
    )
    for c in checks:
        r = c.campus
        table.add_row(
            escape(r.id),
            f"{_n(r.power_mw)} {'IT' if r.power_basis == 'it' else 'fac'}",
            escape(r.accelerator or "-"),
            _n(r.accelerators),
            _n(c.accelerators),
            _ratio(c, "accelerators"),
            _n(c.power_needed_mw),
            _ratio(c, "power_mw"),
            _n(r.h100e),
            _n(c.h100e),
            _ratio(c, "h100e"),
            _status(c),
        )
    con = console()
    con.print(table)
    con.print("IT power is turned into facility power with each row's PUE; reasons for each gap: docs/validation.md.")
    if campus:
        r = checks[0].campus
        con.print(f"Tolerance reason: {r.tolerance_reason}", markup=False)
        con.print(f"Sources: {r.source}", markup=False)
        if r.notes:
            con.print(f"Notes: {r.notes}", markup=False)
