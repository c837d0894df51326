"""The campus model against hand calculations on small cases."""

from __future__ import annotations

import numpy as np
import pytest

from gigacampus.model import BINDING, HOURS_PER_YEAR, core_inputs, simulate, stack
from gigacampus.scenario import scenario_from_text
from tests.conftest import scenario_text
from tests.modelkit import make_inputs


def names(codes: np.ndarray) -> list[str]:
    return [BINDING[c] for c in codes]


def test_slots_are_it_power_over_accelerator_power_with_overhead() -> None:
    # 13 MW facility / PUE 1.3 = 10 MW IT; 1,000 W x 1.25 per accelerator -> 8,000 slots
    out = simulate(make_inputs(phases=[{"power_mw": 13.0, "online_year": 2027}], pue=1.3, overhead=0.25))
    assert out.slots[0, :, 0].tolist() == [0, 8000, 8000, 8000, 8000]
    assert out.accelerators[0, :, 0].tolist() == [0, 8000, 8000, 8000, 8000]
    assert out.facility_power_mw[0].tolist() == [0, 13, 13, 13, 13]
    assert out.it_power_mw[0, 1] == pytest.approx(10.0)
    assert names(out.binding[0]) == ["none", "power", "power", "power", "power"]


def test_slots_round_down_to_whole_accelerators() -> None:
    out = simulate(make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026, "power_w": 3000.0}]))
    assert out.slots[0, 0, 0] == 3333  # 10e6 / 3000 = 3333.3


def test_units_quota_fills_over_years_then_power_binds() -> None:
    out = simulate(make_inputs(quota_units=3000.0))
    assert out.accelerators_added[0, :, 0].tolist() == [3000, 3000, 3000, 1000, 0]
    assert out.cut_by_quota[0].tolist() == [7000, 4000, 1000, 0, 0]
    assert names(out.binding[0]) == ["quota", "quota", "quota", "power", "power"]
    # stranded: unfilled slots x 1 kW
    assert out.stranded_power_mw[0].tolist() == pytest.approx([7.0, 4.0, 1.0, 0.0, 0.0])


def test_retirements_after_lifetime_are_replaced_within_the_quota() -> None:
    out = simulate(make_inputs(quota_units=3000.0, lifetime=2))
    # year 3 retires year 1's 3,000; wanted = 10,000 - (6,000 - 3,000) = 7,000, quota ships 3,000
    assert out.accelerators_retired[0, :, 0].tolist() == [0, 0, 3000, 3000, 3000]
    assert out.demand[0, :, 0].tolist() == [10000, 7000, 7000, 7000, 7000]
    assert out.accelerators[0, :, 0].tolist() == [3000, 6000, 6000, 6000, 6000]


def test_h100e_and_tpp_caps_divide_by_per_accelerator_values() -> None:
    out = simulate(make_inputs(quota_h100e=5000.0, phases=[{"power_mw": 10.0, "online_year": 2026, "h100e": 2.5}]))
    assert out.accelerators_added[0, 0, 0] == 2000  # 5,000 H100e / 2.5
    out = simulate(make_inputs(quota_tpp=25_000.0, phases=[{"power_mw": 10.0, "online_year": 2026, "tpp": 10.0}]))
    assert out.accelerators_added[0, 0, 0] == 2500
    # the tightest of the three caps binds
    out = simulate(make_inputs(quota_units=4000.0, quota_h100e=3000.0, quota_tpp=1e9))
    assert out.accelerators_added[0, 0, 0] == 3000


def test_supply_cut_is_reported_as_supply() -> None:
    out = simulate(make_inputs(supply={"x": 4000.0}))
    assert out.accelerators_added[0, :, 0].tolist() == [4000, 4000, 2000, 0, 0]
    assert names(out.binding[0]) == ["supply", "supply", "power", "power", "power"]
    assert out.cut_by_supply[0, 0] == 6000


def test_quota_binds_over_supply_when_it_cuts_more() -> None:
    out = simulate(make_inputs(supply={"x": 8000.0}, quota_units=2000.0))
    assert out.accelerators_added[0, 0, 0] == 2000
    assert out.cut_by_supply[0, 0] == 2000 and out.cut_by_quota[0, 0] == 6000
    assert BINDING[out.binding[0, 0]] == "quota"


def test_earlier_phases_fill_first_and_supply_is_per_model() -> None:
    phases = [
        {"power_mw": 10.0, "online_year": 2026, "model": "a"},
        {"power_mw": 10.0, "online_year": 2026, "model": "a"},
        {"power_mw": 10.0, "online_year": 2026, "model": "b"},
    ]
    out = simulate(make_inputs(phases=phases, quota_units=15_000.0, supply={"a": 12_000.0}))
    first = out.accelerators_added[0, 0, :].tolist()
    # model a: supply 12,000 -> phase 0 takes 10,000, phase 1 2,000; the quota leaves 3,000 for phase 2
    assert first == [10_000, 2_000, 3_000]


