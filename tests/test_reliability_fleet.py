"""Fleet availability and spares."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigacampus.analyses.reliability.fleet import (
    RepairPolicy,
    campus_availability,
    exact_availability,
    mean_down,
    poisson_cdf,
    spares_needed,
)


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


# --- the exact path (unlimited crews, no daily cap) against the Monte Carlo ------------------------


def _direct_poisson_cdf(k: int, mean: float) -> float:
    return math.fsum(math.exp(j * math.log(mean) - mean - math.lgamma(j + 1)) for j in range(k + 1))


@pytest.mark.parametrize("mean", [0.3, 4.0, 103.0, 922.0, 40_000.0])
def test_poisson_cdf_matches_a_direct_sum(mean: float) -> None:
    ks = [0, int(0.9 * mean), int(mean), int(1.1 * mean) + 1, int(mean + 5 * math.sqrt(mean)) + 1]
    got = poisson_cdf(np.array(ks, dtype=float), np.full(len(ks), mean))
    assert got == pytest.approx([_direct_poisson_cdf(k, mean) for k in ks], abs=1e-10)


@pytest.mark.parametrize("shape", [1, 3])
def test_exact_mean_down_is_the_finite_source_steady_state(shape: int) -> None:
    # an accelerator alternates working (rate r) and repair (mean m): down with probability
    # r m / (1 + r m), whatever the repair's distribution (alternating renewal)
    rate, repair_days, n = 0.15, 5.0, 100_000.0
    down = mean_down(np.array([n]), np.array([rate]), RepairPolicy(repair_days, shape), installed_before=n)
    rm = rate * repair_days / 365.25
    assert down[-1] == pytest.approx(n * rm / (1 + rm), rel=1e-9)


def _year_against_monte_carlo(installed_before: float, installed: float, seed: int) -> None:
    years = np.array([2031])
    inst, rate = np.array([installed]), np.array([0.15])
    policy = RepairPolicy(7.0)
    exact = exact_availability(years, inst, rate, policy, installed_before=installed_before)
    mc = campus_availability(years, inst, rate, policy, 200, seed, installed_before=installed_before)
    days = np.ones(365, dtype=bool)
    assert np.allclose(exact.installed, mc.installed)
    # the mean down each day: within 5 standard errors of the 200 replicas' mean (Poisson
    # variance) plus 1% (the Monte Carlo's half-day steps shift its start-up transient a little)
    se = np.sqrt(np.maximum(exact.mean_down, 1.0) / 200)
    assert np.all(np.abs(mc.down.mean(axis=0) - exact.mean_down) < 5 * se + 0.01 * exact.mean_down)
    # quantiles of the available fraction over the year: within a count or two of the 73,000 samples'
    got = exact.available_quantiles(days, (5, 50, 95))
    want = [float(np.percentile(mc.available_fraction, q)) for q in (5, 50, 95)]
    assert np.allclose(got, want, atol=4.0 / installed), (got, want)
    # spares of a small job (a small part of the campus, where the Monte Carlo's thinning holds)
    job = 16_384
    sm = spares_needed(job, 1.0 - mc.available_fraction, 0.99, seed)
    assert abs(exact.spares(job, 0.99, days) - sm) <= 2


def test_monte_carlo_spares_of_a_job_most_of_the_campus_match_the_exact_path() -> None:
    # A pool that is 90% of the campus: drawn without replacement from the campus's down
    # accelerators its count is Poisson(pool / campus x mean down) as the exact path says; the
    # binomial stand-in adds pool x u x (1 - u) of variance, and so spares, which this test
    # measures too so that it cannot pass with either draw.
    years, inst, rate = np.array([2031]), np.array([328_205.0]), np.array([0.15])
    policy = RepairPolicy(7.0)
    exact = exact_availability(years, inst, rate, policy, installed_before=328_205.0)
    mc = campus_availability(years, inst, rate, policy, 200, 5, installed_before=328_205.0)
    days = np.ones(365, dtype=bool)
    job = 295_000
    want = exact.spares(job, 0.99, days)
    down = 1.0 - mc.available_fraction
    without = spares_needed(job, down, 0.99, 5, installed=mc.installed)
    binomial = spares_needed(job, down, 0.99, 5)
    # the 99% quantile of ~73,000 samples of a count with sd ~ 30: within 3 counts of the exact one
    assert abs(without - want) <= 3, (without, want)
    # the binomial stand-in's extra variance moves its 99% quantile by about 2.33 x (sqrt(2) - 1) sd
    assert binomial - want > 15, (binomial, want)
    cold = spares_needed(job, down, 0.99, 5, installed=mc.installed, cold=True)
    assert abs(cold - exact.spares(job, 0.99, days, cold=True)) <= 3


def test_spares_of_a_pool_as_large_as_the_campus_are_its_down_count() -> None:
    # a pool holding the whole campus (and more) has exactly the campus's down count
    down_fraction = np.array([[0.01, 0.02, 0.03]])
    installed = np.array([1_000.0, 1_000.0, 1_000.0])
    assert spares_needed(5_000, down_fraction, 1.0, 0, installed=installed, cold=True) == 30


def test_exact_availability_matches_the_monte_carlo_in_a_steady_year() -> None:
    # the flagship's last years: 328,205 GB300 at the H100's hardware rate
    _year_against_monte_carlo(328_205.0, 328_205.0, 11)


def test_exact_availability_matches_the_monte_carlo_in_a_ramp_year() -> None:
    _year_against_monte_carlo(65_641.0, 328_205.0, 12)


def test_exact_spares_are_the_poisson_quantile() -> None:
    years, inst, rate = np.array([2030]), np.array([300_000.0]), np.array([0.15])
    exact = exact_availability(years, inst, rate, RepairPolicy(7.0), installed_before=300_000.0)
    days = np.arange(365) >= 265  # past the start-up transient (all working on day 0)
    u = exact.mean_down[-1] / 300_000.0
    cold = exact.spares(16_384, 0.99, days, cold=True)
    assert cold == _poisson_quantile(16_384 * u, 0.99)
    hot = exact.spares(16_384, 0.99, days)
    assert hot == _poisson_quantile((16_384 + hot) * u, 0.99)
    assert _poisson_quantile((16_384 + hot - 1) * u, 0.99) > hot - 1  # and no fewer would do


def test_exact_path_refuses_limited_crews() -> None:
    with pytest.raises(ValueError, match="unlimited crews"):
        mean_down(np.array([10.0]), np.array([0.1]), RepairPolicy(5.0, crews=3))


def _mixture_quantile_add_at(mean, weight, probability):
    """The mixture quantile as first written, with np.add.at (reference for the bincount one)."""
    from gigacampus.analyses.reliability.fleet import _PoissonTable

    table = _PoissonTable(mean)
    first = int(table.lo.min())
    span = int(table.lo.max()) - first + table.width
    pmf = np.diff(table.cdf, axis=1, prepend=0.0) * weight[:, None]
    mixed = np.zeros(span)
    cols = (table.lo.astype(np.int64) - first)[:, None] + np.arange(table.width)[None, :]
    np.add.at(mixed, cols.ravel(), pmf.ravel())
    return first + int(np.searchsorted(np.cumsum(mixed), probability * (1.0 - 1e-12)))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 5000.0), min_size=1, max_size=12),
    st.floats(0.5, 0.999999),
    st.integers(0, 2**32 - 1),
)
def test_mixture_quantile_matches_add_at(means, probability, seed):
    from gigacampus.analyses.reliability.fleet import _mixture_quantile

    mean = np.array(means)
    weight = np.random.default_rng(seed).random(mean.size) + 1e-3
    weight /= weight.sum()
    assert _mixture_quantile(mean, weight, probability) == _mixture_quantile_add_at(mean, weight, probability)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.integers(1, 50))
def test_bincount_sums_as_add_at_bit_for_bit(seed, n, bins):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, bins, size=n)
    w = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 12, size=n)
    ref = np.zeros(bins)
    np.add.at(ref, idx, w)
    assert np.array_equal(np.bincount(idx, weights=w, minlength=bins), ref)
