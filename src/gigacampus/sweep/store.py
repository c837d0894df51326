"""The run store of a sweep: ``variants.parquet`` written with pyarrow, chunk by chunk, and the
statistics and SQL queries read back from it with DuckDB.

Writing: :class:`ParquetStream` appends each chunk's rows to one open file as row groups, from a
background thread (pyarrow encodes with the GIL released), so the file is written on the second
core while the next chunk is computed, and a sweep of any size is one file without parts to
join. DuckDB's ``COPY ... (FORMAT parquet)`` writes a whole file from one source only: the file
could be written only after the last chunk (1.3-1.6 CPU-seconds for 100,000 variants, all of
it after the compute) or as parts joined afterwards (every byte encoded twice). Reading (the
statistics of a sweep too large for memory, ``gigacampus query``) stays with DuckDB. NaN outputs
(a year with no campus job) are stored as NULL. The statistics are computed in
:mod:`gigacampus.sweep.summary`.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from gigacampus.errors import InputError, Problem

__all__ = [
    "MAX_QUERY_ROWS",
    "ParquetStream",
    "join_parts",
    "output_folder",
    "query",
    "column_names",
    "read_columns",
    "write_columns",
    "write_part",
]

#: Rows per row group of ``variants.parquet``.
ROW_GROUP_SIZE = 16384
#: Rows a ``gigacampus query`` prints at most (a query may select all 1,000,000 variants).
MAX_QUERY_ROWS = 100_000


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def part_columns(
    variants: np.ndarray, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray], years: Sequence[int]
) -> dict[str, np.ndarray]:
    """The file's columns of some variants: ``variant``, each input by key path, ``<column>.<year>``
    (``outputs`` are ``(n, T)``)."""
    data: dict[str, np.ndarray] = {"variant": np.asarray(variants, dtype=np.int64)}
    for name, values in inputs.items():
        data[name] = np.asarray(values)
    for name, col in outputs.items():
        for t, year in enumerate(years):
            data[f"{name}.{year}"] = col[:, t]
    return data


def write_part(
    path: Path,
    variants: np.ndarray,
    inputs: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    years: Sequence[int],
) -> int:
    """One Parquet file: a row per variant; ``variant``, each input by key path, ``<column>.<year>``."""
    return write_columns(path, part_columns(variants, inputs, outputs, years))


def write_columns(path: Path, columns: Mapping[str, np.ndarray], *, row_group_size: int | None = None) -> int:
    """``columns`` (1-D, one length) as one Parquet file, in this order; the row count."""
    with ParquetStream(path, row_group_size=row_group_size or ROW_GROUP_SIZE, background=False) as stream:
        stream.add(columns)
    return stream.rows


def _arrow(x: np.ndarray) -> Any:
    """One column as an Arrow array: NaN as NULL; text (object) as strings, ``None`` as NULL."""
    import pyarrow as pa

    if x.dtype.kind == "f":
        return pa.array(x, from_pandas=True)  # NaN -> NULL
    if x.dtype.kind in "OU":
        return pa.array([None if v is None else str(v) for v in x.tolist()], type=pa.string())
    return pa.array(x)


class ParquetStream:
    """One Parquet file written chunk by chunk: :meth:`add` each chunk's columns (same names and
    types every time), rows in the order added.

    With ``background`` a thread encodes and writes each chunk while the caller computes the
    next; at most ``in_flight`` chunks wait for it (bounded memory). The first error (of the
    caller or the writer) is raised from :meth:`add` or on leaving the ``with`` block, and the
    file is then removed. Columns must not change after :meth:`add` (they are read later)."""

    def __init__(
        self, path: Path, *, row_group_size: int = ROW_GROUP_SIZE, background: bool = True, in_flight: int = 2
    ):
        self.path = Path(path)
        self.row_group_size = int(row_group_size)
        self.rows = 0
        self._writer: Any = None
        self._schema: Any = None
        self._error: BaseException | None = None
        self._slots = threading.Semaphore(in_flight)
        self._queue: list[Any] = []
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._drain, daemon=True) if background else None
        if self._thread is not None:
            self._thread.start()

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        self._finish(failed=kind is not None)

    def add(self, columns: Mapping[str, np.ndarray] | Any) -> None:
        """Append rows: ``columns`` by name (1-D numpy arrays of one length) or a pyarrow table."""
        self._raise()
        if self._thread is None:
            self._write(columns)
            return
        self._slots.acquire()
        with self._ready:
            self._queue.append(columns)
            self._ready.notify()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _drain(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                columns = self._queue.pop(0)
            if columns is None:
                return
            try:
                if self._error is None:
                    self._write(columns)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            finally:
                self._slots.release()

    def _write(self, columns: Any) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if isinstance(columns, pa.Table):
            table = columns
        else:
            table = pa.table([_arrow(np.asarray(x)) for x in columns.values()], names=list(columns))
        if self._writer is None:
            # strings dictionary-encoded (a few distinct values); numbers plain (dictionaries of
            # 100,000 distinct floats cost time and save nothing)
            text = [f.name for f in table.schema if pa.types.is_string(f.type)]
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="snappy", use_dictionary=text)
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self.rows += table.num_rows

    def _finish(self, failed: bool) -> None:
        if self._thread is not None:
            with self._ready:
                self._queue.append(None)
                self._ready.notify()
            self._thread.join()
        if self._writer is not None:
            self._writer.close()
        if failed or self._error is not None:
            self.path.unlink(missing_ok=True)
        if not failed:
            self._raise()


def column_names(path: Path) -> list[str]:
    """The columns of a Parquet file, in order."""
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_path(path)})").fetchall()]
    finally:
        con.close()


def read_columns(files: Sequence[Path], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns of the Parquet ``files`` read in order (one after the other): numeric ones as float64
    with NaN for NULL, text ones as object arrays with ``None`` for NULL."""
    listed = "[" + ", ".join(_sql_path(p) for p in files) + "]"
    con = duckdb.connect()
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
            text = np.asarray(np.ma.getdata(x), dtype=object)
            text[np.ma.getmaskarray(x)] = None  # (np.ma.filled(x, None) would fill numpy's default, "?")
            out[c] = text
        else:
            out[c] = np.ma.filled(np.ma.asarray(x, dtype=float), np.nan)
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def join_parts(parts: Sequence[Path], target: Path) -> None:
    """``target``: the parts' rows in order, one part in memory at a time."""
    import pyarrow.parquet as pq

    with ParquetStream(target, background=False) as stream:
        for part in parts:
            stream.add(pq.read_table(part))


def query(folder: str | Path, sql: str, *, source: str = "query") -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Run DuckDB ``sql`` against a view ``variants`` over ``folder/variants.parquet``: (column
    names, rows, truncated). Bad SQL or a folder without a sweep is an :class:`InputError`."""
    target = Path(folder) / "variants.parquet"
    if not target.is_file():
        raise InputError(
            [Problem(str(folder), "", "no variants.parquet here; allowed: a folder gigacampus sweep wrote")]
        )
    if not sql.strip():
        raise InputError(
            [Problem(source, "SQL", "empty; allowed: a DuckDB query such as SELECT count(*) FROM variants")]
        )
    con = duckdb.connect()
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
