"""The Parquet byte merge: its Thrift compact codec, the merged file read back by DuckDB, its refusals
and the DuckDB join it falls back to."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigacampus.sweep import parquet, store
from gigacampus.sweep.parquet import BINARY, BYTE, DOUBLE, I16, I32, I64, LIST, MAP, SET, STRUCT, TRUE

#: Columns of every type a sweep's part holds, each with its NULLs (and NaN) from a seeded hash of
#: the row: DOUBLE with NULL and NaN, BIGINT with NULL, VARCHAR with NULL and few distinct values
#: (a dictionary), BOOLEAN with NULL. ``i`` numbers the rows so that their order can be checked.
COLUMNS = """
    i::BIGINT + {first} AS i,
    CASE WHEN hash(i, {seed}) % {nulls} = 0 THEN NULL
         WHEN hash(i, {seed}) % 13 = 1 THEN 'nan'::DOUBLE
         ELSE (hash(i, {seed} + 1) % 1000003) / 7.0 END AS x,
    CASE WHEN hash(i, {seed} + 2) % {nulls} = 0 THEN NULL ELSE (hash(i, {seed} + 3) % 97)::BIGINT - 40 END AS n,
    CASE WHEN hash(i, {seed} + 4) % {nulls} = 0 THEN NULL ELSE 'model-' || (hash(i, {seed} + 5) % 5)::VARCHAR END AS s,
    CASE WHEN hash(i, {seed} + 6) % {nulls} = 0 THEN NULL ELSE hash(i, {seed} + 7) % 2 = 0 END AS b,
    (hash(i, {seed} + 8) % 1000000)::DOUBLE AS plain
"""


def write(
    path: Path,
    rows: int,
    *,
    first: int = 0,
    seed: int = 0,
    nulls: int = 4,
    row_group_size: int | None = None,
    options: str = "",
) -> Path:
    """A Parquet file DuckDB writes: ``rows`` rows of :data:`COLUMNS` numbered from ``first``."""
    opts = "FORMAT parquet" + (f", ROW_GROUP_SIZE {row_group_size}" if row_group_size else "") + options
    sql = f"SELECT {COLUMNS.format(first=first, seed=seed, nulls=nulls)} FROM range({rows}) t(i)"
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({sql}) TO '{path}' ({opts})")
    finally:
        con.close()
    return path


def read(files: list[Path]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every column of ``files`` read by DuckDB in order: (values, NULL mask)."""
    listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    con = duckdb.connect()
    try:
        got = con.execute(f"SELECT * FROM read_parquet({listed})").fetchnumpy()
    finally:
        con.close()
    return {c: (np.ma.getdata(x), np.ma.getmaskarray(x)) for c, x in got.items()}


