"""The plain Parquet writer of a sweep held in memory (parquet.write_plain, store.write_whole): what
DuckDB reads back from it equals what it reads back from its own file of the same columns, value
for value and in order; columns it cannot write go to DuckDB whole."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigacampus.sweep import parquet, store


def _read(path: Path) -> tuple[list[tuple[str, str]], dict[str, list]]:
    """(column names and types, each column's values in file order) as DuckDB reads ``path``."""
    con = duckdb.connect()
    try:
        types = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
        rows = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
    finally:
        con.close()
    return types, {name: [r[k] for r in rows] for k, (name, _) in enumerate(types)}


def _same(a: list, b: list) -> bool:
    """Equal values, NULL for NULL, NaN for NaN, and a float's sign of zero kept."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if not (np.isnan(x) and np.isnan(y)) and (x != y or np.signbit(x) != np.signbit(y)):
                return False
        elif x != y or type(x) is not type(y):
            return False
    return True


def _check(columns: dict[str, np.ndarray], tmp: Path, row_group_size: int) -> None:
    ours, theirs = tmp / "ours.parquet", tmp / "duckdb.parquet"
    assert store.write_whole(ours, columns, row_group_size=row_group_size) == len(next(iter(columns.values())))
    store.write_columns(theirs, columns, row_group_size=row_group_size, plain=True)
    (types, got), (types_d, want) = _read(ours), _read(theirs)
    assert types == types_d
    for name in want:
        assert _same(got[name], want[name]), name
    assert not (tmp / "ours.parquet.schema").exists()
    # the numpy reader of plain pages gives what DuckDB's reading gives, bit for bit
    names = list(columns)
    fast, slow = store.read_columns([ours], names), store._read_duckdb([ours], names)
    for name in names:
        if slow[name].dtype.kind == "O":
            assert list(fast[name]) == list(slow[name]), name
        else:
            assert fast[name].tobytes() == slow[name].tobytes(), name


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
texts = st.one_of(st.none(), st.text(max_size=6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    row_group_size=st.integers(1, 70),
    special=st.lists(floats, min_size=1, max_size=8),
    words=st.lists(texts, min_size=1, max_size=8),
)
def test_what_duckdb_reads_back_equals_its_own_file(
    tmp_path: Path, n: int, seed: int, row_group_size: int, special: list[float], words: list[str | None]
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.3] = rng.choice(np.asarray(special), size=int((rng.random(n) < 0.3).sum()) or 1)[0]
    text = np.asarray([words[i % len(words)] for i in range(n)], dtype=object)
    if all(t is None for t in text[: store.SCHEMA_ROWS]):  # DuckDB would not type it as text
        text[0] = "x"
    columns = {
        "variant": np.arange(n, dtype=np.int64),
        "site.pue": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(1.1, 1.5, n)),
        "x": x,
        "all_null": np.full(n, np.nan),
        "binding_constraint.2030": text,
        "k": rng.integers(-(2**62), 2**62, n),
        'odd "name", with =formula': rng.random(n),
    }
    _check(columns, tmp_path, row_group_size)


def test_the_pages_are_plain_and_the_row_groups_as_asked(tmp_path: Path) -> None:
    n = 40_000
    columns = {"variant": np.arange(n, dtype=np.int64), "x": np.linspace(0, 1, n)}
    columns["x"][::7] = np.nan
    path = tmp_path / "v.parquet"
    store.write_whole(path, columns, row_group_size=16_384)
    meta = duckdb.sql(
        f"SELECT row_group_id, row_group_num_rows, compression, encodings, stats_null_count "
        f"FROM parquet_metadata('{path}') WHERE path_in_schema = 'x' ORDER BY row_group_id"
    ).fetchall()
    assert [m[1] for m in meta] == [16_384, 16_384, n - 2 * 16_384]
    assert {m[2] for m in meta} == {"UNCOMPRESSED"}
    assert all("PLAIN" in m[3] for m in meta)
    nulls = [int(np.isnan(columns["x"][a : a + 16_384]).sum()) for a in range(0, n, 16_384)]
    assert [m[4] for m in meta] == nulls
    got = duckdb.sql(f"SELECT count(*), count(x), sum(variant) FROM '{path}'").fetchall()
    assert got == [(n, n - len(range(0, n, 7)), n * (n - 1) // 2)]


def test_text_beyond_ascii_and_empty_text(tmp_path: Path) -> None:
    words = np.asarray(["Abu Dhabi", "", "أبوظبي", None, "G42 — 1 GW", "日本"] * 5, dtype=object)
    _check({"variant": np.arange(len(words), dtype=np.int64), "s": words}, tmp_path, 4)


def test_texts_ending_in_nul_keep_their_places(tmp_path: Path) -> None:
    # numpy compares an object array with "\x00" as with "" (its text scalar drops trailing NULs)
    words = np.asarray(["", "\x00", "a\x00", "a", None] * 4, dtype=object)
    _check({"variant": np.arange(len(words), dtype=np.int64), "s": words}, tmp_path, 7)


def test_columns_the_writer_refuses_are_written_whole_by_duckdb(tmp_path: Path) -> None:
    n = 3000
    late_text = np.asarray([None] * (store.SCHEMA_ROWS + 10) + ["quota"] * (n - store.SCHEMA_ROWS - 10), dtype=object)
    flags = np.arange(n) % 3 == 0  # booleans: a type the writer does not write
    for extra in ({"late": late_text}, {"flag": flags}, {"f32": np.linspace(0, 1, n, dtype=np.float32)}):
        columns = {"variant": np.arange(n, dtype=np.int64), **extra}
        schema = _schema_of(tmp_path, columns)
        with pytest.raises(ValueError):
            parquet.write_plain(tmp_path / "refused.parquet", columns, schema, 1000, "test")
        assert not (tmp_path / "refused.parquet").exists()
        _check(columns, tmp_path, 1000)


def test_a_schema_for_other_columns_is_refused(tmp_path: Path) -> None:
    columns = {"variant": np.arange(10, dtype=np.int64), "x": np.ones(10)}
    schema = _schema_of(tmp_path, columns)
    for other in ({"variant": columns["variant"]}, {"variant": columns["variant"], "y": columns["x"]}):
        with pytest.raises(ValueError):
            parquet.write_plain(tmp_path / "o.parquet", other, schema, 5, "test")
    with pytest.raises(ValueError, match="text"):
        mixed = {"variant": columns["variant"], "x": np.asarray(["a", 1.5] * 5, dtype=object)}
        parquet.write_plain(
            tmp_path / "o.parquet",
            mixed,
            _schema_of(tmp_path, {**mixed, "x": mixed["x"].astype(str).astype(object)}),
            5,
            "t",
        )


def _schema_of(tmp: Path, columns: dict[str, np.ndarray]) -> object:
    head = tmp / "head.parquet"
    store.write_columns(head, {k: v[: store.SCHEMA_ROWS] for k, v in columns.items()}, plain=True)
    return parquet.field(parquet.decode(parquet.read_footer(head)[1]), 2)


def test_a_text_column_of_many_distinct_values(tmp_path: Path) -> None:
    # more distinct texts than the writer joins by lookup: the one-joined-string way, ASCII or not
    n = 3 * parquet._FEW_TEXTS
    for alphabet in ("grid-", "φ-"):
        words = np.asarray([None if i % 11 == 0 else f"{alphabet}{i}" for i in range(n)], dtype=object)
        assert len(set(words.tolist())) > parquet._FEW_TEXTS
        _check({"variant": np.arange(n, dtype=np.int64), "s": words}, tmp_path, 500)


def test_a_numpy_text_column_is_written_by_the_plain_writer(tmp_path: Path) -> None:
    # a --grid axis of text is a numpy str column: written plain, not handed to DuckDB whole
    n = 3000
    columns = {
        "variant": np.arange(n, dtype=np.int64),
        "policy.regime": np.asarray(["us-uae-2025", "none", "ai-diffusion-2025", "ρ"] * (n // 4)),
    }
    assert columns["policy.regime"].dtype.kind == "U"
    parquet.write_plain(tmp_path / "direct.parquet", columns, _schema_of(tmp_path, columns), 1000, "test")
    assert _read(tmp_path / "direct.parquet")[1]["policy.regime"] == columns["policy.regime"].tolist()
    _check(columns, tmp_path, 1000)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from(["f8", "i8", "text", "U", "text-with-none"]), min_size=1, max_size=6),
    n=st.integers(1, 40),
)
def test_the_known_schema_is_the_one_duckdb_writes(tmp_path: Path, kinds: list[str], n: int) -> None:
    rng = np.random.default_rng(n)
    make = {
        "f8": lambda: rng.normal(size=n),
        "i8": lambda: rng.integers(-5, 5, n),
        "text": lambda: np.asarray([f"t{i % 3}" for i in range(n)], dtype=object),
        "U": lambda: np.asarray([f"u{i % 2}" for i in range(n)]),
        "text-with-none": lambda: np.asarray(
            ["quota"] + [None if i % 2 else "power" for i in range(n - 1)], dtype=object
        ),
    }
    columns = {f"c{i} {kind} é": make[kind]() for i, kind in enumerate(kinds)}
    known = store.known_schema(columns)
    assert known is not None and known == _schema_of(tmp_path, columns)


def test_columns_of_other_kinds_have_no_known_schema() -> None:
    n = 4
    for other in (
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.float32),
        np.zeros(n, dtype=np.int32),
        np.asarray([None] * n, dtype=object),  # DuckDB types an all-NULL column otherwise
        np.asarray(["a", 1.5, None, "b"], dtype=object),
        np.zeros((n, 2)),
    ):
        assert store.known_schema({"variant": np.arange(n, dtype=np.int64), "x": other}) is None
