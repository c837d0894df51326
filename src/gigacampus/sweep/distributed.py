"""The dask engine: the chunks of a sweep as tasks on ``dask.distributed``.

Without a scheduler address it starts a ``LocalCluster`` of ``workers`` processes (one thread
each) on 127.0.0.1 and stops it afterwards; with one it uses that cluster. Each task writes its
own Parquet part (the folder must be reachable from every worker: on several machines, a shared
file system) and returns its row count; on a cluster gigacampus started on this machine, each
task appends its chunk to the sweep's one file instead and returns its row groups, which this
process lists in the footer (no parts, no join). The spec is sent once to each worker (scattered). The
workers then compute the sweep's statistics from the parts, a few columns a task, while the
process that started the sweep joins the parts into ``variants.parquet``.

dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker it spawns; on this workload
that makes glibc give memory back to the system after nearly every free, and costs CPU time
(benchmarks/RESULTS.md, "Sweeps"). A cluster gigacampus starts leaves the variable unset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

from gigacampus.errors import InputError, Problem
from gigacampus.sweep.engine import SweepSpec, run_chunk, run_chunk_into
from gigacampus.sweep.summary import summarise_files

__all__ = ["run_on_dask"]

_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def run_on_dask(
    spec: SweepSpec,
    chunks: Sequence[tuple[int, int, int]],
    parts: str,
    *,
    workers: int,
    scheduler: str | None = None,
    keep_malloc_trim: bool = False,
    summary_jobs: Callable[[list[Any]], Sequence[tuple[Any, ...]]],
    meanwhile: Callable[[], None],
    into: tuple[str, Callable[[], Any]] | None = None,
) -> list[dict[str, Any]]:
    """Run every chunk on dask: :func:`run_chunk` into a part each, or with ``into = (file,
    schema)`` :func:`run_chunk_into` that file (workers on this machine only) when ``schema()``,
    asked once the cluster is up, gives one (``None``: parts). Then
    ``summary_jobs(the chunks' results in chunk order)`` gives the arguments of the
    :func:`~gigacampus.sweep.summary.summarise_files` tasks the workers run while this process
    runs ``meanwhile`` (the join of the parts). Their results, in order."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is an optional dependency
        raise InputError(
            [Problem("--engine", "dask", "dask.distributed is not installed; pip install 'gigacampus[dask]'")]
        ) from None
    with ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError([Problem("--scheduler", scheduler, f"cannot connect: {exc}")]) from None
        else:
            settings = {} if keep_malloc_trim else {_TRIM: None}
            stack.enter_context(dask.config.set(settings))
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=50,
                )
            )
            client = stack.enter_context(Client(cluster))
        [shared] = client.scatter([spec], broadcast=True)
        file_schema = None if into is None else into[1]()
        if into is None or file_schema is None:
            futures = [client.submit(run_chunk, shared, i, a, b, parts, pure=False) for i, a, b in chunks]
        else:
            [schema] = client.scatter([file_schema], broadcast=True)
            futures = [
                client.submit(run_chunk_into, shared, i, a, b, into[0], schema, parts, pure=False) for i, a, b in chunks
            ]
        results = list(client.gather(futures))
        tasks = [client.submit(summarise_files, *job, pure=False) for job in summary_jobs(results)]
        meanwhile()
        return list(client.gather(tasks))
