"""A fused, compiled batch kernel of the campus model and the export-policy allocation (issue #12, part 1).

:func:`gigacampus.model.campus.simulate` (with :class:`gigacampus.model.allocation.Allocator`
for a ``[policy]``) is the reference: numpy over the whole batch, one pass per operation.
:func:`simulate_kernel` computes the same :class:`CampusOutputs` (and ``AllocationOutputs``) in
one pass per variant (numba, ``cache=True``), each variant's years, phases, holders and pools
in registers and small working rows (one set per chunk of :data:`CHUNK` variants), writing
each output element once into one uninitialised block of memory (:func:`_outputs`); with
``parallel=True`` the chunks are spread over the cores. The equations are the reference's, line for line
(docs/model.md, docs/policy.md), reserved holder shares, ``pass_unused``, ``phase_counted``
and the per-phase cuts included; the test suite checks the kernel against the reference on
random batches (tests/test_kernel.py): every count, code, cut and allocation output bit for
bit, the per-year sums over phases (power, energy, H100e, FLOP/s) to 1e-12 relative, because
the kernel adds the phases in order where numpy's reduction may pair them. A change to the
reference's equations must be made here too; that test fails until it is. One departure in
the form, not the numbers: the plain model skips the rounding down to whole systems where it is
provably the identity (a whole-number system size and slots below 2**50 make every count an exact
multiple of the system size; see ``exact`` in the kernel), which takes two dependent divisions and
floors off the critical path of most phase-years (tests/test_kernel.py checks the edges).

:func:`simulate_fast` is what the pipeline calls: small batches (a single run) go to the numpy
reference, so a cold single run never imports numba or compiles; large batches go to the
kernel. numba is imported on first use only.
"""

from __future__ import annotations

import sys
import threading
import types
from functools import cache
from typing import Any

import numpy as np

from gigacampus.model.allocation import COUNTED, AllocationOutputs, PolicyInputs
from gigacampus.model.campus import CampusOutputs, simulate
from gigacampus.model.inputs import CampusInputs
from gigacampus.units import HOURS_PER_YEAR

__all__ = ["KERNEL_MIN_ELEMENTS", "PARALLEL_MIN_VARIANTS", "simulate_fast", "simulate_kernel"]

#: Batches with fewer scenario-year-phase elements than this run on the numpy reference (no compile).
KERNEL_MIN_ELEMENTS = 200_000
#: Batches with at least this many variants use every core.
PARALLEL_MIN_VARIANTS = 4_096
#: Variants per unit of work: each chunk has its own small working rows; the cores share out the chunks.
CHUNK = 256


#: ``numba.prange`` once :func:`_compiled` has imported numba (a serial build runs it as ``range``).
prange = range
HOURS = float(HOURS_PER_YEAR)
#: Whether the batch has a ``[policy]``: a constant of each build, not an argument (:func:`_compiled`
#: compiles the kernel once with each value), so the build for the plain campus model carries none
#: of the policy's branches and working values in its loops (1.37-1.39x faster on 100,000 variants).
HAS_POLICY = True


