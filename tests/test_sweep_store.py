"""The sweep's run store: the Parquet stream that writes ``variants.parquet`` chunk by chunk, and
the statistics of a column (against numpy's, on random columns with hypothesis)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gigacampus.sweep.store import ParquetStream, join_parts, query, read_columns, write_columns
from gigacampus.sweep.summary import stats_of


def _chunk(a: int, b: int) -> dict[str, np.ndarray]:
    x = np.arange(a, b, dtype=float) * 1.5
    x[::3] = np.nan  # NaN is stored as NULL
    text = np.asarray(["quota" if i % 2 else "power" for i in range(a, b)], dtype=object)
    text[::4] = None
    return {"variant": np.arange(a, b, dtype=np.int64), "x.2030": x, "binding_constraint.2030": text}


@pytest.mark.parametrize("background", [True, False])
def test_stream_writes_chunks_in_order_as_one_file(tmp_path: Path, background: bool) -> None:
    target = tmp_path / "variants.parquet"
    bounds = [(0, 7), (7, 8), (8, 30)]
    with ParquetStream(target, row_group_size=5, background=background) as stream:
        for a, b in bounds:
            stream.add(_chunk(a, b))
    assert stream.rows == 30
    got = read_columns([target], ["variant", "x.2030", "binding_constraint.2030"])
    chunks = [_chunk(a, b) for a, b in bounds]
    want = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    np.testing.assert_array_equal(got["variant"], np.arange(30.0))
    np.testing.assert_array_equal(got["x.2030"], want["x.2030"])  # NaN back as NaN
    assert got["binding_constraint.2030"].tolist() == want["binding_constraint.2030"].tolist()
    _, rows, _ = query(tmp_path, 'SELECT count(*), count("x.2030"), count("binding_constraint.2030") FROM variants')
    nulls_x = sum(int(np.isnan(c["x.2030"]).sum()) for c in chunks)
    nulls_text = sum(sum(v is None for v in c["binding_constraint.2030"]) for c in chunks)
    assert nulls_x > 0 and nulls_text > 0
    assert rows == [(30, 30 - nulls_x, 30 - nulls_text)]


def test_parts_join_into_one_file_in_order(tmp_path: Path) -> None:
    parts = [tmp_path / f"part-{i}.parquet" for i in range(3)]
    for p, (a, b) in zip(parts, [(0, 4), (4, 9), (9, 12)], strict=True):
        assert write_columns(p, _chunk(a, b)) == b - a
    join_parts(parts, tmp_path / "variants.parquet")
    got = read_columns([tmp_path / "variants.parquet"], ["variant", "x.2030"])
    np.testing.assert_array_equal(got["variant"], np.arange(12.0))
    want = np.concatenate([_chunk(a, b)["x.2030"] for a, b in [(0, 4), (4, 9), (9, 12)]])
    np.testing.assert_array_equal(got["x.2030"], want)


def test_a_writer_error_reaches_the_caller_and_removes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "variants.parquet"
    bad = _chunk(3, 6)
    bad["x.2030"] = np.asarray(["not", "a", "number"], dtype=object)  # not castable to the file's float column
    with pytest.raises(Exception, match="(?i)float|double|convert|cast"):
        with ParquetStream(target) as stream:
            stream.add(_chunk(0, 3))
            stream.add(bad)
            stream.add(_chunk(6, 9))
    assert not target.exists()


def test_an_error_of_the_caller_removes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "variants.parquet"
    with pytest.raises(KeyError):
        with ParquetStream(target) as stream:
            stream.add(_chunk(0, 3))
            raise KeyError("the next chunk failed")
    assert not target.exists()


values = st.one_of(st.floats(-1e12, 1e12), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0]))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(0, 60), elements=values), st.booleans())
def test_stats_of_a_column_are_numpys(x: np.ndarray, constant: bool) -> None:
    if constant and x.size:
        x = np.where(np.isfinite(x), x[np.isfinite(x)][0] if np.isfinite(x).any() else 1.0, x)
    got = stats_of(x.copy())
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        assert got == {"mean": None, "p5": None, "p50": None, "p95": None}
        return
    assert got["mean"] == float(finite.mean())
    for q in (5, 50, 95):
        assert got[f"p{q}"] == float(np.percentile(finite, q)), q
