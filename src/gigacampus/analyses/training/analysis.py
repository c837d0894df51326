"""The training analysis: the largest training run the installed fleet can host each year, the
compute-optimal model it trains, and what the fleet can serve (docs/training.md).

Runs for every scenario (``[training]`` or its defaults). With ``scope = "campus"`` and a
``campus_job_goodput`` column (the reliability analysis's), each year's goodput is that column's
unless the scenario or a run option gives one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs
from gigacampus.analyses.training.capacity import compute_optimal, decode_throughput
from gigacampus.analyses.training.charts import training_charts
from gigacampus.analyses.training.inputs import BATCHED_SETTINGS, TrainingInputs
from gigacampus.analyses.training.section import Training
from gigacampus.catalog import Catalog
from gigacampus.catalog.training_runs import known_runs
from gigacampus.jsonable import jsonable
from gigacampus.model import CampusInputs
from gigacampus.model.columns import Column, read_columns
from gigacampus.model.sums import sum_last
from gigacampus.scenario import ResolvedInput, Scenario
from gigacampus.units import SECONDS_PER_DAY

__all__ = ["TRAINING", "TrainingSettings", "settings"]

#: The goodput column of the reliability analysis this one reads when present.
GOODPUT_COLUMN = "campus_job_goodput"
#: The reliability analysis's best job (size with the most useful compute, and its goodput).
BEST_COLUMNS = ("best_job_accelerators", "best_job_goodput")
#: The reliability analysis's largest-phase job (phase index, size, goodput).
LARGEST_PHASE_COLUMNS = ("largest_phase_job_phase", "largest_phase_job_accelerators", "largest_phase_job_goodput")


def _column(ctx: Context, name: str, fallback: float) -> np.ndarray:
    values = np.asarray(ctx.columns[name], dtype=float)
    return np.where(np.isnan(values), fallback, values)


PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.training")
#: Units of the block's values (the columns with a unit, in the order summary.json has always had them).
_BLOCK_UNITS = {
    name: next(c.unit for c in PROVIDES if c.name == name)
    for name in ("training_flop", "training_parameters", "training_tokens", "training_state_bytes")
    + ("serving_tokens_per_s", "serving_replicas")
} | {
    "memory_bytes": "B",
    "days": "day",
    "kv_bytes_per_token": "B/token",
}


@dataclass(frozen=True)
class TrainingSettings:
    """Effective ``[training]`` values, with catalog defaults filled in."""

    days: float
    precision: str
    mfu: float
    goodput: float
    tokens_per_parameter: float
    bytes_per_parameter: float
    scope: str
    serve_parameters: float
    serve_bytes_per_parameter: float
    serve_batch: int
    serve_context_tokens: int
    kv_bytes_per_token: float
    origins: dict[str, str]
    provenance: tuple[ResolvedInput, ...] = ()


def _unit(name: str) -> str:
    extra = Training.model_fields[name].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def settings(scn: Scenario, cat: Catalog, **overrides: Any) -> TrainingSettings:
    """``[training]`` (or its defaults) with catalog defaults, then ``overrides`` (not None) on top."""
    unknown = set(overrides) - set(Training.model_fields)
    if unknown:
        raise TypeError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    section = scn.training or Training()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    rows = []
    for name in Training.model_fields:
        value = getattr(section, name)
        origin = "scenario" if name in section.model_fields_set else "schema default"
        row_origin, source = origin, ""
        if value is None:
            d = cat.default(f"training.{name}")
            value, origin = d.value, f"catalog:defaults ({d.source.split(' ; ')[0]})"
            row_origin, source = "catalog:defaults", d.source
        if overrides.get(name) is not None:
            value, origin = overrides[name], "option"
            row_origin, source = "option", ""
        values[name] = value
        origins[name] = origin
        rows.append(ResolvedInput(f"training.{name}", value, _unit(name), row_origin, source))
    return TrainingSettings(**values, origins=origins, provenance=tuple(rows))


def _rates(scn: Scenario, cat: Catalog, precision: str) -> tuple[np.ndarray, list[str]]:
    rates, notes = [], []
    for ph in scn.phase:
        acc = cat.accelerators[ph.accelerator]
        rate = acc.dense_bf16_tflops
        if precision == "fp8":
            if acc.dense_fp8_tflops:
                rate = acc.dense_fp8_tflops
            else:
                notes.append(f"{acc.id} has no FP8: its BF16 rate is used")
        rates.append(rate * 1e12)
    return np.asarray(rates), list(dict.fromkeys(notes))


def _serving_rates(scn: Scenario, cat: Catalog, bytes_per_parameter: float) -> np.ndarray:
    """Dense rate per phase for serving: BF16 for 2-byte weights, else 8-bit (BF16 where none)."""
    out = []
    for ph in scn.phase:
        acc = cat.accelerators[ph.accelerator]
        rate = acc.dense_bf16_tflops if bytes_per_parameter >= 2 else (acc.dense_8bit_tops or acc.dense_bf16_tflops)
        out.append(rate * 1e12)
    return np.asarray(out)


def _inputs(scn: Scenario, cat: Catalog, campus: CampusInputs) -> OwnInputs:
    """The scenario's batched training numbers (``S = 1``)."""
    st = settings(scn, cat)
    return OwnInputs(TrainingInputs(**{k: np.asarray([float(getattr(st, k))]) for k in BATCHED_SETTINGS}))


