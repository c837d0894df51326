"""The compiled kernel against the numpy reference (issue #12, part 1).

The reference is :func:`gigacampus.model.campus.simulate`; the check is generic over it
(``REFERENCE``), so it keeps guarding the kernel when the reference's equations change.
Both paths are checked: the core model and the export-policy allocation (model/allocation.py).
Tolerance: every allocation output, every count (slots, accelerators, systems, shipments,
retirements, demand, cuts) and the binding code equal bit for bit; the per-year sums over
phases (power, energy, H100e, TPP, FLOP/s) to 1e-12 relative, since the kernel adds phases in
order where numpy's reduction may pair them (in practice the values are identical).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigacampus.model import CampusInputs, CampusOutputs, core_inputs, simulate
from gigacampus.model.kernel import CHUNK, KERNEL_MIN_ELEMENTS, simulate_fast, simulate_kernel
from gigacampus.pipeline import campus_inputs
from gigacampus.scenario import load_scenario
from tests.conftest import SCENARIOS, campus_files
from tests.modelkit import make_inputs
from tests.policykit import with_policy
from tests.strategies import campus
from tests.test_policy_properties import policy_campus

REFERENCE = simulate
EXACT = (
    "phase_cuts",
    "slots",
    "accelerators",
    "systems",
    "accelerators_added",
    "accelerators_retired",
    "demand",
    "cut_by_supply",
    "cut_by_quota",
    "binding",
)


def _same(got: object, want: object, exact: tuple[str, ...]) -> None:
    for f in dataclasses.fields(want):  # type: ignore[arg-type]
        a, b = getattr(got, f.name), getattr(want, f.name)
        if f.name == "allocation":
            assert (a is None) == (b is None)
            if b is not None:
                _same(a, b, tuple(g.name for g in dataclasses.fields(b)))  # every allocation field exactly
            continue
        assert a.shape == b.shape and a.dtype == b.dtype, f.name
        if f.name in exact:
            np.testing.assert_array_equal(a, b, err_msg=f.name)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, err_msg=f.name)


def assert_matches_reference(inputs: CampusInputs, got: CampusOutputs) -> None:
    _same(got, REFERENCE(inputs), EXACT)


def _vary(inputs: CampusInputs, n: int, seed: int) -> CampusInputs:
    """``n`` variants of one campus with PUE, phase power, the unit quota and the supply varied."""
    rng = np.random.default_rng(seed)
    base = inputs.repeat(n)
    return dataclasses.replace(
        base,
        pue=rng.uniform(1.0, 2.0, n),
        phase_power_mw=base.phase_power_mw * rng.uniform(0.2, 3.0, base.phase_power_mw.shape),
        quota_units=np.where(rng.random((n, 1)) < 0.3, np.inf, rng.uniform(0, 50_000, (n, 1)))
        * np.ones_like(base.quota_units),
        supply_units=np.where(rng.random(base.supply_units.shape) < 0.5, np.inf, rng.uniform(0, 50_000, (n, 1, 1)))
        * np.ones_like(base.supply_units),
        phase_power_is_it=rng.random(base.phase_power_is_it.shape) < 0.5,
    )


@settings(max_examples=40, deadline=None)
@given(campus(), st.integers(1, 40), st.integers(0, 2**32 - 1), st.booleans())
def test_kernel_equals_the_reference_on_random_batches(inputs, n, seed, parallel) -> None:
    batch = _vary(inputs, n, seed)
    assert_matches_reference(batch, simulate_kernel(batch, parallel=parallel))


def _edges(inputs: CampusInputs, n: int, seed: int) -> CampusInputs:
    """Batches at the edges of the kernel's whole-systems shortcut (``exact`` in model/kernel.py):
    system sizes that are not whole numbers or are huge, slots far beyond 2**50, negative and
    zero supply, and quotas that are whole systems (so the quota cut lands exactly on the
    supply-cut shipments) or just below them."""
    rng = np.random.default_rng(seed)
    base = _vary(inputs, n, seed)
    shape = base.accelerators_per_system.shape
    odd = rng.choice([0.1, 1 / 3, 1.5, 7.3], shape)  # sizes whose multiples are not exact (and one whose are)
    per_system = base.accelerators_per_system * np.where(rng.random(shape) < 0.3, odd, 1.0)
    per_system = np.where(rng.random(shape) < 0.05, 2.0**52, per_system)
    power = base.phase_power_mw * np.where(rng.random(shape) < 0.2, rng.choice([1e8, 1e12, 1e15], shape), 1.0)
    supply = np.where(rng.random(base.supply_units.shape) < 0.1, rng.choice([-72.0, 0.0, -1e300]), base.supply_units)
    whole = np.floor(base.quota_units / 72.0) * 72.0
    quota = np.where(rng.random((n, 1)) < 0.5, whole, np.nextafter(whole, -np.inf))
    return dataclasses.replace(
        base, accelerators_per_system=per_system, phase_power_mw=power, supply_units=supply, quota_units=quota
    )


@settings(max_examples=40, deadline=None)
@given(campus(), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_kernel_equals_the_reference_at_the_edges_of_the_whole_systems_shortcut(inputs, n, seed) -> None:
    batch = _edges(inputs, n, seed)
    assert_matches_reference(batch, simulate_kernel(batch, parallel=False))


def test_kernel_equals_the_reference_on_the_shipped_scenarios_varied() -> None:
    for path in campus_files():
        batch = _vary(core_inputs(load_scenario(path)), 64, 7)
        assert_matches_reference(batch, simulate_kernel(batch))


def test_kernel_honours_a_per_phase_overhead_and_included_overhead() -> None:
    base = core_inputs(load_scenario(SCENARIOS / "colossus.toml")).repeat(16)
    n_p = base.phase_power_mw.shape[1]
    rng = np.random.default_rng(3)
    batch = dataclasses.replace(
        base,
        overhead_fraction=rng.uniform(0, 0.5, (16, n_p)),
        overhead_included=rng.random((16, n_p)) < 0.5,
    )
    assert_matches_reference(batch, simulate_kernel(batch))


@settings(max_examples=40, deadline=None)
@given(policy_campus(), st.booleans())
def test_policy_kernel_equals_the_reference_on_random_regimes(inputs, parallel) -> None:
    """Random holders, pools (counted, licence, exempt; units, H100e, TPP; per year or carried
    over) and approvals: every allocation output equal to the reference's."""
    assert_matches_reference(inputs, simulate_kernel(inputs, parallel=parallel))


