"""Turning a scenario's ``[policy]`` into pools and holders (:class:`PolicyInputs`).

See :mod:`gigacampus.model.allocation` for what pools are and how they are drawn, and
``docs/policy.md`` for the rules this builder applies:

* national caps: one counted pool each, shared by every holder that imports under the
  regime (all but validated end users), scaled by ``policy.campus_share``;
* group caps (a share of the national caps, by headquarters): one counted pool per national
  cap; a holder whose headquarters matches no group of a regime that has groups receives
  nothing under the national caps;
* a holder's ``share`` (of each national cap) or fixed ``allocation``: its own counted pool;
* a holder's ``caps``: licence pools;
* per-consignee exemptions: one exempt pool per holder;
* national VEU caps, universal VEU caps (a share of ``global_capacity``): the holder's own
  counted pool, replacing the national, group and share pools.
"""

from __future__ import annotations

import datetime as _dt
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.analyses.policy.classify import classify
from gigacampus.analyses.policy.section import CapSpec, Holder, Policy
from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import Cap, CapRow, Regime, build_caps, load_regimes, parse_unit
from gigacampus.model.allocation import COUNTED, EXEMPT, LICENCE, UNIT_CODES, PolicyInputs
from gigacampus.scenario import Scenario

__all__ = ["IMPLICIT_HOLDER", "PolicySetup", "PoolInfo", "build_policy", "phase_counted", "policy_setup", "regime_of"]

#: Name of the single importer used when a scenario lists no holders.
IMPLICIT_HOLDER = "(all importers)"
_FAR_PAST = 1900


@dataclass(frozen=True)
class PoolInfo:
    """What a pool stands for (for reports)."""

    id: str
    name: str
    scope: str
    """national, group, share, allocation, licence, consignee_exempt, national_veu, universal_veu."""
    unit: str
    """Base unit of the pool: units, h100e or tpp."""
    describe: str
    source: str
    holder: str | None


@dataclass(frozen=True)
class PolicySetup:
    """A scenario's policy as arrays plus what the arrays mean."""

    regime: Regime
    inputs: PolicyInputs
    pools: tuple[PoolInfo, ...]
    holders: tuple[Holder, ...]
    notes: tuple[str, ...]
    """Things the run should say about the setup (ignored settings, holders in no group)."""


def regime_of(policy: Policy) -> Regime:
    """The regime a ``[policy]`` uses: a shipped one by id, or its inline ``[policy.rules]``."""
    if policy.rules is None:
        return load_regimes()[policy.regime or "none"]
    r = policy.rules
    caps = build_caps(
        [
            {
                "cap": c.cap,
                "name": c.name or c.cap,
                "scope": c.scope,
                "group": c.group,
                "unit": c.unit,
                "amount": c.amount,
                "per": c.per,
                "first_year": c.first_year,
                "last_year": c.last_year,
                "source": " ; ".join(r.sources),
            }
            for c in r.cap
        ],
        "policy.rules.cap",
    )
    return Regime(
        id="inline",
        name=r.name,
        country=r.country,
        first_year=r.first_year if r.first_year is not None else min((c.first_year for c in caps), default=None),
        last_year=r.last_year,
        effective_on=None,
        compliance_on=None,
        rescinded_on=r.rescinded_on,
        carry_over=r.carry_over,
        description="Defined in the scenario ([policy.rules]).",
        source=" ; ".join(r.sources),
        notes="",
        caps=caps,
        counts=tuple(r.counts),
        counts_source=" ; ".join(r.sources),
        pass_unused=r.pass_unused,
        pass_unused_source=" ; ".join(r.sources),
    )


def _spec_cap(spec: CapSpec, name: str) -> Cap:
    row = CapRow(amount=spec.amount, first_year=spec.first_year or _FAR_PAST, last_year=spec.last_year)
    return Cap(cap=name, name=name, scope="holder", group=None, unit=spec.unit, per=spec.per, rows=(row,))


def _schedule(
    cap: Cap, years: np.ndarray, factor: float, carry_over: bool, window: tuple[int | None, int | None]
) -> tuple[np.ndarray, np.ndarray]:
    """(refill, reset) over the modelled years, amounts x ``factor``; inf where the cap does not apply."""
    lo, hi = window
    refill = np.full(len(years), np.inf)
    reset = np.ones(len(years), dtype=bool)
    applied_before = False
    for t, year in enumerate(int(y) for y in years):
        inside = (lo is None or year >= lo) and (hi is None or year <= hi)
        if cap.per == "year":
            amount = cap.amount_in(year) if inside else None
            if amount is None:
                applied_before = False
                continue
            refill[t] = amount * factor
            reset[t] = not (carry_over and applied_before)
            applied_before = True
        else:
            allowed = cap.allowance_through(year) if inside else None
            if allowed is None:
                applied_before = False
                continue
            before = cap.allowance_through(year - 1) if applied_before else None
            refill[t] = (allowed - (before or 0.0)) * factor
            reset[t] = before is None
            applied_before = True
    return refill, reset


