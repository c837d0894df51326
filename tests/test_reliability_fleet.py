"""Fleet availability and spares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigacampus.analyses.reliability.fleet import RepairPolicy, campus_availability, spares_needed


def _poisson_quantile(mean: float, p: float) -> int:
    k, term = 0, math.exp(-mean)
    cdf = term
    while cdf < p:
        k += 1
        term *= mean / k
        cdf += term
    return k


def test_campus_ramp_and_steady_state() -> None:
    years = np.array([2026, 2027, 2028])
    installed = np.array([50_000.0, 50_000.0, 200_000.0])
    rate = np.full(3, 0.15)  # hardware failures per accelerator-year
    policy = RepairPolicy(repair_days=5.0)
    out = campus_availability(years, installed, rate, policy, 50, 1)
    assert out.down.shape == (50, 3 * 365) and out.day_year.tolist().count(2027) == 365
    # the installed base ramps within the first and third years and is flat in the second
    assert out.installed[0] < 1_000 and out.installed[364] == pytest.approx(50_000, rel=0.01)
    assert np.all(out.installed[365:730] == 50_000)
    # 2027, ample crews: down ~ Poisson(N r m) with N r m = 50,000 x 0.15 x 5/365.25 ~ 103
    in_2027 = out.down[:, 365:730]
    assert in_2027.mean() == pytest.approx(50_000 * 0.15 * 5 / 365.25, rel=0.03)
    avail = out.available_fraction[:, 365:730]
    assert np.all((avail > 0.99) & (avail <= 1.0))


def test_spares_with_ample_crews_are_a_poisson_quantile() -> None:
    # With unlimited crews the down count of a pool is Poisson; spares for 99% = its quantile.
    rng = np.random.default_rng(0)
    n_job, per_acc_down = 16_384, 0.002  # expected down fraction
    campus = 300_000
    down_fraction = rng.poisson(campus * per_acc_down, size=20_000) / campus
    cold = spares_needed(n_job, down_fraction, 0.99, 1, cold=True)
    assert abs(cold - _poisson_quantile(n_job * per_acc_down, 0.99)) <= 1
    hot = spares_needed(n_job, down_fraction, 0.99, 1)
    pool = n_job + hot
    assert abs(hot - _poisson_quantile(pool * per_acc_down, 0.99)) <= 1
    assert hot >= cold - 1  # hot spares also fail, so never fewer beyond sampling noise


def test_no_job_needs_no_spares() -> None:
    assert spares_needed(0, np.array([0.1, 0.2]), 0.99, 0) == 0
    assert spares_needed(1000, np.zeros(100), 0.99, 0) == 0


def test_crews_limit_availability() -> None:
    years = np.array([2030])
    installed = np.array([100_000.0])
    rate = np.array([0.15])
    ample = campus_availability(years, installed, rate, RepairPolicy(5.0), 20, 3, installed_before=100_000.0)
    few = campus_availability(years, installed, rate, RepairPolicy(5.0, crews=30), 20, 3, installed_before=100_000.0)
    # 41 failures a day x 5 days needs ~205 repairs in progress; 30 crews fall behind
    assert few.down[:, -1].mean() > 5 * ample.down[:, -1].mean()