def assert_same(a: dict[str, tuple[np.ndarray, np.ndarray]], b: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    assert list(a) == list(b)
    for c in a:
        (xa, ma), (xb, mb) = a[c], b[c]
        assert np.array_equal(ma, mb), c
        va, vb = xa[~ma], xb[~mb]
        if va.dtype.kind == "f":
            assert np.array_equal(va, vb, equal_nan=True), c
        else:
            assert np.array_equal(va, vb), c


def metadata(path: Path) -> tuple[int, int]:
    """(rows, row groups) DuckDB reads in the footer of ``path``."""
    con = duckdb.connect()
    try:
        rows, groups = con.execute(f"SELECT num_rows, num_row_groups FROM parquet_file_metadata('{path}')").fetchone()
    finally:
        con.close()
    return rows, groups


FORMATS = [
    "",  # DuckDB's default: dictionaries where they pay, snappy
    ", COMPRESSION uncompressed",
    ", DICTIONARY_SIZE_LIMIT 1",  # plain pages
    ", COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 1",
    ", COMPRESSION zstd",
]


@pytest.mark.parametrize("options", FORMATS)
def test_footers_duckdb_writes_decode_and_encode_to_the_same_bytes(tmp_path: Path, options: str) -> None:
    path = write(tmp_path / "a.parquet", 10_000, row_group_size=2048, options=options)
    _, footer = parquet.read_footer(path)
    fields = parquet.decode(footer)
    assert parquet.encode(fields) == footer
    lazy = parquet.decode(footer, parquet.FOOTER_SHAPE)
    assert parquet.encode(lazy) == footer
    assert isinstance(parquet._get(lazy, 2), parquet.Raw)  # the schema left as its bytes
    assert parquet.encode([(2, LIST, parquet._get(fields, 2))]) == b"\x29" + parquet._get(lazy, 2) + b"\x00"
    assert parquet._get(fields, 3) == 10_000
    assert len(parquet._get(fields, 4)[1]) == metadata(path)[1] == 5


def test_the_codec_keeps_every_compact_type_byte_for_byte() -> None:
    inner = [(1, I32, -5), (2, BINARY, b"")]
    fields = [
        (1, TRUE, True),
        (2, 2, False),
        (3, BYTE, -3),
        (4, I16, -32768),
        (5, I32, 2**31 - 1),
        (6, I64, -(2**63)),
        (7, DOUBLE, float("nan")),
        (8, BINARY, b"\x00\xff" * 200),  # a length of two bytes
        (9, LIST, (I64, list(range(-20, 20)))),  # the long list header
        (10, SET, (TRUE, [True, False, True])),  # bools as bytes of their own
        (11, MAP, (BINARY, STRUCT, [(b"k", inner), (b"", [])])),
        (12, MAP, (0, 0, [])),
        (40, STRUCT, [(1, LIST, (STRUCT, [inner, inner])), (300, I16, 7)]),  # long field headers
        (41, LIST, (I32, [])),
    ]
    data = parquet.encode(fields)
    back = parquet.decode(data)
    assert parquet.encode(back) == data
    assert back[:6] == fields[:6] and back[7:] == fields[7:]
    assert np.isnan(back[6][2])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_struct_comes_back_from_its_bytes(data: st.DataObject) -> None:
    ints = {BYTE: (-128, 127), I16: (-(2**15), 2**15 - 1), I32: (-(2**31), 2**31 - 1), I64: (-(2**63), 2**63 - 1)}

    def value(ctype: int, depth: int) -> object:
        if ctype in ints:
            return data.draw(st.integers(*ints[ctype]))
        if ctype == BINARY:
            return data.draw(st.binary(max_size=40))
        if ctype == DOUBLE:
            return data.draw(st.floats(allow_nan=False))
        if ctype == TRUE:
            return data.draw(st.booleans())
        if ctype in (LIST, SET):
            etype = data.draw(st.sampled_from(element_types(depth)))
            return (etype, [value(etype, depth + 1) for _ in range(data.draw(st.integers(0, 20)))])
        if ctype == MAP:
            kt, vt = data.draw(st.sampled_from(element_types(depth))), data.draw(st.sampled_from(element_types(depth)))
            n = data.draw(st.integers(0, 3))
            return (kt, vt, [(value(kt, depth + 1), value(vt, depth + 1)) for _ in range(n)]) if n else (0, 0, [])
        return struct(depth + 1)

    def element_types(depth: int) -> list[int]:
        flat = [TRUE, BYTE, I16, I32, I64, DOUBLE, BINARY]
        return flat + ([LIST, SET, MAP, STRUCT] if depth < 3 else [])

    def struct(depth: int) -> list[tuple[int, int, object]]:
        ids = sorted(data.draw(st.sets(st.integers(1, 400), max_size=6)))
        out = []
        for fid in ids:
            ctype = data.draw(st.sampled_from(element_types(depth)))
            v = value(ctype, depth)
            out.append((fid, (TRUE if v else 2) if ctype == TRUE else ctype, v))
        return out

    fields = struct(0)
    encoded = parquet.encode(fields)
    assert parquet.decode(encoded) == fields
    assert parquet.encode(parquet.decode(encoded)) == encoded
    # a shape decodes some containers and leaves the rest as their bytes, written back unchanged
    shape = {fid: {f: {} for f, _, _ in v} for fid, t, v in fields if t == STRUCT}
    shape.update({fid: {} for fid, t, v in fields if t == LIST and v[0] == STRUCT})
    for opened in ({}, shape):
        lazy = parquet.decode(encoded, opened)
        assert parquet.encode(lazy) == encoded
        for (fid, ctype, value), (_, _, full) in zip(lazy, fields, strict=True):
            if ctype >= LIST and fid not in opened:
                assert isinstance(value, parquet.Raw) and value == parquet.encode([(1, ctype, full)])[1:-1]


def test_the_codec_refuses_bytes_it_would_not_write_back() -> None:
    with pytest.raises(ValueError, match="redundant"):
        parquet.decode(bytes([0x15, 0x82, 0x00, 0x00]))  # i32 field 1 as a padded varint
    with pytest.raises(ValueError, match="long form"):
        parquet.decode(bytes([0x05, 0x02, 0x02, 0x00]))  # field 1 in the long header
    with pytest.raises(ValueError, match="after"):
        parquet.decode(parquet.encode([(1, I32, 1)]) + b"\x00")
    with pytest.raises(ValueError, match="past the end"):
        parquet.decode(bytes([0x18, 0x05, 0x61]))  # a binary of 5 bytes with 1


@pytest.mark.parametrize("options", FORMATS[:3])
def test_merged_parts_read_back_as_the_parts_in_order(tmp_path: Path, options: str) -> None:
    sizes = [5000, 1, 2048, 7000]
    parts = []
    first = 0
    for k, rows in enumerate(sizes):
        parts.append(write(tmp_path / f"p{k}.parquet", rows, first=first, seed=k, row_group_size=2048, options=options))
        first += rows
    target = tmp_path / "merged.parquet"
    assert parquet.merge(parts, target) == sum(sizes)
    got = read([target])
    assert_same(got, read(parts))
    assert np.array_equal(got["i"][0], np.arange(sum(sizes)))
    assert metadata(target) == (sum(sizes), sum(metadata(p)[1] for p in parts))
    # a filter on the dictionary column reads the moved bloom filters and dictionary pages
    con = duckdb.connect()
    try:
        merged, each = (
            con.execute(f"SELECT count(*) FROM read_parquet({files}) WHERE s = 'model-3' AND n > 0").fetchone()[0]
            for files in (f"'{target}'", "[" + ", ".join(f"'{p}'" for p in parts) + "]")
        )
    finally:
        con.close()
    assert merged == each > 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(1, 6000), min_size=1, max_size=4),
    row_group_size=st.sampled_from([2048, 4096, 122880]),
    nulls=st.integers(1, 50),
    seed=st.integers(0, 10_000),
    plain=st.booleans(),
)
def test_any_parts_merge_to_the_parts_in_order(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], row_group_size: int, nulls: int, seed: int, plain: bool
) -> None:
    folder = tmp_path_factory.mktemp("parts")
    options = ", DICTIONARY_SIZE_LIMIT 1" if plain else ""
    parts = []
    first = 0
    for k, rows in enumerate(sizes):
        parts.append(
            write(
                folder / f"p{k}.parquet",
                rows,
                first=first,
                seed=seed + k,
                nulls=nulls,
                row_group_size=row_group_size,
                options=options,
            )
        )
        first += rows
    target = folder / "merged.parquet"
    assert store.join_parts(parts, target) == sum(sizes)
    assert_same(read([target]), read(parts))
    assert metadata(target) == (sum(sizes), sum(metadata(p)[1] for p in parts))
    # the merge, not the DuckDB join: the parts' bodies are in the target unchanged
    assert (
        target.read_bytes()[4 : 4 + parquet.read_footer(parts[0])[0] - 4]
        == parts[0].read_bytes()[4 : parquet.read_footer(parts[0])[0]]
    )


