"""Training and serving capacity of the installed fleet, year by year (docs/training.md).

Pure functions on numpy arrays:

* :func:`training_flop`: compute of the largest run in ``days`` = accelerators x dense rate at
  the precision x MFU x goodput x time;
* :func:`compute_optimal`: the dense model for a budget with ``C = 6 N D`` and ``D = k N``;
* :func:`decode_throughput`: tokens per second a replica decodes, the slower of its compute
  and memory-bandwidth bounds, and how many accelerators a replica needs;
* :func:`training_analysis` adds the ``training`` block and per-year columns to a ``Result``.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from gigacampus.catalog import Catalog
from gigacampus.catalog.tables import read_table
from gigacampus.scenario.schema import Scenario, Training

__all__ = [
    "FLOP_PER_PARAMETER_TOKEN",
    "KnownRun",
    "TrainingSettings",
    "compute_optimal",
    "decode_throughput",
    "known_runs",
    "settings",
    "training_analysis",
    "training_flop",
]

#: Training FLOP per parameter per token of a dense transformer (forward 2 + backward 4).
FLOP_PER_PARAMETER_TOKEN = 6.0
SECONDS_PER_DAY = 86_400.0

TRAINING_UNITS = {
    "training_flop": "FLOP",
    "training_parameters": "parameters",
    "training_tokens": "tokens",
    "training_state_bytes": "B",
    "serving_tokens_per_s": "tokens/s",
    "serving_replicas": "replicas",
}


@dataclass(frozen=True)
class KnownRun:
    id: str
    name: str
    training_flop: float
    parameters: float | None
    tokens: float | None
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def known_runs() -> dict[str, KnownRun]:
    """Published or estimated training runs to compare with (catalog ``training_runs.csv``)."""
    return {r["id"]: KnownRun(**r) for r in read_table("training_runs")}


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


def settings(scn: Scenario, cat: Catalog, **overrides: Any) -> TrainingSettings:
    """``[training]`` (or its defaults) with catalog defaults, then ``overrides`` (not None) on top."""
    unknown = set(overrides) - set(Training.model_fields)
    if unknown:
        raise TypeError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    section = scn.training or Training()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in Training.model_fields:
        value = getattr(section, name)
        origin = "scenario" if name in section.model_fields_set else "schema default"
        if value is None:
            d = cat.default(f"training.{name}")
            value, origin = d.value, f"catalog:defaults ({d.source.split(' ; ')[0]})"
        if overrides.get(name) is not None:
            value, origin = overrides[name], "option"
        values[name] = value
        origins[name] = origin
    return TrainingSettings(**values, origins=origins)


def training_flop(
    accelerators: np.ndarray, flops_per_accelerator: np.ndarray, mfu: float, goodput: float, days: float
) -> np.ndarray:
    """Useful training FLOP in ``days``: sum over the last axis of N x rate, x MFU x goodput x time."""
    rate = (np.asarray(accelerators, dtype=np.float64) * flops_per_accelerator).sum(axis=-1)
    return rate * mfu * goodput * days * SECONDS_PER_DAY


def compute_optimal(flop: np.ndarray | float, tokens_per_parameter: float) -> tuple[np.ndarray, np.ndarray]:
    """(parameters, tokens) of the dense model trained compute-optimally on ``flop``:
    ``C = 6 N D`` with ``D = k N``, so ``N = sqrt(C / (6 k))``."""
    params = np.sqrt(np.asarray(flop, dtype=np.float64) / (FLOP_PER_PARAMETER_TOKEN * tokens_per_parameter))
    return params, params * tokens_per_parameter


def decode_throughput(
    parameters: float,
    bytes_per_parameter: float,
    batch: int,
    context_tokens: int,
    kv_bytes_per_token: float,
    hbm_bytes: np.ndarray,
    hbm_bytes_per_s: np.ndarray,
    flops: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode of one model replica on accelerators of each kind (arrays over kinds).

    A replica holds the weights and the KV cache of ``batch`` sequences of ``context_tokens``;
    it needs ``g = ceil(memory / HBM)`` accelerators. One decode step emits one token per
    sequence and takes the longer of ``2 x parameters x batch / (g x FLOP/s)`` (compute) and
    ``(weights + KV cache) / (g x HBM bandwidth)`` (memory). Returns (accelerators per replica,
    tokens/s per replica, compute-bound step [s], memory-bound step [s]). Peak rates: an upper bound.
    """
    weights = parameters * bytes_per_parameter
    kv = batch * context_tokens * kv_bytes_per_token
    per_replica = np.ceil((weights + kv) / hbm_bytes)
    compute_s = 2.0 * parameters * batch / (per_replica * flops)
    memory_s = (weights + kv) / (per_replica * hbm_bytes_per_s)
    step = np.maximum(compute_s, memory_s)
    return per_replica, batch / step, compute_s, memory_s


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