@settings(max_examples=60, deadline=None)
@given(policy_campus(exempt=True, shares=True), st.booleans())
def test_policy_kernel_equals_the_reference_with_shares_pass_unused_and_uncounted_items(inputs, parallel) -> None:
    """Reserved holder shares (held back in the shared counted pools), unused shares passed on
    and phases whose accelerator the regime does not count: every output equal to the reference's."""
    assert_matches_reference(inputs, simulate_kernel(inputs, parallel=parallel))


def _shares_batch(pass_unused: bool, counted: list[bool] | None, n: int = 64) -> CampusInputs:
    """Holders A (phases 0, 2), B (1, 2) and C (none) under one national cap with shares reserved
    for B and C (listed after A), the caps and phase powers varied over ``n`` variants."""
    phases = [{"power_mw": 10.0, "online_year": 2026 + i, "h100e": 0.5 + i, "tpp": 1e4 * (i + 1)} for i in range(3)]
    holders = [{"name": "A", "phases": [0, 2]}, {"name": "B", "phases": [1, 2]}, {"name": "C", "phases": []}]
    pools = [
        {"amount": 12_000.0, "members": ["A", "B", "C"]},
        {"amount": 5_000.0, "members": ["B"], "reserved_for": "B"},
        {"amount": 3_000.0, "members": ["C"], "reserved_for": "C"},
        {"unit": "h100e", "amount": 20_000.0, "members": ["A", "B", "C"], "reset": "carry"},
        {"unit": "h100e", "amount": 4_000.0, "members": ["B"], "reserved_for": "B", "reset": "carry"},
    ]
    base = with_policy(make_inputs(phases=phases), holders, pools, pass_unused=pass_unused, phase_counted=counted)
    base = base.repeat(n)
    rng = np.random.default_rng(9)
    pol = base.policy
    return dataclasses.replace(
        base,
        phase_power_mw=base.phase_power_mw * rng.uniform(0.1, 3.0, base.phase_power_mw.shape),
        policy=dataclasses.replace(pol, pool_refill=pol.pool_refill * rng.uniform(0.0, 2.0, pol.pool_refill.shape)),
    )


