"""The sweep's run store and statistics: Parquet written and read back with DuckDB (NULL as NaN
and ``None``), the statistics of constant and partly missing columns, and what a sweep imports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import ndtri

from gigacampus.sweep import summary
from gigacampus.sweep.store import read_columns, write_columns
from gigacampus.sweep.summary import percentiles_by_sort, stats_of
from gigacampus.uncertainty.inputs import Z95
from tests.test_cli_lazy import ROOT, _modules_after


def _reference_stats(x: np.ndarray) -> dict[str, float | None]:
    """The statistics as numpy defines them, with no shortcut."""
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"mean": None, "p5": None, "p50": None, "p95": None}
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"mean": float(x.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}


def _same(a: dict[str, float | None], b: dict[str, float | None]) -> bool:
    """Equal bit for bit (the sign of a zero included)."""
    return a.keys() == b.keys() and all(
        (a[k] is None and b[k] is None)
        or (a[k] is not None and b[k] is not None and np.float64(a[k]).tobytes() == np.float64(b[k]).tobytes())
        for k in a
    )


values = st.one_of(
    st.floats(-1e100, 1e100),  # (a mean of numbers near the float limit overflows, in numpy too)
    st.sampled_from([0.0, -0.0, 1.0, 0.1, np.nan, np.inf, -np.inf]),
)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(0, 40), elements=values))
def test_stats_of_matches_numpy_bit_for_bit(x: np.ndarray) -> None:
    assert _same(stats_of(x.copy()), _reference_stats(x.copy()))


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e290, 1e290), st.integers(1, 2000), st.integers(0, 5))
def test_a_constant_column_takes_the_shortcut_and_gives_numpys_numbers(v: float, n: int, missing: int) -> None:
    x = np.full(n + missing, v)
    x[n:] = np.nan
    got = stats_of(x)
    assert _same(got, _reference_stats(x))
    assert got["p5"] == got["p50"] == got["p95"] == v


def _bits(x: np.ndarray) -> bytes:
    return np.asarray(x, dtype=np.float64).tobytes()


finite = st.one_of(
    st.floats(-1e300, 1e300),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.1, 5e-324, 1e300, -1e300]),  # ties, signed zeros, extremes
)
levels = st.lists(st.floats(0, 100), min_size=1, max_size=6)


@settings(max_examples=500, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=finite), levels)
def test_percentiles_by_sort_equal_numpys_bit_for_bit(x: np.ndarray, q: list[float]) -> None:
    assert _bits(percentiles_by_sort(x.copy(), q)) == _bits(np.percentile(x.copy(), q))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 120_000), st.integers(1, 1000), st.sampled_from([0, 1, 2]))
def test_percentiles_by_sort_of_large_columns_with_ties_equal_numpys(
    seed: int, n: int, distinct: int, zeros: int
) -> None:
    """Sweep-sized columns (numpy's sort and partition take their vectorised paths), many ties;
    ``zeros``: none added, 0.0 added, 0.0 and -0.0 added."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-distinct, distinct + 1, n) * rng.random() * 10.0 ** rng.integers(-5, 6)
    if zeros:
        x[rng.random(n) < 0.2] = 0.0
    if zeros == 2:
        x[rng.random(n) < 0.1] = -0.0
    q = [5, 50, 95, *rng.random(2) * 100]
    assert _bits(percentiles_by_sort(x.copy(), q)) == _bits(np.percentile(x.copy(), q))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2 * summary._BAND_SAMPLE, 150_000),
    st.sampled_from(["normal", "lognormal", "ties", "zeros", "signed zeros", "sorted", "reversed", "periodic"]),
)
def test_percentiles_by_band_are_numpys_bit_for_bit_or_none(seed: int, n: int, shape: str) -> None:
    """Sweep-sized columns of many shapes, among them orders a systematic sample is blind to
    (sorted, a period of the sample's spacing): the band's numbers are numpy's, or it gives up."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=n) if shape == "lognormal" else rng.normal(size=n)
    if shape == "ties":
        x = rng.integers(0, 4, n) * 0.25
    elif shape in ("zeros", "signed zeros"):
        x[rng.random(n) < 0.3] = 0.0
        if shape == "signed zeros":
            x[rng.random(n) < 0.1] = -0.0
    elif shape == "sorted":
        x.sort()
    elif shape == "reversed":
        x = np.sort(x)[::-1].copy()
    elif shape == "periodic":  # the sampled positions all land on the same phase
        step = (n - 1) / (summary._BAND_SAMPLE - 1)
        x = np.where((np.arange(n) % max(1, round(step))) == 0, 1e6, x)
    q = [5, 50, 95, *rng.random(2) * 99]
    got = summary.percentiles_by_band(x.copy(), q)
    want = np.percentile(x.copy(), q)
    if got is None:
        assert shape in ("signed zeros", "periodic"), shape  # numpy decides those
    else:
        assert _bits(got) == _bits(want)
    assert _bits(summary.percentiles(x.copy(), q)) == _bits(want)


def test_bands_bracket_each_rank_and_merge_when_they_overlap() -> None:
    n, m = 1_000_000, summary._BAND_SAMPLE
    bands = summary._bands([49_999, 50_000, 499_999, 500_000, 949_999, 950_000], n, m)
    assert [ranks for _, _, ranks in bands] == [[49_999, 50_000], [499_999, 500_000], [949_999, 950_000]]
    for first, last, ranks in bands:
        for k in ranks:  # the rank's place in the sample lies well inside its bracket
            assert first + 10 < k / (n - 1) * (m - 1) < last - 10
    assert summary._bands([0, 1, 2], n, m)[0][0] == -1  # no lower bound at the bottom
    assert len(summary._bands([400_000, 400_010], n, m)) == 1


def test_percentiles_by_sort_leave_the_column_as_it_was() -> None:
    x = np.array([3.0, 1.0, 2.0, -0.0, 0.0])
    percentiles_by_sort(x, [5, 50, 95])
    assert _bits(x) == _bits(np.array([3.0, 1.0, 2.0, -0.0, 0.0]))


@pytest.mark.parametrize("sort_faster", [True, False])
def test_percentiles_take_the_way_found_faster_with_numpys_numbers(
    monkeypatch: pytest.MonkeyPatch, sort_faster: bool
) -> None:
    """A sweep-sized column goes by sort or by numpy as :func:`summary.sort_is_faster` says, to
    numpy's numbers either way; a small one always to numpy."""
    calls: list[str] = []
    monkeypatch.setattr(summary, "sort_is_faster", lambda: sort_faster)
    real = summary.percentiles_by_sort
    monkeypatch.setattr(summary, "percentiles_by_sort", lambda x, q: calls.append("sort") or real(x, q))
    rng = np.random.default_rng(3)
    big = rng.lognormal(size=summary._CALIBRATE_FROM + 1)
    assert _bits(summary.percentiles(big, [5, 50, 95])) == _bits(np.percentile(big, [5, 50, 95]))
    assert calls == (["sort"] if sort_faster else [])
    small = big[:100]
    assert _bits(summary.percentiles(small, [5, 95])) == _bits(np.percentile(small, [5, 95]))
    assert calls == (["sort"] if sort_faster else [])