def training_analysis(result: Any, scn: Scenario, cat: Catalog, inputs: Any, outputs: Any, **overrides: Any) -> Any:
    """The ``training`` block and per-year columns for one run."""
    st = settings(scn, cat, **overrides)
    installed = outputs.accelerators[0]  # (T, P)
    rates, notes = _rates(scn, cat, st.precision)
    hbm = np.asarray([cat.accelerators[ph.accelerator].hbm_gb * 1e9 for ph in scn.phase])
    bw = np.asarray([cat.accelerators[ph.accelerator].hbm_bandwidth_tbps * 1e12 for ph in scn.phase])
    goodput = np.full(len(inputs.years), st.goodput)
    origins = dict(st.origins)
    from_reliability = (
        st.scope == "campus"
        and "campus_job_goodput" in result.timeline.columns
        and not origins["goodput"].startswith(("scenario", "option"))
    )
    if from_reliability:
        # the reliability model's expected goodput of a campus-wide job replaces the default
        goodput = result.timeline["campus_job_goodput"].to_numpy(dtype=float, na_value=st.goodput)
        origins["goodput"] = "reliability: campus_job_goodput per year"
    per_phase_flop = installed * rates * st.mfu * goodput[:, None] * st.days * SECONDS_PER_DAY  # (T, P)
    if st.scope == "campus":
        flop = per_phase_flop.sum(axis=1)
        memory = (installed * hbm).sum(axis=1)
    else:
        best = np.argmax(per_phase_flop, axis=1)
        rows = np.arange(len(best))
        flop = per_phase_flop[rows, best]
        memory = installed[rows, best] * hbm[best]
    params, tokens = compute_optimal(flop, st.tokens_per_parameter)
    state = params * st.bytes_per_parameter
    fits = (state <= memory) & (flop > 0)
    per_replica, tps, compute_s, memory_s = decode_throughput(
        st.serve_parameters,
        st.serve_bytes_per_parameter,
        st.serve_batch,
        st.serve_context_tokens,
        st.kv_bytes_per_token,
        hbm,
        bw,
        np.asarray([cat.accelerators[ph.accelerator].dense_bf16_tflops * 1e12 for ph in scn.phase])
        if st.serve_bytes_per_parameter >= 2
        else rates_for_serving(scn, cat),
    )
    replicas = np.floor(installed / per_replica)  # (T, P)
    serving = (replicas * tps).sum(axis=1)
    runs = known_runs()
    columns = pd.DataFrame(
        {
            "training_flop": flop,
            "training_parameters": params,
            "training_tokens": tokens,
            "training_state_bytes": state,
            "training_fits_in_memory": fits,
            "serving_replicas": replicas.sum(axis=1).astype(np.int64),
            "serving_tokens_per_s": serving,
        },
        index=pd.Index(inputs.years, name="year"),
    )
    years = []
    for t, year in enumerate(inputs.years):
        years.append(
            {
                "year": int(year),
                "accelerators": int(installed[t].sum()),
                "goodput": float(goodput[t]),
                "training_flop": float(flop[t]),
                "parameters": float(params[t]),
                "tokens": float(tokens[t]),
                "training_state_bytes": float(state[t]),
                "memory_bytes": float(memory[t]),
                "fits_in_memory": bool(fits[t]),
                "versus": {k: float(flop[t] / r.training_flop) for k, r in runs.items()},
                "serving_replicas": int(replicas[t].sum()),
                "serving_tokens_per_s": float(serving[t]),
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
        for i, ph in enumerate(scn.phase)
    ]
    assumptions = {
        k: getattr(st, k)
        for k in Training.model_fields
    }
    if from_reliability:
        assumptions["goodput"] = "from the reliability model, per year"
    block = {
        "assumptions": assumptions,
        "origins": origins,
        "notes": notes,
        "years": years,
        "serving_by_phase": serving_phases,
        "known_runs": [
            {"id": r.id, "name": r.name, "training_flop": r.training_flop, "parameters": r.parameters,
             "tokens": r.tokens, "source": r.source, "notes": r.notes}
            for r in runs.values()
        ],
        "units": {**TRAINING_UNITS, "memory_bytes": "B", "days": "day", "kv_bytes_per_token": "B/token"},
    }
    return result.with_block("training", block, columns=columns)


def rates_for_serving(scn: Scenario, cat: Catalog) -> np.ndarray:
    """Dense 8-bit rate per phase for serving with 1-byte weights (BF16 where no FP8/INT8)."""
    out = []
    for ph in scn.phase:
        acc = cat.accelerators[ph.accelerator]
        out.append((acc.dense_8bit_tops or acc.dense_bf16_tflops) * 1e12)
    return np.asarray(out)


def fmt_flop(value: float) -> str:
    """``3.8e25`` style, for tables."""
    if value <= 0 or not math.isfinite(value):
        return "0"
    return f"{value:.2e}"
