"""The run store of a sweep: Parquet parts merged into ``variants.parquet``, and the statistics
and SQL queries read back from it.

No Parquet library but DuckDB, already a dependency for the queries: a sweep's columns are
written as plain pages by :func:`parquet.write_plain` under the schema DuckDB gives their first
rows (DuckDB's ``COPY`` writes what that writer refuses), the parts are merged byte for byte
(:mod:`gigacampus.sweep.parquet`, or joined by DuckDB when the merge refuses them), and the
numeric columns are read back with numpy (text columns, and files written otherwise, by DuckDB).
NaN outputs (a year with no campus job) are stored as NULL. The statistics are computed in
:mod:`gigacampus.sweep.summary`. DuckDB is imported on first use (about 0.1 s).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus.errors import InputError, Problem
from gigacampus.sweep import parquet

__all__ = [
    "MAX_QUERY_ROWS",
    "copy_parts",
    "join_parts",
    "known_schema",
    "output_folder",
    "plain_schema",
    "query",
    "column_names",
    "append_columns",
    "append_part",
    "column_reader",
    "finish_body",
    "part_columns",
    "part_file",
    "read_columns",
    "write_columns",
    "write_part",
    "write_whole",
]

#: Memory DuckDB may use to join the parts (it spills beyond it).
JOIN_MEMORY = "256MB"
#: Rows per row group of a ``variants.parquet`` joined by :func:`copy_parts` (one written whole
#: takes :data:`WHOLE_ROW_GROUP_SIZE`). A merged one keeps its parts' row groups: DuckDB's default
#: (122,880 rows at most), one a part of up to 50,000 variants. Parts written in groups of this size instead took
#: as long to write and to read back (200 output columns of 200,000 variants: 1.7-1.9 CPU-s
#: either way) and end each part in a small group (16,384 rows and 2,340 of a 18,724-variant chunk).
ROW_GROUP_SIZE = 16384
#: How :func:`write_columns` encodes a whole sweep held in memory: PLAIN, uncompressed. Nearly
#: every value of a sweep is a distinct double (the sampled inputs reach every output), which a
#: dictionary cannot shorten and snappy barely does: on the flagship's 100,000 variants the
#: default (dictionary, snappy) takes 2.3 CPU-s for 186 MB, no dictionary (``DICTIONARY_SIZE_LIMIT
#: 1``: DuckDB gives up the dictionary of any column whose dictionary passes one byte) 1.8 CPU-s for
#: 199 MB, and this 1.4 CPU-s for 276 MB; queries read it as fast. DuckDB reads every encoding back
#: to the same values. (A larger sweep's parts are written by :func:`write_whole` too, which the
#: byte-for-byte merge keeps as they are; only :func:`copy_parts`, the fallback, re-encodes them.)
PLAIN_OPTIONS = "COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 1"
#: How :func:`copy_parts` (the fallback of :func:`join_parts`) encodes ``variants.parquet``:
#: snappy, no dictionary (2.7-2.9 CPU-s instead of 3.3-3.4 to join the 100,000 variants' parts,
#: 199 MB instead of 186). Uncompressed pages do not suit the join: under its memory limit it
#: took 13.6 CPU-s to write them.
JOIN_OPTIONS = "DICTIONARY_SIZE_LIMIT 1"
#: Rows a ``gigacampus query`` prints at most (a query may select all 1,000,000 variants).
MAX_QUERY_ROWS = 100_000


def _connect() -> Any:
    """A new in-memory DuckDB connection (DuckDB imported here, on first use)."""
    import duckdb

    return duckdb.connect()


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_part(
    path: Path,
    variants: np.ndarray,
    inputs: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    years: Sequence[int],
) -> int:
    """One Parquet file: a row per variant; ``variant``, each input by key path, ``<column>.<year>``;
    written as :func:`write_whole` writes (plain pages, which :func:`join_parts` keeps and
    :func:`column_reader` reads back without DuckDB)."""
    return write_whole(path, part_columns(variants, inputs, outputs, years))


def part_file(parts: Path, index: int) -> Path:
    """Where chunk ``index`` of a sweep writes its own Parquet part in the folder ``parts``."""
    return Path(parts) / f"part-{index:06d}.parquet"


def part_columns(
    variants: np.ndarray, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray], years: Sequence[int]
) -> dict[str, np.ndarray]:
    """A chunk's file columns: ``variant``, each input by key path, each output's ``(n, T)``
    columns as ``<column>.<year>``."""
    data: dict[str, np.ndarray] = {"variant": np.asarray(variants, dtype=np.int64)}
    for name, values in inputs.items():
        data[name] = np.asarray(values)
    for name, col in outputs.items():
        for t, year in enumerate(years):
            data[f"{name}.{year}"] = np.ascontiguousarray(col[:, t])
    return data


def append_part(
    body: Path,
    schema: parquet.Struct,
    variants: np.ndarray,
    inputs: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    years: Sequence[int],
    fallback: Path,
) -> tuple[int, list[parquet.Struct] | None]:
    """A chunk appended to the one file of a sweep, ``body`` (:func:`parquet.append_plain`, from
    any process on this machine): its rows and row groups. A chunk the schema does not take is
    written to its own file ``fallback`` instead (rows, ``None``), which :func:`finish_body` joins."""
    return append_columns(body, schema, part_columns(variants, inputs, outputs, years), fallback)


def append_columns(
    body: Path, schema: parquet.Struct, columns: Mapping[str, np.ndarray], fallback: Path
) -> tuple[int, list[parquet.Struct] | None]:
    """:func:`append_part` of a chunk's file columns (``variant``, inputs, ``<column>.<year>``)."""
    try:
        return parquet.append_plain(body, dict(columns), schema, WHOLE_ROW_GROUP_SIZE)
    except ValueError:
        return write_columns(fallback, columns), None


