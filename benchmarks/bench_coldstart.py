"""Cold start of the command line, as ratios against the bare import floor timed in the same run.

Each measurement is a fresh interpreter (``subprocess``), so nothing is cached in memory but the
operating system's file cache (warmed by one untimed round). The floor is ``import numpy,
pandas, pydantic, typer, rich``: what any run of gigacampus must load. Rounds alternate the
three commands so that a change in the machine's load hits all of them alike; the claim is the
ratio of medians (targets from issue 12: ``run --out`` of the flagship <= 1.6 x floor,
``--version`` <= 0.5 x floor).

Bytecode: by default (``--bytecode installed``) each source tree is copied into a temporary
folder and compiled there with ``compileall``, as pip compiles a package it installs; every
interpreter, the floor's included, then loads bytecode from the ``__pycache__`` folders beside
the sources, with the environment as it is. ``--bytecode prefix`` is the older method: gigacampus
reads and writes bytecode in one temporary ``PYTHONPYCACHEPREFIX`` folder, which makes every
module it imports (numpy, pandas and the rest too) look there first; that lookup measured
0.56 s against 0.40 s for the floor's imports on an idle machine, a cost only gigacampus paid,
so it erred against gigacampus. ``--bytecode as-is`` keeps the environment's setting: with
``PYTHONDONTWRITEBYTECODE=1`` and a source checkout, gigacampus is then compiled from source
in every interpreter while the floor's libraries load their installed bytecode.

    PYTHONPATH=src python benchmarks/bench_coldstart.py [--rounds 7] [--before OLD/src]
        [--bytecode installed|prefix|as-is]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "stargate-uae.toml"
CLI = "from gigacampus.cli import main; main()"


def _commands(out: str, before: Path | None) -> dict[str, tuple[list[str], Path]]:
    py, src = sys.executable, ROOT / "src"
    commands = {
        "floor: import numpy, pandas, pydantic, typer, rich": (
            [py, "-c", "import numpy, pandas, pydantic, typer, rich"],
            src,
        ),
        "gigacampus --version": ([py, "-c", CLI, "--version"], src),
        "gigacampus run FLAGSHIP --out DIR": ([py, "-c", CLI, "run", str(FLAGSHIP), "--out", out], src),
    }
    if before is not None:  # the same two commands on another source tree (e.g. the code before a change)
        commands["before: gigacampus --version"] = ([py, "-c", CLI, "--version"], before)
        flagship = before.parent / "scenarios" / FLAGSHIP.name  # that tree's own flagship
        commands["before: gigacampus run FLAGSHIP --out DIR"] = (
            [py, "-c", CLI, "run", str(flagship if flagship.exists() else FLAGSHIP), "--out", out],
            before,
        )
    return commands


def _env(src: Path, pycache: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _time(cmd: list[str], src: Path, pycache: str | None = None) -> float:
    env = _env(src, pycache)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def installed_copy(src: Path, into: Path) -> Path:
    """A copy of the ``src`` tree's packages with their bytecode compiled beside them."""
    into.mkdir(parents=True)
    for child in src.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            shutil.copytree(child, into / child.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if not compileall.compile_dir(into, quiet=1, workers=1):
        raise SystemExit(f"compileall failed under {into}")
    return into


def run(rounds: int, before: Path | None = None, *, bytecode: str = "installed") -> list[dict]:
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        pycache = cache if bytecode == "prefix" else None
        commands = _commands(out, before)
        if bytecode == "installed":
            trees = dict.fromkeys(src for _, src in commands.values())
            copies = {src: installed_copy(src, Path(cache) / f"tree{i}") for i, src in enumerate(trees)}
            commands = {name: (cmd, copies[src]) for name, (cmd, src) in commands.items()}
        for name, (cmd, src) in commands.items():  # warm the file cache (and, with a prefix, compile to bytecode)
            _time(cmd, src, None if name.startswith("floor") else pycache)
        times: dict[str, list[float]] = {name: [] for name in commands}
        load = []
        for _ in range(rounds):
            for name, (cmd, src) in commands.items():
                times[name].append(_time(cmd, src, None if name.startswith("floor") else pycache))
            load.append(os.getloadavg()[0])
    floor_name = next(iter(commands))
    floor = statistics.median(times[floor_name])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(
            {
                "name": name,
                "metric": f"median of {rounds} fresh interpreters (min {min(ts):.2f} s, max {max(ts):.2f} s)",
                "value": med,
                "unit": "s",
                "ratio_to_floor": med / floor,
                "load_average_1min": statistics.median(load),
                "bytecode": bytecode,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another src/ tree to time beside (e.g. git archive of a commit)")
    parser.add_argument(
        "--bytecode",
        choices=("installed", "prefix", "as-is"),
        default="installed",
        help="installed: compiled copies of the source trees (default); prefix: a temporary "
        "PYTHONPYCACHEPREFIX for gigacampus; as-is: the environment's setting",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}; bytecode: {args.bytecode}")
    for row in run(args.rounds, args.before, bytecode=args.bytecode):
        print(f"{row['name']:<55} {row['value']:6.3f} s  x{row['ratio_to_floor']:.2f} of floor  ({row['metric']})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
