"""The ``"policy"`` block of a run: chips by holder and year, caps, stranded power, the share
of the national cap the campus needs, and pledges next to the compute delivered.

Applies with a ``[policy]`` section. Its ``prepare`` step turns the regime, the holders and
their caps into pools for the campus model's allocation (:mod:`gigacampus.model.allocation`);
``run`` is arithmetic on the model's outputs.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from gigacampus.analyses.contract import Analysis, Block, Context, Prepared, with_section
from gigacampus.analyses.policy.charts import policy_charts
from gigacampus.analyses.policy.inputs import IMPLICIT_HOLDER, PolicySetup, policy_setup
from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import Cap, load_regimes, parse_unit
from gigacampus.jsonable import jsonable
from gigacampus.model import BINDING, CampusInputs, CampusOutputs, campus_full_year, phase_full_years, simulate
from gigacampus.model.allocation import COUNTED, SHORT_APPROVAL, SHORT_QUOTA, SHORT_SUPPLY
from gigacampus.model.columns import read_columns
from gigacampus.scenario import ResolvedInput, Scenario, section_rows

__all__ = ["POLICY", "UNITS", "needed_to_stay_full", "policy_block"]

#: Units of the block's numeric fields.
UNITS: dict[str, str] = {
    "allocated": "accelerators/year",
    "shipped": "accelerators/year",
    "unused": "accelerators/year",
    "wanted": "accelerators/year",
    "installed": "accelerators",
    "h100e_delivered": "H100e/year",
    "tpp_delivered": "TPP/year",
    "h100e_installed": "H100e",
    "stranded_power_mw": "MW",
    "accelerators_needed": "accelerators/year",
    "h100e_needed": "H100e/year",
    "tpp_needed": "TPP/year",
    "national_cap_share_needed": "-",
    "amount_usd": "USD",
    "fulfilled_usd": "USD",
    "usd_per_h100e_delivered": "USD/H100e",
    "usd_per_accelerator_delivered": "USD/accelerator",
    "available": "pool unit",
    "used": "pool unit",
}
_HOLDER_BINDING = ("supply", "quota", "approval")


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def needed_to_stay_full(inputs: CampusInputs) -> CampusOutputs:
    """The campus with no quota, policy or supply limit: what it needs each year to stay full
    (new slots plus replacement at end of life)."""
    free = replace(
        inputs,
        quota_units=np.full_like(inputs.quota_units, np.inf),
        quota_h100e=np.full_like(inputs.quota_h100e, np.inf),
        quota_tpp=np.full_like(inputs.quota_tpp, np.inf),
        supply_units=np.full_like(inputs.supply_units, np.inf),
        policy=None,
    )
    return simulate(free)


def _cap_in_year(cap: Cap, year: int, factor: float, start_year: int) -> tuple[float | None, int | None]:
    """(amount of the cap for ``year`` in the base unit, first year its count starts) or (None, None)."""
    if cap.per == "year":
        amount = cap.amount_in(year)
        return (None, None) if amount is None else (amount * factor, year)
    allowed = cap.allowance_through(year)
    return (None, None) if allowed is None else (allowed * factor, max(cap.first_year, start_year))


def _equivalents(amount: float, unit: str, inputs: CampusInputs, v: int) -> dict[str, dict[str, float]]:
    """What an amount in a base unit is in each of the campus's accelerators."""
    out = {}
    for p, model in enumerate(inputs.phase_model):
        name = inputs.models[int(model)]
        if name in out:
            continue
        h, c = float(inputs.h100e_per_accelerator[v, p]), float(inputs.tpp_per_accelerator[v, p])
        per = {"units": 1.0, "h100e": h, "tpp": c}[unit]
        count = amount / per if per > 0 else math.inf
        out[name] = {"accelerators": count, "h100e": count * h, "tpp": count * c}
    return out


