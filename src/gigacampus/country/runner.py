"""National allocation across campuses, vectorised over a leading variant axis.

1. Each campus's own model inputs (power, phases, accelerators, supply, PUE, network overhead)
   are built as for a campus run, without its own ``[policy]``.
2. They are joined along the phase axis into one *national* batch: the campuses' phases in
   drawing order (campus priority, then each campus's phase order), each campus keeping its
   own accelerators and its own vendor supply (supply rows are per campus and model). A
   campus's PUE is folded into its phases' power (``power x PUE_first / PUE_campus`` with the
   first campus's PUE as the batch's; a phase given as IT power keeps it), so every phase hosts
   what its own campus hosts, in whole systems of its own size.
3. The national ``[policy]`` becomes pools over all those phases
   (:func:`gigacampus.analyses.policy.inputs.build_policy`) and one run of the campus kernel
   allocates the chips: holders are limited by the national and holder caps, reserved shares
   hold, and within a holder's room the campuses draw in priority order.
4. Each campus is then run by the ordinary pipeline with what it was granted as its only cap
   (one pool per phase, refilled each year with the phase's national shipments), so its
   analyses (finance, reliability, training, network, carbon) see exactly the accelerators the
   national allocation gave it. Its binding constraint is the national one for its phases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gigacampus.analyses.policy.analysis import policy_block
from gigacampus.analyses.policy.inputs import PolicySetup, build_policy
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.jsonable import jsonable
from gigacampus.model import BINDING, CampusInputs, CampusOutputs, binding_codes, simulate
from gigacampus.model.allocation import COUNTED, PolicyInputs
from gigacampus.model.columns import core_year_columns
from gigacampus.pipeline import COLUMNS, BatchRun, batch_result, campus_inputs, run_batch
from gigacampus.results import Result
from gigacampus.scenario import Scenario
from gigacampus.scenario.country import Country, load_country, phase_key

__all__ = [
    "CountryBatch",
    "CountryResult",
    "country_inputs",
    "national_cap_bound",
    "national_inputs",
    "run_country",
    "run_country_batch",
    "run_country_file",
]

UNITS: dict[str, str] = {
    "wanted": "accelerators/year",
    "shipped": "accelerators/year",
    "held_back": "accelerators/year",
    "stranded_power_mw": "MW",
    "facility_power_mw": "MW",
    "accelerators": "accelerators",
    "national_cap": "pool unit/year",
    "national_cap_units": "accelerators/year",
}


def country_inputs(country: Country, catalog: Catalog | None = None) -> dict[str, CampusInputs]:
    """Each campus's model inputs (``S = 1``), by campus name: the batches a sweep repeats and varies."""
    cat = catalog or load_catalog()
    return {c.name: campus_inputs(c.scenario, cat) for c in country.campuses}


def _merged_scenario(country: Country) -> Scenario:
    """The first campus's scenario carrying the national policy and every campus's phases
    (named ``campus / phase``): what the national policy block is described from."""
    phases = tuple(
        ph.model_copy(update={"name": phase_key(c.name, ph.name)}) for c in country.campuses for ph in c.scenario.phase
    )
    return country.campuses[0].scenario.model_copy(update={"policy": country.policy, "phase": phases})


