"""The model against real campuses (catalog campuses.csv, `gigacampus campuses`, docs/validation.md)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gigacampus.catalog.campuses import load_campuses
from gigacampus.cli import app
from gigacampus.validation import campus_scenario, check_campus, check_campuses, markdown_table
from tests.conftest import ROOT

CAMPUSES = {c.id: c for c in load_campuses()}
COMPARED = [c.id for c in load_campuses() if check_campus(c).comparisons]


def test_at_least_ten_real_campuses_with_power_basis_and_sources() -> None:
    assert len(CAMPUSES) >= 10
    for required in (
        "colossus-1-2024",
        "colossus-2-2026",
        "stargate-abilene-2026",
        "anthropic-new-carlisle-2025",
        "meta-prometheus-2026",
        "meta-hyperion-2030",
        "fairwater-wisconsin-full",
        "fairwater-atlanta-2026",
        "stargate-uae-2026",
        "stargate-norway-2026",
    ):
        assert required in CAMPUSES
    for c in CAMPUSES.values():
        assert c.power_basis in ("it", "facility")
        assert c.source.startswith("https://")
        assert c.accelerators is not None or c.h100e is not None or c.accelerator is not None or c.notes


@pytest.mark.parametrize("campus_id", COMPARED)
def test_each_compared_row_is_within_its_own_tolerance(campus_id: str) -> None:
    check = check_campus(CAMPUSES[campus_id])
    assert check.campus.tolerance_reason.strip()
    for comparison in check.comparisons:
        assert comparison.gap <= check.campus.tolerance, (
            f"{campus_id}: {comparison.quantity} model {comparison.model:,.0f} vs reported "
            f"{comparison.reported:,.0f}; reason given: {check.campus.tolerance_reason}"
        )


def test_tolerances_over_a_quarter_are_explained_in_the_docs() -> None:
    docs = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    explained = docs.split("## Every gap over 25%, explained", 1)[1].split("## Rows listed", 1)[0]
    for c in CAMPUSES.values():
        check = check_campus(c)
        if check.comparisons and max(x.gap for x in check.comparisons) > 0.25:
            assert f"`{c.id}`" in explained, f"{c.id}: gap over 25% not explained in docs/validation.md"


def test_abilene_by_hand() -> None:
    # 1,200 MW facility / 1.2 PUE = 1,000 MW IT; a GB200 takes 120 kW / 72 x 1.25 overhead = 2,083.3 W.
    # The model installs whole NVL72 racks of 150 kW of IT power: floor(6,666.7) = 6,666 racks =
    # 479,952 GB200 (479,999 when single accelerators were counted)
    check = check_campus(CAMPUSES["stargate-abilene-2026"])
    assert check.accelerators == (1000e6 // (120e3 * 1.25)) * 72 == 479_952
    # the 450,000 reported need 450,000 x 2,083.3 W x 1.2 = 1,125 MW of facility power
    assert check.power_needed_mw == pytest.approx(450_000 * 120e3 / 72 * 1.25 * 1.2 / 1e6, rel=1e-9)


def test_it_basis_is_turned_into_facility_power_with_the_pue() -> None:
    c = CAMPUSES["stargate-uae-2026"]
    assert c.power_basis == "it"
    scn = campus_scenario(c)
    # the row's power and basis are passed as they are; the model turns IT into facility power
    assert scn.site.power_basis == "it" and scn.phase[0].power_mw == 200
    check = check_campus(c)
    assert check.it_power_mw == pytest.approx(200.0)
    assert check.facility_power_mw == pytest.approx(200 * 1.3)
    # IT power in whole GB300 NVL72 racks of 135 kW x 1.25 = 168.75 kW: floor(1,185.2) = 1,185
    # racks = 85,320 (85,333 single accelerators); the power the 100,000 need is IT power
    assert check.accelerators == (200e6 // (135e3 * 1.25)) * 72 == 85_320
    assert check.power_needed_mw == pytest.approx(100_000 * 135e3 / 72 * 1.25 / 1e6)


def test_rows_without_a_catalog_accelerator_are_listed_not_modelled() -> None:
    for cid in ("anthropic-new-carlisle-2025", "meta-prometheus-2026", "meta-hyperion-2030"):
        check = check_campus(CAMPUSES[cid])
        assert check.accelerators is None and check.comparisons == () and check.within_tolerance is None
        assert "not modelled" in CAMPUSES[cid].tolerance_reason


def test_docs_table_is_current() -> None:
    docs = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert markdown_table(check_campuses()) in docs, "regenerate the table in docs/validation.md"


def test_cli_table_json_and_unknown_id() -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["campuses"])
    assert table.exit_code == 0, table.output
    assert "stargate-uae-2026" in table.output and "listed only" in table.output
    one = runner.invoke(app, ["campuses", "stargate-norway-2026", "--format", "json"])
    assert one.exit_code == 0, one.output
    data = json.loads(one.output)
    assert data["id"] == "stargate-norway-2026"
    assert {c["quantity"] for c in data["comparisons"]} == {"accelerators", "power_mw"}
    assert data["within_tolerance"] is True
    every = json.loads(runner.invoke(app, ["campuses", "--format", "json"]).output)
    assert [d["id"] for d in every] == list(CAMPUSES)
    bad = runner.invoke(app, ["campuses", "stargate-uea"])
    assert bad.exit_code == 2
    assert "did you mean 'stargate-uae-2026'" in bad.output
