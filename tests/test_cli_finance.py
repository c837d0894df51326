"""The ``finance`` command, in-process."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gigacampus.cli import app
from tests.conftest import DATA, SCENARIOS

runner = CliRunner()
UAE = str(SCENARIOS / "stargate-uae.toml")
US = str(SCENARIOS / "stargate-us.toml")


def test_finance_table_shows_years_categories_partners_and_answers() -> None:
    result = runner.invoke(app, ["finance", US])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Stargate US: finance, USD bn (2025 dollars)" in out
    assert "capex: accelerator_systems" in out and "Funding sources" in out
    assert "A budget of $500.0 bn buys" in out
    assert "Funding gap with secured money only: $150.4 bn at the end" in out
    assert "Carrying the gap at 9.0% a year costs" in out
    assert "Cash flows, USD bn (2025 dollars), discounted at the WACC 9.0%" in out


def test_finance_json_with_sensitivity() -> None:
    result = runner.invoke(app, ["finance", UAE, "--format", "json", "--sensitivity", "--delta", "0.1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["finance"]["currency"] == "USD"
    assert data["sensitivity"]["delta"] == 0.1
    assert data["sensitivity"]["variants"] == 1 + 2 * 20
    drivers = {r["driver"] for r in data["sensitivity"]["drivers"]}
    assert {"rent", "rental_utilization", "wacc"} <= drivers
    assert data["sensitivity"]["drivers"][0]["swing_usd_per_accelerator_hour"] > 0


def test_finance_sensitivity_table() -> None:
    result = runner.invoke(app, ["finance", UAE, "--sensitivity"])
    assert result.exit_code == 0, result.output
    assert "Tornado: TCO per accelerator-hour" in result.stdout
    assert "Tornado: NPV at a 9.0% WACC" in result.stdout
    assert "accelerator system prices" in result.stdout


def test_finance_out_writes_the_block_and_columns(tmp_path: Path) -> None:
    result = runner.invoke(app, ["finance", UAE, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert "finance" in summary and "funding_gap_usd" in summary["years"][0]
    assert "capex_usd" in (tmp_path / "timeline.csv").read_text(encoding="utf-8").splitlines()[0]


def test_run_prints_one_finance_line_when_the_scenario_has_finance() -> None:
    result = runner.invoke(app, ["run", UAE])
    assert result.exit_code == 0
    # 1 GW of IT power (power_basis = "it"): 426,600 GB300 (5,925 racks) and 1.3 GW of facility to build
    assert "Finance (USD of 2025): capex $48.9 bn" in result.stdout
    assert "at a 9% WACC (excluding" in result.stdout


def test_finance_bad_input_exits_2_naming_the_key() -> None:
    colossus = runner.invoke(app, ["finance", str(SCENARIOS / "colossus.toml")])
    assert colossus.exit_code == 2
    assert "finance.system_price_usd.hgx-h200: missing" in colossus.stderr
    rate = runner.invoke(app, ["finance", UAE, "--set", "finance.source[0].rate=1.5"])
    assert rate.exit_code == 2
    assert "finance.source[0].rate: found 1.5; allowed: a number >= 0 and <= 1" in rate.stderr
    tenor = runner.invoke(app, ["finance", str(DATA / "bad" / "finance-tenor-zero.toml")])
    assert tenor.exit_code == 2 and "tenor_years: found 0" in tenor.stderr
    assert "Traceback" not in colossus.output + rate.output + tenor.output