def finish_body(
    body: Path,
    target: Path,
    schema: parquet.Struct,
    chunks: Sequence[tuple[int, list[parquet.Struct] | None]],
    fallbacks: Sequence[Path],
) -> int:
    """``target``: the sweep's file from ``body``, its chunks' row groups listed in chunk order
    (``chunks[i]``: what :func:`append_part` gave chunk ``i``, whose fallback file is
    ``fallbacks[i]``); the rows. With no fallback file the footer ends ``body``, which becomes
    ``target``: nothing is copied. Else the body's chunks and the fallback files are joined by
    DuckDB in variant order (:func:`copy_parts`), and then removed."""
    from gigacampus import __version__

    groups = [g for _, gs in chunks if gs is not None for g in gs]
    rows = sum(r for r, gs in chunks if gs is not None)
    parquet.finish_plain(body, schema, rows, groups, f"gigacampus version {__version__}")
    others = [f for (_, gs), f in zip(chunks, fallbacks, strict=True) if gs is None]
    if not others:
        os.replace(body, target)
        return rows
    written = copy_parts([body, *others] if rows else others, target, order_by="variant")
    for f in [body, *others]:
        f.unlink()
    return written


def write_columns(
    path: Path, columns: Mapping[str, np.ndarray], *, row_group_size: int | None = None, plain: bool = False
) -> int:
    """``columns`` (1-D, one length) as one Parquet file, in this order; the row count.

    ``plain``: written :data:`PLAIN_OPTIONS` (a whole sweep's ``variants.parquet``); else with
    DuckDB's dictionary and snappy (a part, whose pages :func:`join_parts` keeps as they are)."""
    options = "FORMAT parquet" + (f", {PLAIN_OPTIONS}" if plain else "")
    options += f", ROW_GROUP_SIZE {int(row_group_size)}" if row_group_size else ""
    con = _connect()
    try:
        # a second thread does not shorten this write (its source is one scan of the numpy
        # columns) and takes a core from the statistics computed meanwhile: 0.5 CPU-s more
        con.execute("SET threads = 1")
        con.register("part", dict(columns))  # numpy columns scanned in place; a NaN float is written as NULL
        con.execute(f"COPY part TO {_sql_path(path)} ({options})")
    finally:
        con.close()
    return len(next(iter(columns.values())))


#: Rows DuckDB writes to give :func:`write_whole` the file's schema.
SCHEMA_ROWS = 2048
#: Rows per row group of a ``variants.parquet`` written whole (:func:`write_whole`): DuckDB's own
#: default. Each row group repeats a page header and a footer entry per column, encoded in Python:
#: 16,384 rows (seven groups for the flagship's 100,000 variants) took 0.85 s to write, this 0.35.
WHOLE_ROW_GROUP_SIZE = 122_880