def _base(unit: str, cat: Catalog) -> tuple[str, float]:
    return parse_unit(unit, cat)


def phase_counted(regime: Regime, accelerators: Sequence[str], cat: Catalog) -> np.ndarray:
    """(P,) whether each phase's accelerator is an item the regime's caps count."""
    return np.asarray([regime.covers(classify(a, cat).eccn) for a in accelerators], dtype=bool)


def build_policy(
    scn: Scenario,
    cat: Catalog,
    years: np.ndarray,
    phase_names: Sequence[str],
    *,
    policy: Policy | None = None,
    phase_accelerators: Sequence[str] | None = None,
) -> PolicySetup:
    """Holders and pools for one validated scenario with ``[policy]`` (S = 1).

    ``policy`` and ``phase_accelerators`` replace the scenario's (a country's national policy
    over the phases of all its campuses)."""
    policy = scn.policy if policy is None else policy
    if policy is None:
        raise ValueError("the scenario has no [policy]")
    accelerators = [ph.accelerator for ph in scn.phase] if phase_accelerators is None else list(phase_accelerators)
    regime = regime_of(policy)
    notes: list[str] = []
    holders = policy.holder or (Holder(name=IMPLICIT_HOLDER, status="approved", approval_year=1990),)
    implicit = not policy.holder
    n_t, n_h, n_p = len(years), len(holders), len(phase_names)

    # regime caps stop at the regime's window and, when asked, from the year of a rescission
    lo, hi = regime.first_year, regime.last_year
    if regime.rescinded_on is not None and policy.after_rescission == "lift":
        cut = regime.rescinded_on.year - 1
        hi = cut if hi is None else min(hi, cut)
    window = (lo, hi)
    holder_window: tuple[int | None, int | None] = (None, None)

    national = regime.caps_with("national")
    has_nveu = bool(regime.caps_with("national_veu"))
    has_uveu = bool(regime.caps_with("universal_veu"))
    groups = {c.group for c in regime.caps_with("group")}

    def veu_of(holder: Holder) -> str:
        if holder.veu == "national" and has_nveu:
            return "national"
        if holder.veu == "universal" and has_uveu:
            return "universal"
        if holder.veu != "none":
            notes.append(f"{holder.name}: veu = {holder.veu!r} has no effect under {regime.id} (no such cap)")
        return "none"

    kinds = [veu_of(h) for h in holders]
    holder_names = [h.name for h in holders]
    regular = [k == "none" for k in kinds]

    ids: list[str] = []
    owners: list[int] = []
    infos: list[PoolInfo] = []
    units: list[int] = []
    pool_kinds: list[int] = []
    members: list[np.ndarray] = []
    refills: list[np.ndarray] = []
    resets: list[np.ndarray] = []

    def add(
        pool_id: str,
        name: str,
        scope: str,
        base: str,
        kind: int,
        member: Sequence[bool],
        sched: tuple[np.ndarray, np.ndarray],
        describe: str,
        source: str,
        holder: str | None = None,
    ) -> None:
        ids.append(pool_id)
        owners.append(holder_names.index(holder) if scope in ("share", "allocation") and holder else -1)
        infos.append(PoolInfo(pool_id, name, scope, base, describe, source, holder))
        units.append(UNIT_CODES[base])
        pool_kinds.append(kind)
        members.append(np.asarray(member, dtype=bool))
        refills.append(sched[0])
        resets.append(sched[1])

    def add_cap(
        pool_id: str,
        name: str,
        scope: str,
        cap: Cap,
        member: Sequence[bool],
        holder: str | None = None,
        *,
        kind: int = COUNTED,
        unit: str | None = None,
        scale: float = 1.0,
        carry_over: bool = regime.carry_over,
        within: tuple[int | None, int | None] = window,
        describe: str | None = None,
        source: str | None = None,
    ) -> None:
        """Add the pool of ``cap``: its amounts x ``scale`` in ``unit`` (default: the cap's), over the years
        ``within`` (default: the regime's window) with the regime's carry-over unless ``carry_over`` is
        given; described and sourced as the cap unless ``describe`` or ``source`` is given."""
        base, factor = _base(cap.unit if unit is None else unit, cat)
        sched = _schedule(cap, years, factor * scale, carry_over, within)
        describe = cap.describe() if describe is None else describe
        source = cap.source if source is None else source
        add(pool_id, name, scope, base, kind, member, sched, describe, source, holder)

    share_scale = policy.campus_share
    for cap in national:
        base, factor = _base(cap.unit, cat)
        sched = _schedule(cap, years, factor * share_scale, regime.carry_over, window)
        add(f"national:{cap.cap}", cap.name, "national", base, COUNTED, regular, sched, cap.describe(), cap.source)
        for gcap in regime.caps_with("group"):
            gmember = [
                r and h.headquarters == gcap.group and not implicit for r, h in zip(regular, holders, strict=True)
            ]
            if gcap.unit == "share":
                share = gcap.rows[0].amount
                refill, reset = _schedule(cap, years, factor * share_scale * share, regime.carry_over, window)
                g_lo = max(gcap.first_year, lo) if lo is not None else gcap.first_year
                g_hi = gcap.last_year if hi is None else (hi if gcap.last_year is None else min(hi, gcap.last_year))
                outside = np.array([not (y >= g_lo and (g_hi is None or y <= g_hi)) for y in years])
                refill = np.where(outside, np.inf, refill)
                add(
                    f"group:{gcap.cap}:{cap.cap}",
                    f"{gcap.name} ({share:.0%} of the {cap.name})",
                    "group",
                    base,
                    COUNTED,
                    gmember,
                    (refill, reset | outside),
                    f"{share:.0%} of {cap.describe()}",
                    gcap.source,
                )
        if groups and not implicit:
            for i, h in enumerate(holders):
                if regular[i] and h.headquarters not in groups:
                    hq = h.headquarters or "not given"
                    add_cap(
                        f"nogroup:{h.name}:{cap.cap}",
                        f"no group share for headquarters {hq}",
                        "group",
                        cap,
                        [j == i for j in range(n_h)],
                        h.name,
                        scale=0.0,  # nothing: no group takes in its headquarters
                        describe=f"{regime.id} shares its {cap.name} among headquarters "
                        + ", ".join(sorted(g for g in groups if g)),
                    )
                    notes.append(
                        f"{h.name}: headquarters {hq} is in no group of {regime.id} "
                        f"({', '.join(sorted(g for g in groups if g))}), so it receives nothing under the {cap.name}"
                    )
    for gcap in regime.caps_with("group"):
        if gcap.unit != "share":
            gmember = [
                r and h.headquarters == gcap.group and not implicit for r, h in zip(regular, holders, strict=True)
            ]
            add_cap(f"group:{gcap.cap}", gcap.name, "group", gcap, gmember, scale=share_scale)

    for i, h in enumerate(holders):
        only = [j == i for j in range(n_h)]
        if h.share is not None:
            if regular[i]:
                for cap in national:
                    add_cap(
                        f"share:{h.name}:{cap.cap}",
                        f"{h.name}: {h.share:.0%} of the {cap.name}",
                        "share",
                        cap,
                        only,
                        h.name,
                        scale=h.share,
                        describe=f"{h.share:g} x {cap.describe()}",
                        source=h.source,
                    )
                if not national:
                    notes.append(f"{h.name}: share = {h.share:g} has no effect: {regime.id} has no national cap")
            else:
                notes.append(f"{h.name}: share is not used for a {kinds[i]} VEU, which has its own cap")
        if h.allocation is not None:
            cap = _spec_cap(h.allocation, f"{h.name} allocation")
            add_cap(
                f"allocation:{h.name}",
                f"{h.name}: allocation",
                "allocation",
                cap,
                only,
                h.name,
                within=holder_window,
                source=h.source,
            )
        for j, spec in enumerate(h.caps):
            cap = _spec_cap(spec, f"{h.name} cap")
            add_cap(
                f"licence:{h.name}:{j}",
                f"{h.name}: licence cap",
                "licence",
                cap,
                only,
                h.name,
                kind=LICENCE,
                carry_over=False,
                within=holder_window,
                source=h.source,
            )
        for cap in regime.caps_with("consignee_exempt"):
            add_cap(
                f"exempt:{cap.cap}:{h.name}",
                f"{h.name}: {cap.name}",
                "consignee_exempt",
                cap,
                only,
                h.name,
                kind=EXEMPT,
            )
        if kinds[i] == "national":
            for cap in regime.caps_with("national_veu"):
                add_cap(f"veu:{cap.cap}:{h.name}", f"{h.name}: {cap.name}", "national_veu", cap, only, h.name)
        if kinds[i] == "universal" and h.global_capacity is not None:
            capacity = h.global_capacity
            for cap in regime.caps_with("universal_veu"):
                add_cap(
                    f"veu:{cap.cap}:{h.name}",
                    f"{h.name}: {cap.name}",
                    "universal_veu",
                    cap,
                    only,
                    h.name,
                    unit=capacity.unit,
                    scale=capacity.amount,
                    describe=f"{cap.rows[0].amount:g} x global capacity {capacity.amount:,.0f} {capacity.unit}",
                )

    holder_phase = np.zeros((n_h, n_p), dtype=bool)
    for i, h in enumerate(holders):
        if h.phases is None:
            holder_phase[i, :] = True
        else:
            wanted = {name.strip() for name in h.phases}
            holder_phase[i, :] = [name in wanted for name in phase_names]
    unit_phase = np.asarray([int(np.argmax(row)) if row.any() else 0 for row in holder_phase], dtype=np.int64)
    active = np.zeros((1, n_t, n_h), dtype=bool)
    for i, h in enumerate(holders):
        if h.status in ("approved", "conditional"):
            active[0, :, i] = years >= h.approval_year
    n_k = len(ids)
    inputs = PolicyInputs(
        holder_names=tuple(h.name for h in holders),
        holder_phase=holder_phase,
        holder_unit_phase=unit_phase,
        holder_active=active,
        pool_ids=tuple(ids),
        pool_names=tuple(i.name for i in infos),
        pool_unit=np.asarray(units, dtype=np.int64),
        pool_kind=np.asarray(pool_kinds, dtype=np.int64),
        pool_member=np.stack(members) if members else np.zeros((0, n_h), dtype=bool),
        pool_refill=(np.stack(refills, axis=1) if refills else np.zeros((n_t, 0)))[None, :, :],
        pool_reset=np.stack(resets, axis=1) if resets else np.ones((n_t, n_k), dtype=bool),
        pool_reserved_for=np.asarray(owners, dtype=np.int64),
        pass_unused=regime.pass_unused,
        phase_counted=phase_counted(regime, accelerators, cat),
    )
    uncounted = sorted({a for a, c in zip(accelerators, inputs.phase_counted, strict=True) if not c})
    if uncounted and regime.caps:
        notes.append(
            f"{', '.join(uncounted)}: not an item {regime.id} counts ({', '.join(regime.counts)}), "
            "so it ships without drawing on any cap"
        )
    return PolicySetup(
        regime=regime, inputs=inputs, pools=tuple(infos), holders=tuple(holders), notes=tuple(dict.fromkeys(notes))
    )