def policy_block(
    scn: Scenario, setup: PolicySetup, inputs: CampusInputs, outputs: CampusOutputs, catalog: Catalog, v: int = 0
) -> dict[str, Any]:
    """The ``"policy"`` summary block for variant ``v`` of a run with a policy."""
    policy = scn.policy
    alloc = outputs.allocation
    if policy is None or alloc is None or inputs.policy is None:
        raise ValueError("the run has no policy")
    regime = setup.regime
    years = [int(y) for y in inputs.years]
    pol = inputs.policy
    h_pa, tpp_pa = inputs.h100e_per_accelerator[v], inputs.tpp_per_accelerator[v]
    lifetime = int(inputs.lifetime_years[v])
    shipped_hp = alloc.shipped[v]  # (T, H, P)
    shipped = shipped_hp.sum(axis=2)  # (T, H)
    h100e = (shipped_hp * h_pa[None, None, :]).sum(axis=2)
    tpp = (shipped_hp * tpp_pa[None, None, :]).sum(axis=2)
    window = np.arange(len(years))[:, None] - np.arange(len(years))[None, :]  # t - tau
    alive = ((window >= 0) & (window < lifetime)).astype(float)  # (T, T)
    installed = alive @ shipped
    h100e_installed = alive @ h100e
    slots_hp = outputs.slots[v]  # (T, P)
    holder_slots = slots_hp @ pol.holder_phase.T.astype(float)  # (T, H)

    free = needed_to_stay_full(inputs.take([v]))
    need_units = free.accelerators_added[0].sum(axis=1)
    need_h100e = (free.accelerators_added[0] * h_pa).sum(axis=1)
    need_tpp = (free.accelerators_added[0] * tpp_pa).sum(axis=1)
    # the share of a cap needed counts only the items the regime counts
    counted = pol.phase_counted if pol.phase_counted is not None else np.ones(len(h_pa), dtype=bool)
    added_counted = free.accelerators_added[0] * counted
    need_by_unit = {
        "units": added_counted.sum(axis=1),
        "h100e": (added_counted * h_pa).sum(axis=1),
        "tpp": (added_counted * tpp_pa).sum(axis=1),
    }

    national = []
    for cap in regime.caps_with("national"):
        base, factor = parse_unit(cap.unit, catalog)
        national.append((cap, base, factor))

    year_records = []
    for t, year in enumerate(years):
        in_force, _ = regime.in_force(year)
        label, why = _year_status(regime, policy.after_rescission, year)
        holders = []
        for h, name in enumerate(pol.holder_names):
            short = alloc.holder_short[v, t, h]
            allocated = float(alloc.allocated[v, t, h])
            if holder_slots[t, h] <= 0:
                binding = "none"
            elif short.sum() <= 0:
                binding = "power"
            else:
                order = (SHORT_QUOTA, SHORT_APPROVAL, SHORT_SUPPLY)  # ties go to the regime, then approval
                binding = _HOLDER_BINDING[max(order, key=lambda k: (short[k], -order.index(k)))]
            holders.append(
                {
                    "holder": name,
                    "approved": bool(pol.holder_active[v, t, h]),
                    "allocated": _num(allocated),
                    "shipped": int(shipped[t, h]),
                    "unused": _num(allocated - shipped[t, h]),
                    "wanted": int(alloc.wanted[v, t, h]),
                    "h100e_delivered": float(h100e[t, h]),
                    "tpp_delivered": float(tpp[t, h]),
                    "installed": int(installed[t, h]),
                    "h100e_installed": float(h100e_installed[t, h]),
                    "binding": binding,
                    "short_by": {
                        "supply": int(short[SHORT_SUPPLY]),
                        "quota": int(short[SHORT_QUOTA]),
                        "approval": int(short[SHORT_APPROVAL]),
                    },
                }
            )
        pools = [
            {
                "cap": info.id,
                "name": info.name,
                "unit": info.unit,
                "available": _num(float(alloc.pool_available[v, t, k])),
                "used": float(alloc.pool_used[v, t, k]),
                "unused": _num(float(alloc.pool_available[v, t, k] - alloc.pool_used[v, t, k])),
                "binding": bool(alloc.pool_bound[v, t, k]),
            }
            for k, info in enumerate(setup.pools)
        ]
        share_needed = {}
        for cap, base, factor in national:
            amount, since = _cap_in_year(cap, year, factor, years[0])
            if amount is None or since is None or amount <= 0:
                share_needed[cap.cap] = None
                continue
            first = max(0, years.index(since)) if since in years else 0
            needed = need_by_unit[base][first : t + 1].sum() if cap.per == "cumulative" else need_by_unit[base][t]
            share_needed[cap.cap] = float(needed / amount)
        year_records.append(
            {
                "year": year,
                "regime_in_force": in_force,
                "regime_status": label,
                "regime_status_reason": why,
                "binding_constraint": BINDING[int(outputs.binding[v, t])],
                "stranded_power_mw": float(outputs.stranded_power_mw[v, t]),
                "accelerators_wanted": int(outputs.demand[v, t].sum()),
                "accelerators_shipped": int(shipped[t].sum()),
                "h100e_delivered": float(h100e[t].sum()),
                "tpp_delivered": float(tpp[t].sum()),
                "accelerators_needed": int(need_units[t]),
                "h100e_needed": float(need_h100e[t]),
                "tpp_needed": float(need_tpp[t]),
                "national_cap_share_needed": share_needed,
                "holders": holders,
                "caps": pools,
            }
        )

    total_h100e = float(h100e.sum())
    total_units = float(shipped.sum())
    pledges = []
    for pledge in policy.pledge:
        done = {int(y): float(a) for y, a in sorted(pledge.fulfilled_usd.items())}
        fulfilled = sum(done.values())
        pledges.append(
            {
                "who": pledge.who,
                "what": pledge.what,
                "amount_usd": pledge.amount_usd,
                "due_year": pledge.due_year,
                "source": pledge.source,
                "fulfilled_usd": done,
                "fulfilled_usd_total": fulfilled if done else None,
                "fulfilled_share": fulfilled / pledge.amount_usd if done else None,
                "usd_per_h100e_delivered": pledge.amount_usd / total_h100e if total_h100e > 0 else None,
                "usd_per_accelerator_delivered": pledge.amount_usd / total_units if total_units > 0 else None,
            }
        )
    pledged = sum(p.amount_usd for p in policy.pledge)

    caps = []
    for cap in regime.caps:
        row = {
            "cap": cap.cap,
            "name": cap.name,
            "scope": cap.scope,
            "group": cap.group,
            "unit": cap.unit,
            "per": cap.per,
            "describe": cap.describe(),
            "first_year": cap.first_year,
            "last_year": cap.last_year,
            "source": cap.source,
        }
        if cap.unit != "share":
            base, factor = parse_unit(cap.unit, catalog)
            amount = max(r.amount for r in cap.rows) * factor
            row["amount_in_base_unit"] = amount
            row["base_unit"] = base
            row["equivalents"] = _equivalents(amount, base, inputs, v)
        caps.append(row)

    phases = {ph.name: year for ph, year in zip(scn.phase, phase_full_years(inputs, outputs, v), strict=True)}
    block = {
        "regime": {k: v for k, v in regime.to_dict().items() if k != "caps"},
        "status": _status(regime, policy.after_rescission, years),
        "campus_share": policy.campus_share,
        "after_rescission": policy.after_rescission,
        "caps": caps,
        "pools": [
            {
                "cap": i.id,
                "name": i.name,
                "scope": i.scope,
                "unit": i.unit,
                "describe": i.describe,
                "holder": i.holder,
                "source": i.source,
            }
            for i in setup.pools
        ],
        "holders": [
            {
                "name": h.name,
                "headquarters": h.headquarters,
                "status": h.status,
                "approval_year": h.approval_year if h.name != IMPLICIT_HOLDER else None,
                "share": h.share,
                "veu": h.veu,
                "phases": list(h.phases) if h.phases is not None else list(inputs.phase_names),
                "caps": [c.model_dump() for c in h.caps],
                "allocation": h.allocation.model_dump() if h.allocation else None,
                "source": h.source,
                "shipped_total": int(shipped[:, i].sum()),
                "h100e_delivered_total": float(h100e[:, i].sum()),
                "tpp_delivered_total": float(tpp[:, i].sum()),
                "shares_room_with": _sharing(pol, i),
            }
            for i, h in enumerate(setup.holders)
        ],
        "years": year_records,
        "phases_full_year": phases,
        "campus_full_year": campus_full_year(inputs, outputs, v),
        "totals": {
            "accelerators_shipped": int(total_units),
            "h100e_delivered": total_h100e,
            "tpp_delivered": float(tpp.sum()),
            "pledged_usd": pledged,
            "usd_pledged_per_h100e_delivered": pledged / total_h100e if pledges and total_h100e > 0 else None,
        },
        "pledges": pledges,
        "notes": list(setup.notes),
        "units": UNITS,
    }
    block["explanations"] = _explain(block)
    return jsonable(block)