def _kernel(
    years, phase_model, online_year, power, is_it, pue, per_acc_w, per_system, util, lifetime,
    h_pa, tpp_pa, bf16_pa, fp8_pa, quota_units, quota_h, quota_tpp, supply,
    # the policy (HAS_POLICY; else empty holders and pools): structure and batched inputs
    holder_phase, holder_unit_phase, pool_unit, member_kind, member_ptr, member_idx, pool_reset,
    holder_active, pool_refill, res_ptr, res_pool, res_owner, pass_unused, phase_counted,
    # outputs
    facility, it_power, slots, installed, systems, added, retired, demand, cut_supply, cut_quota,
    binding, h100e, tpp, bf16, fp8, power_used, stranded, remainder, it_energy, energy, phase_cuts,
    a_shipped, a_allocated, a_wanted, a_short, a_available, a_used, a_bound, a_cut_app,
):  # fmt: skip
    n_s, n_p = power.shape
    n_h = holder_phase.shape[0]
    n_k = pool_unit.shape[0]
    n_t = years.shape[0]
    n_m = supply.shape[1]
    tiny = 1e-9
    inf = np.inf
    n_chunks = (n_s + CHUNK - 1) // CHUNK
    has_res = res_ptr[n_k] > 0
    for c in prange(n_chunks):
        # working rows, one set per chunk of variants (registers and cache, not the outputs)
        cap = np.empty(n_p)
        it_mw = np.empty(n_p)
        acc_mw = np.empty(n_p)
        acc_util = np.empty(n_p)
        h_room = np.empty(n_p)
        tpp_room = np.empty(n_p)
        exact = np.empty(n_p, np.bool_)  # the phase's counts are exact multiples of its system size
        prev = np.empty(n_p)
        want_row = np.empty(n_p)
        rem_supply = np.empty(n_m)
        # the policy: amount of pool k's unit in one accelerator of phase p (0 for an item the
        # regime does not count) and the room -> accelerators factor (inf where the amount is 0)
        per_pk = np.empty((n_p, n_k))
        inv_pk = np.empty((n_p, n_k))
        room = np.empty(n_k)
        accs = np.empty(member_idx.shape[0])  # each holder's pools' rooms, by membership
        k_used = np.empty(n_k)
        k_bound = np.empty(n_k, np.bool_)
        h_wanted = np.empty(n_h)
        h_short = np.empty((n_h, 3))
        pend = np.empty((n_h, 3))
        per3 = np.empty(3)
        for s in range(c * CHUNK, min(n_s, (c + 1) * CHUNK)):
            u = pue[s]
            for p in range(n_p):
                w = per_acc_w[s, p]
                n = per_system[s, p]
                power_w = power[s, p] * 1e6
                it_w = power_w if is_it[s, p] else power_w / u
                cap[p] = np.floor(it_w / (w * n)) * n
                it_mw[p] = power[s, p] if is_it[s, p] else power[s, p] / u
                acc_mw[p] = w / 1e6
                acc_util[p] = acc_mw[p] * util[s, p]
                h_room[p] = 1.0 / h_pa[s, p] if h_pa[s, p] > 0 else inf
                tpp_room[p] = 1.0 / tpp_pa[s, p] if tpp_pa[s, p] > 0 else inf
                prev[p] = 0.0
                # Whole systems without a division: when a phase's system size n is a whole number and
                # its slots are at most 2**50, every count of the phase (slots, installed, retired,
                # shipments, demand, the supply-cut shipments) is an exact multiple of n below 2**51,
                # so every sum and difference of them is exact and floor(x / n) * n == x for each
                # one: the reference's rounding is skipped only where it is provably the identity.
                # The shipments are k * n with k = floor(y / n) <= y / n, and y is at most the
                # demand; the demand is slots - (installed - retired), all multiples (induction).
                exact[p] = n >= 1.0 and n == np.floor(n) and n <= 2.0**50 and abs(cap[p]) <= 2.0**50
                if HAS_POLICY:
                    wt = 1.0 if phase_counted[p] else 0.0
                    per3[0] = wt
                    per3[1] = h_pa[s, p] * wt
                    per3[2] = tpp_pa[s, p] * wt
                    for k in range(n_k):
                        x = per3[pool_unit[k]]
                        per_pk[p, k] = x
                        inv_pk[p, k] = 1.0 / x if x > 0 else inf
            if HAS_POLICY:
                for k in range(n_k):
                    room[k] = 0.0
                for h in range(n_h):
                    for un in range(3):
                        pend[h, un] = inf
            life = lifetime[s]
            for t in range(n_t):
                for m in range(n_m):
                    rem_supply[m] = supply[s, m, t]
                yr = years[t]
                src = t - life
                if HAS_POLICY:
                    if pass_unused:
                        # what each holder wants this year in its phases, per pool unit
                        for p in range(n_p):
                            sl = cap[p] if yr >= online_year[s, p] else 0.0
                            ret = added[s, src, p] if src >= 0 else 0.0
                            x = sl - (prev[p] - ret)
                            want_row[p] = x if x > 0.0 else 0.0
                        for h in range(n_h):
                            pu = 0.0
                            ph = 0.0
                            pt = 0.0
                            for p in range(n_p):
                                if holder_phase[h, p]:
                                    wt = 1.0 if phase_counted[p] else 0.0
                                    pu += want_row[p] * wt
                                    ph += want_row[p] * (h_pa[s, p] * wt)
                                    pt += want_row[p] * (tpp_pa[s, p] * wt)
                            pend[h, 0] = pu
                            pend[h, 1] = ph
                            pend[h, 2] = pt
                    # start of the year: refill the pools, record what each holder could receive
                    for k in range(n_k):
                        if pool_reset[t, k]:
                            room[k] = pool_refill[s, t, k]
                        else:
                            room[k] += pool_refill[s, t, k]
                        a_available[s, t, k] = room[k]
                        k_used[k] = 0.0
                        k_bound[k] = False
                    for h in range(n_h):
                        h_wanted[h] = 0.0
                        h_short[h, 0] = 0.0
                        h_short[h, 1] = 0.0
                        h_short[h, 2] = 0.0
                        if not holder_active[s, t, h]:
                            a_allocated[s, t, h] = 0.0
                            continue
                        q = holder_unit_phase[h]
                        r_cnt, r_lic, r_ex = _rooms(
                            q, h, member_ptr, member_idx, member_kind, room, accs, inv_pk,
                            has_res, res_ptr, res_pool, res_owner, pool_unit, pass_unused, pend,
                        )  # fmt: skip
                        x = r_ex + r_cnt
                        x = r_lic if r_lic < x else x
                        nq = per_system[s, q]
                        a_allocated[s, t, h] = np.floor((x if x > 0.0 else 0.0) * (1 + 1e-12) / nq) * nq
                c_sup = 0.0
                c_quo = 0.0
                c_app = 0.0
                rem_units = quota_units[s, t]
                rem_h = quota_h[s, t]
                rem_tpp = quota_tpp[s, t]
                fac_basis = 0.0
                it_basis = 0.0
                total_slots = 0.0
                sh = 0.0
                stpp = 0.0
                sbf = 0.0
                sfp = 0.0
                drawn = 0.0
                empty = 0.0
                rem = 0.0
                ite = 0.0
                for p in range(n_p):
                    online = yr >= online_year[s, p]
                    sl = cap[p] if online else 0.0
                    slots[s, t, p] = sl
                    total_slots += sl
                    if online:
                        if is_it[s, p]:
                            it_basis += power[s, p]
                        else:
                            fac_basis += power[s, p]
                    ret = added[s, src, p] if src >= 0 else 0.0
                    before = prev[p]
                    base = before - ret
                    want = sl - base
                    if want < 0.0:
                        want = 0.0
                    n = per_system[s, p]
                    m = phase_model[p]
                    r = rem_supply[m]
                    if HAS_POLICY:
                        # the phase's holders draw in turn on their pools (model/allocation.py)
                        left = want
                        sup = r
                        ship = 0.0
                        last_quota = False
                        for h in range(n_h):
                            if not holder_phase[h, p]:
                                a_shipped[s, t, h, p] = 0.0
                                continue
                            act = holder_active[s, t, h]
                            r_cnt, r_lic, r_ex = _rooms(
                                p, h, member_ptr, member_idx, member_kind, room, accs, inv_pk,
                                has_res, res_ptr, res_pool, res_owner, pool_unit, pass_unused, pend,
                            )  # fmt: skip
                            under = r_ex + r_cnt
                            room_h = (r_lic if r_lic < under else under) if act else 0.0
                            after = np.floor((left if left < sup else sup) / n) * n
                            y = after if after < room_h else room_h
                            y = np.floor((y if y > 0.0 else 0.0) * (1 + 1e-12) / n) * n
                            got = y if y < after else after
                            from_ex = got if got < r_ex else r_ex
                            from_cnt = got - from_ex
                            short = after - got
                            by_app = (not act) or (r_lic < under)
                            limited = short > tiny
                            ql = limited and not by_app
                            ll = limited and by_app and act
                            for j in range(member_ptr[h], member_ptr[h + 1]):
                                k = member_idx[j]
                                kind = member_kind[j]
                                if kind == 0:
                                    amount = from_cnt
                                    tight = ql and accs[j] <= r_cnt + tiny
                                elif kind == 1:
                                    amount = got
                                    tight = ll and accs[j] <= r_lic + tiny
                                else:
                                    amount = from_ex
                                    tight = ql
                                d = amount * per_pk[p, k]
                                room[k] -= d
                                k_used[k] += d
                                if tight:
                                    k_bound[k] = True
                            h_short[h, 0] += left - after
                            if by_app:
                                h_short[h, 2] += short
                            else:
                                h_short[h, 1] += short
                            h_wanted[h] += left
                            a_shipped[s, t, h, p] = got
                            if pass_unused:
                                # the holder has had its turn in this phase: it no longer wants the phase's rest
                                wt = 1.0 if phase_counted[p] else 0.0
                                x = pend[h, 0] - want * wt
                                pend[h, 0] = x if x > 0.0 else 0.0
                                x = pend[h, 1] - want * (h_pa[s, p] * wt)
                                pend[h, 1] = x if x > 0.0 else 0.0
                                x = pend[h, 2] - want * (tpp_pa[s, p] * wt)
                                pend[h, 2] = x if x > 0.0 else 0.0
                            last_quota = not by_app
                            left -= got
                            sup -= got
                            ship += got
                        cs = left - np.floor((sup if sup > 0.0 else 0.0) / n) * n
                        cs = cs if cs > 0.0 else 0.0
                        cp = left - cs
                        cq = cp if last_quota else 0.0
                        ca = cp - cq
                        phase_cuts[s, t, p, 0] = cs
                        phase_cuts[s, t, p, 1] = cq
                        phase_cuts[s, t, p, 2] = ca
                        c_sup += cs
                        c_quo += cq
                        c_app += ca
                    else:
                        if exact[p] and want <= r:
                            after_supply = want  # a multiple of n (see exact): what the floor would give
                        else:
                            after_supply = np.floor((want if want < r else r) / n) * n
                        lim = after_supply if after_supply < rem_units else rem_units
                        if h_room[p] != inf:
                            x = rem_h * h_room[p]
                            if x < lim or x != x:
                                lim = x
                        if tpp_room[p] != inf:
                            x = rem_tpp * tpp_room[p]
                            if x < lim or x != x:
                                lim = x
                        if exact[p] and lim == after_supply and lim >= 0.0:
                            ship = lim  # the quota does not cut: the shipments are the (whole) supply-cut ones
                        else:
                            ship = np.floor((lim if lim > 0.0 else 0.0) / n) * n
                        cs = want - after_supply
                        cq = after_supply - ship
                        c_sup += cs
                        c_quo += cq
                        phase_cuts[s, t, p, 0] = cs
                        phase_cuts[s, t, p, 1] = cq
                        phase_cuts[s, t, p, 2] = 0.0
                        rem_units -= ship
                        rem_h -= ship * h_pa[s, p]
                        rem_tpp -= ship * tpp_pa[s, p]
                    rem_supply[m] = r - ship
                    inst = base + ship
                    installed[s, t, p] = inst
                    systems[s, t, p] = inst / n
                    added[s, t, p] = ship
                    retired[s, t, p] = ret
                    demand[s, t, p] = want
                    prev[p] = inst
                    # the year's sums over phases, in phase order
                    am = acc_mw[p]
                    sh += inst * h_pa[s, p]
                    stpp += inst * tpp_pa[s, p]
                    sbf += inst * bf16_pa[s, p]
                    sfp += inst * fp8_pa[s, p]
                    drawn += inst * am
                    empty += (sl - inst) * am
                    it_online = it_mw[p] if online else 0.0
                    rem += it_online - sl * am
                    ite += (before + inst) / 2.0 * acc_util[p]
                cut_supply[s, t] = c_sup
                cut_quota[s, t] = c_quo
                if c_quo > 0 and c_quo >= c_sup and c_quo >= c_app:
                    binding[s, t] = 2  # quota
                elif c_app > 0 and c_app >= c_sup:
                    binding[s, t] = 4  # approval
                elif c_sup > 0:
                    binding[s, t] = 3  # supply
                elif total_slots > 0:
                    binding[s, t] = 1  # power
                else:
                    binding[s, t] = 0  # none
                facility[s, t] = fac_basis + it_basis * u
                it_power[s, t] = fac_basis / u + it_basis
                h100e[s, t] = sh
                tpp[s, t] = stpp
                bf16[s, t] = sbf
                fp8[s, t] = sfp
                power_used[s, t] = drawn * u
                rem_f = (rem if rem > 0.0 else 0.0) * u
                remainder[s, t] = rem_f
                stranded[s, t] = empty * u + rem_f
                it_energy[s, t] = ite * HOURS
                energy[s, t] = ite * HOURS * u
                if HAS_POLICY:
                    a_cut_app[s, t] = c_app
                    for k in range(n_k):
                        a_used[s, t, k] = k_used[k]
                        a_bound[s, t, k] = k_bound[k]
                    for h in range(n_h):
                        a_wanted[s, t, h] = h_wanted[h]
                        a_short[s, t, h, 0] = h_short[h, 0]
                        a_short[s, t, h, 1] = h_short[h, 1]
                        a_short[s, t, h, 2] = h_short[h, 2]


