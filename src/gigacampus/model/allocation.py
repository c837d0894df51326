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

where a counted pool's room, seen by one holder, excludes what is *reserved* inside it for
other holders: a holder's own counted pool (its ``share`` of a national cap) is held back in
every shared counted pool of the same unit it belongs to, so a holder listed earlier cannot
take it. When the regime lets unused allocation pass to others (``pass_unused``), only what the
reserved holder still wants this year is held back.

Only accelerators the regime counts (``phase_counted``: e.g. items controlled by ECCN 3A090
and 4A090) draw on any pool; the others ship limited by power and supply alone. A holder draws
that many accelerators, rounded down to whole systems of the phase, if it is approved that year,
else nothing; each draw is subtracted from every pool it counts against, converted with the
phase accelerator's H100e or TPP.
Per-year pools start afresh each year unless the regime carries unused allocation over.

What was wanted but not shipped is attributed to ``supply`` (beyond what the vendor could
deliver), else to what stopped the last holder of the phase: ``quota`` (a counted or exempt
pool ran out) or ``approval`` (the holder was not approved, or its own caps bound, or no
holder fills the phase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigacampus.model.batch import Batch, batched, shared

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


def _whole(x: np.ndarray, per_system: np.ndarray | float = 1.0) -> np.ndarray:
    """Accelerators in whole systems of ``per_system``, not below 0; the relative margin keeps
    e.g. 2.1e9 TPP / 60,000 TPP from flooring to 34,999 when the division rounds down."""
    return np.floor(np.maximum(x, 0.0) * (1 + 1e-12) / per_system) * per_system


@dataclass(frozen=True)
class PolicyInputs(Batch):
    """Holders and pools of one regime. ``holder_active`` and ``pool_refill`` have a leading ``S`` axis."""

    holder_names: tuple[str, ...] = shared()
    """(H,) holder names, in drawing order."""
    holder_phase: np.ndarray = shared()
    """(H, P) whether the holder fills the phase."""
    holder_unit_phase: np.ndarray = shared()
    """(H,) phase whose accelerator expresses the holder's allocation (its first phase)."""
    holder_active: np.ndarray = batched()
    """(S, T, H) whether the holder is approved (approved or conditional, from its approval year)."""
    pool_ids: tuple[str, ...] = shared()
    """(K,) stable ids of the pools, e.g. ``national:national`` or ``holder:G42:cap[0]``."""
    pool_names: tuple[str, ...] = shared()
    """(K,) labels for reports."""
    pool_unit: np.ndarray = shared()
    """(K,) unit code (see :data:`UNIT_CODES`)."""
    pool_kind: np.ndarray = shared()
    """(K,) :data:`COUNTED`, :data:`LICENCE` or :data:`EXEMPT`."""
    pool_member: np.ndarray = shared()
    """(K, H) which holders draw on the pool."""
    pool_refill: np.ndarray = batched()
    """(S, T, K) amount added at the start of year t (inf: no limit that year) [pool unit]."""
    pool_reset: np.ndarray = shared()
    """(T, K) whether the pool's room starts afresh in year t (else unused room carries over)."""
    pool_reserved_for: np.ndarray | None = shared(default=None)
    """(K,) holder whose reservation the pool is (its share of a national cap), -1 for none;
    ``None``: no reservations."""
    pass_unused: bool = shared(default=False)
    """Whether a reservation the holder does not use this year passes to the other holders."""
    phase_counted: np.ndarray | None = shared(default=None)
    """(P,) whether the phase's accelerator counts against the pools (an item the regime
    covers); ``None``: every phase counts."""


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
    """Per-run state of the allocation; :func:`simulate` calls :meth:`start_year` then :meth:`ship`.

    Internally every array keeps the scenario axis last (pool rooms are ``(K, S)``) so each
    pool and holder is a contiguous ``(S,)`` row; :attr:`out` gives the documented layout.
    """

    def __init__(self, pol: PolicyInputs, n_s: int, n_t: int, n_p: int, per_system: np.ndarray | None = None):
        self.pol = pol
        #: (S, P) accelerators per system of each phase: holders receive whole systems
        self.per_system = np.ones((n_s, n_p)) if per_system is None else per_system
        n_h, n_k = len(pol.holder_names), len(pol.pool_ids)
        self.n_s = n_s
        self.room = np.zeros((n_k, n_s))
        self._shipped = np.zeros((n_t, n_h, n_p, n_s))
        self._allocated = np.zeros((n_t, n_h, n_s))
        self._wanted = np.zeros((n_t, n_h, n_s))
        self._short = np.zeros((n_t, n_h, 3, n_s))
        self._available = np.zeros((n_t, n_k, n_s))
        self._used = np.zeros((n_t, n_k, n_s))
        self._bound = np.zeros((n_t, n_k, n_s), dtype=bool)
        self._cut_approval = np.zeros((n_t, n_s))
        self.refill = np.ascontiguousarray(np.moveaxis(pol.pool_refill, 0, -1))  # (T, K, S)
        self.active = np.ascontiguousarray(np.moveaxis(pol.holder_active, 0, -1))  # (T, H, S)
        kind, member = pol.pool_kind, pol.pool_member
        self.cnt = [np.flatnonzero(member[:, h] & (kind == COUNTED)) for h in range(n_h)]
        self.lic = [np.flatnonzero(member[:, h] & (kind == LICENCE)) for h in range(n_h)]
        self.ex = [np.flatnonzero(member[:, h] & (kind == EXEMPT)) for h in range(n_h)]
        self.unit = [int(u) for u in pol.pool_unit]
        self._per_phase: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        self.n_p = n_p
        owner = pol.pool_reserved_for if pol.pool_reserved_for is not None else np.full(n_k, -1)
        self.owner = [int(o) for o in owner]
        # reservations held inside each counted pool: (reserving pool, its holder)
        self.reserved_in: list[list[tuple[int, int]]] = [
            [
                (j, self.owner[j])
                for j in range(n_k)
                if j != k
                and self.owner[j] >= 0
                and kind[j] == COUNTED
                and member[k, self.owner[j]]
                and self.unit[j] == self.unit[k]
                and self.owner[k] != self.owner[j]
            ]
            if kind[k] == COUNTED
            else []
            for k in range(n_k)
        ]
        counted = pol.phase_counted if pol.phase_counted is not None else np.ones(n_p, dtype=bool)
        self.counted = np.asarray(counted, dtype=bool)
        self.holder_phase = np.asarray(pol.holder_phase, dtype=bool)
        # what each holder still wants this year in its phases not yet drawn, per unit: (H, 3, S)
        self._pending = np.full((n_h, 3, n_s), np.inf)

    @property
    def out(self) -> AllocationOutputs:
        return AllocationOutputs(
            shipped=np.moveaxis(self._shipped, -1, 0),
            allocated=np.moveaxis(self._allocated, -1, 0),
            wanted=np.moveaxis(self._wanted, -1, 0),
            holder_short=np.moveaxis(self._short, -1, 0),
            pool_available=np.moveaxis(self._available, -1, 0),
            pool_used=np.moveaxis(self._used, -1, 0),
            pool_bound=np.moveaxis(self._bound, -1, 0),
            cut_by_approval=np.moveaxis(self._cut_approval, -1, 0),
        )

    def _per_unit(self, p: int, h100e: np.ndarray, tpp: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Amount of each unit in one accelerator of phase ``p``, and room -> accelerators factors
        (the per-accelerator figures are the same every year, so they are computed once)."""
        if p in self._per_phase:
            return self._per_phase[p]
        weight = 1.0 if self.counted[p] else 0.0  # an item the regime does not cover draws on no pool
        per = [np.full(self.n_s, weight), h100e[:, p] * weight, tpp[:, p] * weight]
        with np.errstate(divide="ignore"):
            # a pool in a unit the accelerator has none of (H100e of a part without 8-bit) does not limit it
            inv = [np.where(u > 0, 1.0 / np.where(u > 0, u, 1.0), np.inf) for u in per]
        self._per_phase[p] = (per, inv)
        return per, inv

    def _held(self, j: int, owner: int) -> np.ndarray:
        """What reservation pool ``j`` holds back for its holder, in the pool's unit, (S,)."""
        held = np.maximum(self.room[j], 0.0)
        if self.pol.pass_unused:
            held = np.minimum(held, self._pending[owner, self.unit[j]])
        return held

    def _acc(self, k: int, inv: list[np.ndarray], h: int = -1) -> np.ndarray:
        """Room of pool ``k`` in accelerators for holder ``h``, (S,): others' reservations excluded."""
        room = self.room[k]
        for j, owner in self.reserved_in[k]:
            if owner != h:
                room = room - self._held(j, owner)  # inf - finite stays inf
        with np.errstate(invalid="ignore"):
            # rounding can leave a room a hair below 0: count it as 0; 0 x inf (no limit) -> no limit
            acc = np.maximum(room, 0.0) * inv[self.unit[k]]
        return np.where(np.isnan(acc), np.inf, acc)

    def _min(
        self, pools: np.ndarray, inv: list[np.ndarray], empty: float, h: int = -1
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        rooms = [self._acc(int(k), inv, h) for k in pools]
        if not rooms:
            return np.full(self.n_s, empty), rooms
        lowest = rooms[0].copy()
        for r in rooms[1:]:
            np.minimum(lowest, r, out=lowest)
        return lowest, rooms

    def start_year(self, t: int, h100e: np.ndarray, tpp: np.ndarray, want: np.ndarray | None = None) -> None:
        """Refill the pools for year ``t`` and record what each holder could receive (its own
        entitlement: the pools it draws on, less what is reserved in them for other holders).

        ``want`` (S, P) is what each phase wants this year; with ``pass_unused`` a reservation
        holds back no more than its holder still wants (without ``want``: all of it)."""
        pol = self.pol
        if want is not None and pol.pass_unused:
            for h in range(len(pol.holder_names)):
                tot = np.zeros((3, self.n_s))
                for p in np.flatnonzero(self.holder_phase[h]):
                    per, _ = self._per_unit(int(p), h100e, tpp)
                    for u in range(3):
                        tot[u] += want[:, p] * per[u]
                self._pending[h] = tot
        reset = pol.pool_reset[t]
        for k in range(len(pol.pool_ids)):
            if reset[k]:
                self.room[k] = self.refill[t, k]
            else:
                self.room[k] += self.refill[t, k]
        self._available[t] = self.room
        for h in range(len(pol.holder_names)):
            p = int(pol.holder_unit_phase[h])
            _, inv = self._per_unit(p, h100e, tpp)
            r_cnt, _ = self._min(self.cnt[h], inv, np.inf, h)
            r_lic, _ = self._min(self.lic[h], inv, np.inf, h)
            r_ex, _ = self._min(self.ex[h], inv, 0.0, h)
            could = _whole(np.minimum(r_lic, r_ex + r_cnt), self.per_system[:, p])
            self._allocated[t, h] = np.where(self.active[t, h], could, 0.0)

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
        pol = self.pol
        per, inv = self._per_unit(p, h100e, tpp)
        left = want.copy()
        supply = supply_room.copy()
        shipped = np.zeros_like(want)
        last_quota = np.zeros(want.shape, dtype=bool)
        n = self.per_system[:, p]
        for h in np.flatnonzero(pol.holder_phase[:, p]):
            active = self.active[t, h]
            r_cnt, cnt_rooms = self._min(self.cnt[h], inv, np.inf, h)
            r_lic, lic_rooms = self._min(self.lic[h], inv, np.inf, h)
            r_ex, ex_rooms = self._min(self.ex[h], inv, 0.0, h)
            under_regime = r_ex + r_cnt
            room = np.where(active, np.minimum(r_lic, under_regime), 0.0)
            after_supply = np.floor(np.minimum(left, supply) / n) * n
            s = np.minimum(_whole(np.minimum(after_supply, room), n), after_supply)
            from_ex = np.minimum(s, r_ex)
            from_cnt = s - from_ex
            short = after_supply - s
            by_approval = (~active) | (r_lic < under_regime)
            limited = short > _TINY
            quota_limited = limited & ~by_approval
            licence_limited = limited & by_approval & active
            for pools, rooms, amount, lowest, flag in (
                (self.cnt[h], cnt_rooms, from_cnt, r_cnt, quota_limited),
                (self.lic[h], lic_rooms, s, r_lic, licence_limited),
                (self.ex[h], ex_rooms, from_ex, None, quota_limited),
            ):
                for k, acc in zip(pools, rooms, strict=True):
                    used = amount * per[self.unit[k]]
                    self.room[k] -= used  # inf stays inf
                    self._used[t, k] += used
                    tight = flag if lowest is None else flag & (acc <= lowest + _TINY)
                    self._bound[t, k] |= tight
            self._short[t, h, SHORT_SUPPLY] += left - after_supply
            self._short[t, h, SHORT_QUOTA] += np.where(by_approval, 0.0, short)
            self._short[t, h, SHORT_APPROVAL] += np.where(by_approval, short, 0.0)
            self._wanted[t, h] += left
            self._shipped[t, h, p] = s
            if pol.pass_unused:
                # the holder has had its turn in this phase: it no longer wants the phase's rest
                for u in range(3):
                    self._pending[h, u] = np.maximum(self._pending[h, u] - want * per[u], 0.0)
            last_quota = ~by_approval
            left -= s
            supply -= s
            shipped += s
        # what is still wanted: beyond the vendor's supply, else what stopped the last holder
        cut_supply = np.maximum(left - np.floor(np.maximum(supply, 0.0) / n) * n, 0.0)
        cut_policy = left - cut_supply
        cut_quota = np.where(last_quota, cut_policy, 0.0)
        cut_approval = cut_policy - cut_quota
        self._cut_approval[t] += cut_approval
        return shipped, cut_supply, cut_quota, cut_approval
