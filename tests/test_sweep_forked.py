"""The local engine on forked worker processes: the same numbers and files as on one, held in
memory or written as parts, with progress, the work budget and errors carried across."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

import gigacampus.sweep as sweep_module
from gigacampus import limits
from gigacampus.errors import InputError
from gigacampus.sweep import forked, prepare_sweep, run_sweep, store
from gigacampus.sweep.store import query
from tests.test_sweep import VARY


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of items each forked.run was given (a test then knows the processes ran)."""
    assert forked.usable(2), f"cannot fork here: threads {threading.enumerate()}"
    calls: list[int] = []
    real = forked.run

    def counted(work, items, workers, done, meanwhile=None):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return real(work, items, workers, done, meanwhile)

    monkeypatch.setattr(forked, "run", counted)
    return calls


def _rows(folder: Path) -> tuple[list[str], list[tuple]]:
    names, rows, _ = query(folder, "SELECT * FROM variants ORDER BY variant")
    return names, rows


def _without_engine(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "engine"}


@pytest.mark.parametrize("held_in_memory", [True, False])
def test_processes_give_the_numbers_and_the_file_of_one_worker(
    plain: Path, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, held_in_memory: bool
) -> None:
    if not held_in_memory:  # every sweep written chunk by chunk into one file
        monkeypatch.setattr(sweep_module, "MEMORY_BYTES", 0)
    monkeypatch.setattr(sweep_module, "STATS_THREADS_MIN", 1)  # the statistics on the processes too
    spec = prepare_sweep(plain, samples=40, vary=VARY[:5], seed=5, sensitivity=False)
    seen: list[int] = []
    two = run_sweep(spec, tmp_path / "two", workers=2, chunk_size=7, progress=lambda done, n: seen.append(done))
    names = store.column_names(tmp_path / "two" / "variants.parquet")
    jobs = sweep_module._split_numbers(sweep_module._layout(spec, names), 2)
    assert forks == [6, len(jobs)]  # the 6 chunks, then the statistics' jobs
    one = run_sweep(spec, tmp_path / "one", workers=1, chunk_size=7)
    assert forks == [6, len(jobs)]  # one worker: no processes
    assert _without_engine(two) == _without_engine(one)
    assert two["engine"]["workers"] == 2
    assert _rows(tmp_path / "two") == _rows(tmp_path / "one")
    assert seen == sorted(seen) and seen[-1] == 40 and len(seen) == 6
    assert not (tmp_path / "two" / "parts").exists()
    bare = run_sweep(spec, None, workers=2, chunk_size=7)  # nothing written
    assert _without_engine(bare) == _without_engine(one)


def test_text_columns_and_grid_values_come_back_from_the_processes(
    plain: Path, tmp_path: Path, forks: list[int]
) -> None:
    spec = prepare_sweep(
        plain, samples=12, vary=VARY[:3], grid=["policy.regime=ai-diffusion-2025,none"], seed=1, sensitivity=False
    )
    run_sweep(spec, tmp_path / "two", workers=2, chunk_size=5)
    run_sweep(spec, tmp_path / "one", workers=1, chunk_size=5)
    assert forks == [5]  # the chunks (a sweep this small computes its statistics here)
    names, rows = _rows(tmp_path / "two")
    assert (names, rows) == _rows(tmp_path / "one")
    binding = [r[names.index("binding_constraint.2030")] for r in rows]
    regime = [r[names.index("policy.regime")] for r in rows]
    assert set(regime) == {"ai-diffusion-2025", "none"} and all(isinstance(b, str) for b in binding)


def test_the_work_budget_holds_in_the_processes(plain: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    # a probe of 2 variants (this process) passes a budget of 7 variants a run; the chunks of 24,
    # split into groups of up to about 12 by the online year, fail in the processes
    monkeypatch.setattr(store, "SCHEMA_ROWS", 2)
    spec = prepare_sweep(plain, samples=48, vary=VARY[:4], seed=3, sensitivity=False)
    tight = dataclasses.replace(limits.CLI, variants=7)
    with limits.use_budget(tight), pytest.raises(InputError, match="at most 7 in one run"):
        run_sweep(spec, None, workers=2, chunk_size=24)
    assert forks == [2]


def test_with_another_thread_running_the_engine_stays_in_its_process(plain: Path, forks: list[int]) -> None:
    spec = prepare_sweep(plain, samples=20, vary=VARY[:3], seed=2, sensitivity=False)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        threaded = run_sweep(spec, None, workers=2, chunk_size=6)
    finally:
        stop.set()
        t.join()
    assert forks == []
    assert _without_engine(threaded) == _without_engine(run_sweep(spec, None, workers=2, chunk_size=6))
    assert forks == [4]


def test_no_more_processes_than_cores(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # each process holds a chunk: --workers 7 on two cores forks two (threads would have been 7)
    assert forked.usable(2), f"cannot fork here: threads {threading.enumerate()}"
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    asked: list[int] = []
    real = forked.run

    def counted(work, items, workers, done, meanwhile=None):  # type: ignore[no-untyped-def]
        asked.append(workers)
        return real(work, items, workers, done, meanwhile)

    monkeypatch.setattr(forked, "run", counted)
    spec = prepare_sweep(plain, samples=30, vary=VARY[:3], seed=4, sensitivity=False)
    doc = run_sweep(spec, None, workers=7, chunk_size=5)
    assert asked == [2] and doc["engine"]["workers"] == 7
    assert _without_engine(doc) == _without_engine(run_sweep(spec, None, workers=1, chunk_size=5))