def _batched(ctx: Context, st: TrainingSettings) -> dict[str, np.ndarray]:
    """Each batched setting per variant, ``(S,)``: a run option's value for all, else the batch's."""
    b = ctx.own_inputs
    out = {}
    for k in BATCHED_SETTINGS:
        given = ctx.options.get(k) is not None or b is None
        out[k] = np.full(ctx.n_variants, float(getattr(st, k))) if given else np.asarray(getattr(b, k), dtype=float)
    return out


def _run(ctx: Context) -> Block:
    scn, cat = ctx.scenario, ctx.catalog
    st = settings(scn, cat, **ctx.options)
    per = _batched(ctx, st)
    installed = ctx.outputs.accelerators  # (S, T, P)
    n_s, n_t, _ = installed.shape
    rates, notes = _rates(scn, cat, st.precision)
    hbm = np.asarray([cat.accelerators[ph.accelerator].hbm_gb * 1e9 for ph in scn.phase])
    bw = np.asarray([cat.accelerators[ph.accelerator].hbm_bandwidth_tbps * 1e12 for ph in scn.phase])
    goodput = np.repeat(per["goodput"][:, None], n_t, axis=1)
    origins = dict(st.origins)
    provenance = list(st.provenance)
    given = origins["goodput"].startswith(("scenario", "option"))
    from_reliability = not given and GOODPUT_COLUMN in ctx.columns
    total = sum_last(installed)  # (S, T)
    rate_sum = sum_last(installed * rates)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_rate = np.where(total > 0, rate_sum / total, 0.0)  # campus-average dense rate [FLOP/s]
    mfu = per["mfu"][:, None]  # (S, 1): per variant (a sweep varies training.mfu)
    seconds = per["days"][:, None] * SECONDS_PER_DAY
    if st.scope == "campus":
        if from_reliability:
            # the reliability model's expected goodput of a campus-wide job replaces the default
            goodput = _column(ctx, GOODPUT_COLUMN, goodput)
            origins["goodput"] = "reliability: campus_job_goodput per year"
        flop = rate_sum * mfu * goodput * seconds
        memory = sum_last(installed * hbm)
        job_accelerators = total
    else:
        phase_flop = installed * rates  # (S, T, P)
        if from_reliability and LARGEST_PHASE_COLUMNS[0] in ctx.columns:
            # the reliability model's phase and its goodput for a job of that phase's size
            best = np.nan_to_num(np.asarray(ctx.columns[LARGEST_PHASE_COLUMNS[0]], dtype=float)).astype(np.int64)
            goodput = _column(ctx, LARGEST_PHASE_COLUMNS[2], goodput)
            origins["goodput"] = "reliability: largest_phase_job_goodput per year"
        else:
            best = np.argmax(phase_flop, axis=-1)  # (S, T)
            from_reliability = False
        pick = best[..., None]
        flop = np.take_along_axis(phase_flop, pick, axis=-1)[..., 0] * mfu * goodput * seconds
        job_accelerators = np.take_along_axis(installed, pick, axis=-1)[..., 0]
        memory = job_accelerators * hbm[best]
    if from_reliability:
        provenance = [r for r in provenance if r.path != "training.goodput"]
        provenance.append(ResolvedInput("training.goodput", f"per year: {origins['goodput']}", "-", "derived"))
    # the job size with the most useful compute (reliability's), else the whole fleet at a fixed goodput
    if not given and BEST_COLUMNS[0] in ctx.columns:
        best_n = np.nan_to_num(np.asarray(ctx.columns[BEST_COLUMNS[0]], dtype=float))
        best_g = _column(ctx, BEST_COLUMNS[1], goodput)
    else:
        best_n, best_g = total.astype(float), goodput
    best_flop = best_n * mean_rate * mfu * best_g * seconds
    with np.errstate(divide="ignore", invalid="ignore"):
        concurrent = np.where(best_n > 0, np.floor(total / np.where(best_n > 0, best_n, 1.0)), 0.0)
    params, tokens = compute_optimal(flop, per["tokens_per_parameter"][:, None])
    state = params * per["bytes_per_parameter"][:, None]
    fits = (state <= memory) & (flop > 0)
    per_replica, tps, compute_s, memory_s = decode_throughput(
        st.serve_parameters,
        st.serve_bytes_per_parameter,
        st.serve_batch,
        st.serve_context_tokens,
        st.kv_bytes_per_token,
        hbm,
        bw,
        _serving_rates(scn, cat, st.serve_bytes_per_parameter),
    )
    replicas = np.floor(installed / per_replica)  # (S, T, P)
    serving = sum_last(replicas * tps)
    columns = {
        "training_flop": flop,
        "training_job_accelerators": job_accelerators,
        "best_job_training_flop": best_flop,
        "best_jobs_concurrent": concurrent,
        "training_parameters": params,
        "training_tokens": tokens,
        "training_state_bytes": state,
        "training_fits_in_memory": fits,
        "serving_replicas": sum_last(replicas),
        "serving_tokens_per_s": serving,
    }
    payload = _payload(
        ctx,
        best_n,
        best_g,
        st,
        origins,
        notes,
        from_reliability,
        columns,
        goodput,
        memory,
        per_replica,
        tps,
        compute_s,
        memory_s,
    )
    return Block(columns=columns, payload=payload, provenance=tuple(provenance))