def _rooms(p, h, member_ptr, member_idx, member_kind, room, accs, inv_pk,
           has_res, res_ptr, res_pool, res_owner, pool_unit, pass_unused, pend):  # fmt: skip
    """Holder ``h``'s room in accelerators of phase ``p``: (counted, licence, exempt); each of its
    pools' in ``accs`` (by membership slot ``member_ptr[h]`` ...).

    A counted pool's room excludes what is reserved in it for other holders (``res_*``: the
    reservation pools held inside each pool and their holders, ``has_res``: any), with
    ``pass_unused`` no more than those holders still want this year (``pend``)."""
    inf = np.inf
    r_cnt = inf
    r_lic = inf
    r_ex = 0.0
    has_ex = False
    for j in range(member_ptr[h], member_ptr[h + 1]):
        k = member_idx[j]
        rm = room[k]
        if has_res:
            for i in range(res_ptr[k], res_ptr[k + 1]):
                o = res_owner[i]
                if o != h:
                    rj = room[res_pool[i]]
                    held = rj if rj > 0.0 else 0.0
                    if pass_unused:
                        pj = pend[o, pool_unit[res_pool[i]]]
                        held = pj if pj < held else held
                    rm = rm - held  # inf - finite stays inf; inf - inf: no limit (below)
        if rm != rm:
            a = inf
        else:
            # accelerators per unit of the pool: 1, 1 / H100e, 1 / TPP (inf where the part has none)
            a = (rm if rm > 0.0 else 0.0) * inv_pk[p, k]
            if a != a:  # 0 x inf: no limit
                a = inf
        accs[j] = a
        kind = member_kind[j]
        if kind == 0:
            r_cnt = a if a < r_cnt else r_cnt
        elif kind == 1:
            r_lic = a if a < r_lic else r_lic
        elif not has_ex:
            r_ex = a
            has_ex = True
        else:
            r_ex = a if a < r_ex else r_ex
    return r_cnt, r_lic, r_ex