def national_inputs(
    country: Country, batches: Mapping[str, CampusInputs], catalog: Catalog | None = None
) -> tuple[CampusInputs, PolicySetup]:
    """The national batch: every campus's phases joined, with the national policy's pools."""
    cat = catalog or load_catalog()
    parts = [batches[c.name] for c in country.campuses]
    n_s = parts[0].n_variants
    if any(b.n_variants != n_s for b in parts):
        raise ValueError("every campus batch needs the same number of variants")
    names = country.phase_names
    if len(parts) == 1:
        joined = replace(parts[0], phase_names=names, policy=None)
    else:
        ref_pue = parts[0].pue
        offsets = np.cumsum([0, *(len(b.models) for b in parts)])
        joined = replace(
            parts[0],
            models=tuple(f"{c.name}: {m}" for c, b in zip(country.campuses, parts, strict=True) for m in b.models),
            phase_names=names,
            phase_model=np.concatenate([b.phase_model + o for b, o in zip(parts, offsets, strict=False)]),
            phase_online_year=np.concatenate([b.phase_online_year for b in parts], axis=1),
            # a facility-basis phase's power is folded to the first campus's PUE so that its IT
            # power (power / PUE) is its own campus's; an IT-basis phase's power is IT power already
            phase_power_mw=np.concatenate(
                [
                    np.where(b.phase_power_is_it, b.phase_power_mw, b.phase_power_mw * (ref_pue / b.pue)[:, None])
                    for b in parts
                ],
                axis=1,
            ),
            phase_power_is_it=np.concatenate([b.phase_power_is_it for b in parts], axis=1),
            accelerators_per_system=np.concatenate([b.accelerators_per_system for b in parts], axis=1),
            overhead_included=np.concatenate([b.overhead_included for b in parts], axis=1),
            overhead_fraction=np.concatenate(
                [
                    np.repeat(b.overhead_fraction[:, None], b.phase_power_mw.shape[1], axis=1)
                    if b.overhead_fraction.ndim == 1
                    else b.overhead_fraction
                    for b in parts
                ],
                axis=1,
            ),
            accelerator_power_w=np.concatenate([b.accelerator_power_w for b in parts], axis=1),
            utilization=np.concatenate([b.utilization for b in parts], axis=1),
            h100e_per_accelerator=np.concatenate([b.h100e_per_accelerator for b in parts], axis=1),
            tpp_per_accelerator=np.concatenate([b.tpp_per_accelerator for b in parts], axis=1),
            dense_bf16_flops_per_accelerator=np.concatenate(
                [b.dense_bf16_flops_per_accelerator for b in parts], axis=1
            ),
            dense_fp8_flops_per_accelerator=np.concatenate([b.dense_fp8_flops_per_accelerator for b in parts], axis=1),
            supply_units=np.concatenate([b.supply_units for b in parts], axis=1),
            policy=None,
        )
    setup = build_policy(
        _merged_scenario(country),
        cat,
        joined.years,
        names,
        policy=country.policy,
        phase_accelerators=country.phase_accelerators,
    )
    return replace(joined, policy=setup.inputs.take(np.zeros(n_s, dtype=np.int64))), setup


def _grant(granted: np.ndarray, phase_names: Sequence[str]) -> PolicyInputs:
    """A campus's only cap: one pool per phase refilled each year with what the phase was granted
    (``granted`` is (S, T, P)), drawn by one holder per phase."""
    n_s, n_t, n_p = granted.shape
    eye = np.eye(n_p, dtype=bool)
    return PolicyInputs(
        holder_names=tuple(f"national grant: {n}" for n in phase_names),
        holder_phase=eye,
        holder_unit_phase=np.arange(n_p, dtype=np.int64),
        holder_active=np.ones((n_s, n_t, n_p), dtype=bool),
        pool_ids=tuple(f"grant:{n}" for n in phase_names),
        pool_names=tuple(f"national grant: {n}" for n in phase_names),
        pool_unit=np.zeros(n_p, dtype=np.int64),
        pool_kind=np.full(n_p, COUNTED, dtype=np.int64),
        pool_member=eye.copy(),
        pool_refill=granted.astype(np.float64),
        pool_reset=np.ones((n_t, n_p), dtype=bool),
    )


@dataclass(frozen=True)
class CountryBatch:
    """A batch of ``S`` variants of a country: the national run and every campus's run.

    Arrays are ``(S, T, C)`` with campuses in drawing order (:attr:`campus_names`).
    """

    country: Country
    inputs: CampusInputs
    """The national batch (every campus's phases)."""
    outputs: CampusOutputs
    setup: PolicySetup
    campus_names: tuple[str, ...]
    campus_phases: tuple[slice, ...]
    runs: dict[str, BatchRun]
    """Each campus's pipeline run (``S`` variants)."""
    wanted: np.ndarray
    shipped: np.ndarray
    held_back: np.ndarray
    binding: np.ndarray
    """(S, T, C) binding-constraint codes (see :data:`gigacampus.model.BINDING`)."""
    stranded_power_mw: np.ndarray
    seed: int | None
    variant: int


