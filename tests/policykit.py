"""Building small PolicyInputs by hand for allocation tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gigacampus.model import CampusInputs
from gigacampus.model.allocation import COUNTED, EXEMPT, LICENCE, UNIT_CODES, PolicyInputs

KINDS = {"counted": COUNTED, "licence": LICENCE, "exempt": EXEMPT}


def with_policy(
    inputs: CampusInputs,
    holders: list[dict[str, Any]],
    pools: list[dict[str, Any]],
    *,
    pass_unused: bool = False,
    phase_counted: list[bool] | None = None,
) -> CampusInputs:
    """``inputs`` with a policy.

    holders: ``name``, ``phases`` (indices, default all), ``from_year`` (approved from, default
    always), ``never`` (never approved).
    pools: ``kind`` (counted, licence, exempt), ``unit`` (units, h100e, tpp), ``members``
    (holder names), ``amount`` (per refill), ``reset`` (``"year"``: every year; ``"once"``: only
    in the first year, i.e. cumulative; ``"carry"``: refilled every year, never reset),
    ``reserved_for`` (a holder name: the pool is that holder's reservation; default none).
    pass_unused: a reservation its holder does not use this year passes to the others;
    phase_counted: (P,) whether each phase's accelerator counts against the pools (default all).
    """
    years = inputs.years
    n_t, n_p, n_h = len(years), len(inputs.phase_names), len(holders)
    names = [h["name"] for h in holders]
    holder_phase = np.zeros((n_h, n_p), dtype=bool)
    active = np.zeros((1, n_t, n_h), dtype=bool)
    for i, h in enumerate(holders):
        holder_phase[i, list(h.get("phases", range(n_p)))] = True
        if not h.get("never"):
            active[0, :, i] = years >= h.get("from_year", years[0])
    refill = np.zeros((1, n_t, len(pools)))
    reset = np.zeros((n_t, len(pools)), dtype=bool)
    member = np.zeros((len(pools), n_h), dtype=bool)
    for k, pool in enumerate(pools):
        how = pool.get("reset", "year")
        amount = pool["amount"]
        if how == "year":
            refill[0, :, k], reset[:, k] = amount, True
        elif how == "once":
            refill[0, 0, k], reset[0, k] = amount, True
        elif how == "carry":
            refill[0, :, k], reset[0, k] = amount, True
        else:
            raise ValueError(how)
        member[k, [names.index(m) for m in pool["members"]]] = True
    pol = PolicyInputs(
        holder_names=tuple(names),
        holder_phase=holder_phase,
        holder_unit_phase=np.asarray([int(np.argmax(r)) if r.any() else 0 for r in holder_phase]),
        holder_active=active,
        pool_ids=tuple(f"pool{k}" for k in range(len(pools))),
        pool_names=tuple(f"pool {k}" for k in range(len(pools))),
        pool_unit=np.asarray([UNIT_CODES[p.get("unit", "units")] for p in pools], dtype=np.int64),
        pool_kind=np.asarray([KINDS[p.get("kind", "counted")] for p in pools], dtype=np.int64),
        pool_member=member,
        pool_refill=refill,
        pool_reset=reset,
        pool_reserved_for=np.asarray(
            [names.index(p["reserved_for"]) if p.get("reserved_for") else -1 for p in pools], dtype=np.int64
        ),
        pass_unused=pass_unused,
        phase_counted=None if phase_counted is None else np.asarray(phase_counted, dtype=bool),
    )
    return replace(inputs, policy=pol)
