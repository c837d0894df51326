"""The questions of issue #3, section 6, answered by the shipped Stargate UAE scenario, and
the regime and holder rules checked on it against hand arithmetic.

Independent figures used throughout (not read from the model):
* the flagship's 200 MW and 800 MW are IT power (``power_basis = "it"``) and a phase installs
  whole GB300 NVL72 racks: one rack takes 135 kW x 1.25 (network and storage) = 168.75 kW of IT
  power, so 200 MW holds 1,185 racks = 85,320 GB300 and 1 GW 426,600 (also asserted in
  test_shipped_scenarios); each GB300 draws 135 kW / 72 x 1.25 x PUE 1.3 = 3,046.875 W of grid
  power, and each phase leaves less than a rack of power over (stranded as its remainder);
* one GB300 is 5,000 / 1,979 H100e (dense 8-bit) and 15,000 x 4 = 60,000 TPP (dense FP4);
* one H100 is 1,979 x 8 = 15,832 TPP.
"""

from __future__ import annotations

import math

import pytest

import gigacampus as gc
from gigacampus.scenario import raw_scenario, scenario_from_dict
from tests.conftest import SCENARIOS

UAE = SCENARIOS / "stargate-uae.toml"
W_PER_GB300 = 135_000 / 72 * 1.25 * 1.3
RACK, RACK_IT_W = 72, 135_000 * 1.25
PHASE1, TOTAL = 85_320, 426_600
#: facility power left over in each phase after its whole racks [MW]
REMAINDER1 = (200e6 - 1185 * RACK_IT_W) * 1.3 / 1e6
REMAINDER2 = (800e6 - 4740 * RACK_IT_W) * 1.3 / 1e6


def racks(accelerators: float) -> int:
    """Accelerators in the whole NVL72 racks that ``accelerators`` holds."""
    return math.floor(accelerators / RACK) * RACK


GB300_TPP, H100_TPP = 60_000.0, 15_832.0
GB300_H100E = 5000 / 1979
NATIONAL = 500_000


def run(*overrides: str) -> gc.Result:
    return gc.run_file(UAE, overrides=list(overrides))


def block(result: gc.Result) -> dict:
    return result.blocks["policy"]


def holder(year_record: dict, name: str) -> dict:
    return next(h for h in year_record["holders"] if h["holder"] == name)


@pytest.fixture(scope="module")
def uae() -> gc.Result:
    return run()


def test_slot_arithmetic() -> None:
    assert math.floor(200e6 / RACK_IT_W) * RACK == PHASE1
    assert PHASE1 + math.floor(800e6 / RACK_IT_W) * RACK == TOTAL


# --- Q1: when is the campus full, and is the 500,000/year cap or the power binding? -------


def test_q1_full_in_2028_and_power_binds_every_year(uae: gc.Result) -> None:
    b = block(uae)
    assert uae.headline["full_year"] == b["campus_full_year"] == 2028
    assert [y["binding_constraint"] for y in b["years"]] == ["power"] * 7
    # the most the campus ever needs in a year (the 2028 expansion) is far below the cap and
    # below the US companies' 80% of it, so the national and group caps never bind
    needed = [y["accelerators_needed"] for y in b["years"]]
    assert needed == [PHASE1, 0, TOTAL - PHASE1, 0, 0, PHASE1, 0]
    assert max(needed) < 0.8 * NATIONAL
    for y in b["years"]:
        assert not any(c["binding"] for c in y["caps"] if c["cap"].startswith(("national:", "group:")))


def test_q1_g42_is_held_to_its_35000_gb300_approval_while_power_binds_the_campus(uae: gc.Result) -> None:
    y2026 = block(uae)["years"][0]
    g42, us = holder(y2026, "G42"), holder(y2026, "OpenAI/Oracle")
    # 35,000 GB300-equivalents counted by TPP = 35,000 GB300 = 486 whole racks (34,992)
    assert g42["shipped"] == racks(35_000) == 34_992 and g42["binding"] == "approval"
    assert us["shipped"] == PHASE1 - 34_992 and us["binding"] == "power"
    assert g42["tpp_delivered"] == pytest.approx(34_992 * GB300_TPP)
    assert g42["h100e_delivered"] == pytest.approx(34_992 * GB300_H100E)
    # its licence is used up: nothing more in 2028 even though the UAE group has room
    y2028 = block(uae)["years"][2]
    assert holder(y2028, "G42")["shipped"] == 0 and holder(y2028, "G42")["binding"] == "approval"
    assert holder(y2028, "OpenAI/Oracle")["shipped"] == TOTAL - PHASE1


