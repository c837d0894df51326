"""Export-control commands in-process: classify, regimes, quota, and the run's policy tables."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from tests.conftest import DATA, SCENARIOS

UAE = str(SCENARIOS / "stargate-uae.toml")
ABILENE = str(SCENARIOS / "stargate-abilene.toml")
runner = CliRunner()


def test_classify_one_as_json() -> None:
    result = runner.invoke(app, ["classify", "h100-sxm", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tpp"] == 15832 and data["eccn"] == "3A090.a" and data["paragraph"] == "3A090.a.1"
    assert data["h100e"] == 1.0 and data["source"].startswith("https://")


def test_classify_all_as_a_table() -> None:
    result = runner.invoke(app, ["classify"])
    assert result.exit_code == 0
    assert "not controlled by 3A090" in result.stdout  # the H20
    assert "gb300" in result.stdout and "60,000" in result.stdout


def test_classify_one_as_text_shows_each_threshold() -> None:
    result = runner.invoke(app, ["classify", "h20"])
    assert result.exit_code == 0
    assert "3A090.b.1: TPP 2,368 < 2,400" in result.stdout


def test_classify_unknown_id_is_an_input_error() -> None:
    result = runner.invoke(app, ["classify", "h100"])
    assert result.exit_code == 2
    assert "unknown accelerator 'h100'" in result.stderr and "did you mean 'h100-sxm'" in result.stderr


def test_regimes() -> None:
    result = runner.invoke(app, ["regimes"])
    assert result.exit_code == 0
    for rid in ("none", "us-uae-2025", "ai-diffusion-2025"):
        assert rid in result.stdout
    result = runner.invoke(app, ["regimes", "ai-diffusion-2025", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["rescinded_on"] == "2025-05-13"
    assert {c["cap"] for c in data["caps"]} == {"country", "lpp", "nveu", "uveu"}
    assert runner.invoke(app, ["regimes", "us-uae"]).exit_code == 2


def test_quota_shows_the_allocation_table() -> None:
    result = runner.invoke(app, ["quota", UAE])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Chips by holder" in out and "Caps by year" in out and "G42" in out
    assert "Share of national cap" in out and "68.3%" in out
    assert "Microsoft: approved from 2025, fills no phase of this campus" in out
    assert "Phases full: Phase 1 (200 MW) 2026, Expansion to 1 GW 2028." in out
    assert "Caps that bound: G42: licence cap in 2026, 2028, 2031." in out


def test_quota_json_is_the_policy_block() -> None:
    result = runner.invoke(app, ["quota", UAE, "--format", "json", "--set", "policy.regime=ai-diffusion-2025"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    expected = gc.run_file(UAE, overrides=["policy.regime=ai-diffusion-2025"]).to_summary()["policy"]
    assert data == json.loads(json.dumps(expected))
    assert data["regime"]["id"] == "ai-diffusion-2025"


def test_quota_without_a_policy_is_an_input_error() -> None:
    result = runner.invoke(app, ["quota", ABILENE])
    assert result.exit_code == 2
    assert "policy: missing; the quota view needs a [policy] section" in result.stderr


def test_run_shows_the_policy_tables_and_writes_the_block(tmp_path) -> None:
    result = runner.invoke(app, ["run", UAE, "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "Chips by holder" in result.stdout and "Campus full in 2028; binding: power in 2026-2032." in result.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["policy"]["regime"]["id"] == "us-uae-2025"
    assert summary["policy"]["years"][0]["holders"][0]["holder"] == "G42"


def test_runs_without_policy_print_no_policy_tables() -> None:
    result = runner.invoke(app, ["run", ABILENE])
    assert result.exit_code == 0 and "Chips by holder" not in result.stdout


def test_bad_policy_file_exits_2() -> None:
    result = runner.invoke(app, ["quota", str(DATA / "bad" / "policy-unknown-regime.toml")])
    assert result.exit_code == 2 and "did you mean 'us-uae-2025'" in result.stderr
