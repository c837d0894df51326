"""``power_basis``: a phase's MW as facility (grid) power or as critical IT power (issue #13, part 1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigacampus.catalog import load_catalog
from gigacampus.errors import InputError
from gigacampus.model import core_inputs, phase_facility_mw, phase_it_mw, simulate
from gigacampus.scenario import input_table, load_scenario, scenario_from_text
from tests.conftest import SCENARIOS, scenario_text
from tests.modelkit import make_inputs

TWO_PHASES = (
    '[[phase]]\nname = "A"\nonline_year = 2026\npower_mw = 100\naccelerator = "h100-sxm"\n'
    '[[phase]]\nname = "B"\nonline_year = 2027\npower_mw = 50\naccelerator = "h100-sxm"\npower_basis = "facility"\n'
)


def _with_site_basis(text: str, basis: str) -> str:
    return text.replace("[site]\n", f'[site]\npower_basis = "{basis}"\n', 1)


def test_default_is_facility_and_a_phase_overrides_the_site() -> None:
    scn = scenario_from_text(scenario_text(phases=TWO_PHASES))
    assert scn.site.power_basis == "facility"
    assert core_inputs(scn).phase_power_is_it.tolist() == [[False, False]]
    scn = scenario_from_text(_with_site_basis(scenario_text(phases=TWO_PHASES), "it"))
    assert core_inputs(scn).phase_power_is_it.tolist() == [[True, False]]
    rows = {r.path: r for r in input_table(scn, load_catalog())}
    assert rows["phase[0].power_basis"].value == "it"
    assert rows["phase[0].power_basis"].origin == "scenario (site.power_basis)"
    assert rows["phase[1].power_basis"].value == "facility"


def test_unknown_basis_names_the_key_and_the_choices() -> None:
    with pytest.raises(InputError) as info:
        scenario_from_text(scenario_text(), overrides=["phase[0].power_basis=grid"])
    text = str(info.value)
    assert "phase[0].power_basis" in text and "'facility'" in text and "'it'" in text


def test_it_power_is_taken_as_given_and_facility_is_it_times_pue() -> None:
    # hand calculation: 10 MW of IT power, 1,000 W per accelerator, 25% overhead -> 8,000 slots
    # whatever the PUE; the facility draws 10 MW x 1.4 = 14 MW
    inputs = make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026}], pue=1.4, overhead=0.25, power_basis="it")
    out = simulate(inputs)
    assert out.slots[0, 0, 0] == 8000
    assert out.it_power_mw[0, 0] == 10.0
    assert out.facility_power_mw[0, 0] == pytest.approx(14.0, rel=1e-15)
    assert out.power_used_mw[0, 0] == pytest.approx(14.0, rel=1e-12)
    assert phase_it_mw(inputs)[0, 0] == 10.0 and phase_facility_mw(inputs)[0, 0] == pytest.approx(14.0)
    # the same 10 MW read as facility power hosts 1/PUE as many
    fac = simulate(make_inputs(phases=[{"power_mw": 10.0, "online_year": 2026}], pue=1.4, overhead=0.25))
    assert fac.slots[0, 0, 0] == np.floor(10e6 / 1.4 / 1250.0)
    assert fac.facility_power_mw[0, 0] == 10.0


@settings(max_examples=60, deadline=None)
@given(
    it_mw=st.floats(1.0, 500.0),
    pue=st.floats(1.0, 2.0),
    overhead=st.floats(0.0, 0.5),
    power_w=st.floats(300.0, 3000.0),
    util=st.floats(0.05, 1.0),
)
def test_it_basis_equals_facility_basis_at_power_times_pue(
    it_mw: float, pue: float, overhead: float, power_w: float, util: float
) -> None:
    """A phase of X MW IT is the phase of X x PUE MW facility: same slots (within the floor of a
    rounding step), same facility power and energy to rounding."""
    common = {"online_year": 2026, "power_w": power_w, "util": util}
    it = simulate(make_inputs(phases=[{"power_mw": it_mw, **common}], pue=pue, overhead=overhead, power_basis="it"))
    fac = simulate(make_inputs(phases=[{"power_mw": it_mw * pue, **common}], pue=pue, overhead=overhead))
    np.testing.assert_allclose(it.facility_power_mw, fac.facility_power_mw, rtol=1e-12)
    np.testing.assert_allclose(it.it_power_mw, fac.it_power_mw, rtol=1e-12)
    # it_mw x pue / pue may land one ulp either side of it_mw: the floor can differ by one system
    step = 1
    assert np.all(np.abs(it.accelerators - fac.accelerators) <= step)


def test_flagship_reads_its_phases_as_it_power() -> None:
    """The flagship states power_basis = "it" (its source, TrendForce via Reuters, reads the
    200 MW as rack power): facility power is 1.3 x the announced MW."""
    out = simulate(core_inputs(load_scenario(SCENARIOS / "stargate-uae.toml")))
    assert out.it_power_mw[0, 0] == pytest.approx(200.0)
    assert out.facility_power_mw[0, 0] == pytest.approx(260.0)
    assert out.it_power_mw[0, -1] == pytest.approx(1000.0)
