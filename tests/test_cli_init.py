"""`gigacampus init` writes starters that validate; shell completion is on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from gigacampus.cli.init import BLANK
from gigacampus.scenario import scenario_from_text
from gigacampus.scenario.shipped import shipped_scenarios

SHIPPED = Path(__file__).resolve().parents[1] / "scenarios"
runner = CliRunner()


@pytest.mark.parametrize("source", ["blank", "stargate-uae"])
def test_init_writes_a_commented_scenario_that_validates(tmp_path: Path, source: str) -> None:
    path = tmp_path / "new" / "campus.toml"
    result = runner.invoke(app, ["init", str(path), "--from", source])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")  # commented
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 8
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    if source == "stargate-uae":
        assert text.endswith(shipped_scenarios()["stargate-uae"])
        assert gc.run_file(path).headline == gc.run_file(Path("scenarios/stargate-uae.toml")).headline


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}: exists; allowed: a new file name, or --force to overwrite it" in result.output
    assert path.read_text(encoding="utf-8") == "keep me"
    assert runner.invoke(app, ["init", str(path), "--force"]).exit_code == 0
    assert path.read_text(encoding="utf-8") == BLANK
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]  # no temporary file left behind


def test_init_names_an_unknown_starter() -> None:
    result = runner.invoke(app, ["init", "x.toml", "--from", "stargate-ua"])
    assert result.exit_code == 2
    assert "init: --from: unknown starter 'stargate-ua'; allowed: blank, colossus" in result.output
    assert "did you mean 'stargate-uae'" in result.output


def test_blank_starter_with_every_optional_section_uncommented_still_validates() -> None:
    head, tail = BLANK.split("# Optional sections: uncomment to add an analysis.")
    tail = "\n".join(line[2:] if line.startswith("# ") else "" if line == "#" else line for line in tail.splitlines())
    head = head.replace("# electricity_usd_per_mwh", "electricity_usd_per_mwh")  # "needed by [finance]"
    scenario = scenario_from_text(head + tail, "blank+optional")
    result = gc.run(scenario)
    assert {"reliability", "finance", "training"} <= set(result.blocks)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "from gigacampus.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_shell_completion_is_offered() -> None:
    help_text = runner.invoke(app, ["--help"]).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    script = _cli("--show-completion", "bash")
    assert script.returncode == 0, script.stderr
    assert "_GIGACAMPUS_COMPLETE=complete_bash" in script.stdout
    # what bash gets back when the user presses Tab after `gigacampus init x.toml --from star`
    words = {"COMP_WORDS": "gigacampus init x.toml --from star", "COMP_CWORD": "4"}
    done = _cli(env={"_GIGACAMPUS_COMPLETE": "complete_bash", **words})
    shipped = sorted(p.stem for p in SHIPPED.glob("*.toml") if p.stem.startswith("star"))
    assert len(shipped) >= 3
    assert done.stdout.split() == shipped
    commands = _cli(env={"_GIGACAMPUS_COMPLETE": "complete_bash", "COMP_WORDS": "gigacampus ini", "COMP_CWORD": "1"})
    assert commands.stdout.split() == ["init"]
