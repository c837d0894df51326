"""Issue #13 part 6: reserved holder shares, items a regime counts, own entitlements, and the
UVEU assumption of the AI Diffusion counterfactual, on the flagship with hand arithmetic.

Independent figures: the national cap is 500,000 a year, 80% (400,000) for US holders; a 30%
share of it is 150,000; one GB300 is 5,000 / 1,979 H100e and 60,000 TPP. Holders receive whole
GB300 NVL72 racks of 72: 150,000 is 2,083 racks = 149,976, the 250,000 left to OpenAI/Oracle
3,472 racks = 249,984 and 400,000 5,555 racks = 399,960.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.catalog.regimes import load_regimes
from gigacampus.cli import app
from gigacampus.scenario import raw_scenario, scenario_from_dict
from gigacampus.scenario.load import apply_overrides
from tests.conftest import SCENARIOS

UAE = SCENARIOS / "stargate-uae.toml"
XAI_SHARE = [
    "phase[1].power_mw=4800",
    'policy.holder[3].phases=["Expansion to 1 GW"]',
    "policy.holder[3].share=0.3",
]
H20 = [
    "phase[0].accelerator=h20",
    "phase[1].accelerator=h20",
    "phase[0].system_power_kw=10",
    "phase[1].system_power_kw=10",
    "phase[1].power_mw=4800",
    "finance.system_price_usd={hgx-h20=1e5}",
]


def holder(rec: dict, name: str) -> dict:
    return next(h for h in rec["holders"] if h["holder"] == name)


@pytest.fixture(scope="module")
def reserved() -> dict:
    return gc.run_file(UAE, overrides=XAI_SHARE).blocks["policy"]


def test_a_share_is_reserved_against_holders_listed_earlier(reserved: dict) -> None:
    # the reproduction: before, OpenAI/Oracle (listed first) took all 400,000 and xAI 0
    for rec in reserved["years"]:
        if 2028 <= rec["year"] <= 2031:
            xai, oai = holder(rec, "xAI"), holder(rec, "OpenAI/Oracle")
            assert xai["shipped"] == 2_083 * 72
            assert oai["shipped"] == 3_472 * 72  # whole racks of 400,000 - 150,000
            assert xai["binding"] == "quota"


def test_allocated_is_each_holders_own_entitlement(reserved: dict) -> None:
    rec = next(r for r in reserved["years"] if r["year"] == 2029)
    assert holder(rec, "xAI")["allocated"] == 2_083 * 72
    assert holder(rec, "OpenAI/Oracle")["allocated"] == 3_472 * 72  # the US 400,000 less xAI's reservation
    flagship = gc.run_file(UAE).blocks["policy"]
    rec = next(r for r in flagship["years"] if r["year"] == 2026)
    assert holder(rec, "OpenAI/Oracle")["allocated"] == 5_555 * 72  # no reservation: the US group's room
    # and the block says who shares that room (holders that fill a phase, in the same group)
    by_name = {h["name"]: h for h in flagship["holders"]}
    assert by_name["OpenAI/Oracle"]["shares_room_with"] == []  # Microsoft and xAI fill no phase here
    shared = gc.run_file(UAE, overrides=['policy.holder[3].phases=["Expansion to 1 GW"]']).blocks["policy"]
    by_name = {h["name"]: h for h in shared["holders"]}
    assert by_name["OpenAI/Oracle"]["shares_room_with"] == ["xAI"]
    assert by_name["G42"]["shares_room_with"] == []  # the AE group is G42's alone


def _pass_on(*overrides: str) -> dict:
    """The flagship under an inline copy of us-uae-2025 that lets unused shares pass on."""
    raw = apply_overrides(raw_scenario(UAE), list(overrides))
    policy = {k: v for k, v in raw["policy"].items() if k != "regime"}
    policy["rules"] = {
        "name": "us-uae-2025 with unused shares passed on",
        "pass_unused": True,
        "counts": ["3A090", "4A090"],
        "cap": [
            {"cap": "national", "scope": "national", "unit": "units", "amount": 500000, "first_year": 2025},
            {"cap": "g-ae", "scope": "group", "group": "AE", "unit": "share", "amount": 0.2, "first_year": 2025},
            {"cap": "g-us", "scope": "group", "group": "US", "unit": "share", "amount": 0.8, "first_year": 2025},
        ],
    }
    return gc.run(scenario_from_dict({**raw, "policy": policy})).blocks["policy"]


def test_a_regime_that_passes_unused_shares_on() -> None:
    # xAI has a 30% share but fills no phase: its unused share passes to OpenAI/Oracle
    idle = _pass_on("phase[1].power_mw=4800", "policy.holder[3].share=0.3")
    rec = next(r for r in idle["years"] if r["year"] == 2028)
    assert holder(rec, "OpenAI/Oracle")["shipped"] == 5_555 * 72  # all of the US 400,000, in whole racks
    assert holder(rec, "xAI")["shipped"] == 0
    # with xAI wanting the expansion too, its share is held for what it wants
    both = _pass_on(*XAI_SHARE)
    rec = next(r for r in both["years"] if r["year"] == 2028)
    assert holder(rec, "xAI")["shipped"] == 2_083 * 72
    assert holder(rec, "OpenAI/Oracle")["shipped"] == 3_472 * 72


def test_chips_a_regime_does_not_cover_do_not_count() -> None:
    uae, diff = load_regimes()["us-uae-2025"], load_regimes()["ai-diffusion-2025"]
    assert uae.covers("3A090.a") and uae.covers("3A090.b") and not uae.covers("not controlled by 3A090")
    assert diff.covers("3A090.a") and not diff.covers("3A090.b")
    assert load_regimes()["none"].covers("not controlled by 3A090")
    assert uae.counts_source.startswith("https://") and diff.counts_source.startswith("https://")
    block = gc.run_file(UAE, overrides=H20).blocks["policy"]
    # 4.8 GW of H20 wants far more than 500,000 in 2028, and no cap holds it
    rec = next(r for r in block["years"] if r["year"] == 2028)
    assert rec["accelerators_shipped"] > 500_000
    assert rec["binding_constraint"] == "power"
    assert all(v in (0.0, None) for v in rec["national_cap_share_needed"].values())
    diffusion = gc.run_file(UAE, overrides=[*H20, "policy.regime=ai-diffusion-2025"]).blocks["policy"]
    assert not any(c["binding"] for r in diffusion["years"] for c in r["caps"])
    assert any("h20: not an item" in n for n in block["notes"])


def test_quota_prints_what_a_cap_means_in_h100e_and_tpp() -> None:
    out = CliRunner().invoke(app, ["quota", str(UAE)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "What each cap means" in out.output
    assert f"{500_000 * 5000 / 1979:,.0f}" in out.output  # 1,263,264 H100e
    assert "30.00 bn" in out.output  # 500,000 x 60,000 TPP


def test_the_flagships_counterfactual_states_its_veu_assumption() -> None:
    scn = gc.load_scenario(UAE)
    oai = next(h for h in scn.policy.holder if h.name == "OpenAI/Oracle")
    assert "veu" in oai.model_fields_set and oai.veu == "none"
    base = gc.run_file(UAE, overrides=["policy.regime=ai-diffusion-2025"]).blocks["policy"]
    by_2027 = sum(r["accelerators_shipped"] for r in base["years"] if r["year"] <= 2027)
    assert by_2027 == 14_959 // 72 * 72  # the 14,959 GB300 the cumulative cap leaves, in whole racks of 72
    uveu = gc.run_file(
        UAE,
        overrides=[
            "policy.regime=ai-diffusion-2025",
            "policy.holder[1].veu=universal",
            'policy.holder[1].global_capacity={amount = 5e6, unit = "h100e"}',
        ],
    ).blocks["policy"]
    assert all(r["binding_constraint"] == "power" for r in uveu["years"])