def test_one_row_and_empty_parts_merge(tmp_path: Path) -> None:
    parts = [write(tmp_path / f"p{k}.parquet", 1, first=k, seed=k) for k in range(3)]
    parts.insert(1, write(tmp_path / "empty.parquet", 0))
    assert metadata(parts[1]) == (0, 0)
    target = tmp_path / "merged.parquet"
    assert parquet.merge(parts, target) == 3
    assert_same(read([target]), read(parts))
    assert metadata(target) == (3, 3)


def test_a_footer_without_its_row_groups_is_refused(tmp_path: Path) -> None:
    good = write(tmp_path / "good.parquet", 100)
    fields = parquet.decode(parquet.read_footer(good)[1])
    for broken, why in (
        ([f for f in fields if f[0] != 4], "no field 4"),
        (parquet._set(fields, 4, (I32, [1, 2])), "list of type 5"),
    ):
        bad = with_footer(good, tmp_path / "bad.parquet", parquet.encode(broken))
        with pytest.raises(ValueError, match=why):
            parquet.merge([good, bad], tmp_path / "m.parquet")


def with_footer(source: Path, target: Path, footer: bytes, magic: bytes = b"PAR1") -> Path:
    """``source``'s body under ``footer``."""
    start, _ = parquet.read_footer(source)
    body = source.read_bytes()[:start]
    target.write_bytes(body + footer + len(footer).to_bytes(4, "little") + magic)
    return target


