"""Run every benchmark in this folder (modules named bench_*.py) and print the results.

Usage: python benchmarks/run.py [--repeat N] [--json FILE] [name ...]

Each bench_*.py module defines ``run(repeat: int) -> list[dict]``; each dict has ``name``,
``metric``, ``value``, ``unit`` and any details (a ratio against a baseline timed in the same
run, and ``os.getloadavg()``). A new benchmark is a new bench_*.py file: it is found by name.
Record results in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, str]:
    import numpy

    import gigacampus

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "gigacampus": gigacampus.__version__,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these benchmark modules (e.g. campus)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per benchmark; the median is reported")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.names and name not in args.names:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        for row in module.run(args.repeat):
            results.append(row)
            print(f"{row['name']:<48} {row['value']:>14,.1f} {row['unit']}  ({row['metric']})", flush=True)
    report = {"machine": machine(), "repeat": args.repeat, "results": results}
    print(f"load average at the end: {report['machine']['loadavg']}")
    print(json.dumps(report["machine"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
