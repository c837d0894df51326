"""Report commands: report (redraw a saved run), compare (several runs side by side), serve (web)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from gigacampus.cli import command
from gigacampus.cli.common import console, print_csv, print_json
from gigacampus.cli.options import FormatOption, OutOption, TableOrJson, out_path
from gigacampus.cli.progress import QuietOption, progress
from gigacampus.errors import InputError, Problem
from gigacampus.pipeline import run
from gigacampus.report.terminal import titled_table
from gigacampus.scenario import load_scenario


@command
def report(
    folder: Annotated[Path, typer.Argument(help="A folder written by run --out or compare --out.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("--out", parser=out_path, help="Where to write the HTML (default: FOLDER/report.html)."),
    ] = None,
) -> None:
    """Redraw the HTML report of a saved run or comparison from its files, without recomputing."""
    from gigacampus.report.folders import render_folder
    from gigacampus.report.html import write_html

    path = write_html(render_folder(folder), out or folder / "report.html")
    console().print(f"wrote {path}")


def _differences_table(rows: list[dict]) -> Table:
    headers = ("Scenario", "Years", "Facility MW", "Accelerators", "H100e", "BF16 EFLOP/s", "Full in", "Energy TWh")
    table = titled_table(
        "Headline differences (each run at the end of its horizon)", headers, left=("Scenario", "Years")
    )
    with_capex = any(r["capex_usd"] is not None for r in rows)
    if with_capex:
        table.add_column("Capex USD bn", justify="right")
    table.add_column("Binding constraint")
    for r in rows:
        cells = [
            r["label"],
            r["years"],
            f"{r['facility_power_mw']:,.0f}",
            f"{r['accelerators']:,}",
            f"{r['h100e']:,.0f}",
            f"{r['dense_bf16_exaflops']:,.1f}",
            str(r["full_year"] or "not full"),
            f"{(r['energy_mwh_total'] or 0) / 1e6:,.1f}",
        ]
        if with_capex:
            cells.append("-" if r["capex_usd"] is None else f"{r['capex_usd'] / 1e9:,.1f}")
        cells.append(r["binding"])
        table.add_row(*cells)
    return table


#: Longest value shown in a cell of the terminal's input differences (JSON and the report have all).
_CELL_CHARS = 40


def _input_differences_table(rows: list[dict], labels: list[str]) -> tuple[Table, list[str]]:
    """The inputs set in every run but to different values, one row each, and one line per section
    that only some runs have (``policy: 64 inputs, only in Stargate UAE``)."""
    shared = [r for r in rows if all(o is not None for o in r["origins"])]
    table = titled_table(
        f"Inputs that differ ({len(rows)})",
        ("Key path", *labels),
        left=("Key path", *labels),
        caption="value used (where from)",
    )
    for r in shared:
        cells = [r["path"]]
        for value, origin in zip(r["values"], r["origins"], strict=True):
            text = _value_text(value, r["unit"])
            text = text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 3] + "..."
            cells.append(f"{text} ({origin})")
        table.add_row(*(Text(c) for c in cells))
    groups: dict[tuple[str, tuple[bool, ...]], int] = {}
    for r in rows:
        if r in shared:
            continue
        section = r["path"].split(".")[0].split("[")[0]
        key = (section, tuple(o is not None for o in r["origins"]))
        groups[key] = groups.get(key, 0) + 1
    lines = [
        f"{section}: {n} input{'s' if n != 1 else ''} only in "
        + ", ".join(label for label, has in zip(labels, present, strict=True) if has)
        for (section, present), n in groups.items()
    ]
    return table, lines


def _value_text(value: object, unit: str) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(none)"
    shown_unit = unit if unit and " " not in unit and unit != "year" else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    number = f"{value:,.0f}" if float(value).is_integer() and unit != "year" else f"{value:g}"
    return f"{number} {shown_unit}".strip()


@command
def compare(
    files: Annotated[list[Path], typer.Argument(help="Two or more scenario files (TOML).", show_default=False)],
    out: OutOption = None,
    fmt: FormatOption = TableOrJson.table,
    quiet: QuietOption = False,
) -> None:
    """Run several scenarios and compare them: a table of headline differences.

    --out DIR also writes DIR/report.html (overlaid charts and the table), DIR/comparison.json and
    each run's files in DIR/<scenario file name>/.
    """
    from gigacampus.report.compare import differences, input_differences, unique_labels
    from gigacampus.report.folders import write_comparison

    if len(files) < 2:
        raise InputError([Problem("compare", "FILES", f"found {len(files)} scenario file; allowed: at least 2")])
    from gigacampus.country import run_country
    from gigacampus.scenario.country import is_country_file, load_country

    scenarios, problems = [], []
    for file in files:  # check every file first, so all problems show at once
        try:
            scenarios.append(load_country(file) if is_country_file(file) else load_scenario(file))
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    countries = [f for f, s in zip(files, scenarios, strict=True) if not hasattr(s, "scenario")]
    if countries and out is not None:
        raise InputError(
            [
                Problem(
                    str(countries[0]),
                    "--out",
                    "compare --out draws campus reports; a country file is compared in the table only (run it "
                    "with gigacampus run COUNTRY --out DIR for its report); allowed: no --out with a country file",
                )
            ]
        )
    steps = len(files) + (len(files) + 1 if out is not None else 0)
    with progress(steps, f"running {files[0].name}", quiet=quiet) as advance:
        results = []
        for i, scn in enumerate(scenarios):
            results.append(run(scn) if hasattr(scn, "scenario") else run_country(scn))
            advance(f"running {files[i + 1].name}" if i + 1 < len(files) else "writing reports")
        summaries = [r.to_summary() for r in results]
        labels = unique_labels([s["scenario"]["name"] for s in summaries])
        written = write_comparison(results, labels, [str(f) for f in files], out, step=advance) if out else []
    rows = differences(summaries, labels)
    if fmt is TableOrJson.json:
        print_json(rows)
    elif fmt is TableOrJson.csv:
        print_csv(rows)
    else:
        con = console()
        table, only_some = _input_differences_table(input_differences(summaries), labels)
        con.print(table)
        for line in only_some:
            con.print(f"  {line}", markup=False)
        con.print(_differences_table(rows))
    if not quiet and fmt is TableOrJson.table:
        for path in written:
            console().print(f"wrote {path}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@command
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; the default keeps it on this machine.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Another Host name the server answers to (repeatable); it always answers to 127.0.0.1 and localhost.",
        ),
    ] = None,
) -> None:
    """Start the web dashboard and JSON API (OpenAPI at /openapi.json); Ctrl+C stops it."""
    import uvicorn

    from gigacampus.web import create_app

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, UnicodeError) as exc:
        sock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError([Problem("serve", "--host/--port", f"cannot listen on {host}:{port}: {reason}")]) from None
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if not _is_loopback(host):
        print(
            f"warning: listening on {host}: anyone who can reach this machine can use the dashboard and API",
            file=sys.stderr,
        )
    print(
        f"gigacampus dashboard on http://{shown}:{bound_port}/ (OpenAPI at /openapi.json); Ctrl+C stops it", flush=True
    )
    hosts = list(allowed_host or [])
    for name in hosts:
        if not name or any(c in name for c in "/:@ \t") or len(name) > 253:
            raise InputError(
                [Problem("serve", "--allowed-host", f"found {name!r}; allowed: a host name such as example.org")]
            )
    if host not in ("0.0.0.0", "::", ""):
        hosts.append(f"[{host}]" if ":" in host else host)  # the address it listens on
    config = uvicorn.Config(
        create_app(allowed_hosts=hosts), log_level="warning", access_log=False, timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[sock])
