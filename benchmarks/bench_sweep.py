"""Sweeps of the flagship (Stargate UAE, its [uncertainty]: 9 inputs across core, policy, finance,
reliability and training), each as a fresh process, side by side in one run.

Targets (issue #11):

- 100,000 variants take at most 5 times one cold ``gigacampus run`` of the same file;
- 1,000,000 variants stay under 2 GiB peak memory (of the whole process tree: the sum of its
  processes' proportional set sizes, which counts a page shared by forked workers once; sampled
  in a run of its own, since the sampling slows the run it samples);
- dask with 2 workers against the local engine on 1,000,000 variants (target >= 1.6x faster);
- dask workers with and without dask's ``MALLOC_TRIM_THRESHOLD_=65536`` (CPU seconds).

Sensitivity is off (``--no-sensitivity``) so that every variant timed is a sample variant. Every
run starts after ``os.sync()``, and each run's output is removed once it is timed, so that no run
pays for writing back an earlier run's files.

With ``BASELINE_SRC=/path/to/an/older/src`` the 100,000-variant sweep is also timed with that
source tree, interleaved with this one's (before / after in the same run). ``big`` = 0 times the
100,000-variant sweeps only (no 1,000,000-variant or dask runs: quicker while iterating).

Every process runs a compiled copy of its source tree (``BYTECODE=installed``, the default), as
an installed gigacampus loads its bytecode: this machine sets ``PYTHONDONTWRITEBYTECODE=1``, so
a checkout would otherwise compile every module at every start (about 0.35 s of a sweep's start).
``BYTECODE=as-is`` runs the trees as they are.

The local engine runs the chunks on the cores' forked worker processes (``--workers``, default:
the cores); the dask comparison also times it on one (``--workers 1``: one process, the chunk's
groups on one thread), the engine each dask worker is.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_coldstart import installed_copy

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "stargate-uae.toml"
PY = sys.executable
RUN = "from gigacampus.cli import main; main()"
DASK = """
import sys
from pathlib import Path
from gigacampus.sweep import prepare_sweep, run_sweep
spec = prepare_sweep(sys.argv[1], samples=int(sys.argv[2]), sensitivity=False)
run_sweep(spec, Path(sys.argv[3]), engine="dask", workers=2, keep_malloc_trim=sys.argv[4] == "keep")
"""


def _child(args: list[str], src: Path, monitor: bool = False) -> tuple[float, float, float]:
    """(wall s, CPU s of the process and everything it waited for, peak memory of its process
    tree [GiB] or NaN). With ``monitor`` the memory is the sum of the tree's proportional set
    sizes, sampled every 20 ms (the local engine's forked workers share their parent's pages,
    which PSS counts once). The sampling is not free: the kernel walks every mapping of every
    process for each ``smaps_rollup``, and a 1,000,000-variant sweep took 24.4 s sampled against
    18.5 s not (2026-12-04), so the times are taken from runs without it."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    # the earlier runs' files written back first, so that no run pays for another's (a sweep of
    # 100,000 variants writes 338 MB; those left unwritten slowed the next writes by 0.3-0.5 s)
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env)
    peak = 0
    if monitor:
        while proc.poll() is None:
            peak = max(peak, _tree_pss(proc.pid))
            time.sleep(0.02)
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak / 2**30 if monitor else float("nan")


def _tree_pss(pid: int) -> int:
    """Bytes: the proportional set sizes of ``pid`` and its descendants (0 for one already gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _gone(*folders: str) -> None:
    """Remove the outputs of runs already timed (a sweep of 1,000,000 variants leaves 3.4 GB)."""
    for f in folders:
        shutil.rmtree(f, ignore_errors=True)


def _sweep(n: int, out: str | None, workers: int | None = None) -> list[str]:
    """The sweep's command line; ``out=None``: no ``--out`` (the numbers only, nothing written)."""
    cmd = [PY, "-c", RUN, "sweep", str(SCENARIO), "--samples", str(n), "--no-sensitivity"]
    cmd += [] if workers is None else ["--workers", str(workers)]
    return cmd if out is None else [*cmd, "--out", out]


