"""Cross-field checks of ``[policy]``, on raw (possibly unvalidated) scenario data.

Each problem is ``(key path, message, suggestion)``, as in
:func:`gigacampus.scenario.schema.cross_field_problems`; data of the wrong shape is skipped
(the schema reports it).
"""

from __future__ import annotations

import math
from typing import Any

from gigacampus.catalog import Catalog
from gigacampus.errors import closest
from gigacampus.policy.regimes import Regime, load_regimes, unit_problem

__all__ = ["policy_problems"]

Problems = list[tuple[str, str, str | None]]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unit(problems: Problems, path: str, spec: Any, cat: Catalog, share_allowed: bool = False) -> None:
    if isinstance(spec, dict):
        found = unit_problem(spec.get("unit"), cat, share_allowed=share_allowed)
        if found:
            problems.append((f"{path}.unit", found[0], found[1]))
        first, last = _year(spec.get("first_year")), _year(spec.get("last_year"))
        if first is not None and last is not None and last < first:
            problems.append((f"{path}.last_year", f"found {last}; allowed: >= first_year ({first})", None))


def _regime(policy: dict[str, Any]) -> Regime | None:
    regime = policy.get("regime")
    if isinstance(regime, str):
        return load_regimes().get(regime)
    return None


def policy_problems(data: dict[str, Any], cat: Catalog) -> Problems:
    """Problems of ``[policy]`` that involve several keys or the catalog."""
    problems: Problems = []
    policy = data.get("policy")
    if not isinstance(policy, dict):
        return problems
    if data.get("quota") is not None:
        problems.append(
            (
                "quota",
                "[quota] and [policy] are both given; allowed: one of them ([policy] sets the caps through its "
                "regime; use policy.campus_share for this campus's share of the national caps)",
                None,
            )
        )
    has_regime, rules = policy.get("regime") is not None, policy.get("rules")
    if has_regime and rules is not None:
        problems.append(("policy.rules", "policy.regime and [policy.rules] are both given; allowed: one of them", None))
    elif not has_regime and rules is None:
        ids = ", ".join(load_regimes())
        problems.append(
            ("policy.regime", f"missing; required: a regime id ({ids}) or an inline [policy.rules] table", None)
        )
    if isinstance(rules, dict):
        caps = rules.get("cap") if isinstance(rules.get("cap"), (list, tuple)) else []
        for i, cap in enumerate(caps):
            if not isinstance(cap, dict):
                continue
            scope = cap.get("scope")
            share_ok = scope in ("group", "universal_veu")
            _unit(problems, f"policy.rules.cap[{i}]", cap, cat, share_allowed=share_ok)
            if scope == "group" and not cap.get("group"):
                problems.append(
                    (f"policy.rules.cap[{i}].group", "missing; required for a group cap: a country code", None)
                )
            if scope == "universal_veu" and cap.get("unit") != "share":
                problems.append(
                    (
                        f"policy.rules.cap[{i}].unit",
                        f"found {cap.get('unit')!r}; allowed: share for a universal_veu cap",
                        None,
                    )
                )
    regime = _regime(policy)
    phases = data.get("phase") if isinstance(data.get("phase"), (list, tuple)) else []
    phase_names = [p.get("name").strip() for p in phases if isinstance(p, dict) and isinstance(p.get("name"), str)]
    holders = policy.get("holder") if isinstance(policy.get("holder"), (list, tuple)) else []
    seen: dict[str, int] = {}
    shares: list[tuple[str, float]] = []
    for i, holder in enumerate(holders):
        if not isinstance(holder, dict):
            continue
        path = f"policy.holder[{i}]"
        name = holder.get("name")
        if isinstance(name, str):
            key = name.strip()
            if key in seen:
                problems.append(
                    (
                        f"{path}.name",
                        f"found {name!r}, already the name of policy.holder[{seen[key]}]; allowed: a unique name",
                        None,
                    )
                )
            seen.setdefault(key, i)
        share = _number(holder.get("share"))
        if share is not None and 0 < share <= 1:
            shares.append((str(name), share))
        if holder.get("share") is not None and holder.get("allocation") is not None:
            problems.append((f"{path}.allocation", "share and allocation are both given; allowed: one of them", None))
        _unit(problems, f"{path}.allocation", holder.get("allocation"), cat)
        caps = holder.get("caps") if isinstance(holder.get("caps"), (list, tuple)) else []
        for j, cap in enumerate(caps):
            _unit(problems, f"{path}.caps[{j}]", cap, cat)
        _unit(problems, f"{path}.global_capacity", holder.get("global_capacity"), cat)
        wanted = holder.get("phases")
        if isinstance(wanted, (list, tuple)) and phase_names:
            for j, phase in enumerate(wanted):
                if isinstance(phase, str) and phase.strip() not in phase_names:
                    problems.append(
                        (
                            f"{path}.phases[{j}]",
                            f"no phase is named {phase!r}; phases: {', '.join(repr(n) for n in phase_names)}",
                            closest(phase, phase_names),
                        )
                    )
        if (
            holder.get("veu") == "universal"
            and holder.get("global_capacity") is None
            and regime is not None
            and regime.caps_with("universal_veu")
        ):
            problems.append(
                (
                    f"{path}.global_capacity",
                    f"missing; required for a universal VEU under {regime.id}, whose cap is a share of the holder's "
                    'worldwide capacity (e.g. global_capacity = {amount = 1e6, unit = "h100e"})',
                    None,
                )
            )
    total = sum(s for _, s in shares)
    if total > 1 + 1e-9:
        listed = ", ".join(f"{n} {s:g}" for n, s in shares)
        problems.append(("policy.holder", f"shares sum to {total:g} ({listed}); allowed: at most 1", None))
    pledges = policy.get("pledge") if isinstance(policy.get("pledge"), (list, tuple)) else []
    for i, pledge in enumerate(pledges):
        if isinstance(pledge, dict) and isinstance(pledge.get("fulfilled_usd"), dict):
            for key in pledge["fulfilled_usd"]:
                year = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else None
                if year is not None and not 1990 <= year <= 2100:
                    problems.append(
                        (f"policy.pledge[{i}].fulfilled_usd.{key}", f"found year {year}; allowed: 1990 to 2100", None)
                    )
            amount = _number(pledge.get("amount_usd"))
            done = [_number(v) for v in pledge["fulfilled_usd"].values()]
            if amount is not None and all(d is not None for d in done) and sum(done) > amount * (1 + 1e-9):  # type: ignore[arg-type]
                problems.append(
                    (
                        f"policy.pledge[{i}].fulfilled_usd",
                        f"found {sum(done):,.0f} USD in total; allowed: at most amount_usd ({amount:,.0f})",  # type: ignore[arg-type]
                        None,
                    )
                )
    return problems