#: How many :func:`policy_setup` results a process keeps (the most recently used).
SETUPS_KEPT = 16
_SETUPS: OrderedDict[tuple[Any, ...], tuple[Catalog, PolicySetup]] = OrderedDict()
_SETUPS_LOCK = threading.Lock()


def policy_setup(scn: Scenario, cat: Catalog, years: np.ndarray, phase_names: Sequence[str]) -> PolicySetup:
    """:func:`build_policy` of ``scn``, kept per process for the same inputs.

    A sweep's plan builds the same ``[policy]`` for nearly every probe of every group (the
    flagship: ~100 builds, of which the few that move ``policy.campus_share`` differ). The key is
    everything the result depends on: every value of ``[policy]`` to the bit (so 0.0 is not
    -0.0), its regime, the phases' accelerators and names, the years, and the catalog itself (the
    same object: a scenario's own hardware makes a new one). The result is shared: its callers
    only read it (the model gets copies of its batched arrays, as every batch does).
    """
    if scn.policy is None:
        return build_policy(scn, cat, years, phase_names)
    try:
        key = (
            # through the scenario's serializer: [policy]'s own is built on its first use (~5 ms of a cold run)
            _exact(scn.model_dump(include={"policy"})["policy"]),
            regime_of(scn.policy),
            tuple(ph.accelerator for ph in scn.phase),
            years.dtype.str,
            years.shape,
            years.tobytes(),
            tuple(phase_names),
        )
        hash(key)
    except TypeError:  # a value with no exact key (_Unkeyable), or an unhashable regime
        return build_policy(scn, cat, years, phase_names)
    with _SETUPS_LOCK:
        hit = _SETUPS.get(key)
        if hit is not None and hit[0] is cat:
            _SETUPS.move_to_end(key)
            return hit[1]
    setup = build_policy(scn, cat, years, phase_names)
    with _SETUPS_LOCK:
        _SETUPS[key] = (cat, setup)
        _SETUPS.move_to_end(key)
        while len(_SETUPS) > SETUPS_KEPT:
            _SETUPS.popitem(last=False)
    return setup


class _Unkeyable(TypeError):
    """A value :func:`_exact` does not know how to key exactly (the setup is then built afresh)."""


def _exact(value: Any) -> Any:
    """A hashable key that tells apart any two different plain values: floats by their bits, each
    value with its type (``1``, ``1.0`` and ``True`` differ)."""
    kind = type(value)
    if kind is float:
        return ("f", struct.pack("<d", value))
    if kind in (str, int, bool, type(None), _dt.date, _dt.datetime, _dt.time):
        return (kind.__name__, value)
    if kind is dict:
        return ("d", tuple((_exact(k), _exact(v)) for k, v in value.items()))
    if kind in (list, tuple):
        return (kind.__name__, tuple(_exact(v) for v in value))
    raise _Unkeyable(f"no exact key for {kind.__name__}")
