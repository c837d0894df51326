"""Economics: capex, opex, depreciation, financing and unit costs against hand calculations,
independent formulas and invariants."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gigacampus as gc
from gigacampus.analyses.finance import costs
from gigacampus.analyses.finance.analysis import FINANCE_COLUMNS, sensitivity_batch
from gigacampus.analyses.finance.costs import depreciation_weights, evaluate, funding, loan_schedule, unit_costs, wacc
from gigacampus.analyses.finance.inputs import finance_inputs
from gigacampus.errors import InputError
from gigacampus.model import HOURS_PER_YEAR, simulate
from gigacampus.pipeline import campus_inputs, finance_sensitivity, run_finance
from tests.conftest import scenario_text

# Every finance value given, so the hand calculations below do not depend on catalog defaults.
FIN = """
[finance]
networking_share = 0.1
storage_share = 0.02
facility_usd_per_mw = 10e6
facility_electrical_share = 0.4
facility_cooling_share = 0.2
facility_life_years = 10
insurance_share_per_year = 0.0
"""
# catalog hgx-h100 price (US$270,000 in 2023 dollars) / 8 GPUs, in 2025 dollars by the BLS CPI-U annual averages
H100_USD = 270_000 * 321.943 / 304.702 / 8
# 100 MW, PUE 1.25, HGX H100 servers of 8 GPUs at 10.2 kW, no overhead: 7,843 whole servers
SLOTS = int(100e6 / 1.25 / 10_200) * 8


def scenario(extra: str = FIN, *, electricity: float = 50.0, **kw) -> gc.Scenario:
    text = scenario_text(extra=extra, **kw).replace("[site]\n", f"[site]\nelectricity_usd_per_mwh = {electricity}\n")
    return gc.scenario_from_text(text)


def evaluated(scn: gc.Scenario):
    cat = gc.load_catalog()
    campus = campus_inputs(scn, cat)
    out = simulate(campus)
    fin, rows, prices = finance_inputs(scn, cat, campus)
    return campus, out, fin, evaluate(fin, campus, out)


def test_capex_by_category_is_a_hand_calculation() -> None:
    _, _, _, res = evaluated(scenario())
    systems = SLOTS * H100_USD
    facility = 100 / 1.25 * 10e6
    assert SLOTS == 62_744
    by = res.capex_by_category[0, :, 0]  # 2026, the phase's online year
    expected = [systems, 0.1 * systems, 0.02 * systems, 0.4 * facility, 0.4 * facility, 0.2 * facility, 0, 0]
    np.testing.assert_allclose(by, expected, rtol=1e-12)
    assert res.capex[0, 1:].sum() == 0  # nothing bought again within the 5-year life


def test_depreciation_uses_the_mid_year_convention() -> None:
    _, _, _, res = evaluated(scenario())
    it = SLOTS * H100_USD * 1.12
    facility = 100 / 1.25 * 10e6
    np.testing.assert_allclose(res.depreciation_it[0], [it / 10, it / 5, it / 5, it / 5, it / 5], rtol=1e-12)
    np.testing.assert_allclose(res.depreciation_facility[0], [facility / 20] + [facility / 10] * 4, rtol=1e-12)


@given(st.integers(1, 12), st.integers(1, 30))
def test_depreciation_weights_sum_to_one_when_the_horizon_covers_the_life(life: int, n_years: int) -> None:
    w = depreciation_weights(n_years, np.asarray([life]))[0]
    for bought in range(n_years):
        total = w[bought].sum()
        if bought + life < n_years:
            assert total == pytest.approx(1.0)
        else:
            assert total <= 1.0 + 1e-12
    assert (w >= 0).all()


def test_opex_electricity_insurance_staff_software() -> None:
    extra = FIN.replace("insurance_share_per_year = 0.0", "insurance_share_per_year = 0.01") + (
        "staff_usd_per_mw_year = 1000\nsoftware_usd_per_accelerator_year = 100\n"
        "maintenance_it_share_per_year = 0.05\nmaintenance_facility_share_per_year = 0.02\n"
    )
    campus, out, _, res = evaluated(scenario(extra))
    opex = res.opex_by_category[0]
    np.testing.assert_allclose(opex[0], out.energy_mwh[0] * 50.0)
    it = SLOTS * H100_USD * 1.12
    facility = 100 / 1.25 * 10e6
    in_service = np.asarray([0.5, 1, 1, 1, 1])  # mid-year: half the purchase year
    np.testing.assert_allclose(opex[1], (0.05 * it + 0.02 * facility) * in_service)
    np.testing.assert_allclose(opex[2], 0.01 * (it + facility) * in_service)
    np.testing.assert_allclose(opex[3], 1000 * 100.0 * np.ones(5))
    np.testing.assert_allclose(opex[4], 100 * SLOTS * in_service)


def test_refreshes_are_new_capex_when_equipment_reaches_end_of_life() -> None:
    scn = gc.scenario_from_text(
        scenario_text(extra=FIN.replace("facility_life_years = 10", "facility_life_years = 3"), end=2031).replace(
            "[site]\n", "[site]\nelectricity_usd_per_mwh = 50\n"
        )
        + "[fleet]\nlifetime_years = 2\n"
    )
    _, out, _, res = evaluated(scn)
    systems = res.capex_by_category[0, 0]
    assert systems[0] == systems[2] == systems[4] == SLOTS * H100_USD  # bought 2026, replaced 2028 and 2030
    assert systems[1] == systems[3] == systems[5] == 0
    facility = res.capex_by_category[0, 3:6].sum(axis=0)
    assert facility[0] == facility[3] == 800e6  # rebuilt after its 3-year life
    refresh = res.capex_refresh[0]
    assert refresh[0] == 0
    assert refresh[2] == pytest.approx(SLOTS * H100_USD * 1.12)
    assert refresh[3] == pytest.approx(800e6)
    assert res.capex[0].sum() - refresh.sum() == pytest.approx(SLOTS * H100_USD * 1.12 + 800e6)


def test_prices_follow_the_purchase_year_and_scenario_overrides() -> None:
    phases = '[[phase]]\nname = "P"\nonline_year = 2026\npower_mw = 50\naccelerator = "gb200"\n'
    _, out, fin, _ = evaluated(scenario(FIN, phases=phases))
    np.testing.assert_allclose(fin.accelerator_price_usd[0, 0], 3_000_000 / 72)  # the 2025 row applies on
    _, _, fin2, _ = evaluated(scenario(FIN + "system_price_usd = {gb200-nvl72 = 7.2e6}\n", phases=phases))
    np.testing.assert_allclose(fin2.accelerator_price_usd[0, 0], 100_000)


def test_network_capex_by_year_replaces_the_share() -> None:
    _, _, _, res = evaluated(scenario(FIN + "network_capex_usd = {2026 = 5e8, 2028 = 1e6}\n"))
    assert res.capex_by_category[0, 1].tolist() == [5e8, 0, 1e6, 0, 0]


def test_loan_schedule_by_hand() -> None:
    draws = np.zeros((1, 1, 6))
    draws[0, 0, 0] = 1000.0
    interest, principal = loan_schedule(draws, np.asarray([[0.1]]), np.asarray([4]))
    np.testing.assert_allclose(principal[0, 0], [0, 250, 250, 250, 250, 0])
    # average balance: half the drawing, then opening balance less half the repayment
    np.testing.assert_allclose(interest[0, 0], [50, 87.5, 62.5, 37.5, 12.5, 0])


@given(
    st.lists(st.floats(0, 1e9), min_size=1, max_size=8),
    st.floats(0, 0.3),
    st.integers(1, 10),
)
def test_loans_repay_what_was_drawn(draw_list: list[float], rate: float, tenor: int) -> None:
    n_t = len(draw_list) + tenor + 1
    draws = np.zeros((1, 1, n_t))
    draws[0, 0, : len(draw_list)] = draw_list
    interest, principal = loan_schedule(draws, np.asarray([[rate]]), np.asarray([tenor]))
    assert principal.sum() == pytest.approx(sum(draw_list), rel=1e-9, abs=1e-3)
    assert (interest >= -1e-6).all()


SOURCES = """
[[finance.source]]
partner = "A"
kind = "equity"
amount_usd = 1e9
first_year = 2026
last_year = 2027
secured = true
rate = 0.10

