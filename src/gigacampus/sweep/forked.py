"""The local engine's worker processes: items of work on this machine's cores, in forked children.

numpy holds the GIL between its loops, and a sweep's model runs many short ones, so two threads
of one process share two cores badly (a chunk of the flagship: 0.30 s on one thread, 0.20 s on
two). A forked child starts with its parent's memory as it is at the fork (the sweep's plans,
sample and catalog) without copying it, runs its share of the items, and hands back what each
gives: large numeric results are written straight into arrays the parent made with
:func:`shared` before forking (an anonymous shared mapping: the child's writes land in the
parent's pages), and the rest (text columns, statistics) goes back pickled through a pipe.

:func:`usable` tells whether to fork at all: only on Linux, with more than one worker, and in a
process with no other thread running (a forked child has only the thread that forked, and a
lock another thread held at that moment would stay held in the child). Elsewhere the caller
runs its threads instead; the numbers are the same either way, since every item is computed by
the same code from the same memory. A child never returns into its parent's code: it ends with
``os._exit``, and touches no stream the parent has buffered.
"""

from __future__ import annotations

import mmap
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["run", "shared", "usable"]

_Item = TypeVar("_Item")
_HEADER = struct.Struct("<Q")  # the length of each message that follows it on a child's pipe


def usable(workers: int) -> bool:
    """Whether :func:`run` may fork ``workers`` children here (see the module docstring)."""
    return workers > 1 and sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def shared(shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of ``shape``, all zeros, in memory that children forked after this call
    write to and this process reads (``MAP_SHARED | MAP_ANONYMOUS``; freed with the array). Its
    pages are taken on first write, so each child pays for the part it fills."""
    count = int(np.prod(shape))
    buffer = mmap.mmap(-1, max(8 * count, 1))
    return np.frombuffer(buffer, dtype=np.float64, count=count).reshape(shape)


def run(
    work: Callable[[_Item], Any],
    items: Sequence[_Item],
    workers: int,
    done: Callable[[int, Any], None],
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """``work(item)`` for every item, on ``workers`` forked children: child ``c`` takes items
    ``c``, ``c + workers``, ... in that order. This process runs ``meanwhile`` once the children
    are started, then ``done(index, result)`` for each result as it arrives.

    An exception raised by ``work`` in a child is raised here (the first to arrive, pickled back;
    one that does not pickle arrives as a :class:`RuntimeError` with its type and message), and
    so is any exception of ``done`` or ``meanwhile``; either way every child is stopped and
    reaped first. A child that dies without sending its results is a :class:`RuntimeError`."""
    k = min(workers, len(items))
    pids: list[int] = []
    pipes: list[int] = []
    finished = False
    try:
        for c in range(k):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: it never leaves _child
                os.close(read)
                for other in pipes:
                    os.close(other)
                _child(work, items, c, k, write)
            os.close(write)
            pids.append(pid)
            pipes.append(read)
        if meanwhile is not None:
            meanwhile()
        _collect(pipes, len(items), done)
        finished = True
    finally:
        if not finished:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:  # pragma: no cover - it had ended already
                    pass
        for p in pipes:
            os.close(p)
        statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    failed = [os.waitstatus_to_exitcode(s) for s in statuses if s != 0]
    if failed:
        raise RuntimeError(f"a sweep worker process ended with exit code {failed[0]} after sending its results")


def _child(work: Callable[[Any], Any], items: Sequence[Any], c: int, k: int, pipe: int) -> None:
    code = 1
    try:
        try:
            for i in range(c, len(items), k):
                _send(pipe, ("done", i, work(items[i])))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            _send(pipe, ("error", -1, _portable(exc)))
        code = 0
    finally:
        os._exit(code)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling unchanged in type, else a RuntimeError naming it."""
    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc):
            return exc
    except Exception:  # noqa: BLE001 - any exception that does not round-trip
        pass
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _send(pipe: int, message: tuple[str, int, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(pipe, view) :]


def _collect(pipes: Sequence[int], expected: int, done: Callable[[int, Any], None]) -> None:
    """Read every child's messages until each pipe closes; ``done`` for each result."""
    buffers = {p: bytearray() for p in pipes}
    received = 0
    with selectors.DefaultSelector() as sel:
        for p in pipes:
            sel.register(p, selectors.EVENT_READ)
        while sel.get_map():
            for key, _ in sel.select():
                p = key.fd
                chunk = os.read(p, 1 << 20)
                if not chunk:
                    sel.unregister(p)
                    if buffers[p]:
                        raise RuntimeError("a sweep worker process ended in the middle of a message")
                    continue
                buf = buffers[p]
                buf += chunk
                while len(buf) >= _HEADER.size:
                    (size,) = _HEADER.unpack_from(buf)
                    if len(buf) < _HEADER.size + size:
                        break
                    kind, index, value = pickle.loads(bytes(buf[_HEADER.size : _HEADER.size + size]))
                    del buf[: _HEADER.size + size]
                    if kind == "error":
                        raise value
                    received += 1
                    done(index, value)
    if received != expected:
        raise RuntimeError(f"the sweep's worker processes sent {received} results for {expected} items")
