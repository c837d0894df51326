"""Sweeps: many variants of one scenario through the whole chain, their statistics, and the run
store (docs/uncertainty.md).

:func:`prepare_sweep` reads a sweep from a file and the command line; :func:`run_sweep` runs it
into a folder (``variants.parquet``) and returns the ``sweep.json`` document.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus import pipeline
from gigacampus.errors import InputError, Problem
from gigacampus.sweep import forked, parquet, store, summary
from gigacampus.sweep.engine import (
    GridAxis,
    Groups,
    SweepSpec,
    assemble,
    blanks,
    chunk_columns,
    chunk_groups,
    chunk_plan,
    default_chunk_size,
    even_chunk_size,
    input_records,
    parse_grid,
    prepare_sweep,
    recorded_names,
    run_chunk,
    sample_points,
    sensitivity_outputs,
)
from gigacampus.uncertainty import sobol
from gigacampus.uncertainty.correlation import rank_correlation

__all__ = ["ENGINES", "HEADLINE", "GridAxis", "SweepSpec", "parse_grid", "prepare_sweep", "run_sweep"]

ENGINES = ("local", "dask")
#: The columns the terminal and the report show first, in this order.
HEADLINE = (
    "accelerators",
    "h100e",
    "facility_power_mw",
    "capex_usd",
    "tco_usd_per_accelerator_hour",
    "funding_gap_usd",
    "campus_job_goodput",
    "training_flop",
)
#: Most chunks one sweep runs (bounds the parts written).
MAX_CHUNKS = 100_000
#: Largest sweep (its columns' bytes) the local engine holds in memory and writes once.
MEMORY_BYTES = 384 * 2**20
#: Threads computing the statistics of a sweep held in memory with no file to write.
STATS_THREADS = min(2, os.cpu_count() or 1)
#: Fewest variants whose statistics go to :data:`STATS_THREADS` threads (a web sweep's 256 do not).
STATS_THREADS_MIN = 20_000


def run_sweep(
    spec: SweepSpec,
    folder: str | Path | None,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_malloc_trim: bool = False,
) -> dict[str, Any]:
    """Run every variant into ``folder`` (``variants.parquet``, Parquet parts removed) and return
    the ``sweep.json`` document. The same spec gives the same document whatever the engine, and
    whether or not a folder is given.

    The local engine keeps a sweep whose columns fit in :data:`MEMORY_BYTES` in memory and writes
    ``variants.parquet`` once; a larger one writes a Parquet part per chunk and joins them. dask
    workers write the parts and then compute the statistics from them while this process joins.
    With ``folder=None`` nothing is kept: an in-memory sweep writes no file at all, and a larger
    one reads its statistics from parts in a temporary folder, which are never joined (with dask,
    that folder is on this machine, so an existing cluster named by ``scheduler`` needs a ``folder``)."""
    if engine not in ENGINES:
        raise InputError([Problem("--engine", "", f"found {engine!r}; allowed: {', '.join(ENGINES)}")])
    if scheduler and folder is None:
        raise InputError([Problem("--scheduler", scheduler, "needs --out: a folder every worker can write")])
    n = spec.n_variants
    size = chunk_size or even_chunk_size(n, default_chunk_size(spec))
    if size < 1 or -(-n // size) > MAX_CHUNKS:
        raise InputError(
            [Problem("--chunk-size", "", f"found {size}; allowed: 1 or more, at most {MAX_CHUNKS:,} chunks")]
        )
    where = None if folder is None else Path(folder)
    chunks = chunk_plan(n, size)
    n_workers = workers or os.cpu_count() or 1
    if engine == "dask":
        numbers = _run_dask(spec, chunks, where, n_workers, scheduler, keep_malloc_trim)
    else:
        numbers = _run_local(spec, chunks, where, progress, n_workers)
    # the Sobol design runs here, after the chunks (with dask, on this machine's cores)
    doc = _document(spec, numbers, chunk_size, n_workers if engine == "local" else os.cpu_count() or 1)
    doc["engine"] = {"engine": engine, "workers": n_workers, "chunk_size": size}
    return doc


def _run_local(
    spec: SweepSpec,
    chunks: list[tuple[int, int, int]],
    folder: Path | None,
    progress: Callable[[int, int], None] | None,
    workers: int,
) -> dict[str, Any]:
    """The chunks on this machine: on ``workers`` forked processes (at most the cores) where
    :func:`forked.usable`, else here, each chunk's groups on ``workers`` threads. A sweep whose columns fit in
    :data:`MEMORY_BYTES` is held in memory (and written by the processes as they go, or once at
    the end); a larger one is written chunk by chunk into one file (:func:`_one_file`), or, with
    no folder or no schema the plain writer takes, as a Parquet part per chunk (joined if there
    is a folder).

    Before any fork, this process runs a probe of the first chunk's first
    :data:`store.SCHEMA_ROWS` variants, which builds its groups' plans (inherited by the
    processes) and shows the columns; its numbers are not kept (the chunks are run whole, as
    every engine runs them). Without processes it runs the first chunk itself instead."""
    n = spec.n_variants
    # at most one process a core: more would not run faster here, and each holds a chunk
    processes = min(workers, os.cpu_count() or 1)
    fork = forked.usable(processes) and len(chunks) > 1
    k = processes if fork else workers  # the processes, or each chunk's threads
    _, a0, b0 = chunks[0]
    stop = min(b0, a0 + store.SCHEMA_ROWS) if fork else b0
    first_inputs, first_groups = chunk_groups(spec, a0, stop, workers)
    out0 = blanks(first_groups, 0)
    per_variant = sum(x.itemsize if x.ndim == 1 else x.itemsize * x.shape[1] for x in first_inputs.values())
    per_variant += sum(x.itemsize * x.shape[1] for x in out0.values())
    # the file's schema, from the first rows (the probe's, or the first chunk's)
    schema = None if folder is None else _file_schema(folder, a0, first_inputs, first_groups, spec.years)
    if n * (per_variant + 8) <= MEMORY_BYTES:
        # on processes, with a schema, each process appends its chunks to the file as it goes
        into = None if folder is None or not fork or schema is None else (folder / "parts", schema)
        columns = _in_memory(spec, chunks, (first_inputs, first_groups), progress, k, fork, into)
        return _memory_numbers(spec, columns, None if into else folder, k, fork, schema)
    with _parts_folder(folder) as parts:
        files = [store.part_file(parts, i) for i, _, _ in chunks]
        first = None if fork else (first_inputs, assemble(b0 - a0, first_groups))
        del first_inputs, first_groups
        if folder is not None and schema is not None:
            return _one_file(spec, chunks, parts, folder / "variants.parquet", schema, progress, k, fork, first)
        if fork:
            rows = _parts_forked(spec, chunks, parts, progress, k)
        else:
            rows = 0
            for (i, a, b), f in zip(chunks, files, strict=True):
                inputs, outputs = first if i == 0 and first is not None else chunk_columns(spec, a, b, workers)
                first = None  # let the first chunk go
                rows += store.write_part(f, np.arange(a, b), inputs, outputs, spec.years)
                if progress is not None:
                    progress(b, n)
        _check_rows(rows, n)
        target = None if folder is None else folder / "variants.parquet"
        if fork:  # the statistics from the parts on the processes, while this one joins them
            numbers = _numbers_forked(
                spec,
                store.column_names(files[0]),
                store.column_reader(files),
                k,
                meanwhile=None if target is None else lambda: store.join_parts(files, target),
            )
            if target is not None:
                _remove(files, parts)
            return numbers
        if target is None:  # the statistics straight from the parts
            return _numbers(spec, store.column_names(files[0]), store.column_reader(files))
        store.join_parts(files, target)
        _remove(files, parts)
    return _numbers(spec, store.column_names(target), store.column_reader([target]))


def _file_schema(folder: Path, a0: int, inputs: dict[str, np.ndarray], groups: Groups, years: Sequence[int]) -> Any:
    """The Parquet schema of ``folder/variants.parquet`` from the first :data:`store.SCHEMA_ROWS`
    variants of the first chunk (its inputs and groups, variants from ``a0``):
    :func:`store.plain_schema`, or ``None`` when the plain writer does not write under it."""
    rows = len(next(iter(inputs.values()))) if inputs else sum(len(idx) for idx, _ in groups)
    take = min(rows, store.SCHEMA_ROWS)
    head = [(idx[idx < take], {c: x[idx < take] for c, x in res.items()}) for idx, res in groups]
    columns = store.part_columns(
        np.arange(a0, a0 + take), {c: x[:take] for c, x in inputs.items()}, assemble(take, head), years
    )
    folder.mkdir(parents=True, exist_ok=True)  # (DuckDB may write a file of those rows there)
    return store.plain_schema(folder / "variants.parquet", columns)


def _one_file(
    spec: SweepSpec,
    chunks: list[tuple[int, int, int]],
    parts: Path,
    target: Path,
    schema: Any,
    progress: Callable[[int, int], None] | None,
    workers: int,
    fork: bool,
    first: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None,
) -> dict[str, Any]:
    """A sweep too large for memory written straight into one file: each chunk's row groups
    appended to ``parts/body.parquet`` by the process that computed it (on ``workers`` forked
    processes with ``fork``, else here, ``first`` being the first chunk's columns), whose footer
    then lists them in variant order and which becomes ``target`` (:func:`store.finish_body`;
    nothing is copied). The numbers are then computed from ``target``, on the processes with
    ``fork``. A chunk the schema does not take is written to its own part and joined by DuckDB."""
    n = spec.n_variants
    body = parts / "body.parquet"
    files = [store.part_file(parts, i) for i, _, _ in chunks]
    parquet.start_plain(body)
    results: list[tuple[int, Any]] = [(0, None)] * len(chunks)
    got = [0]

    def append(i: int, a: int, b: int, columns: tuple[dict[str, np.ndarray], dict[str, np.ndarray]]) -> tuple[int, Any]:
        return store.append_part(body, schema, np.arange(a, b), *columns, spec.years, files[i])

    def arrived(k: int, result: tuple[int, Any]) -> None:
        results[k] = result
        got[0] += result[0]
        if progress is not None:
            progress(got[0], n)

    if fork:

        def work(chunk: tuple[int, int, int]) -> tuple[int, Any]:
            i, a, b = chunk  # in a worker process
            return append(i, a, b, chunk_columns(spec, a, b))

        forked.run(work, chunks, workers, arrived)
    else:
        for k, (i, a, b) in enumerate(chunks):
            columns = first if i == 0 and first is not None else chunk_columns(spec, a, b, workers)
            first = None  # let the first chunk go
            arrived(k, append(i, a, b, columns))
            del columns
    _check_rows(got[0], n)
    store.finish_body(body, target, schema, results, files)
    parts.rmdir()
    names, read = store.column_names(target), store.column_reader([target])
    return _numbers_forked(spec, names, read, workers) if fork else _numbers(spec, names, read)


def _parts_forked(
    spec: SweepSpec,
    chunks: list[tuple[int, int, int]],
    parts: Path,
    progress: Callable[[int, int], None] | None,
    workers: int,
) -> int:
    """Each chunk computed and written as its part by the worker processes; the rows written."""
    written = [0]

    def work(chunk: tuple[int, int, int]) -> int:
        i, a, b = chunk
        return run_chunk(spec, i, a, b, str(parts))

    def done(_: int, rows: int) -> None:
        written[0] += rows
        if progress is not None:
            progress(written[0], spec.n_variants)

    forked.run(work, chunks, workers, done)
    return written[0]


def _memory_numbers(
    spec: SweepSpec,
    columns: dict[str, np.ndarray],
    folder: Path | None,
    workers: int,
    fork: bool,
    schema: Any = None,
) -> dict[str, Any]:
    """The numbers of a sweep held in memory, and its ``variants.parquet`` when there is a folder
    (under ``schema`` if already found): the file is written on this process while the worker
    processes compute the statistics, or on a thread while this one does."""
    names = list(columns)
    read = summary.memory_reader(columns)
    write = None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "variants.parquet"

        def write() -> None:
            store.write_whole(target, columns, schema=schema)

    if fork and spec.n_variants >= STATS_THREADS_MIN:
        return _numbers_forked(spec, names, read, workers, meanwhile=write)
    if write is None:  # both cores on the statistics of a large sweep (a thread pays off there)
        return _numbers(spec, names, read, STATS_THREADS if spec.n_variants >= STATS_THREADS_MIN else 1)
    # the file is written in a thread (from the numpy buffers; file writes let go of the GIL)
    # while numpy computes the numbers on this one: a second statistics thread slowed both
    with ThreadPoolExecutor(1) as pool:
        written = pool.submit(write)
        numbers = _numbers(spec, names, read)
        written.result()
    return numbers


@contextmanager
def _parts_folder(folder: Path | None) -> Iterator[Path]:
    """``folder/parts`` (made here; the caller removes it once joined), or a temporary folder
    removed on the way out when there is no ``folder``."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="gigacampus-sweep-") as tmp:
            yield Path(tmp)
        return
    parts = folder / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    yield parts


def _in_memory(
    spec: SweepSpec,
    chunks: list[tuple[int, int, int]],
    first: tuple[dict[str, np.ndarray], Groups],
    progress: Callable[[int, int], None] | None,
    threads: int,
    fork: bool = False,
    into: tuple[Path, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Every chunk's columns, filled into the whole sweep's columns (``variant``, inputs, ``<column>.<year>``).

    Each group's outputs go straight to their variants' places in the sweep's ``(T, N)`` columns
    (one copy; :func:`chunk_columns` would first gather the chunk's own ``(n, T)`` columns).
    ``first`` is the first chunk, run here; with ``fork``, the probe of :func:`_run_local`, and
    every chunk runs on ``threads`` worker processes, which write the numeric columns into memory
    shared with this process (:func:`forked.shared`) and send back their inputs and text columns.
    With ``into = (parts, schema)``
    each process also appends its chunks' file columns to ``parts/body.parquet``, which becomes
    ``parts/../variants.parquet`` (:func:`store.finish_body`), so that nothing is left to write
    once the last chunk is in. Either way every cell is written by the chunk holding its variant,
    NaN where its group records no such column."""
    n = spec.n_variants
    first_inputs, first_groups = first
    # no NaN filled in beforehand: every cell is written by the chunk holding its variant (fill)
    outputs = blanks(first_groups, n, years_first=True, numeric=forked.shared if fork else np.empty)
    names = list(outputs)
    text = [name for name, x in outputs.items() if x.dtype.kind == "O"]
    numeric = [name for name, x in outputs.items() if x.dtype.kind != "O"]
    inputs: dict[int, dict[str, np.ndarray]] = {}

    def fill(i: int, a: int, ins: dict[str, np.ndarray], groups: Groups) -> None:
        if recorded_names(groups) != names:
            raise RuntimeError(f"chunk {i} recorded other columns than the first chunk")
        inputs[i] = ins
        for idx, res in groups:
            where = a + idx
            for name, col in res.items():
                outputs[name][:, where] = col.T
            for name in numeric:
                if name not in res:  # a column the group does not record
                    outputs[name][:, where] = np.nan

    done_so_far = [0]
    written: list[tuple[int, Any]] = [(0, None)] * len(chunks)
    if into is not None:
        into[0].mkdir(parents=True, exist_ok=True)
        body, fallbacks = into[0] / "body.parquet", [store.part_file(into[0], i) for i, _, _ in chunks]
        parquet.start_plain(body)
    if fork:

        def work(chunk: tuple[int, int, int]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], Any]:
            i, a, b = chunk  # in a worker process: numeric columns land in the shared memory
            ins, groups = chunk_groups(spec, a, b)
            fill(i, a, ins, groups)
            appended = None
            if into is not None:  # this chunk's file columns (rows of the shared memory)
                mine = {name: by_year[:, a:b] for name, by_year in outputs.items()}
                appended = store.append_columns(
                    body, into[1], _columns(b - a, [ins], mine, spec.years, a), fallbacks[i]
                )
            return ins, {name: outputs[name][:, a:b] for name in text}, appended

        def arrived(k: int, got: tuple[dict[str, np.ndarray], dict[str, np.ndarray], Any]) -> None:
            i, a, b = chunks[k]
            inputs[i], texts, written[k] = got
            for name, values in texts.items():
                outputs[name][:, a:b] = values
            done_so_far[0] += b - a
            if progress is not None:
                progress(done_so_far[0], n)

        del first, first_inputs, first_groups
        forked.run(work, chunks, threads, arrived)
        if into is not None:
            _check_rows(sum(r for r, _ in written), n)
            store.finish_body(body, into[0].parent / "variants.parquet", into[1], written, fallbacks)
            into[0].rmdir()
    else:
        del first_inputs, first_groups
        for i, a, b in chunks:
            fill(i, a, *(first if i == 0 else chunk_groups(spec, a, b, threads)))
            first = ({}, [])  # let the first chunk go
            if progress is not None:
                progress(b, n)
    return _columns(n, [inputs[i] for i, _, _ in chunks], outputs, spec.years)


def _columns(
    n: int, inputs: list[dict[str, np.ndarray]], outputs: dict[str, np.ndarray], years: Sequence[int], start: int = 0
) -> dict[str, np.ndarray]:
    """The file's columns of ``n`` variants from variant ``start``: ``variant``, each input (its
    chunks' values in order) and each output's years (the first ``n`` of its ``(T, N)`` rows)."""
    columns: dict[str, np.ndarray] = {"variant": np.arange(start, start + n, dtype=np.int64)}
    for name in inputs[0]:
        xs = [chunk[name] for chunk in inputs]
        columns[name] = (
            np.concatenate(xs)
            if len({x.dtype.kind for x in xs}) == 1
            else np.concatenate([x.astype(object) for x in xs])
        )
    for name, by_year in outputs.items():
        # each a contiguous row (a head's rows are copied)
        columns.update({f"{name}.{y}": np.ascontiguousarray(by_year[t, :n]) for t, y in enumerate(years)})
    return columns


def _run_dask(
    spec: SweepSpec,
    chunks: list[tuple[int, int, int]],
    folder: Path | None,
    workers: int,
    scheduler: str | None,
    keep_malloc_trim: bool,
) -> dict[str, Any]:
    from gigacampus.sweep.distributed import run_on_dask

    with _parts_folder(folder) as parts:
        files = [store.part_file(parts, i) for i, _, _ in chunks]
        # a cluster started here writes into one file (no parts, no join), under the schema of
        # the first rows, computed here on a thread while the cluster starts
        body, target = parts / "body.parquet", None if folder is None else folder / "variants.parquet"
        found: list[Any] = [None]  # the schema the chunks were written under (None: parts)

        def probe() -> Any:
            assert folder is not None
            _, a0, b0 = chunks[0]
            return _file_schema(folder, a0, *chunk_groups(spec, a0, min(b0, a0 + store.SCHEMA_ROWS)), spec.years)

        names: list[str] = []  # the file's columns, read once the chunks have written them

        def jobs(results: list[Any]) -> list[tuple[Any, ...]]:
            if found[0] is None or target is None:  # the parts' row counts
                _check_rows(sum(results), spec.n_variants)
                names[:] = store.column_names(files[0])
                return _summary_jobs(spec, names, [str(f) for f in files], workers)
            _check_rows(sum(rows for rows, _ in results), spec.n_variants)
            store.finish_body(body, target, found[0], results, files)
            names[:] = store.column_names(target)
            return _summary_jobs(spec, names, [str(target)], workers)

        def join() -> None:
            if target is not None and found[0] is None:
                store.join_parts(files, target)

        with ThreadPoolExecutor(1) as pool:
            pending = None
            if folder is not None and scheduler is None:  # (the work budget in force applies there too)
                pending = pool.submit(contextvars.copy_context().run, probe)

            def schema() -> Any:
                found[0] = None if pending is None else pending.result()
                if found[0] is not None:
                    parquet.start_plain(body)
                return found[0]

            pieces = run_on_dask(
                spec,
                chunks,
                str(parts),
                workers=workers,
                scheduler=scheduler,
                keep_malloc_trim=keep_malloc_trim,
                summary_jobs=jobs,
                meanwhile=join,
                into=(str(body), schema),
            )
        if folder is not None:
            for f in [body, *files]:
                f.unlink(missing_ok=True)
            parts.rmdir()
    return {**_layout(spec, names), **_merged(pieces)}


def _check_rows(rows: int, n: int) -> None:
    if rows != n:
        raise RuntimeError(f"the chunks wrote {rows} rows for {n} variants")


def _remove(files: list[Path], parts: Path) -> None:
    for f in files:
        f.unlink()
    parts.rmdir()


def _layout(spec: SweepSpec, names: list[str]) -> dict[str, Any]:
    """The output columns of a sweep's file: each base name's years, the numeric ones, the stats'
    and histograms' ``<column>.<year>`` names."""
    years = list(spec.years)
    by_column: dict[str, list[int]] = {}
    for c in names:
        if "." not in c:
            continue
        base, _, year = c.rpartition(".")
        if year.isdigit() and int(year) in years:
            by_column.setdefault(base, []).append(int(year))
    numeric = [c for c in by_column if pipeline.COLUMNS.get(c) is None or pipeline.COLUMNS[c].dtype != "str"]
    return {
        "numeric": numeric,
        "have": set(by_column),
        "stat_columns": [f"{c}.{y}" for c in numeric for y in years],
        "histogram_columns": [f"{c}.{years[-1]}" for c in HEADLINE if c in numeric],
    }


def _numbers(spec: SweepSpec, names: list[str], read: summary.Reader, threads: int = 1) -> dict[str, Any]:
    lay = _layout(spec, names)
    got = summary.summarise(
        read, spec.years, lay["stat_columns"], lay["have"], lay["histogram_columns"], threads=threads
    )
    return {**lay, **got}


def _numbers_forked(
    spec: SweepSpec,
    names: list[str],
    read: summary.Reader,
    workers: int,
    meanwhile: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """:func:`_numbers` on ``workers`` forked processes, each a share of :func:`_split_numbers`'s
    jobs, while this process runs ``meanwhile`` (writes or joins ``variants.parquet``)."""
    lay = _layout(spec, names)
    jobs = _split_numbers(lay, workers)
    pieces: list[dict[str, Any]] = [{} for _ in jobs]

    def work(job: tuple[list[str], set[str] | None, list[str]]) -> dict[str, Any]:
        stats, have, histograms = job
        return summary.summarise(read, spec.years, stats, have, histograms, batch=max(1, len(stats)))

    def done(k: int, piece: dict[str, Any]) -> None:
        pieces[k] = piece

    forked.run(work, jobs, workers, done, meanwhile)
    return {**lay, **_merged(pieces)}


def _split_numbers(lay: dict[str, Any], workers: int) -> list[tuple[list[str], set[str] | None, list[str]]]:
    """:func:`summary.summarise`'s arguments (statistics' columns, output columns for the events,
    histograms' columns) that split a sweep's numbers between workers: the events and histograms
    in one job, the statistics' columns in batches (about four a worker, 32 columns at most)."""
    cols = lay["stat_columns"]
    out: list[tuple[list[str], set[str] | None, list[str]]] = [([], lay["have"], lay["histogram_columns"])]
    step = max(1, min(32, -(-len(cols) // (4 * workers))))
    out += [(cols[i : i + step], None, []) for i in range(0, len(cols), step)]
    return out


def _merged(pieces: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The pieces of :func:`_split_numbers`'s jobs as one set of numbers."""
    merged: dict[str, Any] = {"stats": {}, "distributions": {}}
    for piece in pieces:
        merged["stats"].update(piece["stats"])
        merged["distributions"].update(piece["distributions"])
        if "probabilities" in piece:
            merged["probabilities"] = piece["probabilities"]
    return merged


def _summary_jobs(spec: SweepSpec, names: list[str], files: list[str], workers: int) -> list[tuple[Any, ...]]:
    """Arguments of :func:`summary.summarise_files` that split a sweep's numbers between dask workers."""
    return [(files, list(spec.years), *job) for job in _split_numbers(_layout(spec, names), workers)]


def _document(
    spec: SweepSpec, numbers: dict[str, Any], chunk_size: int | None = None, threads: int = 1
) -> dict[str, Any]:
    years = list(spec.years)
    stats = numbers["stats"]
    outputs: dict[str, Any] = {}
    for c in numbers["numeric"]:
        col = pipeline.COLUMNS.get(c)
        outputs[c] = {
            "unit": col.unit if col is not None else "",
            "year": years,
            **{k: [stats[f"{c}.{y}"][k] for y in years] for k in ("mean", "p5", "p50", "p95")},
        }
    hist = numbers["distributions"]
    doc: dict[str, Any] = {
        "scenario": spec.source,
        "samples": spec.samples,
        "variants": spec.n_variants,
        "seed": spec.seed,
        "method": spec.method,
        "inputs": input_records(spec.inputs),
        "correlations": _correlation_records(spec),
        "grid": [{"path": a.path, "values": list(a.values)} for a in spec.grid],
        "set": list(spec.sets),
        "years": years,
        "outputs": outputs,
        "probabilities": numbers["probabilities"],
        "distributions": {
            c: {"year": years[-1], **hist[f"{c}.{years[-1]}"]}
            for c in HEADLINE
            if c in outputs and f"{c}.{years[-1]}" in hist
        },
        "notes": list(spec.notes),
    }
    if spec.sensitivity:
        doc["sensitivity"], doc["sensitivity_design"] = _sensitivity(spec, chunk_size, threads)
    return doc


def _correlation_records(spec: SweepSpec) -> list[dict[str, Any]]:
    """Each rank correlation asked for, with the one the sample reached (Spearman, on the points)."""
    if not spec.correlations:
        return []
    u = sample_points(spec)
    return [
        {
            "inputs": [spec.inputs[i].path, spec.inputs[j].path],
            "rank": rho,
            "achieved_rank": rank_correlation(u[:, i], u[:, j]),
            "source": src,
        }
        for i, j, rho, src in spec.correlations
    ]


def _sensitivity(
    spec: SweepSpec, chunk_size: int | None = None, threads: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    f_a, f_b, f_ab, names, evaluations = sensitivity_outputs(spec, chunk_size, threads)
    first, total = sobol(f_a, f_b, f_ab)
    out: dict[str, Any] = {}
    for s, name in enumerate(names):
        if not np.any(total[s]) and not np.any(first[s]):
            continue
        out[name] = {
            u.path: {"first_order": float(first[s, j]), "total_order": float(total[s, j])}
            for j, u in enumerate(spec.inputs)
        }
    design = {
        "year": spec.years[-1],
        "base_samples": spec.sensitivity_samples,
        "evaluations": evaluations,
        "grid_point": list(spec.grid_points[0]) if spec.grid else [],
        "estimator": "scipy.stats.sobol_indices: Saltelli (2010) first order, Jansen (1999) total order, "
        "on a scrambled Sobol A/B design",
    }
    return out, design