[[finance.source]]
partner = "B"
kind = "debt"
amount_usd = 2e9
first_year = 2027
rate = 0.05
tenor_years = 2
secured = false
"""


def test_funding_gap_is_cumulative_need_less_money_available() -> None:
    _, _, fin, res = evaluated(scenario(FIN + 'funding_need = "capex"\n' + SOURCES))
    money = funding(fin, res)
    capex = res.capex[0]
    secured = np.asarray([0.5e9, 0.5e9, 0, 0, 0])
    announced = np.asarray([0, 2e9, 0, 0, 0])
    np.testing.assert_allclose(money["funding_secured_usd"][0], secured)
    np.testing.assert_allclose(money["funding_announced_usd"][0], announced)
    np.testing.assert_allclose(money["funding_gap_usd"][0], np.maximum(np.cumsum(capex - secured), 0))
    np.testing.assert_allclose(
        money["funding_gap_if_announced_usd"][0], np.maximum(np.cumsum(capex - secured - announced), 0)
    )
    # debt B: 2e9 drawn in 2027, repaid over 2028-2029; interest at 5% on the average balance
    np.testing.assert_allclose(res.interest[0], [0, 0.05e9, 0.075e9, 0.025e9, 0])


def test_cash_flow_need_adds_opex_and_debt_service_and_subtracts_revenue() -> None:
    extra = FIN + "market_price_usd_per_accelerator_hour = 2.0\nrental_utilization = 0.5\n" + SOURCES
    _, _, fin, res = evaluated(scenario(extra))
    principal = res.source_principal.sum(axis=1)
    # the rent falls by the catalog's 20% a year from the first modelled year
    revenue = res.accelerator_hours * 0.5 * 2.0 * 0.8 ** np.arange(5)
    np.testing.assert_allclose(res.revenue, revenue)
    np.testing.assert_allclose(res.funding_need, res.capex + res.opex + res.interest + principal - revenue)
    # the secured-only need leaves out the announced (unsecured) debt's service
    np.testing.assert_allclose(res.funding_need_secured, res.capex + res.opex - revenue)


def test_covering_sources_pay_their_categories_exactly() -> None:
    extra = (
        FIN
        + 'funding_need = "capex"\n'
        + (
            '[[finance.source]]\npartner = "Builder"\nkind = "equity"\nsecured = true\n'
            'covers = ["facility_shell", "facility_electrical", "facility_cooling"]\n'
            '[[finance.source]]\npartner = "Buyer"\nkind = "equity"\nshare = 0.5\n'
            'covers = ["accelerator_systems", "networking", "storage"]\n'
        )
    )
    _, _, fin, res = evaluated(scenario(extra))
    np.testing.assert_allclose(res.source_available[0, 0], res.capex_by_category[0, 3:6].sum(axis=0))
    np.testing.assert_allclose(res.source_available[0, 1], 0.5 * res.capex_by_category[0, 0:3].sum(axis=0))
    gap = funding(fin, res)["funding_gap_if_announced_usd"][0]
    np.testing.assert_allclose(gap, np.cumsum(0.5 * res.capex_by_category[0, 0:3].sum(axis=0)))


def test_wacc_weights_by_money_and_taxes_debt() -> None:
    _, _, fin, res = evaluated(scenario(FIN + "tax_rate = 0.2\n" + SOURCES))
    assert wacc(fin, res)[0] == pytest.approx((1 * 0.10 + 2 * 0.05 * 0.8) / 3)
    without_rate = SOURCES.replace("rate = 0.10\n", "", 1)
    _, _, fin2, res2 = evaluated(scenario(FIN + without_rate))
    assert np.isnan(wacc(fin2, res2)[0])


def test_unit_costs_are_tco_over_what_the_fleet_delivers() -> None:
    campus, out, fin, res = evaluated(scenario(FIN + "rental_utilization = 0.8\n"))
    hours = SLOTS * HOURS_PER_YEAR * np.asarray([0.5, 1, 1, 1, 1])
    np.testing.assert_allclose(res.accelerator_hours[0], hours)
    units = unit_costs(fin, res)
    per_hour = res.tco[0].sum() / hours.sum()
    assert units["tco_usd_per_accelerator_hour"][0] == pytest.approx(per_hour)
    assert units["tco_usd_per_h100e_hour"][0] == pytest.approx(per_hour)  # one H100 is one H100e
    eflop_days = SLOTS * 989.5e12 / 1e18 * 365 * np.asarray([0.5, 1, 1, 1, 1]).sum()
    assert units["tco_usd_per_exaflop_day"][0] == pytest.approx(res.tco[0].sum() / eflop_days)
    assert units["break_even_usd_per_accelerator_hour"][0] == pytest.approx(per_hour / 0.8)


def test_batch_of_variants_equals_separate_runs() -> None:
    scn = scenario(FIN + SOURCES)
    cat = gc.load_catalog()
    campus = campus_inputs(scn, cat)
    fin, _, _ = finance_inputs(scn, cat, campus)
    c, f = sensitivity_batch(campus, fin, 0.2)
    batch = evaluate(f, c, simulate(c))
    for v in (0, 3, 8, 14, len(batch.capex) - 1):
        cv, fv = c.take([v]), f.take([v])
        alone = evaluate(fv, cv, simulate(cv))
        np.testing.assert_allclose(alone.tco[0], batch.tco[v])
        np.testing.assert_allclose(alone.funding_need[0], batch.funding_need[v])


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 5.0), st.floats(0.5, 3.0))
def test_scaling_prices_scales_capex(k_price: float, k_facility: float) -> None:
    scn = scenario()
    cat = gc.load_catalog()
    campus = campus_inputs(scn, cat)
    out = simulate(campus)
    fin, _, _ = finance_inputs(scn, cat, campus)
    base = evaluate(fin, campus, out)
    scaled = replace(
        fin,
        accelerator_price_usd=fin.accelerator_price_usd * k_price,
        facility_usd_per_mw=fin.facility_usd_per_mw * k_facility,
    )
    res = evaluate(scaled, campus, out)
    np.testing.assert_allclose(res.capex_by_category[:, :3], base.capex_by_category[:, :3] * k_price)
    np.testing.assert_allclose(res.capex_by_category[:, 3:6], base.capex_by_category[:, 3:6] * k_facility)
    assert (res.capex_by_category >= 0).all() and (res.opex_by_category >= 0).all()
    assert (np.diff(funding(scaled, res)["funding_gap_usd"][0]) >= -1e-6).all()  # no money: the gap only grows


def test_sensitivity_is_one_batch_and_linear_in_electricity(monkeypatch) -> None:
    import gigacampus.analyses.finance.analysis as analysis

    calls = {"simulate": 0, "evaluate": 0}
    real_sim, real_eval = analysis.simulate, analysis.evaluate

    def count_sim(*a):
        calls["simulate"] += 1
        return real_sim(*a)

    def count_eval(*a):
        calls["evaluate"] += 1
        return real_eval(*a)

    monkeypatch.setattr(analysis, "simulate", count_sim)
    monkeypatch.setattr(analysis, "evaluate", count_eval)
    scn = scenario()
    sens = finance_sensitivity(scn)
    assert calls == {"simulate": 1, "evaluate": 1}
    rows = {r["driver"]: r for r in sens["drivers"]}
    _, out, _, res = evaluated(scn)
    swing = 0.4 * res.opex_by_category[0, 0].sum() / res.accelerator_hours[0].sum()
    assert rows["electricity_usd_per_mwh"]["swing_usd_per_accelerator_hour"] == pytest.approx(swing)
    assert "staff_usd_per_mw_year" not in rows  # not included, so it cannot move anything
    swings = [r["swing_usd_per_accelerator_hour"] for r in sens["drivers"]]
    assert swings == sorted(swings, reverse=True)


def test_finance_columns_and_block_in_the_result() -> None:
    result = gc.run(scenario(FIN + SOURCES))
    assert set(FINANCE_COLUMNS) <= set(result.timeline.columns)
    block = result.to_summary()["finance"]
    assert block["currency"] == "USD" and block["price_year"] == 2025
    assert block["capex_usd"] == pytest.approx(sum(block["capex_by_category_usd"].values()))
    assert block["capex_usd"] == pytest.approx(result.timeline["capex_usd"].sum())
    assert block["by_partner_usd"] == pytest.approx({"A": 1e9, "B": 2e9})
    assert {i["key"] for i in block["not_included"]} >= {"finance.staff_usd_per_mw_year", "finance.land_usd"}
    origins = {i["path"]: i["origin"] for i in block["inputs"]}
    assert origins["finance.networking_share"] == "scenario"  # the share given replaces the per-accelerator price
    assert origins["finance.wacc"] == "catalog:defaults"
    assert origins["finance.price_year"] == "catalog:defaults"


def test_scenario_without_finance_has_no_finance_block() -> None:
    result = gc.run(scenario(extra=""))
    assert "finance" not in result.blocks and "capex_usd" not in result.timeline.columns
    forced = run_finance(result.scenario)
    assert forced.blocks["finance"]["capex_by_category_usd"]["networking"] > 0  # catalog defaults


def test_run_finance_names_what_is_missing() -> None:
    text = scenario_text(phases='[[phase]]\nname = "P"\nonline_year = 2026\npower_mw = 50\naccelerator = "h200"\n')
    with pytest.raises(InputError) as info:
        run_finance(gc.scenario_from_text(text), source="x.toml")
    paths = {p.path for p in info.value.problems}
    assert paths == {"site.electricity_usd_per_mwh", "finance.system_price_usd.hgx-h200"}
    assert all(str(p).startswith("x.toml: ") for p in info.value.problems)


def test_catalog_prices_are_for_catalog_systems_and_apply_from_their_year() -> None:
    from gigacampus.catalog.prices import load_prices, system_price_usd

    cat = gc.load_catalog()
    prices = load_prices()
    assert set(prices) <= set(cat.systems)
    for rows in prices.values():
        assert all(r.usd_per_system > 0 and r.price_year >= r.year - 1 for r in rows)
        first = rows[0]
        assert system_price_usd(rows, first.year - 3) is first  # before any quote: the first one
        assert system_price_usd(rows, 2100) is rows[-1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([1.0, 3.0, 4.0, 5.5, 15.0, 0.0, -0.0, np.nan]), min_size=1, max_size=12), st.integers(1, 9)
)
def test_depreciation_weights_fold_repeated_lives_bit_for_bit(lives: list[float], n_years: int) -> None:
    # each distinct life's weights computed once: the same bits as one set per variant
    life = np.array(lives)
    with np.errstate(all="ignore"):
        w = depreciation_weights(n_years, life)
        each = np.stack([costs._depreciation_weights(n_years, life[i : i + 1])[0] for i in range(life.size)])
    assert w.shape == (life.size, n_years, n_years)
    assert np.array_equal(w.view(np.uint64), each.view(np.uint64))