def plain_schema(path: Path, head: Mapping[str, np.ndarray]) -> parquet.Struct | None:
    """The Parquet schema DuckDB gives ``head`` (the first rows of a sweep's columns, in order),
    for :func:`write_whole`: :func:`known_schema` where it knows DuckDB's answer, else DuckDB
    writes them to a file beside ``path``, removed again. ``None`` when that schema is not one
    :func:`parquet.write_plain` writes under."""
    known = known_schema(head)
    if known is not None:
        return known
    scratch = path.with_name(path.name + ".schema")
    try:
        write_columns(scratch, dict(head), plain=True)
        _, footer = parquet.read_footer(scratch)
        return parquet.field(parquet.decode(footer), 2)
    except ValueError:
        return None
    finally:
        scratch.unlink(missing_ok=True)


def known_schema(head: Mapping[str, np.ndarray]) -> parquet.Struct | None:
    """The schema DuckDB (2.0) writes for columns of float64 (DOUBLE), int64 (INT64, converted
    type INT_64) and text (BYTE_ARRAY, UTF8: numpy text, or objects of which ``head`` holds at
    least one ``str`` and nothing but ``str`` and ``None``), every column OPTIONAL under a root
    named ``duckdb_schema``, without asking DuckDB (writing its file of 2,048 rows and importing it
    took 0.15 s). ``None`` for any other column, which DuckDB then types itself. The tests compare
    it with DuckDB's own, byte for byte."""
    i32, binary = parquet.I32, parquet.BINARY
    elements: list[parquet.Struct] = [[(3, i32, 0), (4, binary, b"duckdb_schema"), (5, i32, len(head))]]
    for name, x in head.items():
        encoded = name.encode("utf-8")
        if x.ndim != 1:
            return None
        if x.dtype == np.float64:
            elements.append([(1, i32, 5), (3, i32, 1), (4, binary, encoded)])
        elif x.dtype == np.int64:
            elements.append([(1, i32, 2), (3, i32, 1), (4, binary, encoded), (6, i32, 18)])
        elif x.dtype.kind == "U" or (x.dtype.kind == "O" and _text(x)):
            elements.append([(1, i32, 6), (3, i32, 1), (4, binary, encoded), (6, i32, 0)])
        else:
            return None
    return (parquet.STRUCT, elements)


def _text(x: np.ndarray) -> bool:
    """Whether an object column holds text and ``None`` only, and some text."""
    kinds = {type(v) for v in x.tolist()}
    return str in kinds and kinds <= {str, type(None)}


def write_whole(
    path: Path,
    columns: Mapping[str, np.ndarray],
    *,
    row_group_size: int = WHOLE_ROW_GROUP_SIZE,
    schema: parquet.Struct | None = None,
) -> int:
    """Columns held in memory (a whole sweep, or a part of one) as one Parquet file, the columns
    in this order; the rows.

    :func:`parquet.write_plain` writes the whole columns, plain and uncompressed, from the numpy
    buffers (no value is converted one by one but the text), under the schema DuckDB gives their
    first :data:`SCHEMA_ROWS` rows: ``schema``, if :func:`plain_schema` already gave it, else the
    one found for columns of these names and types earlier in this process (the parts of a
    sweep), else found now. Columns it refuses (a text column whose first rows are all NULL gets
    another type from DuckDB, say) are written by DuckDB whole instead, :data:`PLAIN_OPTIONS`.
    DuckDB reads either back to the same values."""

    key = tuple((name, x.dtype.str) for name, x in columns.items())
    used = schema if schema is not None else _SCHEMAS.get(key)
    rows = None if used is None else _plain(path, columns, used, row_group_size)
    if rows is None:  # this file's own schema
        used = plain_schema(path, {k: v[:SCHEMA_ROWS] for k, v in columns.items()})
        rows = None if used is None else _plain(path, columns, used, row_group_size)
    if rows is None:
        return write_columns(path, columns, row_group_size=row_group_size, plain=True)
    if len(_SCHEMAS) >= _MAX_SCHEMAS:
        _SCHEMAS.clear()
    _SCHEMAS[key] = used
    return rows


def _plain(path: Path, columns: Mapping[str, np.ndarray], schema: parquet.Struct, row_group_size: int) -> int | None:
    """:func:`parquet.write_plain` of ``columns`` under ``schema``; ``None`` if it refuses them."""
    from gigacampus import __version__

    try:
        return parquet.write_plain(path, dict(columns), schema, row_group_size, f"gigacampus version {__version__}")
    except ValueError:
        return None