def test_q1_with_a_fifth_of_the_cap_and_an_earlier_expansion_the_quota_binds() -> None:
    b = block(run("policy.campus_share=0.2", "phase[1].online_year=2027"))
    y = {r["year"]: r for r in b["years"]}
    # UAE group: 0.2 x 0.2 x 500,000 = 20,000 a year; US group 80,000 a year
    # (in whole racks: 19,944)
    assert holder(y[2026], "G42")["shipped"] == racks(20_000) and holder(y[2026], "G42")["binding"] == "quota"
    assert holder(y[2026], "OpenAI/Oracle")["shipped"] == PHASE1 - racks(20_000)
    assert y[2026]["binding_constraint"] == "power"
    # 2027: G42 has 35,000 - 19,944 of its licence left, the US companies their 80,000
    g42_2027, us_2027 = racks(35_000 - racks(20_000)), racks(80_000)
    assert holder(y[2027], "G42")["shipped"] == g42_2027 and holder(y[2027], "G42")["binding"] == "approval"
    assert holder(y[2027], "OpenAI/Oracle")["shipped"] == us_2027
    assert y[2027]["binding_constraint"] == "quota"
    empty = TOTAL - PHASE1 - g42_2027 - us_2027
    assert y[2027]["stranded_power_mw"] == pytest.approx(empty * W_PER_GB300 / 1e6 + REMAINDER1 + REMAINDER2)


# --- Q2: under ai-diffusion-2025, H100e by the end of 2027 and stranded power ----------------


@pytest.fixture(scope="module")
def diffusion() -> gc.Result:
    return run("policy.regime=ai-diffusion-2025")


def test_q2_h100e_by_end_2027_under_the_diffusion_rule(diffusion: gc.Result) -> None:
    b = block(diffusion)
    y = {r["year"]: r for r in b["years"]}
    # country cap 790M TPP over 2025-2027 (none used before the campus opens in 2026) plus the
    # low-processing-performance exemption, 26.9M TPP a year, for each of the two holders that
    # build here, in 2026 and 2027: 897.6M TPP = 14,960 GB300. The model ships whole racks of
    # 72 per holder and year, so it may fall short by up to a rack per draw (4 draws).
    allowed_tpp = 790e6 + 26.9e6 * 2 * 2
    shipped = y[2026]["accelerators_shipped"] + y[2027]["accelerators_shipped"]
    assert allowed_tpp / GB300_TPP - 4 * RACK <= shipped <= allowed_tpp / GB300_TPP
    assert shipped % RACK == 0
    h100e_2027 = diffusion.timeline.loc[2027, "h100e"]
    assert h100e_2027 == pytest.approx(shipped * GB300_H100E)
    assert 37_000 < h100e_2027 < 37_800  # about 37,700 H100e (8-bit), or
    assert 55_800 < shipped * GB300_TPP / H100_TPP < 56_700  # about 56,500 H100 by TPP
    # the country cap binds in 2026 and 2027, not the power
    assert [y[t]["binding_constraint"] for t in (2026, 2027)] == ["quota", "quota"]


def test_q2_stranded_power_under_the_diffusion_rule(diffusion: gc.Result) -> None:
    y = {r["year"]: r for r in block(diffusion)["years"]}
    for year in (2026, 2027):
        empty = PHASE1 - diffusion.timeline.loc[year, "accelerators"]
        assert y[year]["stranded_power_mw"] == pytest.approx(empty * W_PER_GB300 / 1e6 + REMAINDER1)
    # of the 260 MW of facility power online in 2027 (200 MW IT x PUE 1.3), about 217 MW stand
    # without chips (the other 800 MW IT of the 1 GW are not built until 2028, when the rule's
    # 2025-2027 allocation has run out)
    assert 210 < y[2027]["stranded_power_mw"] < 220
    assert diffusion.timeline.loc[2027, "facility_power_mw"] == pytest.approx(260)