def _large(tmp: str, big: int, dask_n: int, add: Callable[[dict], None], src: Path) -> None:
    """The ``big``-variant sweep on the local engine, then dask with 2 workers, with and without
    dask's ``MALLOC_TRIM_THRESHOLD_``, against the local engine on ``dask_n`` variants: on the
    cores' processes (its default) and on one (what each dask worker runs)."""
    wall, cpu, _ = _child(_sweep(big, f"{tmp}/s1m"), src)
    _gone(f"{tmp}/s1m")
    rss = _child(_sweep(big, f"{tmp}/s1m-memory"), src, monitor=True)[2]  # its own run (the sampling slows it)
    _gone(f"{tmp}/s1m-memory")
    add(
        {
            "name": f"sweep {big:,} local",
            "metric": "wall; CPU; peak PSS of the process tree in a run of its own (target < 2 GiB)",
            "value": wall,
            "unit": "s",
            "cpu_s": cpu,
            "peak_gib": rss,
        }
    )
    lw = wall if dask_n == big else _child(_sweep(dask_n, f"{tmp}/l"), src)[0]
    one, one_cpu, _ = _child(_sweep(dask_n, f"{tmp}/l1", workers=1), src)
    _gone(f"{tmp}/l", f"{tmp}/l1")
    add(
        {
            "name": f"sweep {dask_n:,} local, 1 worker",
            "metric": "wall; CPU",
            "value": one,
            "unit": "s",
            "cpu_s": one_cpu,
        }
    )
    for trim in ("drop", "keep"):
        w, cp, _ = _child([PY, "-c", DASK, str(SCENARIO), str(dask_n), f"{tmp}/d-{trim}", trim], src)
        _gone(f"{tmp}/d-{trim}")
        add(
            {
                "name": f"sweep {dask_n:,} dask 2 workers ({trim} MALLOC_TRIM_THRESHOLD_)",
                "metric": "wall; CPU of the tree; speed-up over local on the cores' processes and on 1 (target >= 1.6)",
                "value": w,
                "unit": "s",
                "cpu_s": cp,
                "local_s": lw,
                "speedup": lw / w,
                "local_1_worker_s": one,
                "speedup_over_1_worker": one / w,
            }
        )


def run(repeat: int, big: int = 1_000_000, dask_n: int = 1_000_000) -> list[dict]:
    rows: list[dict] = []

    def add(row: dict) -> None:
        rows.append(row)
        print(row, flush=True)

    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = os.environ.get("BASELINE_SRC")
        here, old = ROOT / "src", Path(baseline) if baseline else None
        if os.environ.get("BYTECODE", "installed") == "installed":
            here = installed_copy(here, Path(tmp) / "here")
            old = installed_copy(old, Path(tmp) / "before") if old else None
        cold, sweeps, before, bare = [], [], [], []
        for i in range(max(repeat, 3)):
            cold.append(_child([PY, "-c", RUN, "run", str(SCENARIO)], here)[0])
            if i < repeat:
                if baseline:
                    before.append(_child(_sweep(100_000, f"{tmp}/b100k-{i}"), old)[0])
                sweeps.append(_child(_sweep(100_000, f"{tmp}/s100k-{i}"), here)[0])
                bare.append(_child(_sweep(100_000, None), here)[0])
                _gone(f"{tmp}/b100k-{i}", f"{tmp}/s100k-{i}")
        c, s = statistics.median(cold), statistics.median(sweeps)
        mode = os.environ.get("BYTECODE", "installed")
        add({"name": "cold run", "metric": "median wall", "value": c, "unit": "s", "load": load, "bytecode": mode})
        add(
            {
                "name": "sweep 100,000 without --out",
                "metric": "median wall; ratio to a cold run",
                "value": statistics.median(bare),
                "unit": "s",
                "ratio": statistics.median(bare) / c,
            }
        )
        if old is not None:
            b = statistics.median(before)
            add({"name": f"sweep 100,000 ({baseline})", "metric": "median wall", "value": b, "ratio": b / c})
        add(
            {
                "name": "sweep 100,000",
                "metric": "median wall; ratio to a cold run (target <= 5)",
                "value": s,
                "unit": "s",
                "ratio": s / c,
            }
        )
        if big:  # 0: the 100,000-variant target only
            _large(tmp, big, dask_n, add, here)
    add(
        {
            "name": "load after",
            "metric": "load average (1, 5, 15 min)",
            "value": os.getloadavg()[0],
            "unit": "",
            "load": os.getloadavg(),
        }
    )
    return rows


if __name__ == "__main__":  # python bench_sweep.py [repeat] [big (0: none)] [dask_n]
    args = [int(a) for a in sys.argv[1:]]
    run(*(args or [1]))