def run_country_batch(
    country: Country,
    campus_batches: Mapping[str, CampusInputs] | None = None,
    *,
    catalog: Catalog | None = None,
    seed: int | None = None,
    variant: int = 0,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> CountryBatch:
    """Run ``S`` variants of a country in one national allocation and one pipeline run per campus.

    ``campus_batches`` maps each campus name to its campus inputs with ``S`` variants (e.g.
    ``country_inputs(country)[name].repeat(S)`` with values varied); by default each campus's own
    (``S = 1``). Summary blocks are built for ``variant``.
    """
    cat = catalog or load_catalog()
    batches = dict(campus_batches) if campus_batches is not None else country_inputs(country, cat)
    missing = [c.name for c in country.campuses if c.name not in batches]
    if missing:
        raise KeyError(f"no campus inputs for {', '.join(missing)}")
    national, setup = national_inputs(country, batches, cat)
    outputs = simulate(national)
    cuts = outputs.phase_cuts
    assert cuts is not None
    names = tuple(c.name for c in country.campuses)
    bounds = np.cumsum([0, *(len(c.scenario.phase) for c in country.campuses)])
    slices = tuple(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    runs: dict[str, BatchRun] = {}
    n_s, n_t = outputs.facility_power_mw.shape
    wanted = np.zeros((n_s, n_t, len(names)))
    shipped = np.zeros_like(wanted)
    binding = np.zeros((n_s, n_t, len(names)), dtype=np.int8)
    stranded = np.zeros_like(wanted)
    for i, (campus, sl) in enumerate(zip(country.campuses, slices, strict=True)):
        own = batches[campus.name]
        granted = outputs.accelerators_added[:, :, sl]
        run = run_batch(
            campus.scenario,
            replace(own, policy=_grant(granted, own.phase_names)),
            catalog=cat,
            seed=seed,
            options=options,
            variant=variant,
        )
        c_cut = cuts[:, :, sl, :].sum(axis=2)
        codes = binding_codes(c_cut[..., 0], c_cut[..., 1], c_cut[..., 2], run.outputs.slots.sum(axis=2))
        out = replace(
            run.outputs,
            binding=codes,
            cut_by_supply=c_cut[..., 0],
            cut_by_quota=c_cut[..., 1] + c_cut[..., 2],
            allocation=None,
            phase_cuts=cuts[:, :, sl, :],
        )
        columns = dict(run.columns)
        columns.update(core_year_columns(run.inputs, out))
        columns["accelerators_cut_by_approval"] = c_cut[..., 2]
        runs[campus.name] = replace(run, outputs=out, columns=columns)
        wanted[:, :, i] = outputs.demand[:, :, sl].sum(axis=2)
        shipped[:, :, i] = out.accelerators_added.sum(axis=2)
        binding[:, :, i] = codes
        stranded[:, :, i] = out.stranded_power_mw
    return CountryBatch(
        country=country,
        inputs=national,
        outputs=outputs,
        setup=setup,
        campus_names=names,
        campus_phases=slices,
        runs=runs,
        wanted=wanted,
        shipped=shipped,
        held_back=wanted - shipped,
        binding=binding,
        stranded_power_mw=stranded,
        seed=seed,
        variant=variant,
    )


@dataclass(frozen=True)
class CountryResult:
    """One variant of a country run: the national summary and each campus's :class:`Result`."""

    country: Country
    summary: dict[str, Any]
    campuses: dict[str, Result]

    def to_summary(self) -> dict[str, Any]:
        return self.summary


def _first(years: Sequence[int], flags: Sequence[bool]) -> int | None:
    return next((y for y, f in zip(years, flags, strict=True) if f), None)


def _spans(years: Sequence[int], flags: Sequence[bool]) -> list[list[int]]:
    spans: list[list[int]] = []
    for y, f in zip(years, flags, strict=True):
        if f:
            if spans and spans[-1][1] == y - 1:
                spans[-1][1] = y
            else:
                spans.append([y, y])
    return spans


def national_cap_bound(batch: CountryBatch) -> np.ndarray:
    """(S, T) whether a national (or group) cap binds in the year: any of its pools is used up."""
    alloc = batch.outputs.allocation
    assert alloc is not None
    cap_pools = [k for k, p in enumerate(batch.setup.pools) if p.scope in ("national", "group")]
    if not cap_pools:
        return np.zeros(batch.wanted.shape[:2], dtype=bool)
    return alloc.pool_bound[:, :, cap_pools].any(axis=2)


def country_summary(batch: CountryBatch, results: Mapping[str, Result], catalog: Catalog) -> dict[str, Any]:
    """The national summary for ``batch.variant``: per year and campus wanted, shipped, held back,
    binding; shipped against the national cap; the first binding year; stranded MW by campus."""
    v = batch.variant
    country, setup, alloc = batch.country, batch.setup, batch.outputs.allocation
    assert alloc is not None
    years = [int(y) for y in batch.inputs.years]
    block = policy_block(_merged_scenario(country), setup, batch.inputs, batch.outputs, catalog, v)
    national_pools = [k for k, p in enumerate(setup.pools) if p.scope == "national"]
    cap_bound = [bool(b) for b in national_cap_bound(batch)[v]]
    records = []
    campus_results = [results[n] for n in batch.campus_names]
    for t, year in enumerate(years):
        caps = []
        for k in national_pools:
            info = setup.pools[k]
            avail = float(alloc.pool_available[v, t, k])
            caps.append(
                {
                    "cap": info.id,
                    "name": info.name,
                    "unit": info.unit,
                    "available": avail if np.isfinite(avail) else None,
                    "used": float(alloc.pool_used[v, t, k]),
                    "binding": bool(alloc.pool_bound[v, t, k]),
                }
            )
        campuses = []
        for i, name in enumerate(batch.campus_names):
            tl = campus_results[i].timeline
            campuses.append(
                {
                    "campus": name,
                    "wanted": int(batch.wanted[v, t, i]),
                    "shipped": int(batch.shipped[v, t, i]),
                    "held_back": int(batch.held_back[v, t, i]),
                    "binding_constraint": BINDING[int(batch.binding[v, t, i])],
                    "stranded_power_mw": float(batch.stranded_power_mw[v, t, i]),
                    "facility_power_mw": float(tl["facility_power_mw"].iloc[t]),
                    "accelerators": int(tl["accelerators"].iloc[t]),
                    "h100e": float(tl["h100e"].iloc[t]),
                }
            )
        sums = {
            key: float(sum(float(r.timeline[key].iloc[t]) for r in campus_results))
            for key in (
                "facility_power_mw",
                "it_power_mw",
                "accelerators",
                "accelerators_added",
                "h100e",
                "tpp",
                "dense_bf16_flops",
                "energy_mwh",
                "stranded_power_mw",
            )
        }
        capex = [r.timeline["capex_usd"].iloc[t] for r in campus_results if "capex_usd" in r.timeline]
        records.append(
            {
                "year": year,
                **sums,
                "accelerators": int(sums["accelerators"]),
                "capex_usd": float(sum(capex)) if capex else None,
                "accelerators_wanted": int(batch.wanted[v, t].sum()),
                "accelerators_shipped": int(batch.shipped[v, t].sum()),
                "accelerators_held_back": int(batch.held_back[v, t].sum()),
                "binding_constraint": BINDING[int(batch.outputs.binding[v, t])],
                "national_cap_binding": cap_bound[t],
                "national_caps": caps,
                "campuses": campuses,
            }
        )
    short_first: dict[str, dict[str, Any]] = {}
    licence_first: dict[str, dict[str, Any]] = {}
    for rec in block["years"]:
        for h in rec["holders"]:
            for key, store in (("quota", short_first), ("approval", licence_first)):
                if h["short_by"][key] > 0 and h["holder"] not in store:
                    store[h["holder"]] = {"year": rec["year"], "short": h["short_by"][key]}
    first_bind = _first(years, cap_bound)
    held_first = {}
    for i, name in enumerate(batch.campus_names):
        y = _first(years, [bool(batch.held_back[v, t, i] > 0) for t in range(len(years))])
        if y is not None:
            held_first[name] = y
    info = country.info
    headline = {
        "national_cap_first_binds": first_bind,
        "national_cap_binding_years": _spans(years, cap_bound),
        "campus_first_held_back": dict(sorted(held_first.items(), key=lambda kv: kv[1])),
        "holder_first_short": dict(sorted(short_first.items(), key=lambda kv: kv[1]["year"])),
        "holder_first_short_of_own_licence": dict(sorted(licence_first.items(), key=lambda kv: kv[1]["year"])),
        "stranded_power_mw_by_campus": {
            n: [float(batch.stranded_power_mw[v, t, i]) for t in range(len(years))]
            for i, n in enumerate(batch.campus_names)
        },
        "full_year": None,
        "energy_mwh_total": float(sum(r["energy_mwh"] for r in records)),
        "accelerators_end": records[-1]["accelerators"],
        "h100e_end": records[-1]["h100e"],
    }
    return jsonable(
        {
            "kind": "country",
            "scenario": {
                "name": info.name,
                "description": info.description,
                "start_year": info.start_year,
                "end_year": info.end_year,
                "years": years,
                "sources": list(info.sources),
                "seed": batch.seed,
            },
            "country": {"name": info.name, "regime": setup.regime.id, "source": country.source},
            "campuses": [
                {
                    "name": c.name,
                    "priority": c.priority,
                    "source": c.source,
                    "phases": [ph.name for ph in c.scenario.phase],
                    "notes": list(c.notes),
                }
                for c in country.campuses
            ],
            "headline": headline,
            "years": records,
            "policy": block,
            "notes": list(country.notes),
            "explanations": _explain(info.name, headline, records),
            "units": {**UNITS, **COLUMNS.units()},
            "inputs": [],
        }
    )


def _explain(name: str, headline: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    first = headline["national_cap_first_binds"]
    if first is None:
        lines.append(f"{name}: the national caps never bind over {records[0]['year']}-{records[-1]['year']}.")
    else:
        spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in headline["national_cap_binding_years"])
        lines.append(f"{name}: the national caps first bind in {first} (binding in {spans}).")
    for campus, year in headline["campus_first_held_back"].items():
        lines.append(f"{campus} is first held back in {year}.")
    for holder, info in headline["holder_first_short"].items():
        lines.append(
            f"{holder} is first held by a national cap in {info['year']} ({info['short']:,} accelerators short)."
        )
    for holder, info in headline["holder_first_short_of_own_licence"].items():
        lines.append(f"{holder} is first held by its own approval in {info['year']} ({info['short']:,} short).")
    return lines


def run_country(
    country: Country,
    *,
    catalog: Catalog | None = None,
    seed: int | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> CountryResult:
    """Run a country (``S = 1``): the national allocation, every campus's analyses, the national summary."""
    cat = catalog or load_catalog()
    batch = run_country_batch(country, catalog=cat, seed=seed, options=options)
    results = {name: batch_result(run, cat) for name, run in batch.runs.items()}
    return CountryResult(country, country_summary(batch, results, cat), results)


def run_country_file(
    path: str | Path, *, overrides: Sequence[str] = (), seed: int | None = None, catalog: Catalog | None = None
) -> CountryResult:
    """Load, validate and run a country file (``overrides`` apply to the country file's keys)."""
    return run_country(load_country(path, overrides=overrides, catalog=catalog), catalog=catalog, seed=seed)
