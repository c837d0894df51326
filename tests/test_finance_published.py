"""Finance of whole campuses against published estimates, with the range as tolerance, and the
questions of issue #4 (Stargate US, Stargate UAE) answered from the shipped scenarios."""

from __future__ import annotations

import pytest

import gigacampus as gc
from gigacampus.catalog import load_catalog
from gigacampus.pipeline import finance_sensitivity, run_finance
from tests.conftest import SCENARIOS, campus_files

# Published all-in capex per GW of AI data-centre capacity (IT power), in USD:
# - Bernstein (Oct 2025), GB200 NVL72 racks: about $35 billion per GW, $5.9 million per rack
#   https://ng.investing.com/news/stock-market-news/how-much-does-a-gw-of-data-center-capacity-actually-cost-2169144
#   https://www.fxbaogao.com/detail/5182980
# - NVIDIA (fiscal Q2 2026 earnings call, Aug 2025): $50-60 billion per GW, about $35 billion of
#   it NVIDIA hardware https://www.livemint.com/companies/nvidia-is-set-to-get-a-big-boost-from-openai-here-s-how-much-11756731303509.html
# - Morgan Stanley (May 2026): GB300 about $33 billion per GW https://www.gate.com/post/status/21206536
BERNSTEIN_GB200_USD_PER_GW = 35e9
NVIDIA_HIGH_USD_PER_GW = 60e9
MORGAN_STANLEY_GB300_USD_PER_GW = 33e9


def one_gw_it_campus(accelerator: str, pue: float = 1.2) -> gc.Result:
    """A campus with 1 GW of IT power (the analysts' 'GW': Bernstein's 5,932 racks per GW at 132 kW
    x 1.25 for networking and storage is 0.98 GW of IT power) and catalog prices."""
    text = f"""
[scenario]
name = "1 GW {accelerator}"
start_year = 2026
end_year = 2026
[site]
pue = {pue}
electricity_usd_per_mwh = 66
[[phase]]
name = "1 GW of IT power"
online_year = 2026
power_mw = {1000 * pue}
accelerator = "{accelerator}"
[finance]
"""
    return gc.run(gc.scenario_from_text(text))


def test_one_gw_of_gb200_nvl72_lands_inside_the_published_range() -> None:
    capex = one_gw_it_campus("gb200").blocks["finance"]["capex_initial_usd"]
    assert BERNSTEIN_GB200_USD_PER_GW <= capex <= NVIDIA_HIGH_USD_PER_GW, capex / 1e9


def test_one_gw_of_gb300_nvl72_lands_inside_the_published_range() -> None:
    capex = one_gw_it_campus("gb300").blocks["finance"]["capex_initial_usd"]
    assert MORGAN_STANLEY_GB300_USD_PER_GW <= capex <= NVIDIA_HIGH_USD_PER_GW, capex / 1e9


def test_gb200_capex_per_rack_matches_bernsteins_rack_economics() -> None:
    # Bernstein: $3.4M of IT (rack, networking, storage) + $2.5M physical infrastructure = $5.9M per
    # rack. Their own figures do not add up to the $3.4M: a $3.0M rack plus their 13% of $5.9M for
    # networking ($0.77M, which the catalog's US$10,694 per accelerator x 72 follows) is already $3.77M, so
    # the catalog's IT per rack (about $3.86M with storage, 14% above $3.4M) is held to within 15%.
    # Their rack draws about 132 kW against the catalog's 120 kW, so the facility per rack is about 10%
    # below their $2.5M, and the total per rack (about $6.1M, 4% above $5.9M) is held to within 15% too.
    per_rack = load_catalog().systems["gb200-nvl72"].accelerators_per_system
    assert gc.run(gc.scenario_from_text(_one_rack_text())).timeline.loc[2026, "accelerators"] == per_rack
    result = one_gw_it_campus("gb200")
    assert result.phases["system"].tolist() == ["gb200-nvl72"]
    block = result.blocks["finance"]
    n_racks = result.timeline["accelerators"].max() / per_rack  # racks the model installed (the last one part-full)
    assert n_racks > 0
    it_per_rack = sum(block["capex_by_category_usd"][c] for c in ("accelerator_systems", "networking", "storage"))
    assert it_per_rack / n_racks == pytest.approx(3.4e6, rel=0.15)
    assert block["capex_initial_usd"] / n_racks == pytest.approx(5.9e6, rel=0.15)


def _gb200_campus_1_gw_it() -> gc.Result:
    text = """
[scenario]
name = "1 GW of IT power, GB200, five years"
start_year = 2026
end_year = 2030
[site]
pue = 1.2
electricity_usd_per_mwh = 66
[[phase]]
name = "GB200"
online_year = 2026
power_mw = 1200
accelerator = "gb200"
[finance]
"""
    return gc.run(gc.scenario_from_text(text))


