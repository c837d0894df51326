"""Invariants of the allocation, on random campuses, holders and pools (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigacampus.model import CampusInputs, simulate
from tests.policykit import with_policy
from tests.strategies import campus


@st.composite
def policy_campus(
    draw: st.DrawFn, exempt: bool = False, pools: bool = True, unhindered: bool = False, shares: bool = False
) -> CampusInputs:
    """A random campus with 1-3 holders and (if ``pools``) 0-4 pools.

    shares: counted pools may be reserved for one of their members (a holder's share), the
    regime may pass unused reservations on, and phases may be items the regime does not count.

    unhindered: unlimited supply, every holder approved in every year, and every phase filled by at
    least one holder, so that only the pools (if any) can hold shipments back.
    """
    inputs = draw(campus(unlimited_supply=unhindered))
    n_p, years = len(inputs.phase_names), inputs.years
    holders = []
    for i in range(draw(st.integers(1, 3))):
        holders.append(
            {
                "name": f"h{i}",
                "phases": draw(st.lists(st.integers(0, n_p - 1), unique=True, max_size=n_p)),
                "from_year": int(years[0]) if unhindered else draw(st.integers(int(years[0]), int(years[-1]) + 1)),
                "never": not unhindered and draw(st.booleans()) and i > 0,
            }
        )
    if unhindered:  # give every phase nobody fills to a drawn holder
        for p in range(n_p):
            if not any(p in h["phases"] for h in holders):
                holders[draw(st.integers(0, len(holders) - 1))]["phases"].append(p)
    names = [h["name"] for h in holders]
    kinds = ["counted", "licence", "exempt"] if exempt else ["counted", "licence"]
    pool_list = []
    for _ in range(draw(st.integers(0, 4)) if pools else 0):
        pool_list.append(
            {
                "kind": draw(st.sampled_from(kinds)),
                "unit": draw(st.sampled_from(["units", "h100e", "tpp"])),
                "members": draw(st.lists(st.sampled_from(names), min_size=1, unique=True)),
                "amount": draw(st.floats(0, 1e9)) if draw(st.booleans()) else draw(st.floats(0, 50_000)),
                "reset": draw(st.sampled_from(["year", "once", "carry"])),
            }
        )
        if shares and pool_list[-1]["kind"] == "counted" and draw(st.booleans()):
            pool_list[-1]["reserved_for"] = draw(st.sampled_from(pool_list[-1]["members"]))
    if not shares:
        return with_policy(inputs, holders, pool_list)
    if draw(st.booleans()):  # a cap shared by every holder, with shares of it reserved for some
        unit = draw(st.sampled_from(["units", "h100e", "tpp"]))
        amount = draw(st.floats(0, 50_000)) * (1.0 if unit != "tpp" else 30_000.0)
        reset = draw(st.sampled_from(["year", "once", "carry"]))
        pool_list.append({"kind": "counted", "unit": unit, "members": names, "amount": amount, "reset": reset})
        for name in names:
            if draw(st.booleans()):
                share = {"members": [name], "reserved_for": name, "amount": amount * draw(st.floats(0, 1))}
                pool_list.append({"kind": "counted", "unit": unit, "reset": reset, **share})
    counted = draw(st.one_of(st.none(), st.lists(st.booleans(), min_size=n_p, max_size=n_p)))
    return with_policy(inputs, holders, pool_list, pass_unused=draw(st.booleans()), phase_counted=counted)


@settings(max_examples=150, deadline=None)
@given(policy_campus(exempt=True))
def test_stock_flow_holders_phases_and_approval(inputs) -> None:
    out = simulate(inputs)
    a, pol = out.allocation, inputs.policy
    prev = np.concatenate([np.zeros_like(out.accelerators[:, :1]), out.accelerators[:, :-1]], axis=1)
    np.testing.assert_array_equal(out.accelerators, prev - out.accelerators_retired + out.accelerators_added)
    assert (out.accelerators >= 0).all() and (out.accelerators <= out.slots).all()
    # every accelerator shipped went to a holder, as whole accelerators
    np.testing.assert_array_equal(a.shipped.sum(axis=2), out.accelerators_added)
    assert (np.floor(a.shipped) == a.shipped).all() and (a.shipped >= 0).all()
    # only to the phases it fills, only in years it is approved
    assert (a.shipped[0][:, ~pol.holder_phase] == 0).all()
    inactive = ~pol.holder_active[0]  # (T, H)
    assert (a.shipped[0].sum(axis=2)[inactive] == 0).all()
    # nothing shipped beyond what was wanted, and cuts add up
    assert (out.accelerators_added <= out.demand).all()
    unmet = out.demand.sum(axis=2) - out.accelerators_added.sum(axis=2)
    np.testing.assert_allclose(unmet, out.cut_by_quota + out.cut_by_supply + a.cut_by_approval, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(policy_campus(exempt=False))
def test_no_pool_is_ever_exceeded(inputs) -> None:
    out = simulate(inputs)
    pol = inputs.policy
    per = np.stack(
        [np.ones_like(inputs.h100e_per_accelerator[0]), inputs.h100e_per_accelerator[0], inputs.tpp_per_accelerator[0]]
    )  # (3, P)
    shipped = out.allocation.shipped[0]  # (T, H, P)
    for k in range(len(pol.pool_ids)):
        members = pol.pool_member[k]
        usage = (shipped[:, members, :] * per[pol.pool_unit[k]][None, None, :]).sum(axis=(1, 2))  # (T,)
        used = allowed = 0.0
        for t in range(len(inputs.years)):
            if pol.pool_reset[t, k]:
                used = allowed = 0.0
            used += usage[t]
            allowed += pol.pool_refill[0, t, k]
            assert used <= allowed * (1 + 1e-9) + 1e-6, (k, t, used, allowed)


@settings(max_examples=100, deadline=None)
@given(policy_campus(pools=False, unhindered=True))
def test_without_pools_approved_holders_fill_their_phases(inputs) -> None:
    pol = inputs.policy
    # what the strategy promises, checked so that the assertion below cannot silently become vacuous
    assert np.isinf(inputs.supply_units).all() and pol.holder_active.all() and pol.holder_phase.any(axis=0).all()
    out = simulate(inputs)
    np.testing.assert_array_equal(out.accelerators, out.slots)
