"""The best training job: the size with the most useful compute, N x goodput(N), each size at its
own optimal checkpoint interval, beside the campus-wide job (issue 13, part 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gigacampus as gc
from gigacampus.analyses.reliability import renewal
from tests.conftest import SCENARIOS

H100_RATE = 0.17297787136501735 / 31_557_600  # failures per accelerator-second (catalog, Llama 3)


def _useful(n: np.ndarray, rate: float, c: float, r: float, rf: bool = False) -> np.ndarray:
    return n * renewal.optimal_goodput(rate * n, c, r, rf)


@pytest.mark.parametrize(("c", "r", "rf"), [(32.0, 300.0, False), (60.0, 1000.0, False), (32.0, 300.0, True)])
def test_best_job_rate_is_the_maximum_of_useful_compute(c: float, r: float, rf: bool) -> None:
    # independent: a fine log grid of job failure rates around the closed form
    best = float(renewal.best_job_rate(c, r, rf))
    grid = np.geomspace(best / 4, best * 4, 400_001)
    h = grid * renewal.optimal_goodput(grid, c, r, rf)
    assert grid[np.argmax(h)] == pytest.approx(best, rel=1e-4)


@settings(max_examples=60, deadline=None)
@given(
    small=st.integers(1, 3_000_000),
    extra=st.integers(0, 3_000_000),
    c=st.floats(1.0, 600.0),
    r=st.floats(0.0, 3_600.0),
    fixed=st.one_of(st.none(), st.floats(600.0, 20_000.0)),
)
def test_useful_compute_never_decreases_when_accelerators_are_added(
    small: int, extra: int, c: float, r: float, fixed: float | None
) -> None:
    def best_useful(installed: int) -> tuple[int, float]:
        n = renewal.best_job_size(installed, H100_RATE, c, r, False, fixed)
        lam = H100_RATE * n
        g = renewal.optimal_goodput(lam, c, r) if fixed is None else renewal.expected_goodput(lam, max(fixed, c), c, r)
        return int(n), float(n * g)

    if fixed is not None:
        fixed = max(fixed, c)
    n_small, useful_small = best_useful(small)
    n_large, useful_large = best_useful(small + extra)
    # each best job is one the campus can run: at least one accelerator, at most those installed
    assert n_small >= 1 and n_large >= 1
    assert n_small <= small and n_large <= small + extra
    assert useful_large >= useful_small * (1 - 1e-9)


@settings(max_examples=30, deadline=None)
@given(installed=st.integers(1, 2_000_000), c=st.floats(1.0, 600.0), r=st.floats(0.0, 3_600.0))
def test_the_best_size_beats_every_other_size(installed: int, c: float, r: float) -> None:
    n = renewal.best_job_size(installed, H100_RATE, c, r)
    others = np.unique(np.round(np.geomspace(1, installed, 500)))
    assert _useful(np.array([float(n)]), H100_RATE, c, r)[0] >= _useful(others, H100_RATE, c, r).max() * (1 - 1e-12)


def _flagship(*overrides: str) -> gc.Result:
    return gc.run(gc.load_scenario(SCENARIOS / "stargate-uae.toml", overrides=list(overrides)))


def test_a_bigger_campus_never_trains_less_with_the_best_job() -> None:
    # the case: with 60 s checkpoints and 1,000 s restarts a 2 GW campus gave less FLOP
    # to its campus-wide job than 1 GW; the best job does not shrink
    old = ("reliability.checkpoint_s=60", "reliability.restart_s=1000")
    one, two = _flagship(*old), _flagship(*old, "phase[1].power_mw=1800")
    t1, t2 = one.timeline.loc[2032], two.timeline.loc[2032]
    assert t2["accelerators"] > t1["accelerators"]
    assert t2["training_flop"] < t1["training_flop"]  # the campus-wide job loses
    assert t2["best_job_training_flop"] >= t1["best_job_training_flop"]
    # and the best job is smaller than the 2 GW campus: the closed-form size (rates of the H100)
    ideal = float(renewal.best_job_rate(60.0, 1000.0)) / H100_RATE
    assert t2["best_job_accelerators"] == pytest.approx(ideal, abs=1)
    assert t2["best_job_accelerators"] < t2["accelerators"]
    assert t2["best_jobs_concurrent"] == t2["accelerators"] // t2["best_job_accelerators"]


def test_the_best_job_is_the_campus_when_the_campus_is_smaller() -> None:
    tl = _flagship().timeline
    assert (tl["best_job_accelerators"] == tl["accelerators"]).all()
    assert np.allclose(tl["best_job_training_flop"], tl["training_flop"])


def test_largest_phase_reports_its_own_accelerators_and_reliability_goodput() -> None:
    result = _flagship("training.scope=largest_phase")
    block = result.to_summary()["training"]
    tl = result.timeline
    y2032 = next(y for y in block["years"] if y["year"] == 2032)
    # the flagship's MW are IT power in whole GB300 NVL72 racks of 135 kW x 1.25 = 168.75 kW: the
    # 800 MW phase holds floor(4,740.7) = 4,740 racks, the 200 MW one floor(1,185.2) = 1,185
    # (262,564 and 328,205 when the MW were read as facility power and single accelerators)
    largest = int(800e6 // (135e3 * 1.25)) * 72  # 341,280
    fleet = largest + int(200e6 // (135e3 * 1.25)) * 72  # 426,600
    assert y2032["accelerators"] == int(tl.loc[2032, "largest_phase_job_accelerators"]) == largest
    assert y2032["accelerators"] < y2032["fleet_accelerators"] == fleet
    assert y2032["goodput"] == pytest.approx(tl.loc[2032, "largest_phase_job_goodput"])
    assert block["origins"]["goodput"].startswith("reliability")
    # the FLOP comes from that phase: accelerators x dense BF16 x MFU x goodput x days
    gb300 = gc.load_catalog().accelerators["gb300"].dense_bf16_tflops * 1e12
    expect = largest * gb300 * 0.40 * y2032["goodput"] * 100 * 86_400
    assert y2032["training_flop"] == pytest.approx(expect, rel=1e-9)


def test_a_given_goodput_applies_to_every_job_size() -> None:
    tl = _flagship("training.goodput=0.9").timeline
    assert (tl["best_job_accelerators"] == tl["accelerators"]).all()
