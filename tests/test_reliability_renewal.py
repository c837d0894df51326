"""Exact goodput formulas: against numerical optimisation, Young/Daly's published series,
round trips of the closed forms, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gigacampus.analyses.reliability import renewal as rn


def test_base_model_goodput_by_hand() -> None:
    # MTBF 1 h, T = 30 min, C = 5 min, R = 10 min: E[W] = (e^(35/60) - 1)(3600 + 600) s.
    lam, t, c, r = 1 / 3600, 1800.0, 300.0, 600.0
    cycle = (np.exp(2100 / 3600) - 1) * (3600 + 600)
    assert rn.expected_goodput(lam, t, c, r) == pytest.approx(t / cycle, rel=1e-12)
    # failures during restart: E[W] = (e^(lam S) - 1) e^(lam R) / lam
    cycle_rf = (np.exp(2100 / 3600) - 1) * np.exp(600 / 3600) * 3600
    assert rn.expected_goodput(lam, t, c, r, restart_failures=True) == pytest.approx(t / cycle_rf, rel=1e-12)


def test_no_failures_gives_the_checkpoint_overhead_only() -> None:
    assert rn.expected_goodput(0.0, 900.0, 100.0, 500.0) == pytest.approx(0.9)
    mean, var = rn.cycle_moments(0.0, 900.0, 100.0, 500.0)
    assert (mean, var) == (1000.0, 0.0)


@pytest.mark.parametrize("restart_failures", [False, True])
@pytest.mark.parametrize("lam_c", [1e-6, 1e-3, 0.05, 0.5, 2.0, 20.0])
def test_optimal_interval_is_the_numerical_maximum(lam_c: float, restart_failures: bool) -> None:
    lam, r = 1 / 3600, 1800.0
    c = lam_c / lam
    best = float(rn.optimal_interval_s(lam, c))
    grid = best * np.linspace(0.5, 1.5, 20_001)
    g = rn.expected_goodput(lam, grid, c, r, restart_failures)
    assert grid[np.argmax(g)] == pytest.approx(best, rel=1e-3)
    # and the goodput there is the closed form (1 - rate T*) x restart factor
    at_best = rn.expected_goodput(lam, best, c, r, restart_failures)
    assert at_best == pytest.approx(rn.optimal_goodput(lam, c, r, restart_failures), rel=1e-12)
    assert at_best == pytest.approx((1 - lam * best) * rn.restart_factor(lam, r, restart_failures), rel=1e-9)


@pytest.mark.parametrize("c_over_m", [1e-4, 1e-3, 1e-2])
def test_optimum_agrees_with_dalys_higher_order_series(c_over_m: float) -> None:
    # Daly (2006), "A higher order estimate of the optimum checkpoint interval for restart dumps":
    # T = sqrt(2 C M) [1 + sqrt(C / 2M) / 3 + (C / 2M) / 9] - C for C < 2M; its error is of
    # order (C/M)^(3/2) relative, so we allow 2 (C/M)^(3/2).
    m = 3600.0
    c = c_over_m * m
    daly = np.sqrt(2 * c * m) * (1 + np.sqrt(c / (2 * m)) / 3 + c / (2 * m) / 9) - c
    assert float(rn.optimal_interval_s(1 / m, c)) == pytest.approx(daly, rel=2 * c_over_m**1.5)
    # and it tends to Young's sqrt(2 C M) to first order
    assert float(rn.optimal_interval_s(1 / m, c)) / float(rn.young_daly_interval_s(1 / m, c)) == pytest.approx(
        1.0, rel=c_over_m**0.5
    )


def test_optimum_with_long_checkpoints_stays_finite_and_below_mtbf() -> None:
    lam = 1 / 60.0
    t = rn.optimal_interval_s(lam, np.array([60.0, 600.0, 6000.0, 60_000.0]))
    assert np.all(np.isfinite(t)) and np.all(t <= 60.0) and np.all(np.diff(t) >= 0)  # T* -> MTBF
    assert np.all(rn.optimal_goodput(lam, np.array([60.0, 6000.0]), 0.0) >= 0.0)


@pytest.mark.parametrize("restart_failures", [False, True])
def test_max_checkpoint_and_restart_round_trip(restart_failures: bool) -> None:
    lam, c, r, target = 1 / 1800, 30.0, 120.0, 0.8
    max_c = float(rn.max_checkpoint_s(lam, r, target, restart_failures))
    assert rn.optimal_goodput(lam, max_c, r, restart_failures) == pytest.approx(target, rel=1e-9)
    max_r = float(rn.max_restart_s(lam, c, target, restart_failures))
    assert rn.optimal_goodput(lam, c, max_r, restart_failures) == pytest.approx(target, rel=1e-9)
    f = float(rn.max_common_scale(lam, 10 * c, 10 * r, target, restart_failures))
    assert rn.optimal_goodput(lam, f * 10 * c, f * 10 * r, restart_failures) == pytest.approx(target, rel=1e-9)


def test_unreachable_targets_are_nan() -> None:
    lam = 1 / 600.0  # MTBF 10 min, restart 20 min: restarts alone cap goodput at 1/3
    assert np.isnan(rn.max_checkpoint_s(lam, 1200.0, 0.5))
    assert np.isnan(rn.max_restart_s(lam, 1200.0, 0.99))  # a 20-min checkpoint caps it too
    assert rn.max_common_scale(lam, 60.0, 1200.0, 0.5) < 1.0


@settings(max_examples=200, deadline=None)
@given(
    lam=st.floats(1e-7, 1e-1),
    t=st.floats(1.0, 1e5),
    c=st.floats(0.1, 1e4),
    r=st.floats(0.0, 1e4),
    rf=st.booleans(),
)
def test_fractions_add_up_and_goodput_is_a_fraction(lam: float, t: float, c: float, r: float, rf: bool) -> None:
    assume(lam * (t + c) < 100 and lam * r < 100)  # beyond, a cycle completes with odds below e^-100
    parts = rn.time_fractions(lam, t, c, r, rf)
    total = sum(float(v) for v in parts.values())
    assert total == pytest.approx(1.0, rel=1e-9, abs=1e-12)
    assert all(float(v) >= -1e-12 for v in parts.values())
    g = float(rn.expected_goodput(lam, t, c, r, rf))
    assert 0.0 <= g <= t / (t + c) + 1e-12
    assert g == pytest.approx(float(parts["useful"]), rel=1e-9, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(lam=st.floats(1e-7, 1e-2), c=st.floats(0.1, 1e3), r=st.floats(0.0, 1e4), factor=st.floats(1.01, 10.0))
def test_more_failures_never_raise_the_best_goodput(lam: float, c: float, r: float, factor: float) -> None:
    for rf in (False, True):
        assert rn.optimal_goodput(lam * factor, c, r, rf) <= rn.optimal_goodput(lam, c, r, rf) + 1e-12
        # failures during restarts can only hurt
    assert rn.optimal_goodput(lam, c, r, True) <= rn.optimal_goodput(lam, c, r, False) + 1e-12


def test_the_scalar_path_of_the_optimal_interval_agrees_with_the_array_path() -> None:
    """One number (a bisection's call) takes a scalar path, a batch the array path: the same root
    (to the Newton steps' 1e-14 stopping rule, which a batch applies to all its numbers at once)."""
    rng = np.random.default_rng(12)
    cs = np.concatenate([10 ** rng.uniform(-300, 4, 2000), [1e-300, 1e-3, 1.0, np.nextafter(1.0, 2.0), 700.0]])
    xs, ys = rn._optimal_xy(cs)
    for c, x_batch, y_batch in zip(cs, xs, ys, strict=True):
        x, y = rn._optimal_xy(np.float64(c))
        assert x.shape == () and y.shape == ()
        assert x == pytest.approx(x_batch, rel=1e-12, abs=0) and y == pytest.approx(y_batch, rel=1e-12, abs=0)
        if c <= 1.0:  # the root of -log(1 - x) - x = c (in the series form for tiny x)
            assert float(-np.log1p(-x) - x) == pytest.approx(c, rel=1e-6 if x < 1e-5 else 1e-12)


_C_VALUES = st.sampled_from([0.0, -0.0, 1e-12, 1e-4, 0.3, 1.0, 1.5, 40.0, 800.0, np.nan, np.inf])


@settings(max_examples=60, deadline=None)
@given(st.lists(_C_VALUES | st.floats(1e-9, 50.0), min_size=1, max_size=40), st.integers(1, 4))
def test_optimal_xy_folds_repeats_bit_for_bit(values: list[float], copies: int) -> None:
    # repeated values are solved once: the same bits as solving every element
    c = np.array(values * copies).reshape(copies, -1)
    with np.errstate(all="ignore"):
        x, y = rn._optimal_xy(c)
        x_all, y_all = rn._optimal_xy_distinct(c)
    assert x.shape == y.shape == c.shape
    assert np.array_equal(x.view(np.uint64), x_all.view(np.uint64))
    assert np.array_equal(y.view(np.uint64), y_all.view(np.uint64))