@cache
def _compiled(parallel: bool, policy: bool) -> Any:
    """The kernel compiled by numba (cached on disk: ``cache=True``); imported on first use.

    ``policy``: the build for batches with a ``[policy]`` (:data:`HAS_POLICY`). Each of the
    four builds is compiled on its first use only, so a caller that never passes a policy
    never compiles the policy's build."""
    import numba

    global prange, _rooms
    prange = numba.prange
    if not hasattr(_rooms, "py_func"):  # compile the helper once, before the kernel that calls it
        _rooms = numba.njit(cache=True, nogil=True, inline="always")(_rooms)
    # numba's on-disk cache keys a function by its name, line, bytecode and argument types, not
    # by ``parallel`` or by the globals it reads as constants: under one name the builds would
    # share one cache entry, and whichever was compiled first would be loaded for all. Each build
    # is therefore the same code under its own name, with its own value of HAS_POLICY (numba
    # reads a global once, at compile time, from the function's globals: a copy of this module's,
    # taken after ``prange`` and ``_rooms`` are the compiled ones).
    name = "_kernel" + ("" if policy else "_core") + ("_parallel" if parallel else "")
    fn = types.FunctionType(_kernel.__code__, {**_kernel.__globals__, "HAS_POLICY": policy}, name)
    fn.__qualname__ = name
    fn.__module__ = _kernel.__module__
    return numba.njit(cache=True, parallel=parallel, nogil=True)(fn)


