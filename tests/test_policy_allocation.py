"""Allocation of chips to holders (gigacampus.model.allocation) against hand calculations.

The campus from ``make_inputs`` is 10 MW at PUE 1 with 1,000 W per accelerator: 10,000 slots
from 2026, five years, 5-year life, so demand is 10,000 in the first year and whatever is
left unfilled after that.
"""

from __future__ import annotations

import numpy as np
import pytest

from gigacampus.model import BINDING, simulate, stack
from tests.modelkit import make_inputs
from tests.policykit import with_policy


def names(codes: np.ndarray) -> list[str]:
    return [BINDING[c] for c in codes]


def shipped(out, holder: int) -> list[int]:
    return out.allocation.shipped[0, :, holder, :].sum(axis=1).astype(int).tolist()


def test_one_holder_and_a_yearly_pool_equal_the_core_quota() -> None:
    core = simulate(make_inputs(quota_units=3000.0))
    pol = simulate(with_policy(make_inputs(), [{"name": "A"}], [{"amount": 3000.0, "members": ["A"]}]))
    np.testing.assert_array_equal(pol.accelerators, core.accelerators)
    np.testing.assert_array_equal(pol.binding, core.binding)
    np.testing.assert_array_equal(pol.cut_by_quota, core.cut_by_quota)
    assert names(pol.binding[0]) == ["quota", "quota", "quota", "power", "power"]
    assert shipped(pol, 0) == [3000, 3000, 3000, 1000, 0]


def test_holders_draw_in_order_each_within_its_own_share() -> None:
    # national 3,000/yr shared; A also limited to its own 1,000/yr share; B draws the rest
    inputs = with_policy(
        make_inputs(),
        [{"name": "A"}, {"name": "B"}],
        [{"amount": 3000.0, "members": ["A", "B"]}, {"amount": 1000.0, "members": ["A"]}],
    )
    out = simulate(inputs)
    assert shipped(out, 0) == [1000, 1000, 1000, 1000, 0]
    assert shipped(out, 1) == [2000, 2000, 2000, 0, 0]
    assert out.allocation.allocated[0, 0].tolist() == [1000, 3000]  # B sees the whole shared pool
    assert out.allocation.holder_short[0, 0, 0].tolist() == [0, 9000, 0]  # A: quota-short by 9,000
    assert names(out.binding[0]) == ["quota", "quota", "quota", "power", "power"]
    # in 2029 A took the last 1,000 before B's turn: power bound for both
    assert out.allocation.wanted[0, 3].tolist() == [1000, 0]


def test_cumulative_pool_is_used_once_and_strands_the_rest() -> None:
    out = simulate(with_policy(make_inputs(), [{"name": "A"}], [{"amount": 5000.0, "members": ["A"], "reset": "once"}]))
    assert shipped(out, 0) == [5000, 0, 0, 0, 0]
    assert out.accelerators[0, :, 0].tolist() == [5000] * 5
    assert names(out.binding[0]) == ["quota"] * 5
    assert out.stranded_power_mw[0].tolist() == pytest.approx([5.0] * 5)  # 5,000 empty slots x 1 kW


def two_phase_campus():
    # phase 0: 2 MW (2,000 slots) from 2026; phase 1: 10 MW (10,000 slots) from 2028
    return make_inputs(phases=[{"power_mw": 2.0, "online_year": 2026}, {"power_mw": 10.0, "online_year": 2028}])


def test_unused_allocation_carries_over_only_when_the_regime_says_so() -> None:
    no_carry = simulate(with_policy(two_phase_campus(), [{"name": "A"}], [{"amount": 3000.0, "members": ["A"]}]))
    carry = simulate(
        with_policy(two_phase_campus(), [{"name": "A"}], [{"amount": 3000.0, "members": ["A"], "reset": "carry"}])
    )
    # 2026 uses 2,000 of 3,000; 2027 nothing; 2028: 3,000 without carry-over,
    # 3,000 + 1,000 + 3,000 = 7,000 with it
    assert shipped(no_carry, 0) == [2000, 0, 3000, 3000, 3000]
    assert shipped(carry, 0) == [2000, 0, 7000, 3000, 0]
    assert carry.allocation.pool_available[0, :, 0].tolist() == [3000, 4000, 7000, 3000, 3000]


def test_no_chips_before_approval_and_approval_binds() -> None:
    out = simulate(with_policy(make_inputs(), [{"name": "A", "from_year": 2028}], []))
    assert shipped(out, 0) == [0, 0, 10000, 0, 0]
    assert names(out.binding[0]) == ["approval", "approval", "power", "power", "power"]
    assert out.allocation.cut_by_approval[0].tolist() == [10000, 10000, 0, 0, 0]
    assert out.cut_by_quota[0].tolist() == [0] * 5


