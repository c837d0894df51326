"""Distributions, sampling and Sobol indices: against scipy.stats and analytic values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gigacampus.errors import InputError
from gigacampus.scenario.uncertainty import parse_distribution, parse_vary
from gigacampus.uncertainty import resolve_inputs, saltelli_design, sobol, unit_sample

U = np.linspace(0.01, 0.99, 99)


def _one(text: str):
    return resolve_inputs({}, [parse_vary(text)], "test")[0]


@pytest.mark.parametrize(
    ("text", "frozen"),
    [
        ("site.pue=uniform(1.1, 1.5)", stats.uniform(1.1, 0.4)),
        ("site.pue=loguniform(1.1, 1.5)", stats.loguniform(1.1, 1.5)),
        ("site.pue=triangular(1.1, 1.3, 1.5)", stats.triang(0.5, loc=1.1, scale=0.4)),
        ("finance.facility_usd_per_mw=normal(15e6, 2e6)", stats.norm(15e6, 2e6)),
    ],
)
def test_inverse_cdf_matches_scipy(text: str, frozen) -> None:
    np.testing.assert_allclose(_one(text).values(U), frozen.ppf(U), rtol=1e-10)


def test_lognormal_is_given_by_its_90_percent_interval() -> None:
    x = _one("reliability.restart_s=lognormal(300, 3000)").values(np.asarray([0.05, 0.5, 0.95]))
    np.testing.assert_allclose(x, [300, np.sqrt(300 * 3000), 3000], rtol=1e-9)


def test_normal_truncated_to_the_range_stays_in_it_and_says_so() -> None:
    u = _one("site.pue=normal(1.0, 0.2)")
    assert "truncated" in u.note and "50.00%" in u.note
    assert u.values(U).min() >= 1.0
    # the truncated normal's median is the untruncated 75th percentile
    assert u.values(np.asarray([0.5]))[0] == pytest.approx(stats.norm(1.0, 0.2).ppf(0.75), rel=1e-9)


def test_choice_follows_its_weights_and_whole_numbers_round() -> None:
    u = _one("phase[1].online_year=choice(2027, 2028, 2029)")
    d = parse_distribution({"dist": "choice", "values": [1, 2], "weights": [3, 1]}, "f", "k")
    assert d["weights"] == (0.75, 0.25)
    assert list(u.values(np.asarray([0.0, 0.34, 0.99]))) == [2027, 2028, 2029]
    y = _one("phase[1].online_year=uniform(2027, 2029)").values(np.asarray([0.0, 0.3, 1.0]))
    assert y.dtype == np.int64 and list(y) == [2027, 2028, 2029]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["sobol", "lhs", "random"]), st.integers(1, 300), st.integers(1, 6), st.integers(0, 2**32))
def test_samples_are_seeded_inside_the_cube_and_lhs_is_stratified(method: str, n: int, d: int, seed: int) -> None:
    a, b = unit_sample(method, n, d, seed), unit_sample(method, n, d, seed)
    assert a.shape == (n, d) and np.array_equal(a, b)
    assert ((a >= 0) & (a < 1)).all()
    if method == "lhs":
        strata = np.floor(a * n).astype(int)
        assert all(sorted(strata[:, j]) == list(range(n)) for j in range(d))


def test_sobol_indices_of_the_ishigami_function() -> None:
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437
    a_, b_, ab = saltelli_design(2**14, 3, 0)

    def f(u: np.ndarray) -> np.ndarray:
        x = -np.pi + 2 * np.pi * u
        return np.sin(x[..., 0]) + 7 * np.sin(x[..., 1]) ** 2 + 0.1 * x[..., 2] ** 4 * np.sin(x[..., 0])

    first, total = sobol(f(a_)[None], f(b_)[None], f(ab)[:, None, :])
    np.testing.assert_allclose(first[0], [0.3139, 0.4424, 0.0], atol=0.02)
    np.testing.assert_allclose(total[0], [0.5576, 0.4424, 0.2437], atol=0.02)
    zero_first, zero_total = sobol(np.ones((1, 8)), np.ones((1, 8)), np.ones((3, 1, 8)))
    assert not zero_first.any() and not zero_total.any()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site.pue=uniform(1.5, 1.1)", "low < high"),
        ("site.pue=loguniform(0, 2)", "low > 0"),
        ("site.pue=loguniform(0.5, 2)", "reaches outside the allowed range; allowed: a number >= 1 and <= 3"),
        ("site.pue=normal(1.3, 0)", "sd > 0"),
        ("site.pue=choice()", "non-empty"),
        ("site.pue=choice(1.2, 9)", "choice value 9"),
        ("site.pue=uniform(1.1)", "takes 2 numbers"),
        ("phase[9].power_mw=uniform(1, 2)", None),
        ("scenario.name=uniform(1, 2)", "use choice"),
        ("site=uniform(1, 2)", "not a single number"),
    ],
)
def test_bad_distributions_name_the_key(text: str, message: str | None) -> None:
    if message is None:  # a list index is checked when the scenario is built, as --set does
        assert _one(text).path == "phase[9].power_mw"
        return
    with pytest.raises(InputError, match=message):
        _one(text)


@pytest.mark.parametrize(
    ("d", "m", "seed"), [(1, 0, 0), (1, 3, 1), (2, 5, 2), (9, 12, 3), (18, 9, 4), (40, 4, 5), (9, 17, 6)]
)
def test_sobol_points_are_scipy_s_scrambled_sobol_bit_for_bit(d: int, m: int, seed: int) -> None:
    from scipy.stats import qmc

    from gigacampus.uncertainty.sampling import sobol_points

    def rng() -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([seed, 0]))

    expected = qmc.Sobol(d, scramble=True, rng=rng()).random_base2(m)
    np.testing.assert_array_equal(sobol_points(d, m, rng()), expected)


def test_a_sweep_without_sensitivity_does_not_import_scipy_stats(tmp_path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gigacampus.sweep import prepare_sweep, run_sweep\n"
        "spec = prepare_sweep(sys.argv[1], samples=16, sensitivity=False)\n"
        f"run_sweep(spec, {str(tmp_path / 'out')!r})\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-uae.toml"
    got = subprocess.run([sys.executable, "-c", code, str(scenario)], capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "False"