def test_annual_tco_per_mw_against_epoch_ais_cost_model() -> None:
    # Epoch AI (data insight "AI data center cost breakdown"): a hyperscaler-owned 1 GW (IT) campus of
    # GB200 NVL72 costs US$8.5 million per MW a year all-in (amortised capex + opex)
    # https://epoch.ai/data-insights/ai-datacenter-cost-breakdown
    # Ours, a full year with capital at 9%, must land within 20%: Epoch's hyperscaler finances more
    # cheaply than the 9% default and uses its own server and facility inputs.
    tl = _gb200_campus_1_gw_it().timeline
    per_mw_year = tl.loc[2027, "tco_usd"] / tl.loc[2027, "it_power_mw"]
    assert per_mw_year == pytest.approx(8.5e6, rel=0.20)


def test_capex_per_gw_of_facility_power_against_epoch_ai() -> None:
    # Epoch AI (Frontier Data Centers, Nov 2025): AI data centres "typically" cost US$29 billion per GW
    # of facility power https://www.nextbigfuture.com/2025/11/first-five-ai-data-center-with-over-one-gigawatt-of-power-arriving-in-2026-2027.html
    # Within 25%: Epoch's own cost model prices the rack below the US$3.0M quotes the catalog uses
    # (Bernstein's split implies about US$2.55M, 15% less).
    block = _gb200_campus_1_gw_it().blocks["finance"]
    assert block["capex_usd_per_facility_mw"] * 1000 == pytest.approx(29e9, rel=0.25)


def test_h100_cost_per_hour_sits_between_the_published_rental_thresholds() -> None:
    # Eugene Cheah (Latent Space, Oct 2024, "$2 H100s: how the GPU rental bubble burst"), for an H100
    # at about $50k all-in per GPU over 5 years: below about $1.65 an hour the GPU never recoups its
    # capex, and it takes about $2.85 an hour to beat a stock-market return
    # https://www.latent.space/p/gpu-bubble
    # Our TCO with capital (a 9% WACC, close to a stock-market return) adds the facility and power,
    # so it must lie above the capex-only floor; the break-even rent at 85% sold must lie below the
    # stock-market threshold (which also pays for idle hours at a higher hurdle). The range is the tolerance.
    text = """
[scenario]
name = "100 MW of H100"
start_year = 2024
end_year = 2028
[site]
pue = 1.2
electricity_usd_per_mwh = 66
[[phase]]
name = "H100"
online_year = 2024
power_mw = 100
accelerator = "h100-sxm"
[finance]
rental_utilization = 0.85
"""
    block = gc.run(gc.scenario_from_text(text)).blocks["finance"]
    units = block["unit_economics"]
    tco, break_even = units["tco_usd_per_accelerator_hour"], units["break_even_usd_per_accelerator_hour"]
    assert tco > 1.65, f"TCO {tco:.2f} below Latent Space's $1.65/GPU-hour floor for an owned H100"
    assert break_even > tco, "at 85% of hours sold the break-even rent must exceed the cost per hour"
    assert break_even < 2.85, f"break-even {break_even:.2f} above Latent Space's $2.85 threshold"
    # and SemiAnalysis's one-year contract price in March 2026 (US$2.35) is above the break-even at 85%
    assert units["break_even_usd_per_accelerator_hour"] < 2.35


def _one_rack_text() -> str:
    # exactly one GB200 NVL72 rack: 120 kW x 1.25 overhead x PUE 1.2 = 180 kW of facility power
    return """
[scenario]
name = "one rack"
start_year = 2026
end_year = 2026
[site]
pue = 1.2
[[phase]]
name = "rack"
online_year = 2026
power_mw = 0.18
accelerator = "gb200"
"""


@pytest.fixture(scope="module")
def us() -> gc.Result:
    return gc.run_file(SCENARIOS / "stargate-us.toml")


@pytest.fixture(scope="module")
def uae() -> gc.Result:
    return gc.run_file(SCENARIOS / "stargate-uae.toml")


def test_stargate_us_500_billion_buys_what_published_costs_per_gw_imply(us) -> None:
    # $500B at $35-60B per GW of IT power (range above), times the scenario's PUE of 1.2 for facility power;
    # OpenAI's own target for the $500B was 10 GW.
    budget = us.blocks["finance"]["budget"]
    low, high = 500e9 / NVIDIA_HIGH_USD_PER_GW * 1.2 * 1000, 500e9 / BERNSTEIN_GB200_USD_PER_GW * 1.2 * 1000
    assert low <= budget["budget_buys_facility_mw"] <= high
    assert budget["budget_buys_facility_mw"] == pytest.approx(500e9 / budget["capex_usd_per_facility_mw"])