@pytest.mark.parametrize("counted", [None, [True, False, True]])
@pytest.mark.parametrize("pass_unused", [False, True])
def test_policy_kernel_equals_the_reference_on_reserved_shares(pass_unused: bool, counted: list[bool] | None) -> None:
    batch = _shares_batch(pass_unused, counted)
    want = REFERENCE(batch)
    # the case is not vacuous: passing unused shares on changes what A receives
    other = REFERENCE(dataclasses.replace(batch, policy=dataclasses.replace(batch.policy, pass_unused=not pass_unused)))
    assert not np.array_equal(want.allocation.shipped, other.allocation.shipped)
    _same(simulate_kernel(batch), want, EXACT)


def _flagship_varied(overrides: list[str], n: int = 48) -> CampusInputs:
    base = campus_inputs(load_scenario(SCENARIOS / "stargate-uae.toml", overrides=overrides)).repeat(n)
    rng = np.random.default_rng(5)
    pol = base.policy
    return dataclasses.replace(
        base,
        pue=rng.uniform(1.05, 1.6, n),
        phase_power_mw=base.phase_power_mw * rng.uniform(0.2, 6.0, (n, 1)),
        policy=dataclasses.replace(pol, pool_refill=pol.pool_refill * rng.uniform(0.05, 3.0, (n, 1, 1))),
    )


# xAI's 30% share of the national cap, reserved against OpenAI/Oracle (tests/test_policy_shares.py)
XAI_SHARE = ["phase[1].power_mw=4800", 'policy.holder[3].phases=["Expansion to 1 GW"]', "policy.holder[3].share=0.3"]


@pytest.mark.parametrize("pass_unused", [False, True])
def test_policy_kernel_equals_the_reference_on_the_flagship_with_a_reserved_share(pass_unused: bool) -> None:
    batch = _flagship_varied(XAI_SHARE)
    assert (batch.policy.pool_reserved_for >= 0).any()
    batch = dataclasses.replace(batch, policy=dataclasses.replace(batch.policy, pass_unused=pass_unused))
    assert_matches_reference(batch, simulate_kernel(batch))


def test_policy_kernel_equals_the_reference_on_the_flagship_with_an_uncounted_item() -> None:
    # the H20 is not an item controlled by 3A090 under us-uae-2025: it draws on no pool
    batch = _flagship_varied(
        ["phase[0].accelerator=h20", "phase[0].system_power_kw=10", "finance.system_price_usd={hgx-h20=1e5}"]
    )
    assert not batch.policy.phase_counted.all()
    assert_matches_reference(batch, simulate_kernel(batch))


@pytest.mark.parametrize("regime", ["us-uae-2025", "ai-diffusion-2025", "none"])
def test_policy_kernel_equals_the_reference_on_the_flagship_varied(regime: str) -> None:
    scn = load_scenario(SCENARIOS / "stargate-uae.toml", overrides=[f"policy.regime={regime}"])
    base = campus_inputs(scn).repeat(48)
    rng = np.random.default_rng(5)
    pol = base.policy
    batch = dataclasses.replace(
        base,
        pue=rng.uniform(1.05, 1.6, 48),
        phase_power_mw=base.phase_power_mw * rng.uniform(0.2, 6.0, (48, 1)),
        policy=dataclasses.replace(pol, pool_refill=pol.pool_refill * rng.uniform(0.05, 3.0, (48, 1, 1))),
    )
    assert_matches_reference(batch, simulate_kernel(batch))