def edit_chunks(fields: parquet.Struct, extra: parquet.Field) -> parquet.Struct:
    """``fields`` (a FileMetaData) with ``extra`` added to its first column chunk, in field order."""
    groups = parquet._get(fields, 4)[1]
    chunks = parquet._get(groups[0], 1)[1]
    chunks[0] = sorted([*chunks[0], extra], key=lambda f: f[0])
    return fields


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ((1, BINARY, b"elsewhere.parquet"), "file_path"),
        ((4, I64, 100), "offset index"),
        ((8, STRUCT, []), "encrypted"),
    ],
)
def test_column_chunks_the_merge_cannot_move_are_refused(tmp_path: Path, extra: parquet.Field, why: str) -> None:
    good = write(tmp_path / "good.parquet", 100)
    fields = edit_chunks(parquet.decode(parquet.read_footer(good)[1]), extra)
    bad = with_footer(good, tmp_path / "bad.parquet", parquet.encode(fields))
    target = tmp_path / "merged.parquet"
    with pytest.raises(ValueError, match=why):
        parquet.merge([good, bad], target)
    assert not target.exists()  # refused before anything was written


def test_files_that_are_not_plain_parquet_are_refused(tmp_path: Path) -> None:
    good = write(tmp_path / "good.parquet", 100)
    _, footer = parquet.read_footer(good)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not a parquet file at all")
    with pytest.raises(ValueError, match="PAR1"):
        parquet.merge([good, junk], tmp_path / "m.parquet")
    encrypted = with_footer(good, tmp_path / "enc.parquet", footer, magic=b"PARE")
    with pytest.raises(ValueError, match="encrypted"):
        parquet.merge([good, encrypted], tmp_path / "m.parquet")
    short = tmp_path / "short.parquet"
    short.write_bytes(b"PAR1PAR1")
    with pytest.raises(ValueError, match="too short"):
        parquet.merge([short], tmp_path / "m.parquet")
    with pytest.raises(ValueError, match="no parts"):
        parquet.merge([], tmp_path / "m.parquet")


def test_row_group_ordinals_are_renumbered(tmp_path: Path) -> None:
    parts = []
    for k in range(2):
        plain = write(tmp_path / f"plain{k}.parquet", 5000, first=5000 * k, row_group_size=2048)
        fields = parquet.decode(parquet.read_footer(plain)[1])
        groups = [[*g, (7, I16, j)] for j, g in enumerate(parquet._get(fields, 4)[1])]
        parts.append(
            with_footer(plain, tmp_path / f"p{k}.parquet", parquet.encode(parquet._set(fields, 4, (STRUCT, groups))))
        )
    target = tmp_path / "merged.parquet"
    parquet.merge(parts, target)
    groups = parquet._get(parquet.decode(parquet.read_footer(target)[1]), 4)[1]
    assert [parquet._get(g, 7) for g in groups] == list(range(6))
    assert_same(read([target]), read(parts))


def test_parts_of_other_column_types_are_joined_by_duckdb_instead(tmp_path: Path) -> None:
    # (DuckDB casts to the first part's types: a DOUBLE column, then a BIGINT one)
    con = duckdb.connect()
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    try:
        con.execute(f"COPY (SELECT i::BIGINT AS i, i / 4.0 AS x FROM range(3000) t(i)) TO '{a}' (FORMAT parquet)")
        con.execute(
            f"COPY (SELECT i::BIGINT + 3000 AS i, i::BIGINT AS x FROM range(2000) t(i)) TO '{b}' (FORMAT parquet)"
        )
    finally:
        con.close()
    target = tmp_path / "joined.parquet"
    with pytest.raises(ValueError, match="schema"):
        parquet.merge([a, b], target)
    assert store.join_parts([a, b], target) == 5000
    got = read([target])
    assert np.array_equal(got["i"][0], np.arange(5000))
    assert np.array_equal(got["x"][0].astype(float), np.concatenate([np.arange(3000) / 4.0, np.arange(2000.0)]))
    assert not (tmp_path / ".duckdb-tmp").exists()


def test_a_part_shorter_than_its_footer_says_is_refused(tmp_path: Path) -> None:
    good = write(tmp_path / "good.parquet", 3000)
    with open(good, "rb") as src, open(tmp_path / "out", "wb") as dst:
        with pytest.raises(ValueError, match="shorter"):
            parquet._copy(src, dst, 4, good.stat().st_size)


def test_the_copy_without_copy_file_range_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [write(tmp_path / f"p{k}.parquet", 3000, first=3000 * k, seed=k) for k in range(3)]
    parquet.merge(parts, tmp_path / "kernel.parquet")
    monkeypatch.setattr(parquet, "COPY_BYTES", 1000)  # several reads per part

    def refuse(*args: object) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(parquet.os, "copy_file_range", refuse)
    parquet.merge(parts, tmp_path / "reads.parquet")
    assert (tmp_path / "kernel.parquet").read_bytes() == (tmp_path / "reads.parquet").read_bytes()
    assert_same(read([tmp_path / "reads.parquet"]), read(parts))