def test_a_licence_cap_in_tpp_limits_all_draws_of_its_holder() -> None:
    # TPP 10 per accelerator; 20,000 TPP cumulative = 2,000 accelerators; B fills after A
    inputs = with_policy(
        make_inputs(),
        [{"name": "A"}, {"name": "B"}],
        [{"kind": "licence", "unit": "tpp", "amount": 20_000.0, "members": ["A"], "reset": "once"}],
    )
    out = simulate(inputs)
    assert shipped(out, 0) == [2000, 0, 0, 0, 0]
    assert shipped(out, 1) == [8000, 0, 0, 0, 0]
    assert out.allocation.holder_short[0, 0, 0].tolist() == [0, 0, 8000]  # approval (its own cap)
    assert out.allocation.pool_bound[0, 0, 0]
    assert names(out.binding[0]) == ["power"] * 5


def test_exempt_allowance_comes_first_and_does_not_count_against_the_national_pool() -> None:
    inputs = with_policy(
        make_inputs(),
        [{"name": "A"}],
        [
            {"amount": 1000.0, "members": ["A"], "reset": "once"},
            {"kind": "exempt", "amount": 500.0, "members": ["A"]},
        ],
    )
    out = simulate(inputs)
    assert shipped(out, 0) == [1500, 500, 500, 500, 500]
    assert out.allocation.pool_used[0, :, 0].tolist() == [1000, 0, 0, 0, 0]
    assert out.allocation.pool_used[0, :, 1].tolist() == [500] * 5


def test_an_h100e_pool_does_not_limit_an_accelerator_without_8bit() -> None:
    inputs = make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026, "h100e": 0.0}])
    out = simulate(with_policy(inputs, [{"name": "A"}], [{"unit": "h100e", "amount": 10.0, "members": ["A"]}]))
    assert shipped(out, 0)[0] == 10000


def test_h100e_and_tpp_pools_divide_by_the_phase_accelerator() -> None:
    inputs = make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026, "h100e": 2.5, "tpp": 40.0}])
    out = simulate(with_policy(inputs, [{"name": "A"}], [{"unit": "h100e", "amount": 5000.0, "members": ["A"]}]))
    assert shipped(out, 0)[0] == 2000  # 5,000 H100e / 2.5
    out = simulate(with_policy(inputs, [{"name": "A"}], [{"unit": "tpp", "amount": 100_000.0, "members": ["A"]}]))
    assert shipped(out, 0)[0] == 2500  # 100,000 TPP / 40


def test_campus_binding_follows_what_stopped_the_last_holder() -> None:
    pools = [
        {"kind": "licence", "amount": 1000.0, "members": ["lic"]},
        {"amount": 2000.0, "members": ["quo"]},
    ]
    quota_last = simulate(with_policy(make_inputs(), [{"name": "lic"}, {"name": "quo"}], pools))
    licence_last = simulate(with_policy(make_inputs(), [{"name": "quo"}, {"name": "lic"}], pools))
    for out in (quota_last, licence_last):
        assert out.accelerators_added[0, 0].sum() == 3000
    assert names(quota_last.binding[0])[0] == "quota"
    assert names(licence_last.binding[0])[0] == "approval"


def test_phase_without_a_holder_gets_nothing_for_lack_of_approval() -> None:
    inputs = make_inputs(phases=[{"power_mw": 1.0, "online_year": 2026}, {"power_mw": 2.0, "online_year": 2026}])
    out = simulate(with_policy(inputs, [{"name": "A", "phases": [0]}], []))
    assert out.accelerators[0, 0].tolist() == [1000, 0]
    assert out.allocation.cut_by_approval[0, 0] == 2000
    assert names(out.binding[0])[0] == "approval"


def test_vendor_supply_cut_is_attributed_to_supply() -> None:
    out = simulate(with_policy(make_inputs(supply={"x": 4000.0}), [{"name": "A"}], []))
    assert shipped(out, 0)[:3] == [4000, 4000, 2000]
    assert names(out.binding[0])[:3] == ["supply", "supply", "power"]
    assert out.allocation.holder_short[0, 0, 0].tolist() == [6000, 0, 0]


def test_variants_in_a_batch_equal_the_same_variants_alone() -> None:
    base = with_policy(
        make_inputs(),
        [{"name": "A"}, {"name": "B", "from_year": 2027}],
        [
            {"amount": 3000.0, "members": ["A", "B"]},
            {"kind": "licence", "amount": 1500.0, "members": ["A"], "reset": "once"},
        ],
    )
    small = base.take([0])
    big = base.take([0])
    pol = big.policy
    big = type(big)(**{**big.__dict__, "policy": type(pol)(**{**pol.__dict__, "pool_refill": pol.pool_refill * 3})})
    batch = stack([small, big])
    out = simulate(batch)
    for i, alone in enumerate((small, big)):
        single = simulate(alone)
        np.testing.assert_array_equal(out.accelerators[i], single.accelerators[0])
        np.testing.assert_array_equal(out.allocation.shipped[i], single.allocation.shipped[0])
        np.testing.assert_array_equal(out.binding[i], single.binding[0])
    assert not np.array_equal(out.accelerators[0], out.accelerators[1])
