"""Allocation of a regime's chips to holders, year by year, vectorised over the scenario axis.

Called by :func:`gigacampus.model.campus.simulate` in place of the simple ``[quota]`` when a
scenario has ``[policy]``. The regime, the holders and their caps are turned into *pools*
(:class:`PolicyInputs`), each an amount in one unit (accelerators, H100e or TPP) that is
refilled every year (per-year caps) or once for a span of years (cumulative caps):

* **counted** pools (the national cap, group caps, a holder's share or fixed allocation, a
  validated end user's own limit): limit what the member holders receive under the regime;
* **licence** pools (a holder's own caps, e.g. a conditional approval for 35,000
  GB300-equivalents): limit everything the holder receives;
* **exempt** pools (a per-consignee exemption such as the AI Diffusion rule's low processing
  performance allowance): used first, and not counted against the counted pools.

Each year, phases draw in priority order (as in the core model) and, within a phase, the
holders that fill it draw in the order listed. A holder receives

    min(wanted left after supply, licence room, exempt room + counted room)

accelerators if it is approved that year, else nothing; each draw is subtracted from every
pool it counts against, converted with the phase accelerator's H100e or TPP.
Per-year pools start afresh each year unless the regime carries unused allocation over.

What was wanted but not shipped is attributed to ``supply`` (beyond what the vendor could
deliver), else to what stopped the last holder of the phase: ``quota`` (a counted or exempt
pool ran out) or ``approval`` (the holder was not approved, or its own caps bound, or no
holder fills the phase).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "COUNTED",
    "EXEMPT",
    "LICENCE",
    "UNIT_CODES",
    "AllocationOutputs",
    "PolicyInputs",
    "Allocator",
]

#: Pool kinds.
COUNTED, LICENCE, EXEMPT = 0, 1, 2
#: Pool units: index into (accelerators, H100e, TPP) per accelerator.
UNIT_CODES: dict[str, int] = {"units": 0, "h100e": 1, "tpp": 2}
#: Reasons a holder's draw fell short, in the order of ``AllocationOutputs.holder_short``.
SHORT_SUPPLY, SHORT_QUOTA, SHORT_APPROVAL = 0, 1, 2
_TINY = 1e-9


@dataclass(frozen=True)
class PolicyInputs:
    """Holders and pools of one regime. ``holder_active`` and ``pool_refill`` have a leading ``S`` axis."""

    holder_names: tuple[str, ...]
    """(H,) holder names, in drawing order."""
    holder_phase: np.ndarray
    """(H, P) whether the holder fills the phase."""
    holder_unit_phase: np.ndarray
    """(H,) phase whose accelerator expresses the holder's allocation (its first phase)."""
    holder_active: np.ndarray
    """(S, T, H) whether the holder is approved (approved or conditional, from its approval year)."""
    pool_ids: tuple[str, ...]
    """(K,) stable ids of the pools, e.g. ``national:national`` or ``holder:G42:cap[0]``."""
    pool_names: tuple[str, ...]
    """(K,) labels for reports."""
    pool_unit: np.ndarray
    """(K,) unit code (see :data:`UNIT_CODES`)."""
    pool_kind: np.ndarray
    """(K,) :data:`COUNTED`, :data:`LICENCE` or :data:`EXEMPT`."""
    pool_member: np.ndarray
    """(K, H) which holders draw on the pool."""
    pool_refill: np.ndarray
    """(S, T, K) amount added at the start of year t (inf: no limit that year) [pool unit]."""
    pool_reset: np.ndarray
    """(T, K) whether the pool's room starts afresh in year t (else unused room carries over)."""

    def take(self, index: np.ndarray) -> PolicyInputs:
        return replace(self, holder_active=self.holder_active[index], pool_refill=self.pool_refill[index])

    @staticmethod
    def concatenate(items: Sequence[PolicyInputs]) -> PolicyInputs:
        first = items[0]
        for other in items[1:]:
            if other.holder_names != first.holder_names or other.pool_ids != first.pool_ids:
                raise ValueError("policies differ in holders or pools and cannot be stacked")
        return replace(
            first,
            holder_active=np.concatenate([p.holder_active for p in items], axis=0),
            pool_refill=np.concatenate([p.pool_refill for p in items], axis=0),
        )


