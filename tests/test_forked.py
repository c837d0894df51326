"""The local engine's worker processes (gigacampus.sweep.forked): results, shared memory, errors."""

from __future__ import annotations

import dataclasses
import os
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigacampus import limits
from gigacampus.errors import InputError, Problem
from gigacampus.sweep import forked
from gigacampus.sweep.engine import chunk_plan, even_chunk_size


@pytest.fixture(autouse=True)
def _forks_here() -> None:
    # on Linux, where the suite runs, nothing the tests before left running may keep it from forking
    assert forked.usable(2), f"cannot fork here: threads {threading.enumerate()}"


def _collected(work, items, workers, meanwhile=None):  # type: ignore[no-untyped-def]
    got: dict[int, object] = {}

    def done(i: int, value: object) -> None:
        assert i not in got  # each item once
        got[i] = value

    forked.run(work, items, workers, done, meanwhile)
    return got


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("workers", [2, 3, 7])
def test_every_item_arrives_once_with_its_result_computed_in_another_process(workers: int) -> None:
    items = list(range(11))
    got = _collected(lambda x: (x * x, os.getpid()), items, workers)
    assert sorted(got) == items
    assert all(got[i][0] == i * i for i in items)
    pids = {pid for _, pid in got.values()}
    assert os.getpid() not in pids and len(pids) == min(workers, len(items))
    assert _no_children_left()


def test_children_write_into_shared_memory_and_see_the_parents_memory() -> None:
    out = forked.shared((3, 5))
    assert out.shape == (3, 5) and not out.any()  # zeros until written
    private = np.zeros(5)
    known = np.arange(15.0).reshape(3, 5)  # made before the fork: each child reads it as it was

    def work(row: int) -> int:
        out[row] = known[row] * 2
        private[:] = 1  # the child's own copy: never seen here
        return row

    _collected(work, [0, 1, 2], 2)
    assert np.array_equal(out, known * 2)
    assert not private.any()


def test_meanwhile_runs_here_while_the_children_work() -> None:
    ran: list[int] = []
    got = _collected(lambda x: x + 1, [1, 2, 3], 2, meanwhile=lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()] and got == {0: 2, 1: 3, 2: 4}


def test_an_input_error_in_a_child_arrives_whole() -> None:
    def work(x: int) -> int:
        if x == 3:
            raise InputError([Problem("f.toml", "site.pue", "found 0; allowed: 1 or more")])
        return x

    with pytest.raises(InputError) as err:
        forked.run(work, list(range(6)), 2, lambda i, v: None)
    assert err.value.problems == (Problem("f.toml", "site.pue", "found 0; allowed: 1 or more"),)
    assert _no_children_left()


def test_the_work_budget_in_force_holds_in_the_children() -> None:
    # the budget is a context variable: the child forked from this thread runs under it too
    tight = dataclasses.replace(limits.CLI, variants=7)

    def work(n: int) -> int:
        limits.check_batch(n, 1, 1, "test")
        return n

    assert _collected(work, [5, 8], 2) == {0: 5, 1: 8}  # the default budget admits both
    with limits.use_budget(tight), pytest.raises(InputError, match="at most 7 in one run"):
        forked.run(work, [5, 8], 2, lambda i, v: None)


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int):  # pickling passes one argument: unpickling fails
        super().__init__(f"{a}-{b}")


def test_an_exception_that_does_not_pickle_arrives_as_a_runtime_error_naming_it() -> None:
    def work(x: int) -> int:
        raise _Unpicklable(x, 9)

    with pytest.raises(RuntimeError, match=r"_Unpicklable: 0-9"):
        forked.run(work, [0], 2, lambda i, v: None)


def test_a_child_that_dies_without_its_results_is_an_error() -> None:
    def work(x: int) -> int:
        if x == 1:
            os._exit(3)
        return x

    with pytest.raises(RuntimeError, match="sent 1 results for 2 items"):
        forked.run(work, [0, 1], 2, lambda i, v: None)
    assert _no_children_left()


def test_an_error_here_stops_and_reaps_every_child() -> None:
    def done(i: int, value: object) -> None:
        raise KeyError("stop")

    with pytest.raises(KeyError):
        forked.run(lambda x: x, list(range(50)), 2, done)
    assert _no_children_left()


def test_not_usable_with_one_worker_or_another_thread_running() -> None:
    assert forked.usable(2) and not forked.usable(1)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forked.usable(2)
    finally:
        stop.set()
        t.join()
    assert forked.usable(2)


@given(
    st.one_of(
        st.tuples(st.integers(1, 3_000_000), st.integers(256, 60_000)),  # a sweep's (the cap is 256 or more)
        st.tuples(st.integers(1, 300), st.integers(1, 40)),
    )
)
def test_even_chunks_are_as_few_as_the_cap_allows_and_nearly_equal(case: tuple[int, int]) -> None:
    n, most = case
    size = even_chunk_size(n, most)
    chunks = chunk_plan(n, size)
    k = -(-n // most)
    assert len(chunks) == k and size <= most
    assert [c[0] for c in chunks] == list(range(k))
    assert chunks[0][1] == 0 and chunks[-1][2] == n
    assert all(a[2] == b[1] for a, b in zip(chunks, chunks[1:], strict=False))  # contiguous, in order
    lengths = [b - a for _, a, b in chunks]
    assert set(lengths[:-1]) <= {size} and size - k < lengths[-1] <= size
