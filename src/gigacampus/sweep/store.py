"""The run store of a sweep: Parquet parts written with DuckDB, joined into ``variants.parquet``,
and the statistics and SQL queries read back from it.

DuckDB alone writes and reads the Parquet (no pyarrow): it is already a dependency for the
queries, streams a join of parts without loading them, and its ``COPY ... (FORMAT parquet)``
compresses each column. NaN outputs (a year with no campus job) are stored as NULL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from gigacampus.errors import InputError, Problem

__all__ = [
    "MAX_QUERY_ROWS",
    "column_stats",
    "histogram",
    "join_parts",
    "output_folder",
    "query",
    "scalar",
    "write_part",
]

#: Memory DuckDB may use to join the parts (it spills beyond it).
JOIN_MEMORY = "256MB"
#: Rows a ``gigacampus query`` prints at most (a query may select all 1,000,000 variants).
MAX_QUERY_ROWS = 100_000


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_part(
    path: Path,
    variants: np.ndarray,
    inputs: Mapping[str, np.ndarray],
    outputs: Mapping[str, np.ndarray],
    years: Sequence[int],
) -> int:
    """One Parquet part: a row per variant; ``variant``, each input by key path, ``<column>.<year>``."""
    data: dict[str, Any] = {"variant": np.asarray(variants, dtype=np.int64)}
    for name, values in inputs.items():
        data[name] = values
    for name, col in outputs.items():
        for t, year in enumerate(years):
            data[f"{name}.{year}"] = _nullable(col[:, t])
    frame = pd.DataFrame(data)
    con = duckdb.connect()
    try:
        con.register("part", frame)
        con.execute(f"COPY part TO {_sql_path(path)} (FORMAT parquet)")
    finally:
        con.close()
    return len(frame)


def _nullable(values: np.ndarray) -> Any:
    if values.dtype.kind == "f" and np.isnan(values).any():
        return pd.array(values, dtype="Float64")  # NaN -> NULL
    return values


def join_parts(parts: Sequence[Path], target: Path) -> None:
    """``target``: the parts in order (DuckDB streams them; insertion order is kept)."""
    files = "[" + ", ".join(_sql_path(p) for p in parts) + "]"
    con = duckdb.connect()
    try:
        # bounded memory: one thread and a limit; DuckDB spills to a folder beside the target
        con.execute("SET threads = 1")
        con.execute(f"SET memory_limit = '{JOIN_MEMORY}'")
        con.execute(f"SET temp_directory = {_sql_path(target.parent / '.duckdb-tmp')}")
        con.execute("SET preserve_insertion_order = true")
        con.execute(
            f"COPY (SELECT * FROM read_parquet({files})) TO {_sql_path(target)} (FORMAT parquet, ROW_GROUP_SIZE 16384)"
        )
    finally:
        con.close()
    shutil.rmtree(target.parent / ".duckdb-tmp", ignore_errors=True)


def column_stats(target: Path, columns: Sequence[str], batch: int = 16) -> dict[str, dict[str, float | None]]:
    """mean, p5, p50, p95 of each numeric column (NULLs left out; linear interpolation, as
    ``numpy.percentile``), a few columns at a time so memory stays bounded."""
    out: dict[str, dict[str, float | None]] = {}
    con = duckdb.connect()
    try:
        for i in range(0, len(columns), batch):
            names = columns[i : i + batch]
            select = ", ".join(f'CAST("{c}" AS DOUBLE) AS "{c}"' for c in names)
            got = con.execute(f"SELECT {select} FROM read_parquet({_sql_path(target)})").fetchnumpy()
            for c in names:
                x = np.ma.filled(np.ma.asarray(got[c], dtype=float), np.nan)
                x = x[np.isfinite(x)]
                if x.size == 0:
                    out[c] = {"mean": None, "p5": None, "p50": None, "p95": None}
                    continue
                p5, p50, p95 = np.percentile(x, [5, 50, 95])
                out[c] = {"mean": float(x.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}
    finally:
        con.close()
    return out


def histogram(target: Path, column: str, bins: int = 30) -> dict[str, list[float]] | None:
    """Counts of one numeric column's values in ``bins`` equal bins (``None``: no values)."""
    con = duckdb.connect()
    try:
        got = con.execute(f'SELECT CAST("{column}" AS DOUBLE) AS x FROM read_parquet({_sql_path(target)})').fetchnumpy()
    finally:
        con.close()
    x = np.ma.filled(np.ma.asarray(got["x"], dtype=float), np.nan)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    if not hi - lo > 1e-9 * max(1.0, abs(lo), abs(hi)):  # one value, up to rounding: one bin around it
        bins, lo, hi = 1, lo - 0.5 * abs(lo) * 1e-9 - 0.5, hi + 0.5 * abs(hi) * 1e-9 + 0.5
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def scalar(target: Path, expression: str) -> float | None:
    """One number computed over the variants (an SQL expression over the ``variants`` columns)."""
    con = duckdb.connect()
    try:
        row = con.execute(f"SELECT {expression} FROM read_parquet({_sql_path(target)})").fetchone()
    finally:
        con.close()
    return None if row is None or row[0] is None else float(row[0])


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
