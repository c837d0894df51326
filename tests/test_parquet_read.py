"""The numpy reader of plain Parquet pages (parquet.plain_layout, parquet.read_chunk,
store.column_reader): the values DuckDB reads from the same files, bit for bit; files and chunks
it does not read go to DuckDB; broken pages are a ValueError, never a wrong number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigacampus.sweep import parquet, store


def _columns(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.25] = np.nan  # NULL in the file
    return {
        "variant": np.arange(n, dtype=np.int64),
        "x": x,
        "k": rng.integers(-(2**62), 2**62, n),  # INT64 rounded to float64 as DuckDB casts
        "none": np.full(n, np.nan),
        "signed": np.asarray([-0.0, 0.0, np.inf, -np.inf, 5e-324] * (n // 5) + [1.0] * (n % 5)),
        "binding_constraint.2030": np.asarray(["quota", "power", None] * (n // 3) + ["quota"] * (n % 3), dtype=object),
    }


def _equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        if b[name].dtype.kind == "O":
            assert list(a[name]) == list(b[name]), name
        else:
            assert a[name].dtype == np.float64 and a[name].tobytes() == b[name].tobytes(), name


def test_parts_read_in_order_equal_duckdbs_reading(tmp_path: Path) -> None:
    files = []
    for i, n in enumerate((1000, 37, 2500)):
        f = tmp_path / f"part-{i}.parquet"
        store.write_whole(f, _columns(n, i), row_group_size=700)  # several row groups a part
        files.append(f)
    names = ["x", "binding_constraint.2030", "k", "none", "signed", "variant"]
    got = store.column_reader(files)(names)
    _equal(got, store._read_duckdb(files, names))
    assert len(got["x"]) == 3537
    layout = parquet.plain_layout(files[0])
    assert "binding_constraint.2030" not in layout  # text: DuckDB's
    assert [rows for _, rows, _, _ in layout["x"]] == [700, 300]


def test_a_reader_reads_its_footers_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "v.parquet"
    store.write_whole(f, _columns(100, 1))
    calls: list[Path] = []
    real = parquet.plain_layout
    monkeypatch.setattr(parquet, "plain_layout", lambda p: calls.append(p) or real(p))
    read = store.column_reader([f])
    read(["x"])
    read(["k", "variant"])
    assert calls == [f]


def test_a_file_written_again_is_read_again(tmp_path: Path) -> None:
    f = tmp_path / "v.parquet"
    store.write_whole(f, {"variant": np.arange(10, dtype=np.int64), "x": np.ones(10)})
    assert store.read_columns([f], ["x"])["x"].tolist() == [1.0] * 10
    store.write_whole(f, {"variant": np.arange(12, dtype=np.int64), "x": np.full(12, 2.0)})
    assert store.read_columns([f], ["x"])["x"].tolist() == [2.0] * 12  # not the layout kept for the first


def test_files_duckdb_wrote_are_read_by_duckdb_to_the_same_values(tmp_path: Path) -> None:
    columns = _columns(3000, 2)
    names = list(columns)
    for plain in (False, True):  # dictionary and snappy; DuckDB's own plain, uncompressed pages
        f = tmp_path / f"duck-{plain}.parquet"
        store.write_columns(f, columns, plain=plain)
        _equal(store.read_columns([f], names), store._read_duckdb([f], names))
    assert parquet.plain_layout(tmp_path / "duck-False.parquet") == {}  # compressed: none of its columns


def _page_of(path: Path, name: str) -> tuple[int, int, int, int]:
    [(kind, rows, offset, size)] = parquet.plain_layout(path)[name]
    return kind, rows, offset, size


def test_a_broken_page_is_a_value_error(tmp_path: Path) -> None:
    f = tmp_path / "v.parquet"
    n = 64
    store.write_whole(f, {"variant": np.arange(n, dtype=np.int64), "x": np.arange(n, dtype=float)})
    kind, rows, offset, size = _page_of(f, "x")
    with open(f, "rb") as fh:
        out = np.empty(rows)
        parquet.read_chunk(fh, kind, rows, offset, size, out)
        assert out.tolist() == list(range(n))
        with pytest.raises(ValueError, match="shorter"):
            parquet.read_chunk(fh, kind, rows, offset + size - 8, size, out)  # runs past the end
        with pytest.raises(ValueError, match="not one plain data page"):
            parquet.read_chunk(fh, kind, rows + 1, offset, size, out)  # other rows than the page's
        with pytest.raises(ValueError, match="not one plain data page"):
            parquet.read_chunk(fh, kind, rows, offset, size - 8, out)  # a page cut short
    data = bytearray(f.read_bytes())
    start = data.index(np.arange(n, dtype=float).tobytes())  # the values of x; the levels before them
    data[start - 2] = 0x7E  # the run header: 63 values, not 64
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(bytes(data))
    with open(broken, "rb") as fh, pytest.raises(ValueError):
        parquet.read_chunk(fh, kind, rows, offset, size, np.empty(rows))


@pytest.mark.parametrize(
    "levels, rows, message",
    [
        (b"", 3, "end before"),
        (b"\x00", 3, "of 0 for 3"),  # a run of no values
        (b"\x08\x01", 3, "of 4 for 3"),  # an RLE run longer than the values
        (b"\x06\x02", 3, "other than 0 or 1"),
        (b"\x05\x0f", 3, "of 2 for 3"),  # two bit-packed groups for three values
        (b"\x03", 3, "past their page"),
        (b"\x80", 3, "past the definition levels"),
    ],
)
def test_bad_definition_levels_are_value_errors(levels: bytes, rows: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parquet._levels(levels, rows)


def test_definition_levels_of_runs_and_bit_packed_groups() -> None:
    assert parquet._levels(b"\x06\x01", 3) is None  # one run of three 1s: all valid
    got = parquet._levels(b"\x03\x05", 3)  # one bit-packed group: 1, 0, 1
    assert got.tolist() == [True, False, True]
    got = parquet._levels(b"\x04\x00\x03\x01", 5)  # a run of two 0s, then a group: 1, 0, 0
    assert got.tolist() == [False, False, True, False, False]


def test_parts_of_one_sweep_are_written_under_one_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = store.plain_schema
    monkeypatch.setattr(store, "plain_schema", lambda p, head: calls.append(p) or real(p, head))
    monkeypatch.setattr(store, "_SCHEMAS", {})
    late = {"variant": np.arange(20, dtype=np.int64), "t": np.asarray([None] * 20, dtype=object)}
    store.write_whole(tmp_path / "late.parquet", late)  # text all NULL: DuckDB types it otherwise
    assert store._SCHEMAS == {}  # written by DuckDB whole, its schema not kept
    parts = [tmp_path / f"p{i}.parquet" for i in range(3)]
    for i, p in enumerate(parts):
        store.write_part(
            p,
            np.arange(10 * i, 10 * i + 10),
            {"site.pue": np.linspace(1.1, 1.5, 10)},
            {"a": np.ones((10, 2))},
            [2030, 2031],
        )
    assert len(calls) == 2  # the late file's, then the first part's only
    assert store.join_parts(parts, tmp_path / "joined.parquet") == 30
    assert parquet.merge(parts, tmp_path / "merged.parquet") == 30  # one schema: merged byte for byte
    got = store.read_columns([tmp_path / "joined.parquet"], ["variant", "a.2031"])
    assert got["variant"].tolist() == list(range(30)) and got["a.2031"].tolist() == [1.0] * 30
