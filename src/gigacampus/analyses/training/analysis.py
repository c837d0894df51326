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
from gigacampus.scenario import ResolvedInput, Scenario
from gigacampus.units import SECONDS_PER_DAY

__all__ = ["TRAINING", "TrainingSettings", "settings"]

#: The goodput column of the reliability analysis this one reads when present.
GOODPUT_COLUMN = "campus_job_goodput"

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
    from_reliability = (
        st.scope == "campus"
        and GOODPUT_COLUMN in ctx.columns
        and not origins["goodput"].startswith(("scenario", "option"))
    )
    if from_reliability:
        # the reliability model's expected goodput of a campus-wide job replaces the default
        values = np.asarray(ctx.columns[GOODPUT_COLUMN], dtype=float)
        goodput = np.where(np.isnan(values), goodput, values)
        origins["goodput"] = "reliability: campus_job_goodput per year"
        provenance = [r for r in provenance if r.path != "training.goodput"]
        provenance.append(ResolvedInput("training.goodput", f"per year: {GOODPUT_COLUMN}", "-", "derived"))
    mfu, days = per["mfu"][:, None, None], per["days"][:, None, None]
    per_phase_flop = installed * rates * mfu * goodput[..., None] * days * SECONDS_PER_DAY  # (S, T, P)
    if st.scope == "campus":
        flop = per_phase_flop.sum(axis=-1)
        memory = (installed * hbm).sum(axis=-1)
    else:
        best = np.argmax(per_phase_flop, axis=-1)  # (S, T)
        flop = np.take_along_axis(per_phase_flop, best[..., None], axis=-1)[..., 0]
        memory = np.take_along_axis(installed, best[..., None], axis=-1)[..., 0] * hbm[best]
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
    serving = (replicas * tps).sum(axis=-1)
    columns = {
        "training_flop": flop,
        "training_parameters": params,
        "training_tokens": tokens,
        "training_state_bytes": state,
        "training_fits_in_memory": fits,
        "serving_replicas": replicas.sum(axis=-1),
        "serving_tokens_per_s": serving,
    }
    payload = _payload(
        ctx, st, origins, notes, from_reliability, columns, goodput, memory, per_replica, tps, compute_s, memory_s
    )
    return Block(columns=columns, payload=payload, provenance=tuple(provenance))


def _payload(
    ctx: Context,
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
                "accelerators": int(installed[t].sum()),
                "goodput": float(goodput[v, t]),
                "training_flop": float(flop[t]),
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
    uses=(GOODPUT_COLUMN,),
    options=tuple(Training.model_fields),
    inputs=_inputs,
    charts=training_charts,
)