def _sharing(pol: Any, h: int) -> list[str]:
    """Other holders (that fill a phase) drawing on the same unreserved counted pools as holder
    ``h``: its ``allocated`` is room they share, first come, first served."""
    member, kind = pol.pool_member, pol.pool_kind
    owner = pol.pool_reserved_for if pol.pool_reserved_for is not None else np.full(len(kind), -1)
    shared = [k for k in range(len(kind)) if member[k, h] and kind[k] == COUNTED and owner[k] < 0]
    groups = [k for k in shared if pol.pool_ids[k].startswith("group:")]
    shared = groups or shared  # the group shares split the national cap: the holder competes within its group
    return [
        name
        for i, name in enumerate(pol.holder_names)
        if i != h and pol.holder_phase[i].any() and any(member[k, i] for k in shared)
    ]


def _year_status(regime: Any, after: str, year: int) -> tuple[str, str]:
    """(label, reason): ``in force``, ``counterfactual`` (rescinded, caps kept), ``lifted``
    (rescinded, caps dropped) or ``no caps`` (outside the years the regime sets caps for)."""
    if regime.first_year is not None and year < regime.first_year:
        return "no caps", f"{regime.id} applies from {regime.first_year}"
    if regime.last_year is not None and year > regime.last_year:
        return "no caps", f"{regime.id} sets no caps after {regime.last_year}"
    if regime.rescinded_on is not None and year >= regime.rescinded_on.year:
        when = regime.rescinded_on.isoformat()
        if after == "lift":
            return "lifted", f"{regime.id} was rescinded on {when}; its caps are dropped"
        return "counterfactual", f"{regime.id} was rescinded on {when}; its caps are kept as a counterfactual"
    return "in force", ""


