"""The command line, in-process (typer's CliRunner)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from tests.conftest import SCENARIOS

UAE = str(SCENARIOS / "stargate-uae.toml")
runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"gigacampus {gc.__version__}"


def test_run_prints_a_table_per_year_and_the_reasons() -> None:
    result = runner.invoke(app, ["run", UAE])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Stargate UAE: 2026-2032" in out
    for year in range(2026, 2033):
        assert f"│ {year} │" in out
    assert "426,600" in out and "85,320" in out
    assert "2028: 1,300 MW online (+1,040 MW); power bound" in out
    assert "full in 2028" in out


def test_run_json_is_the_summary() -> None:
    result = runner.invoke(app, ["run", UAE, "--format", "json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary == json.loads(json.dumps(gc.run_file(UAE).to_summary()))
    assert summary["years"][2]["accelerators"] == 426_600


def test_run_out_writes_summary_timeline_and_phases(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", UAE, "--out", str(out)])
    assert result.exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["name"] == "Stargate UAE"
    with (out / "timeline.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["year"]) for r in rows] == list(range(2026, 2033))
    assert int(rows[2]["accelerators"]) == 426_600
    assert rows[2]["binding_constraint"] == "power"
    assert "accelerators_gb300" in rows[0]
    with (out / "phases.csv").open() as fh:
        phases = list(csv.DictReader(fh))
    assert len(phases) == 2 * 7
    assert f"wrote {out / 'summary.json'}" in result.stdout


def test_run_set_and_seed() -> None:
    result = runner.invoke(app, ["run", UAE, "--format", "json", "--set", "site.pue=1.2", "--seed", "7"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["seed"] == 7
    # lower PUE -> more accelerators in the same MW
    assert summary["years"][0]["accelerators"] > 65_641
    bad = runner.invoke(app, ["run", UAE, "--set", "site.pue=0.2"])
    assert bad.exit_code == 2
    assert "site.pue: found 0.2; allowed: a number >= 1 and <= 3" in bad.stderr


def test_run_rejects_an_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["run", UAE, "--out", str(blocker)])
    assert result.exit_code == 2
    assert "cannot create the output folder" in result.stderr or "is not a folder" in result.stderr


def test_validate_ok_and_json() -> None:
    result = runner.invoke(app, ["validate", *map(str, sorted(SCENARIOS.glob("*.toml")))])
    assert result.exit_code == 0
    assert result.stdout.count("ok: ") == len(list(SCENARIOS.glob("*.toml")))
    bad = runner.invoke(app, ["validate", UAE, "nope.toml", "--format", "json"])
    assert bad.exit_code == 2
    report = json.loads(bad.stdout)
    assert [r["ok"] for r in report] == [True, False]
    assert report[1]["problems"][0]["message"] == "no such file"


def test_catalog_list_and_item() -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0
    for acc in ("h100-sxm", "gb300", "mi355x", "tpu7x"):
        assert acc in result.stdout
    item = runner.invoke(app, ["catalog", "h100-sxm", "--format", "json"])
    data = json.loads(item.stdout)
    assert data["derived"]["tpp"] == 15_832
    assert data["retrieved"] == "2026-11-22"
    everything = json.loads(runner.invoke(app, ["catalog", "--format", "json"]).stdout)
    assert {d["id"] for d in everything} >= {"gb300", "gb300-nvl72"}
    text = runner.invoke(app, ["catalog", "gb300"])
    assert "tpp: 60000.0" in text.stdout


def test_catalog_unknown_id_suggests() -> None:
    result = runner.invoke(app, ["catalog", "h100"])
    assert result.exit_code == 2
    assert "unknown id 'h100'" in result.stderr
    assert "did you mean 'h100-sxm'?" in result.stderr


def test_bad_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["run", UAE, "--format", "xml"])
    assert result.exit_code == 2
