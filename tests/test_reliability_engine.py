"""The vectorised Monte Carlo engines: against the exact renewal values, the SimPy baseline,
queueing theory, and for reproducibility and bounded memory."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from gigacampus.analyses.reliability import renewal as rn
from gigacampus.analyses.reliability.engine import simulate_fleet, simulate_job
from tests.conftest import ROOT

# (MTBF, interval T, checkpoint C, restart R) [s]; the first two have an MTBF shorter than
# the restart, the third a checkpoint as long as the interval, the last rare failures.
GRID = [
    (600.0, 200.0, 30.0, 1200.0),
    (100.0, 40.0, 10.0, 300.0),
    (300.0, 300.0, 300.0, 30.0),
    (3600.0, 900.0, 120.0, 600.0),
    (50_000.0, 5_000.0, 600.0, 60.0),
]


def _simpy():
    spec = importlib.util.spec_from_file_location("simpy_goodput", ROOT / "benchmarks" / "simpy_goodput.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("restart_failures", [False, True])
@pytest.mark.parametrize(("mtbf", "t", "c", "r"), GRID)
def test_monte_carlo_mean_matches_the_exact_goodput(
    mtbf: float, t: float, c: float, r: float, restart_failures: bool
) -> None:
    lam = 1 / mtbf
    mean_w, _ = rn.cycle_moments(lam, t, c, r, restart_failures)
    # 200 replicas of 5,000 renewal cycles each: the standard error of the mean is about
    # (sd(W) / E[W]) / 1000 of the goodput, under 0.3% on this grid, so the 1% bound the issue
    # sets for long runs has at least 3 standard errors of room.
    horizon = 5_000 * float(mean_w)
    out = simulate_job(lam, t, c, r, horizon, 200, 11, restart_failures=restart_failures)
    goodput = out.checkpoints * t / horizon
    exact = float(rn.expected_goodput(lam, t, c, r, restart_failures))
    assert goodput.mean() == pytest.approx(exact, rel=0.01)
    # Sharper: against the finite-horizon expectation, within 5 standard errors.
    at_horizon = float(rn.expected_goodput(lam, t, c, r, restart_failures, horizon_s=horizon))
    stderr = goodput.std(ddof=1) / math.sqrt(goodput.size)
    assert abs(goodput.mean() - at_horizon) < 5 * stderr
    # failures: in the base model the job is exposed except while restarting
    assert out.failures.mean() > 0


def test_short_runs_match_the_second_order_horizon_value() -> None:
    # 20 cycles per run: the boundary (a run ends mid-cycle, its partial work is lost, and long
    # restarts make cycles very uneven: Var[W] = 2.5 E[W]^2) shifts the mean goodput by about
    # 4%, and the renewal function's second-order term accounts for it.
    lam, t, c, r = 1 / 3000, 600.0, 60.0, 6000.0
    mean_w, _ = rn.cycle_moments(lam, t, c, r)
    horizon = 20 * float(mean_w)
    out = simulate_job(lam, t, c, r, horizon, 40_000, 5)
    goodput = out.checkpoints * t / horizon
    stderr = goodput.std(ddof=1) / math.sqrt(goodput.size)
    first_order = float(rn.expected_goodput(lam, t, c, r))
    second_order = float(rn.expected_goodput(lam, t, c, r, horizon_s=horizon))
    assert abs(goodput.mean() - second_order) < 5 * stderr
    assert abs(goodput.mean() - first_order) > 5 * stderr  # so the test can tell them apart


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.union1d(a, b)
    fa = np.searchsorted(np.sort(a), grid, side="right") / a.size
    fb = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


@pytest.mark.parametrize("restart_failures", [False, True])
def test_same_distribution_as_the_simpy_model(restart_failures: bool) -> None:
    simpy_goodput = _simpy()
    lam, t, c, r, horizon = 1 / 1000, 300.0, 50.0, 200.0, 200_000.0
    n_simpy, n_vec = 300, 3_000
    ck_s, f_s = simpy_goodput.simulate(lam, t, c, r, horizon, n_simpy, 3, restart_failures)
    out = simulate_job(lam, t, c, r, horizon, n_vec, 4, restart_failures=restart_failures)
    for a, b in ((ck_s, out.checkpoints), (f_s, out.failures)):
        a, b = a.astype(float), b.astype(float)
        z = (a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(z) < 4
        assert a.std() == pytest.approx(b.std(), rel=0.2)
        # two-sample Kolmogorov-Smirnov at the 0.1% level: c(alpha) = 1.95
        assert _ks(a, b) < 1.95 * math.sqrt((a.size + b.size) / (a.size * b.size))


def test_same_seed_same_numbers_and_different_seed_different_numbers() -> None:
    args = (1 / 900, 400.0, 60.0, 300.0, 10 * 86_400.0, 300)
    a = simulate_job(*args, 7, component_weights=[0.5, 0.3, 0.2])
    b = simulate_job(*args, 7, component_weights=[0.5, 0.3, 0.2])
    c = simulate_job(*args, 8)
    assert np.array_equal(a.checkpoints, b.checkpoints) and np.array_equal(a.failures, b.failures)
    assert np.array_equal(a.by_component, b.by_component)
    assert not np.array_equal(a.checkpoints, c.checkpoints)
    # the component split never changes the goodput
    assert np.array_equal(a.checkpoints, simulate_job(*args, 7).checkpoints)
    assert np.array_equal(a.by_component.sum(axis=1), a.failures)


def test_memory_is_bounded_by_the_block_not_the_events() -> None:
    # 500 replicas x ~9,600 failures: 4.8 million draws, taken in blocks of at most 50,000.
    lam, t, c, r = 1 / 60, 20.0, 5.0, 30.0
    horizon = 2 * 86_400.0
    out = simulate_job(lam, t, c, r, horizon, 500, 1, block_elements=50_000)
    assert out.peak_block_elements <= 50_000
    assert out.blocks >= out.failures.sum() / 50_000
    exact = float(rn.expected_goodput(lam, t, c, r, horizon_s=horizon))
    assert (out.checkpoints * t / horizon).mean() == pytest.approx(exact, rel=0.01)


def test_zero_rate_completes_every_cycle() -> None:
    out = simulate_job(0.0, 900.0, 100.0, 50.0, 10_500.0, 3, 0)
    assert out.checkpoints.tolist() == [10, 10, 10] and out.failures.tolist() == [0, 0, 0]


def _mmc_in_system(lam: float, mu: float, c: int) -> float:
    """Mean number in an M/M/c queue (Erlang C), computed term by term."""
    a = lam / mu
    rho = a / c
    term, head = 1.0, 0.0
    for n in range(c):
        head += term
        term *= a / (n + 1)
    p0 = 1.0 / (head + term / (1 - rho))
    return p0 * term * rho / (1 - rho) ** 2 + a


@pytest.mark.parametrize("shape", [1, 3])
def test_fleet_with_ample_crews_obeys_littles_law(shape: int) -> None:
    # M/G/infinity with failures only from working units: L = N r m / (1 + r m), any repair law.
    n, r, m = 100_000.0, 0.1 / (365.25 * 86_400), 7 * 86_400.0
    step = m / (20 * shape)
    steps = int(300 * 86_400 / step)
    out = simulate_fleet(np.full(steps, n), np.full(steps, r), step, m, 100, 1, repair_shape=shape)
    down = out.down[:, int(60 * 86_400 / step) :]  # after 60 days (8 mean repairs) of warm-up
    expected = n * r * m / (1 + r * m)
    # 100 replicas x ~240 days, autocorrelated over ~7 days: standard error about 0.3%
    assert down.mean() == pytest.approx(expected, rel=0.015)
    # Poisson in steady state (M/G/infinity): variance equals the mean
    assert down[:, -1].var(ddof=1) == pytest.approx(expected, rel=0.3)


def test_fleet_with_few_crews_matches_erlang_c() -> None:
    per_day, m, crews = 20.0, 7 * 86_400.0, 150  # offered load 140 repairs in progress, 150 crews
    n = 1e9  # so the arrival rate barely depends on how many are down
    step = m / 20
    steps = int(600 * 86_400 / step)
    out = simulate_fleet(np.full(steps, n), np.full(steps, per_day / 86_400 / n), step, m, 100, 2, crews=crews)
    down = out.down[:, int(100 * 86_400 / step) :]
    assert down.mean() == pytest.approx(_mmc_in_system(per_day / 86_400, 1 / m, crews), rel=0.03)


def test_repair_throughput_caps_repairs_started() -> None:
    # 30 failures a day but only 10 repairs can start a day: the backlog grows by about 20 a day.
    n, m, step = 1e9, 86_400.0, 3_600.0
    steps = 24 * 50
    out = simulate_fleet(np.full(steps, n), np.full(steps, 30 / 86_400 / n), step, m, 20, 3, repairs_per_day=10.0)
    growth = (out.down[:, -1] - out.down[:, steps // 2]) / 25.0
    assert growth.mean() == pytest.approx(20.0, rel=0.1)
