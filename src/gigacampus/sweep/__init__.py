"""Sweeps: many variants of one scenario through the whole chain, their statistics, and the run
store (docs/uncertainty.md).

:func:`prepare_sweep` reads a sweep from a file and the command line; :func:`run_sweep` runs it
into a folder (``variants.parquet``) and returns the ``sweep.json`` document.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus import pipeline
from gigacampus.errors import InputError, Problem
from gigacampus.sweep import store
from gigacampus.sweep.engine import (
    GridAxis,
    SweepSpec,
    chunk_plan,
    default_chunk_size,
    input_records,
    parse_grid,
    prepare_sweep,
    run_chunk,
    sensitivity_outputs,
    unit_points,
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


def run_sweep(
    spec: SweepSpec,
    folder: str | Path,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_malloc_trim: bool = False,
) -> dict[str, Any]:
    """Run every variant into ``folder`` (``variants.parquet``, Parquet parts removed) and return
    the ``sweep.json`` document. The same spec gives the same document whatever the engine."""
    if engine not in ENGINES:
        raise InputError([Problem("--engine", "", f"found {engine!r}; allowed: {', '.join(ENGINES)}")])
    n = spec.n_variants
    size = chunk_size or default_chunk_size(spec)
    if size < 1 or -(-n // size) > MAX_CHUNKS:
        raise InputError(
            [Problem("--chunk-size", "", f"found {size}; allowed: 1 or more, at most {MAX_CHUNKS:,} chunks")]
        )
    folder = Path(folder)
    parts = folder / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    chunks = chunk_plan(n, size)
    n_workers = workers or os.cpu_count() or 1
    if engine == "dask":
        from gigacampus.sweep.distributed import run_on_dask

        rows = run_on_dask(
            spec, chunks, str(parts), workers=n_workers, scheduler=scheduler, keep_malloc_trim=keep_malloc_trim
        )
    else:
        rows = 0
        for i, a, b in chunks:
            rows += run_chunk(spec, i, a, b, str(parts))
            if progress is not None:
                progress(b, n)
    if rows != n:
        raise RuntimeError(f"the chunks wrote {rows} rows for {n} variants")
    target = folder / "variants.parquet"
    files = [parts / f"part-{i:06d}.parquet" for i, _, _ in chunks]
    store.join_parts(files, target)
    for f in files:
        f.unlink()
    parts.rmdir()
    doc = _document(spec, target, chunk_size)
    doc["engine"] = {"engine": engine, "workers": n_workers if engine == "dask" else 1, "chunk_size": size}
    return doc


def _document(spec: SweepSpec, target: Path, chunk_size: int | None = None) -> dict[str, Any]:
    years = list(spec.years)
    names = [c for c in _columns(target) if "." in c]
    by_column: dict[str, list[int]] = {}
    for c in names:
        base, _, year = c.rpartition(".")
        if year.isdigit() and int(year) in years:
            by_column.setdefault(base, []).append(int(year))
    numeric = [c for c in by_column if pipeline.COLUMNS.get(c) is None or pipeline.COLUMNS[c].dtype != "str"]
    stats = store.column_stats(target, [f"{c}.{y}" for c in numeric for y in years])
    outputs: dict[str, Any] = {}
    for c in numeric:
        col = pipeline.COLUMNS.get(c)
        outputs[c] = {
            "unit": col.unit if col is not None else "",
            "year": years,
            **{k: [stats[f"{c}.{y}"][k] for y in years] for k in ("mean", "p5", "p50", "p95")},
        }
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
        "probabilities": _probabilities(target, years, set(by_column)),
        "distributions": {
            c: {"year": years[-1], **h}
            for c in HEADLINE
            if c in outputs and (h := store.histogram(target, f"{c}.{years[-1]}")) is not None
        },
        "notes": list(spec.notes),
    }
    if spec.sensitivity:
        doc["sensitivity"], doc["sensitivity_design"] = _sensitivity(spec, chunk_size)
    return doc


def _correlation_records(spec: SweepSpec) -> list[dict[str, Any]]:
    """Each rank correlation asked for, with the one the sample reached (Spearman, on the points)."""
    if not spec.correlations:
        return []
    u = unit_points(spec)
    return [
        {
            "inputs": [spec.inputs[i].path, spec.inputs[j].path],
            "rank": rho,
            "achieved_rank": rank_correlation(u[:, i], u[:, j]),
            "source": src,
        }
        for i, j, rho, src in spec.correlations
    ]


def _columns(target: Path) -> list[str]:
    names, _, _ = store.query(target.parent, "SELECT * FROM variants LIMIT 0")
    return names


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _probabilities(target: Path, years: list[int], have: set[str]) -> dict[str, Any]:
    """Probabilities of the named events, by year and over the horizon."""
    last = years[-1]
    events: dict[str, tuple[str, Callable[[int], str], str]] = {}
    if "binding_constraint" in have:
        events["quota_binds"] = (
            "the export quota is the binding constraint in the year",
            lambda y: f"{_q(f'binding_constraint.{y}')} = 'quota'",
            "any",
        )
    if {"accelerators", "accelerator_slots"} <= have:
        events["campus_full"] = (
            "by the year, every slot of the whole campus (all phases, at the last year's power) is filled",
            lambda y: f"{_q(f'accelerators.{y}')} >= {_q(f'accelerator_slots.{last}')}",
            "last",
        )
    if "funding_gap_usd" in have:
        events["funding_gap_above_zero"] = (
            "the cumulative funding gap is above zero at the year's end",
            lambda y: f"{_q(f'funding_gap_usd.{y}')} > 0",
            "last",
        )
    if {"campus_job_viable", "campus_job_accelerators"} <= have:
        events["campus_job_not_viable"] = (
            "the campus-wide job's expected goodput is below the viability threshold (reliability.min_goodput)",
            lambda y: f"{_q(f'campus_job_accelerators.{y}')} > 0 AND {_q(f'campus_job_viable.{y}')} = 0",
            "any",
        )
    out: dict[str, Any] = {}
    for name, (text, cond, over) in events.items():
        by_year = {str(y): store.scalar(target, f"avg(CASE WHEN {cond(y)} THEN 1.0 ELSE 0.0 END)") for y in years}
        if over == "any":
            anywhere = " OR ".join(f"coalesce({cond(y)}, false)" for y in years)
            horizon = store.scalar(target, f"avg(CASE WHEN {anywhere} THEN 1.0 ELSE 0.0 END)")
            when = "in some year"
        else:
            horizon, when = by_year[str(last)], f"by {last}"
        out[name] = {"description": text, "probability": horizon, "over": when, "by_year": by_year}
    return out


def _sensitivity(spec: SweepSpec, chunk_size: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    f_a, f_b, f_ab, names, evaluations = sensitivity_outputs(spec, chunk_size)
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