def test_q2_the_run_says_the_rule_was_rescinded(diffusion: gc.Result) -> None:
    b = block(diffusion)
    assert b["regime"]["rescinded_on"] == "2025-05-13"
    assert "rescinded on 2025-05-13" in b["status"] and "counterfactual" in b["status"]
    assert all(not y["regime_in_force"] for y in b["years"])
    assert [y["regime_status"] for y in b["years"][:3]] == ["counterfactual", "counterfactual", "no caps"]
    assert "rescinded on 2025-05-13" in b["years"][0]["regime_status_reason"]
    assert "no caps after 2027" in b["years"][2]["regime_status_reason"]


def test_lifting_the_rescinded_rule_removes_its_caps() -> None:
    lifted = run("policy.regime=ai-diffusion-2025", 'policy.after_rescission="lift"')
    assert "lifted" in block(lifted)["status"]
    assert block(lifted)["years"][0]["regime_status"] == "lifted"
    assert lifted.timeline.loc[2026, "accelerators"] == PHASE1
    assert lifted.headline["full_year"] == 2028


# --- Q3: share of the national cap the campus needs per year, including replacement -------


def test_q3_share_of_the_national_cap_needed_per_year(uae: gc.Result) -> None:
    shares = [y["national_cap_share_needed"]["national"] for y in block(uae)["years"]]
    expected = [PHASE1, 0, TOTAL - PHASE1, 0, 0, PHASE1, 0]  # 2031: the 2026 chips replaced
    assert shares == pytest.approx([n / NATIONAL for n in expected])
    assert shares[2] == pytest.approx(0.683, abs=0.001)
    # one more year: the 2028 expansion is replaced in 2033
    longer = block(run("scenario.end_year=2033"))
    assert longer["years"][-1]["national_cap_share_needed"]["national"] == pytest.approx((TOTAL - PHASE1) / NATIONAL)


def test_q3_share_needed_under_a_cumulative_cap_counts_from_the_window_start(diffusion: gc.Result) -> None:
    y = {r["year"]: r for r in block(diffusion)["years"]}
    tpp_needed_2026 = PHASE1 * GB300_TPP
    assert y[2026]["national_cap_share_needed"]["country"] == pytest.approx(tpp_needed_2026 / 790e6)
    assert y[2027]["national_cap_share_needed"]["country"] == pytest.approx(tpp_needed_2026 / 790e6)
    assert y[2028]["national_cap_share_needed"]["country"] is None  # the rule sets no cap after 2027


# --- holders, validated end users, regimes ------------------------------------------------


def test_pending_and_denied_holders_receive_nothing() -> None:
    for status in ("pending", "denied"):
        r = run(f"policy.holder[1].status={status}")
        y2026 = block(r)["years"][0]
        assert holder(y2026, "OpenAI/Oracle")["shipped"] == 0
        assert not holder(y2026, "OpenAI/Oracle")["approved"]
        assert y2026["binding_constraint"] == "approval"
        assert y2026["stranded_power_mw"] == pytest.approx((PHASE1 - 34_992) * W_PER_GB300 / 1e6 + REMAINDER1)


def test_a_share_of_the_national_cap_limits_its_holder() -> None:
    b = block(run("policy.holder[0].share=0.05"))  # 25,000 a year
    # 25,000 in whole racks, then the rest of its licence (35,000 - 24,984) in whole racks
    assert [holder(y, "G42")["shipped"] for y in b["years"][:3]] == [racks(25_000), 0, racks(35_000 - racks(25_000))]
    assert holder(b["years"][0], "G42")["binding"] == "quota"
    assert holder(b["years"][2], "G42")["binding"] == "approval"


def test_a_holder_outside_the_regime_groups_gets_nothing_and_the_run_says_why() -> None:
    b = block(run("policy.holder[0].headquarters=SA"))
    assert holder(b["years"][0], "G42")["shipped"] == 0
    assert holder(b["years"][0], "G42")["binding"] == "quota"
    assert any("headquarters SA is in no group" in n for n in b["notes"])


