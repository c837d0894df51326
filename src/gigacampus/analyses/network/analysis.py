"""The network analysis: every phase's scale-out fabric sized for the accelerators installed,
its switches, optics, cables, power and cost per year (docs/network.md).

Applies with a ``[network]`` section. With ``model = "clos"`` its ``prepare`` step replaces the
campus model's overhead fraction by each phase's fabric power, solved with the accelerator count.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, Prepared, with_section
from gigacampus.analyses.network.charts import network_charts
from gigacampus.analyses.network.sizing import FabricPlan, fabric, phase_overhead_fraction, plan
from gigacampus.catalog import Catalog
from gigacampus.catalog.network import scale_out, switches
from gigacampus.model import CampusInputs, CampusOutputs, phase_it_w
from gigacampus.model.columns import Column, read_columns
from gigacampus.scenario import ResolvedInput, Scenario, section_rows

__all__ = ["NETWORK"]

PROVIDES: tuple[Column, ...] = read_columns("gigacampus.analyses.network")


def _prepare(scn: Scenario, cat: Catalog, inputs: CampusInputs) -> Prepared | None:
    """With ``model = "clos"``: the per-phase overhead fraction that carries the solved fabric's power."""
    p = plan(scn, cat)
    if p is None or p.model != "clos":
        return None
    it_w = phase_it_w(inputs)
    overhead, _ = phase_overhead_fraction(p, it_w, inputs.accelerator_power_w)
    row = ResolvedInput("site.overhead_fraction", "per phase from [network] (clos)", "-", "derived")
    return Prepared(replace(inputs, overhead_fraction=overhead), (row,), p)


def _provenance(scn: Scenario, cat: Catalog, p: FabricPlan) -> tuple[ResolvedInput, ...]:
    net = scn.network
    assert net is not None
    rows = [r for r in section_rows(("network",), net) if r.value is not None]
    switch = switches()[p.switch_id]
    if net.switch_power_w is None:
        rows.append(ResolvedInput("network.switch_power_w", switch.power_w, "W", "catalog:switches", switch.source))
    for i, ph in enumerate(scn.phase):
        system = cat.system_for(ph.accelerator, ph.system)
        nic = scale_out().get(system.id)
        if net.link_gbps is None and nic is not None:
            rows.append(
                ResolvedInput(f"phase[{i}].link_gbps", float(p.link_gbps[i]), "Gb/s", "catalog:scale_out", nic.source)
            )
        if net.rails is None and nic is not None:
            rows.append(ResolvedInput(f"phase[{i}].rails", int(p.rails[i]), "count", "catalog:scale_out", nic.source))
    return tuple(rows)


def _run(ctx: Context) -> Block:
    p = ctx.prepared.data if ctx.prepared is not None else plan(ctx.scenario, ctx.catalog)
    assert p is not None
    installed = ctx.outputs.accelerators  # (S, T, P)
    rep = fabric(p, installed)
    value = rep.capex_usd.sum(axis=-1)  # (S, T) value of the fabric in place
    before = np.concatenate([np.zeros_like(value[:, :1]), value[:, :-1]], axis=1)
    columns = {
        "network_switches": rep.size.total_switches.sum(axis=-1),
        "network_transceivers": rep.transceivers.sum(axis=(-1, -2)),
        "network_cables": rep.size.total_cables.sum(axis=-1),
        "network_power_mw": rep.power_w.sum(axis=-1) / 1e6,
        "network_capex_usd": np.maximum(value - before, 0.0),
        "scale_up_domains": np.ceil(installed / p.scale_up_domain).sum(axis=-1),
    }
    years = [int(y) for y in ctx.years]
    payload = _payload(p, ctx.scenario, ctx.outputs, columns, ctx.variant, years)
    return Block(columns=columns, payload=payload, provenance=_provenance(ctx.scenario, ctx.catalog, p), data=p)


def _counts(values: np.ndarray) -> list[int]:
    return [int(v) for v in values]


def _payload(
    p: FabricPlan, scn: Scenario, outputs: CampusOutputs, columns: dict[str, np.ndarray], v: int, years: list[int]
) -> dict[str, Any]:
    last = len(years) - 1
    phases = []
    full = fabric(p, outputs.slots[v, -1, :])  # each phase's fabric at capacity, (P,)
    for i, ph in enumerate(scn.phase):
        slots = int(outputs.slots[v, -1, i])
        tiers = int(full.size.tiers[i])
        sw = full.size.switches[i]
        cb = full.size.cables[i]
        tr = full.transceivers[i]
        phases.append(
            {
                "phase": ph.name,
                "accelerators": slots,
                "link_gbps": float(p.link_gbps[i]),
                "ports_per_accelerator": int(p.ports_per_accelerator[i]),
                "radix": int(p.radix[i]),
                "rails": int(p.rails[i]),
                "scale_up_domain": int(p.scale_up_domain[i]),
                "scale_up_domains": int(math.ceil(slots / p.scale_up_domain[i])),
                "tiers": tiers,
                "switches_by_tier": _counts(sw[:tiers]),
                "cables_by_boundary": _counts(cb[:tiers]),
                "reach_by_boundary": [p.optics[i][b].reach_class for b in range(tiers)],
                "transceivers_by_boundary": _counts(tr[:tiers]),
                "optics_by_boundary": [p.optics[i][b].id for b in range(tiers)],
                "power_w": float(full.power_w[i]),
                "power_w_per_accelerator": float(full.power_w[i] / slots) if slots else None,
                "capex_usd": float(full.capex_usd[i]),
            }
        )
    switch = switches()[p.switch_id]
    block = {
        "model": p.model,
        "switch": {"id": switch.id, "name": switch.name, "ports": switch.ports, "port_gbps": switch.port_gbps},
        "switch_power_w": p.switch_power_w,
        "oversubscription": p.oversubscription,
        "frontend_fraction": p.frontend_fraction,
        "other_overhead_fraction": p.other_overhead_fraction if p.model == "clos" else None,
        "phases_at_capacity": phases,
        "final_year": {
            "year": years[last],
            "switches": int(columns["network_switches"][v, last]),
            "transceivers": int(columns["network_transceivers"][v, last]),
            "cables": int(columns["network_cables"][v, last]),
            "power_mw": float(columns["network_power_mw"][v, last]),
        },
        "sources": sorted(
            {switch.source, *(o.source for row in p.optics for o in row), *(s.source for s in scale_out().values())}
        ),
        "units": {
            **{c.name: c.unit for c in PROVIDES},
            "power_w": "W",
            "capex_usd": "USD",
            "link_gbps": "Gb/s",
            "switch_power_w": "W",
        },
    }
    return block


NETWORK = Analysis(
    name="network",
    title="Network fabric",
    provides=PROVIDES,
    run=_run,
    applies=with_section("network"),
    requires=("accelerators",),
    prepare=_prepare,
    charts=network_charts,
)