#: Schemas :func:`write_whole` wrote under, by the columns' names and numpy types: a sweep's parts
#: are written under the first one's, so that a later part whose text column begins with NULLs
#: (which DuckDB would type otherwise) keeps the schema, and the parts merge byte for byte.
_SCHEMAS: dict[tuple[tuple[str, str], ...], parquet.Struct] = {}
_MAX_SCHEMAS = 16


def column_names(path: Path) -> list[str]:
    """The columns of a Parquet file, in order."""
    con = _connect()
    try:
        return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_path(path)})").fetchall()]
    finally:
        con.close()


def read_columns(files: Sequence[Path], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns of the Parquet ``files`` read in order (one after the other): numeric ones as float64
    with NaN for NULL, text ones as object arrays with ``None`` for NULL."""
    return column_reader(files)(names)


def column_reader(files: Sequence[str | Path]) -> Callable[[Sequence[str]], dict[str, np.ndarray]]:
    """:func:`read_columns` of ``files`` as a reader of names (a :data:`summary.Reader`) that
    reads the footers once, at its first call.

    Numeric columns of plain pages (:func:`write_whole`'s, and so a sweep's parts and the
    ``variants.parquet`` merged from them) are read with numpy straight from the file
    (:func:`parquet.read_chunk`: for 28 columns of the flagship's 1,000,000 variants, 4 ms a
    column, where DuckDB took 16, once the footer is decoded, which takes 0.5 s for that file
    and is kept for the file as it is); text columns, and every column of files written
    otherwise, are read with DuckDB."""
    paths = [Path(f) for f in files]
    layouts: list[dict[str, list[tuple[int, int, int, int]]]] | None = None

    def read(names: Sequence[str]) -> dict[str, np.ndarray]:
        nonlocal layouts
        if layouts is None:
            try:
                layouts = [_plain_layout(p) for p in paths]
            except ValueError:
                layouts = []
        plain = [c for c in names if layouts and all(c in layout for layout in layouts)]
        out: dict[str, np.ndarray] = {}
        if plain:
            try:
                out = _read_plain(paths, layouts, plain)
            except ValueError:  # a chunk not as write_plain writes them: DuckDB reads these files
                layouts, out = [], {}
        rest = [c for c in names if c not in out]
        if rest:
            out.update(_read_duckdb(paths, rest))
        return {c: out[c] for c in names}

    return read


def _plain_layout(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """:func:`parquet.plain_layout`, kept for the file as it is (its size and modification time):
    the statistics' tasks of one sweep read the same parts, and decoding the footers of
    1,000,000 variants' parts takes about 0.5 s."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns)
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = parquet.plain_layout(path)
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            _LAYOUTS.clear()
        _LAYOUTS[key] = layout
    return layout


_LAYOUTS: dict[tuple[str, int, int], dict[str, list[tuple[int, int, int, int]]]] = {}
_MAX_LAYOUTS = 1024


def _read_plain(
    files: Sequence[Path], layouts: Sequence[dict[str, list[tuple[int, int, int, int]]]], names: Sequence[str]
) -> dict[str, np.ndarray]:
    """The numeric columns ``names`` (in every one of ``layouts``) of ``files`` in order, as float64."""
    n = sum(rows for _, rows, _, _ in (c for layout in layouts for c in layout[names[0]]))
    out = {c: np.empty(n, dtype=np.float64) for c in names}
    at = 0
    for path, layout in zip(files, layouts, strict=True):
        rows_here = sum(rows for _, rows, _, _ in layout[names[0]])
        with open(path, "rb") as f:
            for c in names:
                if sum(rows for _, rows, _, _ in layout[c]) != rows_here:
                    raise ValueError(f"{path}: columns of different lengths")
                start = at
                for kind, rows, offset, size in layout[c]:
                    parquet.read_chunk(f, kind, rows, offset, size, out[c][start : start + rows])
                    start += rows
        at += rows_here
    return out


def _read_duckdb(files: Sequence[Path], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns of ``files`` read by DuckDB (see :func:`read_columns`)."""
    listed = "[" + ", ".join(_sql_path(p) for p in files) + "]"
    con = _connect()
    try:
        con.execute("SET threads = 1")
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({listed})").fetchall()
        types = {r[0]: r[1] for r in described}
        select = ", ".join(f"CAST({_q(c)} AS DOUBLE) AS {_q(c)}" if types[c] != "VARCHAR" else _q(c) for c in names)
        got = con.execute(f"SELECT {select} FROM read_parquet({listed})").fetchnumpy()
    finally:
        con.close()
    out: dict[str, np.ndarray] = {}
    for c in names:
        x = got[c]
        if types[c] == "VARCHAR":
            text = np.asarray(np.ma.getdata(x), dtype=object)  # this fetch's own array
            text[np.ma.getmaskarray(x)] = None  # (np.ma.filled(x, None) fills numpy's default for text, "?")
            out[c] = text
        else:
            out[c] = np.ma.filled(np.ma.asarray(x, dtype=float), np.nan)
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def join_parts(parts: Sequence[Path], target: Path) -> int:
    """``target``: the parts in order; the rows written.

    :func:`gigacampus.sweep.parquet.merge` copies the parts' bytes behind one another under one
    footer (no value is decoded: 0.48 CPU-s for the 11 parts of the flagship's 200,000 variants,
    where the re-encoding below took 4.7), so ``target`` keeps the parts' row groups and encodings. Parts it refuses (a
    :class:`ValueError`: their column types differ, say, or they are not plain Parquet) are joined
    by :func:`copy_parts` instead."""
    try:
        return parquet.merge(parts, target)
    except ValueError:
        return copy_parts(parts, target)


def copy_parts(parts: Sequence[Path], target: Path, order_by: str | None = None) -> int:
    """``target``: the parts in order, re-encoded by DuckDB (it streams them; insertion order is
    kept), or sorted by the column ``order_by``; the rows written. The fallback of
    :func:`join_parts` and :func:`finish_body`: it reads any parts DuckDB reads, and unifies
    their column types."""
    files = "[" + ", ".join(_sql_path(p) for p in parts) + "]"
    con = _connect()
    try:
        # bounded memory: one thread and a limit; DuckDB spills to a folder beside the target
        con.execute("SET threads = 1")
        con.execute(f"SET memory_limit = '{JOIN_MEMORY}'")
        con.execute(f"SET temp_directory = {_sql_path(target.parent / '.duckdb-tmp')}")
        con.execute("SET preserve_insertion_order = true")
        written = con.execute(
            f"COPY (SELECT * FROM read_parquet({files})"
            f"{'' if order_by is None else ' ORDER BY ' + _q(order_by)}) TO {_sql_path(target)} "
            f"(FORMAT parquet, {JOIN_OPTIONS}, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        ).fetchone()
    finally:
        con.close()
    shutil.rmtree(target.parent / ".duckdb-tmp", ignore_errors=True)
    return int(written[0]) if written else 0


def query(folder: str | Path, sql: str, *, source: str = "query") -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Run DuckDB ``sql`` against a view ``variants`` over ``folder/variants.parquet``: (column
    names, rows, truncated). Bad SQL or a folder without a sweep is an :class:`InputError`."""
    import duckdb  # for duckdb.Error

    target = Path(folder) / "variants.parquet"
    if not target.is_file():
        raise InputError(
            [Problem(str(folder), "", "no variants.parquet here; allowed: a folder gigacampus sweep wrote")]
        )
    if not sql.strip():
        raise InputError(
            [Problem(source, "SQL", "empty; allowed: a DuckDB query such as SELECT count(*) FROM variants")]
        )
    con = _connect()
    try:
        con.execute(f"CREATE VIEW variants AS SELECT * FROM read_parquet({_sql_path(target.resolve())})")
        # the query reads the sweep's file and nothing else on the machine
        con.execute(f"SET allowed_paths = [{_sql_path(target.resolve())}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        cur = con.execute(sql)
        if cur.description is None:
            return [], [], False
        names = [d[0] for d in cur.description]
        rows = cur.fetchmany(MAX_QUERY_ROWS + 1)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError([Problem(source, "SQL", f"{first}; allowed: DuckDB SQL over the view variants")]) from None
    finally:
        con.close()
    return names, rows[:MAX_QUERY_ROWS], len(rows) > MAX_QUERY_ROWS


@contextmanager
def output_folder(target: str | Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to write into; it replaces ``target`` only when the block
    ends without an error, else it is removed (no half-written output folder)."""
    final = Path(target)
    if final.exists() and not final.is_dir():
        raise InputError(
            [Problem(str(final), "", "exists and is not a folder; allowed: a folder to write the sweep to")]
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.partial-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