def test_national_veu_is_outside_the_country_cap_within_its_own_schedule() -> None:
    r = run(
        "policy.regime=ai-diffusion-2025",
        "policy.holder[0].veu=national",
        "policy.holder[0].caps=[]",
        "phase[1].online_year=2027",
    )
    y = {rec["year"]: rec for rec in block(r)["years"]}
    # NVEU: 270,000 H100 by TPP through 2026, plus 26.9M TPP of exemption, in whole racks
    g42_2026 = holder(y[2026], "G42")["shipped"]
    assert g42_2026 == racks(270_000 * H100_TPP / GB300_TPP + 26.9e6 / GB300_TPP)
    # through 2027: 320,000 x 15,832 TPP, plus 26.9M TPP a year of exemption (whole racks per draw)
    nveu_2027 = 320_000 * H100_TPP / GB300_TPP
    g42 = g42_2026 + holder(y[2027], "G42")["shipped"]
    assert racks(nveu_2027 + 2 * 26.9e6 / GB300_TPP) - 2 * RACK <= g42 <= nveu_2027 + 2 * 26.9e6 / GB300_TPP
    # OpenAI/Oracle, not a VEU, gets the country cap and its own exemption over 2026-2027
    us = holder(y[2026], "OpenAI/Oracle")["shipped"] + holder(y[2027], "OpenAI/Oracle")["shipped"]
    assert us == racks((790e6 + 2 * 26.9e6) / GB300_TPP)


def test_universal_veu_is_capped_at_seven_percent_of_its_global_capacity() -> None:
    r = run(
        "policy.regime=ai-diffusion-2025",
        "policy.holder[1].veu=universal",
        'policy.holder[1].global_capacity={amount = 2e6, unit = "h100e"}',
        "phase[1].online_year=2027",
    )
    y = {rec["year"]: rec for rec in block(r)["years"]}
    us = holder(y[2026], "OpenAI/Oracle")["shipped"] + holder(y[2027], "OpenAI/Oracle")["shipped"]
    uveu = 0.07 * 2e6 / GB300_H100E  # 140,000 H100e of GB300
    exempt = 2 * 26.9e6 / GB300_TPP
    assert racks(uveu + exempt) - 2 * RACK <= us <= uveu + exempt and us % RACK == 0


def test_regime_none_and_a_regime_without_holders_match_the_simple_quota() -> None:
    raw = raw_scenario(UAE)
    no_policy = {k: v for k, v in raw.items() if k != "policy"}
    # 'none' with its holders: nothing limits the campus but G42's licence
    none = gc.run(scenario_from_dict({**raw, "policy": {**raw["policy"], "regime": "none"}}))
    free = gc.run(scenario_from_dict(no_policy))
    assert none.timeline["accelerators"].tolist() == free.timeline["accelerators"].tolist()
    # us-uae-2025 with no holders and a fifth of the cap == [quota] 500,000 a year x 0.2
    early = {**raw, "phase": [raw["phase"][0], {**raw["phase"][1], "online_year": 2027}]}
    as_policy = gc.run(scenario_from_dict({**early, "policy": {"regime": "us-uae-2025", "campus_share": 0.2}}))
    as_quota = gc.run(
        scenario_from_dict(
            {**{k: v for k, v in early.items() if k != "policy"}, "quota": {"units_per_year": 5e5, "campus_share": 0.2}}
        )
    )
    for col in ("accelerators", "accelerators_added", "binding_constraint", "accelerators_cut_by_quota"):
        assert as_policy.timeline[col].tolist() == as_quota.timeline[col].tolist()
    assert "quota" in as_policy.timeline["binding_constraint"].tolist()


def test_an_inline_regime_gives_the_same_allocation_as_the_shipped_one() -> None:
    raw = raw_scenario(UAE)
    rules = {
        "name": "US-UAE deal, written out",
        "sources": ["https://www.agbi.com/ai/2025/05/us-to-let-uae-import-millions-of-nvidias-ai-chips"],
        "cap": [
            {"cap": "national", "scope": "national", "unit": "units", "amount": 5e5, "first_year": 2025},
            {"cap": "ae", "scope": "group", "group": "AE", "unit": "share", "amount": 0.2, "first_year": 2025},
            {"cap": "us", "scope": "group", "group": "US", "unit": "share", "amount": 0.8, "first_year": 2025},
        ],
    }
    policy = {k: v for k, v in raw["policy"].items() if k != "regime"}
    inline = gc.run(scenario_from_dict({**raw, "policy": {**policy, "rules": rules}}, "inline"))
    shipped = lambda r: [[h["shipped"] for h in y["holders"]] for y in block(r)["years"]]  # noqa: E731
    assert shipped(inline) == shipped(run())
    assert block(inline)["regime"]["id"] == "inline"


