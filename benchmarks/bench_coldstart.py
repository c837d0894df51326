"""Cold start of the command line, as ratios against the bare import floor timed in the same run.

Each measurement is a fresh interpreter (``subprocess``), so nothing is cached in memory but the
operating system's file cache (warmed by one untimed round). The floor is ``import numpy,
pandas, pydantic, typer, rich``: what any run of gigacampus must load. Rounds alternate the
three commands so that a change in the machine's load hits all of them alike; the claim is the
ratio of medians (targets from issue 12: ``run --out`` of the flagship <= 1.6 x floor,
``--version`` <= 0.5 x floor).

Bytecode: by default every gigacampus interpreter reads and writes compiled bytecode in one
temporary ``PYTHONPYCACHEPREFIX`` folder (``PYTHONDONTWRITEBYTECODE`` removed), filled by the
untimed round, so gigacampus is timed from bytecode as the installed libraries of the floor are
(pip compiles a package when it installs it). The floor itself always runs with the
environment as it is, loading its libraries' installed bytecode: reading every module through a
temporary prefix instead measured slower (0.56 s against 0.40 s for the floor on an idle
machine), which would flatter the ratio; a gigacampus command pays that lookup for its own
numpy, pandas and the rest, so the ratio errs against gigacampus. ``--bytecode as-is`` keeps the environment's setting
instead: with ``PYTHONDONTWRITEBYTECODE=1`` and a source checkout, gigacampus is then compiled
from source in every interpreter while the floor's libraries load their installed bytecode.

    PYTHONPATH=src python benchmarks/bench_coldstart.py [--rounds 7] [--before OLD/src] [--bytecode as-is]
"""

from __future__ import annotations

import argparse
import os
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


def run(rounds: int, before: Path | None = None, *, bytecode: str = "cached") -> list[dict]:
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        pycache = cache if bytecode == "cached" else None
        commands = _commands(out, before)
        for name, (cmd, src) in commands.items():  # warm the file cache (and, by default, compile to bytecode)
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
        choices=("cached", "as-is"),
        default="cached",
        help="cached: a temporary bytecode cache for every interpreter (default); as-is: the environment's setting",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}; bytecode: {args.bytecode}")
    for row in run(args.rounds, args.before, bytecode=args.bytecode):
        print(f"{row['name']:<55} {row['value']:6.3f} s  x{row['ratio_to_floor']:.2f} of floor  ({row['metric']})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