def _status(regime: Any, after: str, years: list[int]) -> str:
    if regime.rescinded_on is None:
        return "in force"
    if after == "lift":
        return (
            f"rescinded on {regime.rescinded_on.isoformat()}; its caps are lifted from {regime.rescinded_on.year} "
            '(policy.after_rescission = "lift")'
        )
    later = [y for y in years if y >= regime.rescinded_on.year]
    if not later:
        return f"in force in every modelled year (rescinded on {regime.rescinded_on.isoformat()})"
    return (
        f"rescinded on {regime.rescinded_on.isoformat()}: the regime no longer applies in {later[0]}-{later[-1]}; "
        'this run keeps its caps as a counterfactual (set policy.after_rescission = "lift" to drop them)'
    )


def _explain(block: dict[str, Any]) -> list[str]:
    lines = [f"Regime: {block['regime']['name']} ({block['regime']['id']}): {block['status']}."]
    for cap in block["caps"]:
        lines.append(f"  cap: {cap['name']}: {cap['describe']}")
    for note in block["notes"]:
        lines.append(f"  note: {note}")
    for rec in block["years"]:
        parts = []
        for h in rec["holders"]:
            if h["wanted"] == 0 and h["shipped"] == 0:
                continue
            status = "" if h["approved"] else ", not approved"
            parts.append(f"{h['holder']} {h['shipped']:,} ({h['binding']}{status})")
        bound = [c["name"] for c in rec["caps"] if c["binding"]]
        text = f"{rec['year']}: campus {rec['binding_constraint']} bound"
        if parts:
            text += "; " + ", ".join(parts)
        if bound:
            text += "; binding caps: " + "; ".join(bound)
        if rec["stranded_power_mw"] > 0.5:
            text += f"; {rec['stranded_power_mw']:,.0f} MW stranded"
        if rec["regime_status"] != "in force":
            text += f" [{rec['regime_status']}: {rec['regime_status_reason']}]"
        lines.append(text + ".")
    totals = block["totals"]
    if block["pledges"] and totals["usd_pledged_per_h100e_delivered"]:
        lines.append(
            f"Pledges: {totals['pledged_usd']:,.0f} USD against {totals['h100e_delivered']:,.0f} H100e delivered "
            f"to this campus = {totals['usd_pledged_per_h100e_delivered']:,.0f} USD per H100e."
        )
    return lines