def _payload(
    ctx: Context,
    best_n: np.ndarray,
    best_g: np.ndarray,
    st: TrainingSettings,
    origins: Mapping[str, str],
    notes: list[str],
    from_reliability: bool,
    columns: Mapping[str, np.ndarray],
    goodput: np.ndarray,
    memory: np.ndarray,
    per_replica: np.ndarray,
    tps: np.ndarray,
    compute_s: np.ndarray,
    memory_s: np.ndarray,
) -> dict[str, Any]:
    v = ctx.variant
    runs = known_runs()
    installed = ctx.outputs.accelerators[v]
    flop = columns["training_flop"][v]
    years = []
    for t, year in enumerate(ctx.years):
        years.append(
            {
                "year": int(year),
                "accelerators": int(columns["training_job_accelerators"][v, t]),
                "fleet_accelerators": int(installed[t].sum()),
                "goodput": float(goodput[v, t]),
                "training_flop": float(flop[t]),
                "best_job": {
                    "accelerators": int(best_n[v, t]),
                    "goodput": float(best_g[v, t]),
                    "training_flop": float(columns["best_job_training_flop"][v, t]),
                    "concurrent_jobs": int(columns["best_jobs_concurrent"][v, t]),
                },
                "parameters": float(columns["training_parameters"][v, t]),
                "tokens": float(columns["training_tokens"][v, t]),
                "training_state_bytes": float(columns["training_state_bytes"][v, t]),
                "memory_bytes": float(memory[v, t]),
                "fits_in_memory": bool(columns["training_fits_in_memory"][v, t]),
                "versus": {k: float(flop[t] / r.training_flop) for k, r in runs.items()},
                "serving_replicas": int(columns["serving_replicas"][v, t]),
                "serving_tokens_per_s": float(columns["serving_tokens_per_s"][v, t]),
            }
        )
    serving_phases = [
        {
            "phase": ph.name,
            "accelerator": ph.accelerator,
            "accelerators_per_replica": int(per_replica[i]),
            "tokens_per_s_per_replica": float(tps[i]),
            "bound": "memory" if memory_s[i] >= compute_s[i] else "compute",
        }
        for i, ph in enumerate(ctx.scenario.phase)
    ]
    assumptions: dict[str, Any] = {k: getattr(st, k) for k in Training.model_fields}
    if from_reliability:
        assumptions["goodput"] = "from the reliability model, per year"
    assumptions["best_job"] = (
        "the job size with the most useful compute (accelerators x goodput), from the reliability model"
        if BEST_COLUMNS[0] in ctx.columns and not origins["goodput"].startswith(("scenario", "option"))
        else "the whole fleet (goodput does not depend on the job's size without [reliability])"
    )
    return jsonable(
        {
            "assumptions": assumptions,
            "origins": dict(origins),
            "notes": notes,
            "years": years,
            "serving_by_phase": serving_phases,
            "known_runs": [
                {
                    "id": r.id,
                    "name": r.name,
                    "training_flop": r.training_flop,
                    "parameters": r.parameters,
                    "tokens": r.tokens,
                    "source": r.source,
                    "notes": r.notes,
                }
                for r in runs.values()
            ],
            "units": _BLOCK_UNITS,
        }
    )


TRAINING = Analysis(
    name="training",
    title="Training capacity",
    provides=PROVIDES,
    run=_run,
    requires=("accelerators",),
    uses=(GOODPUT_COLUMN, *BEST_COLUMNS, *LARGEST_PHASE_COLUMNS),
    options=tuple(Training.model_fields),
    inputs=_inputs,
    charts=training_charts,
)
