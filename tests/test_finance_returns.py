"""Revenue and returns: NPV, IRR and payback against hand-computed cash-flow tables and
numpy-financial (an independent implementation, used in tests only), the capital charge against the
annuity formula, the price index, and properties of the whole finance model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.finance.costs import (
    capital_recovery_factor,
    evaluate,
    irr,
    npv,
    payback_year,
    returns,
    unit_costs,
)
from gigacampus.analyses.finance.inputs import finance_inputs
from gigacampus.catalog.prices import to_price_year
from gigacampus.cli import app
from gigacampus.model import HOURS_PER_YEAR, simulate
from gigacampus.pipeline import campus_inputs
from tests.conftest import scenario_text
from tests.test_economics import FIN, SLOTS

runner = CliRunner()
RENT = "market_price_usd_per_accelerator_hour = 3.0\nrent_decline_per_year = 0.1\nrental_utilization = 0.8\n"


def scenario(extra: str = FIN + RENT) -> gc.Scenario:
    text = scenario_text(extra=extra).replace("[site]\n", "[site]\nelectricity_usd_per_mwh = 50.0\n")
    return gc.scenario_from_text(text)


def evaluated(scn: gc.Scenario):
    cat = gc.load_catalog()
    campus = campus_inputs(scn, cat)
    out = simulate(campus)
    fin, _, _ = finance_inputs(scn, cat, campus)
    return campus, out, fin, evaluate(fin, campus, out)


# --- the formulas against hand tables and numpy-financial -----------------------------------


def test_npv_of_a_hand_computed_table() -> None:
    # year:      0      1     2     3     4
    flows = np.asarray([[-100.0, 39.0, 59.0, 55.0, 20.0]])
    # by hand at 10%, each flow at mid-year: CF_t / 1.1^(t + 0.5)
    hand = -100 / 1.1**0.5 + 39 / 1.1**1.5 + 59 / 1.1**2.5 + 55 / 1.1**3.5 + 20 / 1.1**4.5
    # on paper: -95.346 + 33.805 + 46.491 + 39.399 + 13.025 = 37.374
    assert hand == pytest.approx(37.374, abs=1e-3)
    assert npv(np.asarray([0.1]), flows)[0] == pytest.approx(hand, rel=1e-12)
    # numpy-financial values at t = 0 undiscounted: the mid-year convention is that / 1.1^0.5
    assert npv(np.asarray([0.1]), flows)[0] == pytest.approx(npf.npv(0.1, flows[0]) / 1.1**0.5, rel=1e-12)


def test_irr_of_the_numpy_financial_example_and_against_npf() -> None:
    # numpy-financial's documented example: irr([-100, 39, 59, 55, 20]) = 0.28095
    rate, reasons = irr(np.asarray([[-100.0, 39.0, 59.0, 55.0, 20.0]]))
    assert rate[0] == pytest.approx(0.28095, abs=1e-5)
    assert reasons == [None]
    flows = np.asarray([[-5e9, -2e9, 1.5e9, 2.0e9, 2.5e9, 3.0e9], [-1.0, 0.2, 0.2, 0.2, 0.2, 0.2]])
    rate, _ = irr(flows)
    np.testing.assert_allclose(rate, [npf.irr(f) for f in flows], rtol=1e-8, atol=1e-12)
    assert np.abs(npv(rate, flows)).max() < 1e-3  # it is a zero of the NPV


def _irr_80_halvings(flows: np.ndarray) -> np.ndarray:
    """The search irr documents, written out plainly: the first sign change of the NPV on the
    rate grid, then all 80 halvings (irr stops once they change nothing; the rates must match)."""
    from gigacampus.analyses.finance.costs import _IRR_GRID

    out = np.full(len(flows), np.nan)
    t = np.arange(flows.shape[1]) + 0.5
    for v, f in enumerate(flows):
        values = f @ ((1.0 + _IRR_GRID)[None, :] ** -t[:, None])
        cross = np.flatnonzero(np.signbit(values[:-1]) != np.signbit(values[1:]))
        big = np.abs(f).max()
        if len(cross) != 1 or (f > 1e-9 * big).all() or (f >= -1e-9 * big).all() or (f <= 1e-9 * big).all():
            continue
        lo, hi, f_lo = _IRR_GRID[cross[0]], _IRR_GRID[cross[0] + 1], values[cross[0]]
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            f_mid = npv(np.asarray([mid]), f[None])[0]
            if np.signbit(f_mid) == np.signbit(f_lo):
                lo, f_lo = mid, f_mid
            else:
                hi = mid
        out[v] = 0.5 * (lo + hi)
    return out


def test_irr_stopping_early_gives_the_rates_of_all_80_halvings() -> None:
    rng = np.random.default_rng(7)
    flows = rng.normal(size=(400, 10))
    flows[:, 0] = -5.0 * np.abs(flows[:, 0])
    flows[:20] = np.abs(flows[:20])  # never change sign
    rate, reasons = irr(flows)
    expected = _irr_80_halvings(flows)
    assert np.isfinite(expected).sum() > 100
    np.testing.assert_array_equal(rate, expected)  # bit for bit, NaN where undefined
    assert all("never change sign" in r for r in reasons[:20])
    assert [r is None for r in reasons] == list(np.isfinite(rate))


def test_irr_is_null_with_a_reason_when_undefined() -> None:
    rate, reasons = irr(np.asarray([[-1.0, -2.0, -3.0], [1.0, 2.0, 3.0], [-1.0, 6.0, -11.0, 6.0][:3]]))
    assert np.isnan(rate[:2]).all()
    assert "never change sign" in reasons[0] and "never change sign" in reasons[1]
    # -1 + 6x - 11x^2 + 6x^3 = (1 - x)(2x - 1)(3x - 1) with x = 1/(1 + r): NPV is zero at r = 0%, 100%, 200%
    rate, reasons = irr(np.asarray([[-1.0, 6.0, -11.0, 6.0]]))
    assert np.isnan(rate[0]) and "zero at 3 rates" in reasons[0]


def test_payback_year_is_when_the_cumulative_cash_flow_turns_and_stays_positive() -> None:
    years = np.arange(2026, 2031)
    flows = np.asarray([[-100.0, 30.0, 40.0, 50.0, 10.0], [-100.0, 10.0, 10.0, 10.0, 10.0], [-10, 20, -20, 15, 5]])
    # cumulative: -100 -70 -30 20 30 -> 2029; never; -10 10 -10 5 10 -> 2029 (stays from there)
    assert payback_year(years, flows).tolist() == [2029, -1, 2029]


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 0.5), st.integers(1, 40))
def test_capital_recovery_factor_is_the_annuity_payment(rate: float, life: int) -> None:
    if rate > 1e-6:
        expected, tolerance = -npf.pmt(rate, life, 1.0), 1e-9
    else:  # npf.pmt divides by ~0 here; CRF = 1/L + r (L + 1) / (2 L) + O(r^2)
        expected, tolerance = 1.0 / life + rate * (life + 1) / (2 * life), 1e-9
    assert capital_recovery_factor(np.asarray(rate), np.asarray(life)) == pytest.approx(expected, rel=tolerance)


# --- the campus model's cash flows and returns ----------------------------------------------


def test_revenue_follows_the_rent_path_and_take_or_pay() -> None:
    _, _, _, res = evaluated(scenario())
    hours = SLOTS * HOURS_PER_YEAR * np.asarray([0.5, 1, 1, 1, 1])
    np.testing.assert_allclose(res.revenue[0], hours * 0.8 * 3.0 * 0.9 ** np.arange(5))
    # half the hours on take-or-pay at $2.50, paid whether used or not; the other half sold at 80%
    contract = scenario(FIN + RENT + "contracted_share = 0.5\ncontract_usd_per_accelerator_hour = 2.5\n")
    _, _, _, res = evaluated(contract)
    np.testing.assert_allclose(res.revenue[0], hours * (0.5 * 2.5 + 0.5 * 0.8 * 3.0 * 0.9 ** np.arange(5)))
    by_year = ", ".join(f"{y} = {p}" for y, p in zip(range(2026, 2031), (4, 3, 2, 2, 1), strict=True))
    table = scenario(FIN + f"rental_utilization = 0.5\nrent_by_year = {{ {by_year} }}\n")
    _, _, _, res = evaluated(table)
    np.testing.assert_allclose(res.revenue[0], hours * 0.5 * np.asarray([4, 3, 2, 2, 1]))


def test_block_returns_match_npf_on_its_own_cash_flow_table() -> None:
    result = gc.run(scenario(FIN + RENT + "wacc = 0.08\n"))
    block = result.blocks["finance"]
    table = block["cash_flows"]
    flows = np.asarray([row["project_cash_flow_usd"] for row in table])
    # the table adds up: project = revenue - opex - capex + residual, and its columns are the totals
    for row in table:
        assert row["project_cash_flow_usd"] == pytest.approx(
            row["revenue_usd"] - row["opex_usd"] - row["capex_usd"] + row["residual_value_usd"]
        )
    assert sum(r["capex_usd"] for r in table) == pytest.approx(block["capex_usd"])
    ret = block["returns"]
    assert ret["wacc"] == 0.08 and block["wacc_origin"].startswith("scenario")
    assert ret["npv_usd"] == pytest.approx(npf.npv(0.08, flows) / 1.08**0.5, rel=1e-9)
    assert ret["npv_usd"] == pytest.approx(sum(r["discounted_cash_flow_usd"] for r in table), rel=1e-9)
    assert ret["irr"] == pytest.approx(npf.irr(flows), abs=1e-8)
    # the residual value is the net book value: IT bought in 2026 with a 5-year life has 1/(2*5) left
    it = sum(block["capex_by_category_usd"][c] for c in ("accelerator_systems", "networking", "storage"))
    facility = block["capex_usd"] - it
    assert ret["residual_value_usd"] == pytest.approx(it * 0.1 + facility * (1 - 4.5 / 10))
    # break-even: the NPV is zero with every rent x the scale
    scale = ret["break_even_rent_scale"]
    at_break_even = gc.run(scenario(FIN + RENT.replace("3.0", repr(3.0 * scale)) + "wacc = 0.08\n"))
    assert at_break_even.blocks["finance"]["returns"]["npv_usd"] == pytest.approx(0.0, abs=1e-3 * block["capex_usd"])


def test_capital_charge_is_depreciation_at_a_zero_wacc_and_the_tco_adds_it() -> None:
    _, _, _, zero = evaluated(scenario(FIN + RENT + "wacc = 0.0\n"))
    np.testing.assert_allclose(zero.capital_charge, zero.depreciation)
    _, _, fin, res = evaluated(scenario(FIN + RENT + "wacc = 0.1\n"))
    units = unit_costs(fin, res)
    hours = res.accelerator_hours[0].sum()
    assert units["tco_usd_per_accelerator_hour"][0] == pytest.approx((res.capital_charge + res.opex)[0].sum() / hours)
    assert units["tco_usd_per_accelerator_hour_before_capital"][0] == pytest.approx(
        (res.depreciation + res.opex)[0].sum() / hours
    )
    # an asset bought in year 0 with life L: the charge over its life is capex x L x CRF(r, L)
    it0 = res.capex_by_category[0, :3, 0].sum()
    crf = -npf.pmt(0.1, 5, 1.0)
    facility_share = res.capex_by_category[0, 3:, 0].sum()
    # the horizon 2026-2030 holds 4.5 years (mid-year convention) of the IT's 5 and the facility's 10
    total = it0 * 5 * crf * (4.5 / 5) + facility_share * 10 * (-npf.pmt(0.1, 10, 1.0)) * (4.5 / 10)
    assert res.capital_charge[0].sum() == pytest.approx(total)


def test_catalog_quotes_are_converted_with_the_cpi() -> None:
    # GB300 NVL72: US$4.0M in 2026 dollars; 2026 CPI-U is the Jan-Apr average (BLS), 2025 the annual average
    assert to_price_year(4.0e6, 2026, 2025) == pytest.approx(4.0e6 * 321.943 / 328.818)
    with pytest.raises(KeyError, match="no value for 2010"):
        to_price_year(1.0, 2010, 2025)
    uae = gc.run_file(Path(__file__).parents[1] / "scenarios" / "stargate-uae.toml").blocks["finance"]
    gb300 = uae["system_prices"]["gb300-nvl72"][0]
    assert gb300["usd_per_system_in_price_year"] == pytest.approx(4.0e6 * 321.943 / 328.818)


# --- properties ------------------------------------------------------------------------------


def _batch(extra: str, n: int):
    scn = scenario(extra)
    cat = gc.load_catalog()
    campus = campus_inputs(scn, cat)
    fin, _, _ = finance_inputs(scn, cat, campus)
    return campus.repeat(n), fin.repeat(n)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 0.3), min_size=2, max_size=6))
def test_a_higher_wacc_never_lowers_the_tco(rates: list[float]) -> None:
    c, f = _batch(FIN + RENT, len(rates))
    order = np.sort(np.asarray(rates))
    res = evaluate(replace(f, wacc_given=order), c, simulate(c))
    tco = unit_costs(f, res)["tco_usd_per_accelerator_hour"]
    assert (np.diff(tco) >= -1e-12 * tco.max()).all()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.0, 20.0), min_size=2, max_size=6),
    st.floats(0.0, 0.9),
    st.floats(0.0, 1.0),
)
def test_a_higher_rent_never_lowers_the_npv(rents: list[float], decline: float, contracted: float) -> None:
    c, f = _batch(FIN + RENT + f"contracted_share = {contracted}\n", len(rents))
    order = np.sort(np.asarray(rents))
    f = replace(f, market_price_usd_per_accelerator_hour=order, rent_decline_per_year=np.full(len(rents), decline))
    value = returns(f, evaluate(f, c, simulate(c)))["npv_usd"]
    assert (np.diff(value) >= -1e-6 * np.abs(value).max()).all()


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("finance.market_price_usd_per_accelerator_hour=-1", "found -1"),
        ("finance.rental_utilization=1.2", "found 1.2; allowed: a number > 0 and <= 1"),
        ("finance.rent_decline_per_year=1.0", "found 1; allowed: a number >= 0 and < 1"),
        ("finance.rent_decline_per_year=1.5", "found 1.5"),
        ("finance.contracted_share=2", "found 2"),
        ("finance.wacc=-0.1", "found -0.1"),
        ("finance.price_year=2010", "allowed: a year of the price index (US CPI-U, 2019-2026)"),
        ("finance.residual_value=market", "market"),
    ],
)
def test_bad_finance_input_exits_2_naming_the_key(setting: str, message: str) -> None:
    uae = str(Path(__file__).parents[1] / "scenarios" / "stargate-uae.toml")
    result = runner.invoke(app, ["finance", uae, "--set", setting])
    assert result.exit_code == 2, result.output
    key = setting.split("=")[0]
    assert key in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_a_rent_table_with_gaps_exits_2(tmp_path: Path) -> None:
    text = scenario_text(
        extra=FIN + "rental_utilization = 0.5\nrent_by_year = { 2026 = 3.0, 2027 = 2.5, 2029 = 2.0 }\n"
    )
    path = tmp_path / "gaps.toml"
    path.write_text(text.replace("[site]\n", "[site]\nelectricity_usd_per_mwh = 50.0\n"), encoding="utf-8")
    result = runner.invoke(app, ["finance", str(path)])
    assert result.exit_code == 2, result.output
    assert "finance.rent_by_year: missing 2028, 2030; allowed: a price for every year 2026-2030" in result.stderr
    assert str(path) in result.stderr


def test_missing_rates_name_which_of_a_partners_sources_lacks_one() -> None:
    # Stargate US has two SoftBank sources; giving the first a rate leaves only the second
    # missing, named by its key path so that the next --set is obvious
    path = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-us.toml"
    before = gc.run_file(path).blocks["finance"]["wacc_missing_rates"]
    assert "SoftBank (finance.source[0])" in before and "SoftBank (finance.source[1])" in before
    assert "OpenAI" in before  # a partner with one source keeps its plain name
    after = gc.run_file(path, overrides=["finance.source[0].rate=0.08"]).blocks["finance"]["wacc_missing_rates"]
    assert "SoftBank (finance.source[0])" not in after and "SoftBank (finance.source[1])" in after
    assert len(after) == len(before) - 1