@dataclass(frozen=True)
class AllocationOutputs:
    """What each holder received and how each pool was used. ``(S, T, ...)``."""

    shipped: np.ndarray
    """(S, T, H, P) accelerators shipped to each holder for each phase."""
    allocated: np.ndarray
    """(S, T, H) most the holder could receive this year (pools at the start of the year, in
    accelerators of its first phase); 0 when not approved."""
    wanted: np.ndarray
    """(S, T, H) accelerators left wanted in the holder's phases when its turn came."""
    holder_short: np.ndarray
    """(S, T, H, 3) wanted but not received, by reason (supply, quota, approval)."""
    pool_available: np.ndarray
    """(S, T, K) room at the start of the year [pool unit] (inf: no limit)."""
    pool_used: np.ndarray
    """(S, T, K) drawn during the year [pool unit]."""
    pool_bound: np.ndarray
    """(S, T, K) whether the pool limited a draw."""
    cut_by_approval: np.ndarray
    """(S, T) accelerators wanted but not shipped for lack of an approved holder with room."""


class Allocator:
    """Per-run state of the allocation; :func:`simulate` calls :meth:`start_year` then :meth:`ship`."""

    def __init__(self, pol: PolicyInputs, n_s: int, n_t: int, n_p: int):
        self.pol = pol
        n_h, n_k = len(pol.holder_names), len(pol.pool_ids)
        self.room = np.zeros((n_s, n_k))
        self.out = AllocationOutputs(
            shipped=np.zeros((n_s, n_t, n_h, n_p)),
            allocated=np.zeros((n_s, n_t, n_h)),
            wanted=np.zeros((n_s, n_t, n_h)),
            holder_short=np.zeros((n_s, n_t, n_h, 3)),
            pool_available=np.zeros((n_s, n_t, n_k)),
            pool_used=np.zeros((n_s, n_t, n_k)),
            pool_bound=np.zeros((n_s, n_t, n_k), dtype=bool),
            cut_by_approval=np.zeros((n_s, n_t)),
        )
        kind = pol.pool_kind[:, None]
        self.counted = pol.pool_member & (kind == COUNTED)  # (K, H)
        self.licence = pol.pool_member & (kind == LICENCE)
        self.exempt = pol.pool_member & (kind == EXEMPT)

    @staticmethod
    def _per_accelerator(unit: np.ndarray, h100e: np.ndarray, tpp: np.ndarray) -> np.ndarray:
        """(S, K) amount of each pool's unit in one accelerator."""
        table = np.stack([np.ones_like(h100e), h100e, tpp], axis=1)  # (S, 3)
        return table[:, unit]

    @staticmethod
    def _in_accelerators(room: np.ndarray, per: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            # a pool in a unit the accelerator has none of (H100e of a part without 8-bit) does not limit it;
            # the small margin keeps e.g. 2.1e9 TPP / 60,000 TPP from flooring to 34,999 on rounding
            return np.where(per > 0, room / np.where(per > 0, per, 1.0) * (1 + 1e-12), np.inf)

    def _rooms(self, acc_room: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(counted, licence, exempt) room of holder ``h`` in accelerators, (S,) each."""
        inf = np.inf
        r_cnt = np.min(np.where(self.counted[:, h], acc_room, inf), axis=1, initial=inf)
        r_lic = np.min(np.where(self.licence[:, h], acc_room, inf), axis=1, initial=inf)
        if self.exempt[:, h].any():
            r_ex = np.min(np.where(self.exempt[:, h], acc_room, inf), axis=1, initial=inf)
        else:
            r_ex = np.zeros(acc_room.shape[0])
        return r_cnt, r_lic, r_ex

    def start_year(self, t: int, h100e: np.ndarray, tpp: np.ndarray) -> None:
        """Refill the pools for year ``t`` and record what each holder could receive."""
        pol = self.pol
        refill = pol.pool_refill[:, t, :]
        with np.errstate(invalid="ignore"):
            self.room = np.where(pol.pool_reset[t][None, :], refill, self.room + refill)
        self.out.pool_available[:, t, :] = self.room
        for h in range(len(pol.holder_names)):
            p = int(pol.holder_unit_phase[h])
            per = self._per_accelerator(pol.pool_unit, h100e[:, p], tpp[:, p])
            r_cnt, r_lic, r_ex = self._rooms(self._in_accelerators(self.room, per), h)
            could = np.floor(np.maximum(np.minimum(r_lic, r_ex + r_cnt), 0.0))
            self.out.allocated[:, t, h] = np.where(pol.holder_active[:, t, h], could, 0.0)

    def ship(
        self,
        t: int,
        p: int,
        want: np.ndarray,
        supply_room: np.ndarray,
        h100e: np.ndarray,
        tpp: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Ship phase ``p``'s wanted accelerators (S,) through its holders.

        ``supply_room`` (S,) is what the vendor can still deliver of the phase's model this
        year. Returns (shipped, cut by supply, cut by quota, cut by approval), each (S,).
        """
        pol, out = self.pol, self.out
        per = self._per_accelerator(pol.pool_unit, h100e[:, p], tpp[:, p])  # (S, K)
        left = want.copy()
        supply = supply_room.copy()
        shipped = np.zeros_like(want)
        last_quota = np.zeros(want.shape, dtype=bool)
        for h in np.flatnonzero(pol.holder_phase[:, p]):
            active = pol.holder_active[:, t, h]
            acc_room = self._in_accelerators(self.room, per)
            r_cnt, r_lic, r_ex = self._rooms(acc_room, h)
            under_regime = r_ex + r_cnt
            room = np.where(active, np.minimum(r_lic, under_regime), 0.0)
            after_supply = np.floor(np.minimum(left, supply))
            s = np.floor(np.maximum(np.minimum(after_supply, room), 0.0))
            from_ex = np.minimum(s, r_ex)
            from_cnt = s - from_ex
            used = (
                self.counted[:, h][None, :] * from_cnt[:, None]
                + self.licence[:, h][None, :] * s[:, None]
                + self.exempt[:, h][None, :] * from_ex[:, None]
            ) * per
            with np.errstate(invalid="ignore"):
                self.room = np.where(np.isinf(self.room), self.room, self.room - used)
            out.pool_used[:, t, :] += used
            short = after_supply - s
            by_approval = (~active) | (r_lic < under_regime)
            out.holder_short[:, t, h, SHORT_SUPPLY] += left - after_supply
            out.holder_short[:, t, h, SHORT_QUOTA] += np.where(by_approval, 0.0, short)
            out.holder_short[:, t, h, SHORT_APPROVAL] += np.where(by_approval, short, 0.0)
            out.wanted[:, t, h] += left
            out.shipped[:, t, h, p] = s
            # which pools limited the draw
            limited = short > _TINY
            quota_limited = (limited & ~by_approval)[:, None]
            licence_limited = (limited & by_approval & active)[:, None]
            tight_cnt = self.counted[:, h][None, :] & (acc_room <= r_cnt[:, None] + _TINY)
            tight_ex = self.exempt[:, h][None, :]
            tight_lic = self.licence[:, h][None, :] & (acc_room <= r_lic[:, None] + _TINY)
            out.pool_bound[:, t, :] |= (quota_limited & (tight_cnt | tight_ex)) | (licence_limited & tight_lic)
            last_quota = ~by_approval
            left = left - s
            supply = supply - s
            shipped += s
        # what is still wanted: beyond the vendor's supply, else what stopped the last holder
        cut_supply = np.maximum(left - np.maximum(supply, 0.0), 0.0)
        cut_policy = left - cut_supply
        cut_quota = np.where(last_quota, cut_policy, 0.0)
        cut_approval = cut_policy - cut_quota
        out.cut_by_approval[:, t] += cut_approval
        return shipped, cut_supply, cut_quota, cut_approval