# --- counter-commitments ----------------------------------------------------------------


def test_pledges_per_h100e_delivered(uae: gc.Result) -> None:
    b = block(uae)
    delivered = (PHASE1 + (TOTAL - PHASE1) + PHASE1) * GB300_H100E  # 2026, 2028, 2031 (replacement)
    assert b["totals"]["h100e_delivered"] == pytest.approx(delivered)
    uae_pledge = next(p for p in b["pledges"] if p["amount_usd"] == 1.4e12)
    assert uae_pledge["usd_per_h100e_delivered"] == pytest.approx(1.4e12 / delivered)
    assert uae_pledge["due_year"] == 2035 and uae_pledge["source"].startswith("https://")
    assert b["totals"]["usd_pledged_per_h100e_delivered"] == pytest.approx((1.4e12 + 2e9) / delivered)
    assert uae_pledge["fulfilled_share"] is None  # nothing reported as fulfilled


def test_fulfilled_usd_by_year_is_tracked() -> None:
    b = block(run("policy.pledge[1].fulfilled_usd={2025 = 5e8, 2026 = 1e9}"))
    mgx = b["pledges"][1]
    assert mgx["fulfilled_usd"] == {"2025": 5e8, "2026": 1e9}
    assert mgx["fulfilled_usd_total"] == 1.5e9
    assert mgx["fulfilled_share"] == pytest.approx(0.75)


def test_licences_of_holders_that_build_elsewhere_are_shown_in_this_campus_s_terms(uae: gc.Result) -> None:
    b = block(uae)
    ms = next(h for h in b["holders"] if h["name"] == "Microsoft")
    assert ms["phases"] == [] and ms["shipped_total"] == 0
    # 60,400 A100-equivalents by TPP (4,992 each) = 5,025 GB300 = 69 whole racks
    assert holder(b["years"][0], "Microsoft")["allocated"] == racks(60_400 * 4992 / GB300_TPP) == 4_968


def test_inline_regime_with_carry_over_and_a_fixed_allocation() -> None:
    # 2 MW of H100 (hgx-h100, 1,275 W each at PUE 1: 1,568 slots) from 2026, 10 MW more in 2028
    from gigacampus.scenario import scenario_from_text
    from tests.conftest import scenario_text

    phases = (
        '[[phase]]\nname = "A"\nonline_year = 2026\npower_mw = 2\naccelerator = "h100-sxm"\n'
        '[[phase]]\nname = "B"\nonline_year = 2028\npower_mw = 10\naccelerator = "h100-sxm"\n'
    )
    extra = (
        '[policy.rules]\nname = "test"\ncarry_over = {carry}\n'
        '[[policy.rules.cap]]\ncap = "n"\nscope = "national"\nunit = "units"\namount = 3000\nfirst_year = 2026\n'
        '[[policy.holder]]\nname = "X"\nstatus = "approved"\napproval_year = 2026\n'
        'allocation = {{amount = 2500, unit = "units", per = "year"}}\n'
    )
    runs = {
        carry: gc.run(scenario_from_text(scenario_text(phases=phases, pue=1.0, extra=extra.format(carry=carry))))
        for carry in ("true", "false")
    }
    added = {c: r.timeline["accelerators_added"].tolist() for c, r in runs.items()}
    slots_a = math.floor(2e6 / 1275)
    # 2026 ships all 1,568 of phase A; 2027 nothing is wanted; in 2028 the holder's allocation of
    # 2,500 a year binds, or with carry-over (which applies to allocations under the regime too)
    # 2,500 x 3 - 1,568 = 5,932, below the national 3,000 x 3 - 1,568 = 7,432; in whole 8-GPU
    # servers: 2,496 and 5,928
    assert added["false"][:3] == [slots_a, 0, 2496]
    assert added["true"][:3] == [slots_a, 0, (2500 * 3 - slots_a) // 8 * 8]
    avail = {c: [y["caps"][0]["available"] for y in r.blocks["policy"]["years"]] for c, r in runs.items()}
    assert avail["false"][:3] == [3000, 3000, 3000]
    assert avail["true"][:3] == [3000, 3000 + 3000 - slots_a, 3000 * 3 - slots_a]