def test_the_faster_way_is_timed_once_a_process() -> None:
    summary.sort_is_faster.cache_clear()
    first = summary.sort_is_faster()
    assert isinstance(first, bool)
    assert summary.sort_is_faster.cache_info().misses == 1
    assert summary.sort_is_faster() is first
    assert summary.sort_is_faster.cache_info().hits == 1


def test_mixed_signed_zeros_go_to_numpy() -> None:
    x = np.array([0.0, -0.0, -0.0, 0.0, -0.0])
    assert _same(stats_of(x), _reference_stats(x))


def test_null_text_and_nan_come_back_as_none_and_nan(tmp_path: Path) -> None:
    path = tmp_path / "part.parquet"
    text = np.array(["quota", None, "power", None], dtype=object)
    nums = np.array([1.5, np.nan, -2.0, 3.0])
    assert write_columns(path, {"binding": text, "x": nums, "n": np.arange(4)}) == 4
    got = read_columns([path, path], ["binding", "x", "n"])
    assert got["binding"].tolist() == ["quota", None, "power", None] * 2  # not numpy's default fill, "?"
    assert np.array_equal(got["x"], np.concatenate([nums, nums]), equal_nan=True)
    assert got["n"].dtype == np.float64 and got["n"].tolist() == [0.0, 1.0, 2.0, 3.0] * 2


def test_z95_is_scipys_normal_quantile() -> None:
    assert Z95 == float(ndtri(0.95))


def test_a_sweep_without_sensitivity_loads_neither_scipy_nor_the_country_sweep() -> None:
    """The flagship's inputs need no normal quantile, and no Sobol indices are asked for."""
    modules = _modules_after(
        "sweep", str(ROOT / "scenarios" / "stargate-uae.toml"), "--samples", "32", "--no-sensitivity"
    )
    assert "gigacampus.sweep.engine" in modules
    assert not {m for m in modules if m.split(".")[0] in ("scipy", "pyarrow")}
    assert not {m for m in modules if m.startswith(("gigacampus.sweep.country", "gigacampus.scenario.country"))}
    # nor a run's Result, table and files (and pandas with them): the sweep's report needs none
    assert not {m for m in modules if m.split(".")[0] == "pandas" or m.startswith("gigacampus.results")}
    assert not {"gigacampus.report.files", "gigacampus.report.terminal"} & modules


def test_a_sweep_without_out_writes_nothing_and_never_loads_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the child's temporary files would land here
    flagship = str(ROOT / "scenarios" / "stargate-uae.toml")
    modules = _modules_after("sweep", flagship, "--samples", "32", "--no-sensitivity")
    assert "gigacampus.sweep.engine" in modules and "duckdb" not in modules
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_with_out_writes_its_file_without_duckdb_and_duckdb_reads_it(tmp_path: Path) -> None:
    # the flagship's columns are all of the kinds whose schema is known (store.known_schema)
    import duckdb

    out = tmp_path / "s"
    modules = _modules_after(
        "sweep", str(ROOT / "scenarios" / "stargate-uae.toml"), "--samples", "32", "--no-sensitivity", "--out", str(out)
    )
    assert "gigacampus.sweep.parquet" in modules and "duckdb" not in modules
    path = out / "variants.parquet"
    assert duckdb.sql(f"SELECT count(*), sum(variant) FROM '{path}'").fetchall() == [(32, 32 * 31 // 2)]


def test_statistics_on_two_threads_are_the_same_numbers() -> None:
    rng = np.random.default_rng(4)
    columns = {f"c{i}": rng.lognormal(size=1000) for i in range(40)}
    columns["constant"] = np.full(1000, 3.0)
    columns["gaps"] = np.where(rng.random(1000) < 0.3, np.nan, 1.0)
    read = summary.memory_reader(columns)
    one = summary.column_stats(read, list(columns), batch=7)
    assert summary.column_stats(read, list(columns), batch=7, threads=2) == one
    assert list(one) == list(columns) and one["constant"]["p95"] == 3.0