def test_energy_uses_the_mid_year_fleet() -> None:
    phase = {"power_mw": 15.0, "online_year": 2026, "util": 0.5}
    out = simulate(make_inputs(quota_units=4000.0, pue=1.5, phases=[phase]))
    fleet = out.accelerators[0, :, 0]
    assert fleet.tolist() == [4000, 8000, 10000, 10000, 10000]
    avg = (np.concatenate([[0.0], fleet[:-1]]) + fleet) / 2
    expected_it = avg * 1000.0 * 0.5 / 1e6 * HOURS_PER_YEAR
    assert out.it_energy_mwh[0] == pytest.approx(expected_it)
    assert out.energy_mwh[0] == pytest.approx(expected_it * 1.5)


def test_compute_totals_are_fleet_times_per_accelerator_rates() -> None:
    out = simulate(make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026, "h100e": 2.0, "tpp": 7.0}]))
    assert out.h100e[0, 0] == 20_000
    assert out.tpp[0, 0] == 70_000
    assert out.dense_bf16_flops[0, 0] == pytest.approx(10_000 * 1e15)
    assert out.dense_fp8_flops[0, 0] == pytest.approx(10_000 * 2e15)


def test_accelerators_without_8bit_support_do_not_use_h100e_cap() -> None:
    out = simulate(make_inputs(quota_h100e=10.0, phases=[{"power_mw": 10.0, "online_year": 2026, "h100e": 0.0}]))
    assert out.accelerators_added[0, 0, 0] == 10_000


def test_batch_of_variants_equals_separate_runs() -> None:
    variants = [make_inputs(quota_units=q, pue=p) for q, p in [(1000.0, 1.0), (np.inf, 1.2), (5000.0, 1.5)]]
    batch = simulate(stack(variants))
    for i, single_inputs in enumerate(variants):
        single = simulate(single_inputs)
        np.testing.assert_array_equal(batch.accelerators[i], single.accelerators[0])
        np.testing.assert_array_equal(batch.binding[i], single.binding[0])
        np.testing.assert_allclose(batch.energy_mwh[i], single.energy_mwh[0])


def test_repeat_and_take_keep_structure() -> None:
    inputs = make_inputs().repeat(4)
    assert inputs.n_scenarios == 4
    assert inputs.take([1, 2]).n_scenarios == 2
    with pytest.raises(ValueError, match="cannot be stacked"):
        stack([make_inputs(), make_inputs(years=range(2026, 2028))])


def test_from_scenario_uses_catalog_power_and_defaults(catalog) -> None:
    scn = scenario_from_text(scenario_text(pue=1.25, overhead=0.0))
    inputs = core_inputs(scn, catalog)
    assert inputs.accelerator_power_w[0, 0] == pytest.approx(1275.0)
    assert inputs.utilization[0, 0] == catalog.default("phase.utilization").value
    assert inputs.lifetime_years[0] == catalog.default("fleet.lifetime_years").value
    out = simulate(inputs)
    # 100 MW / 1.25 = 80 MW IT; 80e6 / 10,200 W per 8-GPU server = 7,843.1 -> 7,843 servers
    assert inputs.accelerators_per_system[0, 0] == 8
    assert out.accelerators[0, -1, 0] == 62_744
    assert out.systems[0, -1, 0] == 7_843
    assert out.h100e[0, -1] == 62_744
    assert out.tpp[0, -1] == 62_744 * 15_832


def test_quota_share_and_supply_by_year_from_scenario(catalog) -> None:
    extra = (
        "[quota]\nunits_per_year = 50000\ncampus_share = 0.4\n"
        "[supply.h100-sxm]\nunits_per_year = 30000\nby_year = { 2027 = 5000 }\n"
    )
    inputs = core_inputs(scenario_from_text(scenario_text(extra=extra)), catalog)
    assert inputs.quota_units[0].tolist() == [20_000] * 5
    assert np.isinf(inputs.quota_h100e).all()  # 0 or absent means no cap
    assert inputs.supply_units[0, 0].tolist() == [30_000, 5_000, 30_000, 30_000, 30_000]
    out = simulate(inputs)
    # whole 8-GPU servers: 62,744 slots; the last year fills the 17,744 left
    assert out.accelerators_added[0, :, 0].tolist() == [20_000, 5_000, 20_000, 17_744, 0]
