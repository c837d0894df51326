"""policy_setup: build_policy kept per process, keyed on everything the setup depends on."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigacampus.analyses.policy import inputs as policy_inputs
from gigacampus.analyses.policy.inputs import PolicySetup, _exact, build_policy, policy_setup
from gigacampus.catalog import Catalog
from gigacampus.pipeline import campus_inputs
from gigacampus.scenario import load_scenario
from tests.conftest import SCENARIOS, campus_files

UAE = SCENARIOS / "stargate-uae.toml"


def _same(a: PolicySetup, b: PolicySetup) -> bool:
    if (a.regime, a.pools, a.holders, a.notes) != (b.regime, b.pools, b.holders, b.notes):
        return False
    for f in fields(a.inputs):
        x, y = getattr(a.inputs, f.name), getattr(b.inputs, f.name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                return False
        elif x != y:
            return False
    return True


def _setup(sets: list[str], catalog: Catalog, *, cached: bool) -> PolicySetup:
    scn = load_scenario(UAE, overrides=sets, catalog=catalog)
    cat = scn.hardware_catalog(catalog)
    base = campus_inputs(scn, cat)
    build = policy_setup if cached else build_policy
    return build(scn, cat, base.years, base.phase_names)


@pytest.mark.parametrize("path", campus_files(), ids=lambda p: p.stem)
def test_a_kept_setup_is_the_one_built_afresh(path, catalog: Catalog) -> None:
    scn = load_scenario(path, catalog=catalog)
    cat = scn.hardware_catalog(catalog)
    base = campus_inputs(scn, cat)
    if scn.policy is None:  # nothing to keep: the cache refuses it as build_policy does
        with pytest.raises(ValueError, match=r"no \[policy\]"):
            policy_setup(scn, cat, base.years, base.phase_names)
        return
    first = policy_setup(scn, cat, base.years, base.phase_names)
    again = policy_setup(load_scenario(path, catalog=catalog), cat, base.years, base.phase_names)
    assert again is first  # an equal scenario loaded again: kept
    assert _same(first, build_policy(scn, cat, base.years, base.phase_names))


@pytest.mark.parametrize(
    "changed",
    [
        ["policy.campus_share=0.5"],
        ['policy.regime="us-uae-2025"', 'policy.after_rescission="lift"'],
        ['phase[1].accelerator="b200"'],
        ['phase[1].name="Renamed"'],
        ["scenario.end_year=2033"],
    ],
)
def test_a_changed_input_gives_the_setup_built_from_it(changed: list[str], catalog: Catalog) -> None:
    kept = _setup([], catalog, cached=True)
    other = _setup(changed, catalog, cached=True)  # every override here is one the schema takes
    assert other is not kept
    assert _same(other, _setup(changed, catalog, cached=False))


def test_another_catalog_object_is_another_key(catalog: Catalog) -> None:
    scn = load_scenario(UAE, catalog=catalog)
    base = campus_inputs(scn, catalog)
    a = policy_setup(scn, catalog, base.years, base.phase_names)
    other = Catalog(**{f.name: getattr(catalog, f.name) for f in fields(catalog)})
    assert policy_setup(scn, other, base.years, base.phase_names) is not a


def test_exact_keys_tell_apart_what_equality_does_not() -> None:
    assert _exact(0.0) != _exact(-0.0)
    assert _exact(1) != _exact(1.0) != _exact(True)
    assert _exact({"a": [1.0, None]}) == _exact({"a": [1.0, None]})
    assert _exact({"a": [1.0]}) != _exact({"a": (1.0,)})


def test_the_process_keeps_a_bounded_number(catalog: Catalog) -> None:
    for i in range(policy_inputs.SETUPS_KEPT + 5):
        _setup([f"policy.campus_share={0.3 + i / 100!r}"], catalog, cached=True)
    assert len(policy_inputs._SETUPS) <= policy_inputs.SETUPS_KEPT


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(share=st.floats(0.01, 1.0), first=st.sampled_from([2026, 2027, 2028, 2029]), repeat=st.booleans())
def test_kept_setups_equal_fresh_ones(share: float, first: int, repeat: bool, catalog: Catalog) -> None:
    sets = [f"policy.campus_share={share!r}", f"phase[1].online_year={first}"]
    if repeat:
        _setup(sets, catalog, cached=True)  # kept first, then asked again
    assert _same(_setup(sets, catalog, cached=True), _setup(sets, catalog, cached=False))