def test_fast_path_keeps_small_batches_on_the_reference() -> None:
    scn = load_scenario(SCENARIOS / "stargate-uae.toml")
    small = core_inputs(scn)
    assert_matches_reference(small, simulate_fast(small))
    large = _vary(core_inputs(scn), KERNEL_MIN_ELEMENTS // 14 + 1, 11)
    assert_matches_reference(large, simulate_fast(large))
    large_policy = campus_inputs(scn).repeat(KERNEL_MIN_ELEMENTS // 14 + 1)
    assert_matches_reference(large_policy, simulate_fast(large_policy))


@pytest.mark.parametrize("parallel", [False, True])
def test_kernel_equals_the_reference_across_chunks(parallel: bool) -> None:
    """Batches that span several chunks of variants and end in a partial one: the core path and
    a regime with reserved shares and pass_unused (each chunk reuses its working rows)."""
    n = 2 * CHUNK + 3
    core = _vary(core_inputs(load_scenario(SCENARIOS / "stargate-uae.toml")), n, 13)
    assert_matches_reference(core, simulate_kernel(core, parallel=parallel))
    shares = _shares_batch(True, [True, False, True], n=n)
    assert_matches_reference(shares, simulate_kernel(shares, parallel=parallel))


def test_kernel_outputs_are_separate_contiguous_arrays() -> None:
    """The outputs are views into one block: each C-contiguous, writeable, and none overlapping another."""
    out = simulate_kernel(_shares_batch(False, None, n=CHUNK + 1))
    arrays = [getattr(out, f.name) for f in dataclasses.fields(out) if f.name != "allocation"]
    arrays += [getattr(out.allocation, f.name) for f in dataclasses.fields(out.allocation)]
    for a in arrays:
        assert a.flags.c_contiguous and a.flags.writeable
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :]:
            assert not np.shares_memory(a, b)
    before = out.accelerators.copy()
    out.slots[...] = -1.0
    np.testing.assert_array_equal(out.accelerators, before)


def test_output_block_is_recycled_only_when_nothing_refers_to_it() -> None:
    """A call whose earlier outputs are all gone writes into their block again (no fresh pages);
    one whose earlier outputs are kept gets its own block and leaves them as they were."""
    from gigacampus.model import kernel

    a = _shares_batch(False, None, n=CHUNK + 1)
    b = dataclasses.replace(a, pue=a.pue * 1.25)  # other numbers, the same shapes
    first = simulate_kernel(a)
    kept = {f.name: getattr(first, f.name).copy() for f in dataclasses.fields(first) if f.name != "allocation"}
    second = simulate_kernel(b)
    assert not np.shares_memory(first.accelerators, second.accelerators)
    for name, values in kept.items():  # the kept outputs are untouched by the second call
        np.testing.assert_array_equal(getattr(first, name), values, err_msg=name)
    assert_matches_reference(b, second)
    block = id(second.accelerators.base)  # its id only: a reference would keep it busy
    del first, second
    third = simulate_kernel(a)
    assert id(third.accelerators.base) == block  # the second call's block, free again, is reused
    assert_matches_reference(a, third)
    held = third.facility_power_mw[:3]  # a view of one output keeps the whole block busy
    del third
    fourth = simulate_kernel(b)
    assert fourth.accelerators.base is not held.base
    assert_matches_reference(b, fourth)
    old = kernel.RECYCLE_MAX_BYTES
    try:
        kernel.RECYCLE_MAX_BYTES = 0  # nothing kept: every call allocates
        del fourth
        assert_matches_reference(a, simulate_kernel(a))
        assert kernel._spare == []  # nothing kept for a next call
    finally:
        kernel.RECYCLE_MAX_BYTES = old


def test_the_four_builds_are_cached_under_different_names() -> None:
    # numba's disk cache keys a function by name, line and bytecode, not by ``parallel`` or the
    # globals it reads as constants (HAS_POLICY): under one name the builds would load whichever
    # was cached first (the parallel path then ran serially, a policy batch on the core build)
    from gigacampus.model import kernel

    builds = {(par, pol): kernel._compiled(par, pol).py_func for par in (False, True) for pol in (False, True)}
    assert len({f.__qualname__ for f in builds.values()}) == 4
    assert len({f.__code__ for f in builds.values()}) == 1  # one kernel: the same code under four names
    for (_, pol), f in builds.items():
        assert f.__globals__["HAS_POLICY"] is pol
