"""The command line imports per command (issue 12, part 3): the table of commands is complete and
a command loads only what it uses."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import typer

from gigacampus import cli

ROOT = Path(__file__).resolve().parent.parent


def test_the_table_names_every_registered_command_and_its_module() -> None:
    group = typer.main.get_command(cli.app)
    assert isinstance(group, click.Group) or hasattr(group, "list_commands")
    names = group.list_commands(click.Context(group))
    assert names == list(cli.COMMANDS)  # every command, in the table's order
    for info in cli.app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        assert name in cli.COMMANDS, name
        assert inspect.unwrap(info.callback).__module__ == cli.COMMANDS[name], name
    for module in set(cli.COMMANDS.values()):
        importlib.import_module(module)


def _modules_after(*args: str) -> set[str]:
    code = (
        "import sys, json\nfrom gigacampus.cli import main\nsys.argv = ['gigacampus', *json.loads(sys.argv[1])]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


def test_version_imports_no_command_and_no_model() -> None:
    modules = _modules_after("--version")
    assert not {
        m for m in modules if m.startswith("gigacampus.") and m not in {"gigacampus.cli", "gigacampus._version"}
    }
    assert not {"numpy", "pandas", "pydantic", "plotly"} & modules
    assert "click" not in modules  # typer runs on its own copy of click; the package itself is ~30 ms


def test_a_run_never_loads_the_web_server_or_plotly_py(tmp_path: Path) -> None:
    modules = _modules_after("run", str(ROOT / "scenarios" / "stargate-uae.toml"), "--out", str(tmp_path))
    assert (tmp_path / "report.html").exists() or any(tmp_path.rglob("report.html"))
    assert "gigacampus.cli.core" in modules
    assert not {m for m in modules if m.startswith(("gigacampus.web", "fastapi", "uvicorn", "plotly"))}
    assert "gigacampus.cli.reliability" not in modules  # another command's module


def test_a_run_loads_none_of_the_heavy_or_unused_modules(tmp_path: Path) -> None:
    """Cold start (issue 12, part 3): a single run of the flagship needs neither the compiled
    kernel nor scipy, nor the country, sweep, validation, web, schema or column-reference code."""
    modules = _modules_after("run", str(ROOT / "scenarios" / "stargate-uae.toml"), "--out", str(tmp_path))
    assert "gigacampus.pipeline" in modules and (tmp_path / "report.html").is_file()
    heavy = (
        *("scipy", "numba", "llvmlite", "jinja2", "plotly", "xarray", "duckdb", "pyarrow", "matplotlib", "click"),
        "pandas",  # the result's tables are numpy columns and rows; pandas only when one asks for a DataFrame
    )
    assert not {m for m in modules if m.split(".")[0] in heavy}
    unused = (
        "gigacampus.country",
        "gigacampus.scenario.country",
        "gigacampus.sweep",
        "gigacampus.validation",
        "gigacampus.web",
        "gigacampus.scenario.reference",
        "gigacampus.report.columns",
        "gigacampus.uncertainty",
    )
    assert not {m for m in modules if m.startswith(unused)}