def _per_acc_w(inputs: CampusInputs) -> np.ndarray:
    """(S, P) IT power per accelerator with the overhead (none where the system includes it) [W]."""
    o = inputs.overhead_fraction
    o = o[:, None] if o.ndim == 1 else o
    o = np.where(inputs.overhead_included, 0.0, o)
    return np.ascontiguousarray(inputs.accelerator_power_w * (1.0 + o))


def _members(member: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pools of each holder, ascending (as the reference's order): (nnz,) their kinds, (H + 1,)
    offsets into (nnz,) pool ids."""
    per_holder = [np.flatnonzero(member[:, h]) for h in range(member.shape[1])]
    ptr = np.concatenate([[0], np.cumsum([len(k) for k in per_holder])]).astype(np.int64)
    idx = np.concatenate(per_holder).astype(np.int64) if per_holder else np.zeros(0, np.int64)
    return np.ascontiguousarray(np.asarray(kind)[idx], dtype=np.int64), ptr, idx


def _reservations(pol: PolicyInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reservations held inside each counted pool, as the reference's ``Allocator.reserved_in``:
    (K + 1,) offsets into (nnz,) reserving pools and (nnz,) their holders."""
    kind, member, unit = pol.pool_kind, pol.pool_member, pol.pool_unit
    n_k = len(kind)
    owner = pol.pool_reserved_for if pol.pool_reserved_for is not None else np.full(n_k, -1)
    owner = [int(o) for o in owner]
    per_pool = [
        [
            j
            for j in range(n_k)
            if j != k
            and owner[j] >= 0
            and kind[j] == COUNTED
            and member[k, owner[j]]
            and unit[j] == unit[k]
            and owner[k] != owner[j]
        ]
        if kind[k] == COUNTED
        else []
        for k in range(n_k)
    ]
    ptr = np.concatenate([[0], np.cumsum([len(r) for r in per_pool])]).astype(np.int64)
    pools = np.asarray([j for r in per_pool for j in r], dtype=np.int64)
    return ptr, pools, np.asarray([owner[j] for j in pools], dtype=np.int64)


#: Largest output block kept for the next call of the same size (see :func:`_outputs`) [bytes].
RECYCLE_MAX_BYTES = 1 << 30
_spare: list[np.ndarray] = []  # at most one block: the last one allocated, while it fits the limit
_spare_lock = threading.Lock()


def _outputs(specs: dict[str, tuple[tuple[int, ...], np.dtype]]) -> dict[str, np.ndarray]:
    """Uninitialised output arrays (the kernel writes every element once), as views into one block.

    One block rather than one allocation per output: fresh memory is paid for in page faults
    on first touch, and one large block is backed by 2 MiB pages (numpy advises the kernel to
    use them for large arrays) where twenty-odd arrays of a few MiB each leave a tail of 4 KiB
    pages each (measured in benchmarks/RESULTS.md).

    The block is recycled: the last block allocated (up to :data:`RECYCLE_MAX_BYTES`) is kept,
    and the next call that needs exactly as many bytes writes into it again if nothing refers
    to it any more (every output array of the earlier call is gone: each is a view holding a
    reference to the block, so the block's reference count shows it). A sweep's chunks and a
    benchmark's repeats then skip the page faults of fresh memory (first-touching 400 MB took
    ~50 ms on one thread and ~95 ms on two, whose faults contend for the process's memory map);
    a caller that keeps its outputs gets a fresh block, never a shared one."""
    sizes = [(-(-int(np.prod(shape)) * dt.itemsize // 64)) * 64 for shape, dt in specs.values()]
    nbytes = sum(sizes) + 64
    with _spare_lock:
        keep = nbytes <= RECYCLE_MAX_BYTES
        # a free spare has two references: the list's and getrefcount's argument
        if keep and _spare and _spare[0].nbytes == nbytes and sys.getrefcount(_spare[0]) == 2:
            block = _spare[0]
        else:
            block = np.empty(nbytes, dtype=np.uint8)
            _spare[:] = [block] if keep else []
        at = -block.ctypes.data % 64
        arrays = {}
        for (name, (shape, dt)), size in zip(specs.items(), sizes, strict=True):
            arrays[name] = np.ndarray(shape, dtype=dt, buffer=block, offset=at)
            at += size
    return arrays


def simulate_kernel(inputs: CampusInputs, *, parallel: bool | None = None) -> CampusOutputs:
    """:func:`simulate` by the compiled kernel, with the export-policy allocation when the batch has one.

    ``parallel``: spread variants over the cores (default: when the batch has at least
    :data:`PARALLEL_MIN_VARIANTS` variants).
    """
    n_s, n_p = inputs.phase_power_mw.shape
    n_t = inputs.years.shape[0]
    par = n_s >= PARALLEL_MIN_VARIANTS if parallel is None else parallel

    def c(a: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=dtype)

    st, stp = (n_s, n_t), (n_s, n_t, n_p)
    f8, i1 = np.dtype(np.float64), np.dtype(np.int8)
    core = {
        "facility_power_mw": (st, f8),
        "it_power_mw": (st, f8),
        "slots": (stp, f8),
        "accelerators": (stp, f8),
        "systems": (stp, f8),
        "accelerators_added": (stp, f8),
        "accelerators_retired": (stp, f8),
        "demand": (stp, f8),
        "cut_by_supply": (st, f8),
        "cut_by_quota": (st, f8),
        "binding": (st, i1),
        "h100e": (st, f8),
        "tpp": (st, f8),
        "dense_bf16_flops": (st, f8),
        "dense_fp8_flops": (st, f8),
        "power_used_mw": (st, f8),
        "stranded_power_mw": (st, f8),
        "remainder_power_mw": (st, f8),
        "it_energy_mwh": (st, f8),
        "energy_mwh": (st, f8),
        "phase_cuts": ((n_s, n_t, n_p, 3), f8),
    }
    pol = inputs.policy
    if pol is None:
        n_h, n_k = 0, 0
        structure = (np.zeros((0, n_p), np.bool_), np.zeros(0, np.int64), np.zeros(0, np.int64),
                     np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros((n_t, 0), np.bool_),
                     np.zeros((n_s, n_t, 0), np.bool_), np.zeros((n_s, n_t, 0)),
                     np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), False,
                     np.ones(n_p, np.bool_))  # fmt: skip
    else:
        n_h, n_k = len(pol.holder_names), len(pol.pool_ids)
        structure = (
            c(pol.holder_phase, np.bool_),
            c(pol.holder_unit_phase, np.int64),
            c(pol.pool_unit, np.int64),
            *_members(pol.pool_member, pol.pool_kind),
            c(pol.pool_reset, np.bool_),
            c(pol.holder_active, np.bool_),
            c(pol.pool_refill),
            *_reservations(pol),
            bool(pol.pass_unused),
            c(np.ones(n_p, bool) if pol.phase_counted is None else pol.phase_counted, np.bool_),
        )
    n_sa = n_s if pol is not None else 0
    b = np.dtype(np.bool_)
    arrays = _outputs(
        {
            **core,
            "shipped": ((n_s, n_t, n_h, n_p), f8),
            "allocated": ((n_s, n_t, n_h), f8),
            "wanted": ((n_s, n_t, n_h), f8),
            "holder_short": ((n_s, n_t, n_h, 3), f8),
            "pool_available": ((n_s, n_t, n_k), f8),
            "pool_used": ((n_s, n_t, n_k), f8),
            "pool_bound": ((n_s, n_t, n_k), b),
            "cut_by_approval": ((n_sa, n_t), f8),
        }
    )
    _compiled(par, pol is not None)(
        c(inputs.years, np.int64),
        c(inputs.phase_model, np.int64),
        c(inputs.phase_online_year, np.int64),
        c(inputs.phase_power_mw),
        c(inputs.phase_power_is_it, np.bool_),
        c(inputs.pue),
        _per_acc_w(inputs),
        c(inputs.accelerators_per_system),
        c(inputs.utilization),
        c(inputs.lifetime_years, np.int64),
        c(inputs.h100e_per_accelerator),
        c(inputs.tpp_per_accelerator),
        c(inputs.dense_bf16_flops_per_accelerator),
        c(inputs.dense_fp8_flops_per_accelerator),
        c(inputs.quota_units),
        c(inputs.quota_h100e),
        c(inputs.quota_tpp),
        c(inputs.supply_units),
        *structure,
        *arrays.values(),
    )
    names = list(arrays)
    out = {k: arrays[k] for k in names[: len(core)]}
    alloc = AllocationOutputs(**{k: arrays[k] for k in names[len(core) :]}) if pol is not None else None
    return CampusOutputs(**out, allocation=alloc)


def simulate_fast(inputs: CampusInputs) -> CampusOutputs:
    """The campus model by the fastest path that gives the reference's numbers: the compiled
    kernel for large batches, else :func:`simulate` (no compile, no numba)."""
    n_s, n_p = inputs.phase_power_mw.shape
    if n_s * inputs.years.shape[0] * n_p < KERNEL_MIN_ELEMENTS:
        return simulate(inputs)
    return simulate_kernel(inputs)