def _provenance(scn: Scenario) -> list[ResolvedInput]:
    """``policy.regime`` (with the regime's sources), ``campus_share``, ``after_rescission``, and the
    plain values of every holder and pledge; the caps are listed with their sources in the block."""
    policy = scn.policy
    assert policy is not None
    rows = []
    if policy.regime is not None:
        regime = load_regimes()[policy.regime]
        rows.append(ResolvedInput("policy.regime", policy.regime, "", "scenario", regime.source))
    else:
        rows.append(ResolvedInput("policy.rules.name", policy.rules.name if policy.rules else "", "", "scenario"))
    for name in ("campus_share", "after_rescission"):
        origin = "scenario" if name in policy.model_fields_set else "schema default"
        unit = "-" if name == "campus_share" else ""
        rows.append(ResolvedInput(f"policy.{name}", getattr(policy, name), unit, origin))
    for i, holder in enumerate(policy.holder):
        rows += [r for r in section_rows(("policy", "holder", i), holder) if r.value is not None]
        for j, cap in enumerate(holder.caps):
            rows += section_rows(("policy", "holder", i, "caps", j), cap)
    for i, pledge in enumerate(policy.pledge):
        rows += [r for r in section_rows(("policy", "pledge", i), pledge) if r.value is not None]
    return rows


def _prepare(scn: Scenario, cat: Catalog, inputs: CampusInputs) -> Prepared:
    """The regime's pools and the holders, for the campus model's allocation. A batch that has
    pools already (a caller varied them) keeps them; the setup describes them for the block."""
    setup = policy_setup(scn, cat, inputs.years, inputs.phase_names)  # the same [policy]: built once per process
    if inputs.policy is not None:
        return Prepared(inputs, data=setup)
    return Prepared(replace(inputs, policy=setup.inputs.take(np.zeros(inputs.n_variants, dtype=np.int64))), data=setup)


def _run(ctx: Context) -> Block:
    alloc = ctx.outputs.allocation
    if ctx.prepared is None or alloc is None:
        raise ValueError("the campus model ran without the regime's pools")
    columns = {"accelerators_cut_by_approval": alloc.cut_by_approval}
    if not ctx.payload:  # the block is most of the analysis's time; its column is the model's
        return Block(columns=columns, provenance=tuple(_provenance(ctx.scenario)))
    block = policy_block(ctx.scenario, ctx.prepared.data, ctx.inputs, ctx.outputs, ctx.catalog, ctx.variant)
    return Block(
        columns=columns,
        payload=block,
        explanations=tuple(block["explanations"]),
        provenance=tuple(_provenance(ctx.scenario)),
    )


POLICY = Analysis(
    name="policy",
    title="Export quota and holders",
    provides=read_columns("gigacampus.analyses.policy"),
    run=_run,
    applies=with_section("policy"),
    requires=("accelerators", "stranded_power_mw", "binding_constraint"),
    prepare=_prepare,
    charts=policy_charts,
)