def test_stargate_us_funding_gap_if_only_secured_money_arrives(us) -> None:
    # Secured: SoftBank $10B (Musk's upper bound), OpenAI $19B, Oracle $7B, MGX $7B (2025), Abilene's
    # project money ($3.4B phase 1 with JPMorgan's $2.3B loan, 2025; $15B phase 2 with $7.1B of loans,
    # 2025-2026) and the $38B of Vantage debt (2026-2027), each spread evenly over its years.
    tl = us.timeline
    by_year = {2025: 43e9 + 3.4e9 + 7.5e9, 2026: 7.5e9 + 19e9, 2027: 19e9, 2028: 0.0}
    assert tl["funding_secured_usd"].tolist() == pytest.approx(list(by_year.values()))
    cumulative = (tl["capex_usd"] - tl["funding_secured_usd"]).cumsum()
    # money not yet needed carries over, so the gap is the running shortfall when positive
    expected = [max(0.0, c) for c in cumulative]
    assert tl["funding_gap_usd"].tolist() == pytest.approx(expected)
    assert tl.loc[2025, "funding_gap_usd"] == 0 == tl.loc[2026, "funding_gap_usd"]  # Abilene is funded
    assert tl.loc[2027, "funding_gap_usd"] > 40e9
    # with the announced money as well ($500B in all), the 7 GW build-out is funded every year
    assert (tl["funding_gap_if_announced_usd"] == 0).all()
    assert tl["funding_secured_usd"].sum() + tl["funding_announced_usd"].sum() == pytest.approx(500e9)
    # the cost of the gap: each year's gap carried at the WACC (9%, catalog default)
    gap_cost = us.blocks["finance"]["funding"]["gap_cost_usd"]
    assert gap_cost == pytest.approx(0.09 * tl["funding_gap_usd"].sum())


def test_stargate_uae_capex_by_category_and_partner(uae) -> None:
    block = uae.blocks["finance"]
    # UAE AI minister Omar Al Olama: the cost will exceed $30 billion (earlier estimates about $20B)
    # https://www.blocknewsint.com/articles/uae-s-stargate-ai-data-centre-to-exceed-30-billion-as-scope-expands
    # and 1 GW of facility power at PUE 1.3 is 0.77 GW of IT power, at most $60B per GW (NVIDIA).
    assert 30e9 <= block["capex_initial_usd"] <= 60e9 * 1000 / 1.3 / 1000
    by_cat = block["capex_by_category_usd"]
    assert sum(by_cat.values()) == pytest.approx(block["capex_usd"])
    partners = block["by_partner_usd"]
    facility = sum(by_cat[c] for c in ("facility_shell", "facility_electrical", "facility_cooling"))
    assert partners["G42"] == pytest.approx(facility)
    it = sum(by_cat[c] for c in ("accelerator_systems", "networking", "storage"))
    assert partners["OpenAI and Oracle (operators)"] == pytest.approx(it)
    assert block["funding"]["gap_usd"] == pytest.approx(it)  # only G42's share is secured


def test_stargate_uae_cost_per_gb300_hour(uae) -> None:
    units = uae.blocks["finance"]["unit_economics"]
    per_hour = units["tco_usd_per_accelerator_hour"]
    # Lower bound from an independent formula: the rack price alone over its 5-year life.
    rack_only = 4.0e6 / 72 / 5 / 8760
    # Upper bound: B300 rents for $5.00-7.25 an hour on demand at neoclouds (Ornn, 2026); a campus
    # whose own cost exceeded the market price could not rent at it.
    assert rack_only < units["tco_usd_per_accelerator_hour_before_capital"] < per_hour < 5.0
    assert uae.blocks["finance"]["returns"]["break_even_usd_per_accelerator_hour"] == pytest.approx(per_hour / 0.85)
    # the capital charge at the WACC is the difference, and a 9% WACC adds roughly a quarter to a third
    assert units["capital_charge_usd_per_accelerator_hour"] == pytest.approx(
        per_hour - units["tco_usd_per_accelerator_hour_before_capital"]
    )


def test_tornado_for_a_shipped_scenario_ranks_hardware_first(uae) -> None:
    sens = finance_sensitivity(uae.scenario)
    top = [r["driver"] for r in sens["drivers"][:2]]
    assert set(top) == {"accelerator_price", "lifetime_years"}  # capex-heavy: hardware price and its life
    assert sens["base_tco_usd_per_accelerator_hour"] == pytest.approx(
        uae.blocks["finance"]["unit_economics"]["tco_usd_per_accelerator_hour"]
    )


def test_every_shipped_scenario_runs_finance_or_names_the_missing_price() -> None:
    for path in campus_files():
        scn = gc.load_scenario(path)
        try:
            block = run_finance(scn, source=str(path)).blocks["finance"]
        except gc.InputError as err:
            assert all(p.path.startswith("finance.system_price_usd.") for p in err.problems), err
            continue
        assert block["capex_usd"] > 0
