"""Invariants of the campus model, checked on random inputs with hypothesis."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigacampus.model import simulate
from tests.strategies import campus


@settings(max_examples=200, deadline=None)
@given(campus())
def test_stock_flow_and_bounds(inputs) -> None:
    out = simulate(inputs)
    prev = np.concatenate([np.zeros_like(out.accelerators[:, :1]), out.accelerators[:, :-1]], axis=1)
    np.testing.assert_array_equal(out.accelerators, prev - out.accelerators_retired + out.accelerators_added)
    assert (out.accelerators >= 0).all() and (out.accelerators <= out.slots).all()
    assert (out.accelerators_added >= 0).all()
    assert (np.floor(out.accelerators) == out.accelerators).all()
    assert (out.energy_mwh >= 0).all() and (out.it_energy_mwh >= 0).all()
    assert (out.stranded_power_mw >= -1e-9).all()
    assert (out.power_used_mw <= out.facility_power_mw + 1e-6).all()


@settings(max_examples=200, deadline=None)
@given(campus())
def test_shipments_never_exceed_quota_or_supply(inputs) -> None:
    out = simulate(inputs)
    added = out.accelerators_added[0]  # (T, P)
    assert (added.sum(axis=1) <= inputs.quota_units[0] + 1e-9).all()
    h100e = (added * inputs.h100e_per_accelerator[0]).sum(axis=1)
    assert (h100e <= inputs.quota_h100e[0] * (1 + 1e-12) + 1e-9).all()
    tpp = (added * inputs.tpp_per_accelerator[0]).sum(axis=1)
    assert (tpp <= inputs.quota_tpp[0] * (1 + 1e-12) + 1e-6).all()
    for m in range(len(inputs.models)):
        shipped = added[:, inputs.phase_model == m].sum(axis=1)
        assert (shipped <= inputs.supply_units[0, m] + 1e-9).all()


@settings(max_examples=200, deadline=None)
@given(campus(single_model=True, retire=False), st.floats(1.0, 3.0))
def test_more_power_never_yields_fewer_accelerators(inputs, factor) -> None:
    more = replace(inputs, phase_power_mw=inputs.phase_power_mw * factor)
    base, bigger = simulate(inputs), simulate(more)
    assert (bigger.accelerators.sum(axis=2) >= base.accelerators.sum(axis=2)).all()


@settings(max_examples=100, deadline=None)
@given(campus(retire=True))
def test_without_caps_the_campus_is_always_full(inputs) -> None:
    free = replace(
        inputs,
        quota_units=np.full_like(inputs.quota_units, np.inf),
        quota_h100e=np.full_like(inputs.quota_h100e, np.inf),
        quota_tpp=np.full_like(inputs.quota_tpp, np.inf),
        supply_units=np.full_like(inputs.supply_units, np.inf),
    )
    out = simulate(free)
    np.testing.assert_array_equal(out.accelerators, out.slots)
