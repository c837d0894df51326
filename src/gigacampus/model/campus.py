"""The campus model, year by year: pure numpy functions over a leading scenario axis.

For each year ``t`` and phase ``p`` (in priority order):

1. facility power online = sum of phases with ``online_year <= t``; a phase's ``power_mw`` is
   facility power (``power_basis = "facility"``: its IT power = power / PUE) or critical IT
   power (``"it"``: its facility power = power x PUE);
2. slots = whole systems that fit: floor(phase IT power / (system power x (1 + overhead_fraction)))
   x accelerators per system (no overhead where the system's power already includes it, a TPU pod);
3. retired = accelerators added in year ``t - lifetime_years`` (replaced within the same limits);
4. demand = max(slots - (installed last year - retired), 0);
5. shipments = demand cut first by the vendor supply of the phase's model, then by what is
   left of the year's quota in units, H100e and TPP, rounded down to whole systems; earlier
   phases take from the supply and quota first;
6. installed = installed last year - retired + shipments.

``binding_constraint`` per year: ``quota`` when the quota cut shipments (and cut at least as
many as supply did), ``supply`` when the vendor supply did, ``power`` when all demand was met
and power (the slots) limits the fleet, ``none`` when no power is online. With a
``[policy]``, step 5 draws on the regime's pools through the holders instead of the quota
(:mod:`gigacampus.model.allocation`), and ``approval`` is the binding constraint when the
demand left unmet is for lack of an approved holder with room.

Energy uses the mid-year convention: accelerators added or retired during a year serve half
of it, so the average fleet is (installed last year + installed this year) / 2; a year has
8,760 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigacampus.model.allocation import AllocationOutputs, Allocator
from gigacampus.model.inputs import CampusInputs, phase_it_mw, phase_it_w
from gigacampus.model.sums import sum_last
from gigacampus.units import HOURS_PER_YEAR

__all__ = [
    "BINDING",
    "CampusOutputs",
    "binding_codes",
    "HOURS_PER_YEAR",
    "campus_full_year",
    "first_full_year",
    "phase_full_years",
    "phase_slots",
    "simulate",
    "whole_systems",
]

#: Codes of ``binding_constraint``: ``BINDING[code]`` is its name.
BINDING: tuple[str, ...] = ("none", "power", "quota", "supply", "approval")
NONE, POWER, QUOTA, SUPPLY, APPROVAL = range(5)


@dataclass(frozen=True)
class CampusOutputs:
    """Results of :func:`simulate`. ``(S, T)`` per year, ``(S, T, P)`` per year and phase."""

    facility_power_mw: np.ndarray
    """(S, T) facility (grid) power online [MW]."""
    it_power_mw: np.ndarray
    """(S, T) IT power online [MW] (facility power / PUE; a phase given as IT power counts as given)."""
    slots: np.ndarray
    """(S, T, P) accelerators the power online can host."""
    accelerators: np.ndarray
    """(S, T, P) accelerators installed at year end (whole systems)."""
    systems: np.ndarray
    """(S, T, P) systems (servers, racks or pods) installed at year end."""
    accelerators_added: np.ndarray
    """(S, T, P) accelerators shipped and installed during the year."""
    accelerators_retired: np.ndarray
    """(S, T, P) accelerators retired at end of life during the year."""
    demand: np.ndarray
    """(S, T, P) accelerators wanted to fill the slots (new and replacement)."""
    cut_by_supply: np.ndarray
    """(S, T) accelerators wanted but not shipped because of vendor supply."""
    cut_by_quota: np.ndarray
    """(S, T) accelerators wanted but not shipped because of the quota."""
    binding: np.ndarray
    """(S, T) code of the binding constraint (see :data:`BINDING`)."""
    h100e: np.ndarray
    """(S, T) H100-equivalents installed."""
    tpp: np.ndarray
    """(S, T) total TPP installed."""
    dense_bf16_flops: np.ndarray
    """(S, T) dense BF16 throughput installed [FLOP/s]."""
    dense_fp8_flops: np.ndarray
    """(S, T) dense 8-bit throughput installed [FLOP/s]."""
    power_used_mw: np.ndarray
    """(S, T) facility power drawn by the installed fleet at nameplate [MW]."""
    stranded_power_mw: np.ndarray
    """(S, T) facility power online without accelerators [MW]: empty slots plus the remainder."""
    remainder_power_mw: np.ndarray
    """(S, T) the part of ``stranded_power_mw`` too small for one more whole system in its phase [MW]."""
    it_energy_mwh: np.ndarray
    """(S, T) IT energy used in the year [MWh]."""
    energy_mwh: np.ndarray
    """(S, T) facility energy used in the year = IT energy x PUE [MWh]."""
    allocation: AllocationOutputs | None = None
    """Per-holder and per-pool results when the inputs have a policy."""
    phase_cuts: np.ndarray | None = None
    """(S, T, P, 3) accelerators wanted but not shipped per phase, by reason (supply, quota,
    approval); their sums over phases are ``cut_by_supply``, ``cut_by_quota`` and the policy's
    ``cut_by_approval``."""


def _overhead(inputs: CampusInputs) -> np.ndarray:
    """Overhead fraction as (S, P): one per variant, or per phase (network ``model = "clos"``);
    0 for a system whose catalog power already includes hosts and network."""
    o = inputs.overhead_fraction
    o = o[:, None] if o.ndim == 1 else o
    return np.where(inputs.overhead_included, 0.0, o)


def whole_systems(accelerators: np.ndarray, per_system: np.ndarray) -> np.ndarray:
    """Accelerators in the whole systems that ``accelerators`` (>= 0) holds: floor(x / n) x n."""
    return np.floor(accelerators / per_system) * per_system


def _capacity(inputs: CampusInputs) -> np.ndarray:
    """(S, P) accelerators in the whole systems each phase's IT power can host."""
    per_acc_w = inputs.accelerator_power_w * (1.0 + _overhead(inputs))
    n = inputs.accelerators_per_system
    return np.floor(phase_it_w(inputs) / (per_acc_w * n)) * n


def phase_slots(inputs: CampusInputs) -> np.ndarray:
    """(S, T, P) accelerators each phase's power can host in each year (whole systems)."""
    online = inputs.years[None, :, None] >= inputs.phase_online_year[:, None, :]
    return np.where(online, _capacity(inputs)[:, None, :], 0.0)


def simulate(inputs: CampusInputs) -> CampusOutputs:
    """Run the campus model for every variant and year. Pure: no I/O, no global state."""
    n_s, n_p = inputs.phase_power_mw.shape
    n_t = inputs.years.shape[0]
    rows = np.arange(n_s)
    slots = phase_slots(inputs)
    installed = np.zeros((n_s, n_t, n_p))
    added = np.zeros((n_s, n_t, n_p))
    retired = np.zeros((n_s, n_t, n_p))
    demand = np.zeros((n_s, n_t, n_p))
    cut_supply = np.zeros((n_s, n_t))
    cut_quota = np.zeros((n_s, n_t))
    h_pa = inputs.h100e_per_accelerator
    tpp_pa = inputs.tpp_per_accelerator
    prev = np.zeros((n_s, n_p))
    per_system = inputs.accelerators_per_system
    alloc = Allocator(inputs.policy, n_s, n_t, n_p, per_system) if inputs.policy is not None else None
    cut_approval = np.zeros((n_s, n_t))
    phase_cuts = np.zeros((n_s, n_t, n_p, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        # an accelerator with no 8-bit support (H100e = 0) does not draw on an H100e cap
        h_room = np.where(h_pa > 0, 1.0 / h_pa, np.inf)
        tpp_room = np.where(tpp_pa > 0, 1.0 / tpp_pa, np.inf)
    for t in range(n_t):
        src = t - inputs.lifetime_years
        ret = np.where((src >= 0)[:, None], added[rows, np.maximum(src, 0), :], 0.0)
        base = prev - ret
        want = np.maximum(slots[:, t, :] - base, 0.0)
        rem_supply = inputs.supply_units[:, :, t].copy()
        ship = np.empty((n_s, n_p))
        if alloc is not None:
            alloc.start_year(t, h_pa, tpp_pa, want)
            for p in range(n_p):
                m = inputs.phase_model[p]
                s, c_sup, c_quo, c_app = alloc.ship(t, p, want[:, p], rem_supply[:, m], h_pa, tpp_pa)
                cut_supply[:, t] += c_sup
                cut_quota[:, t] += c_quo
                cut_approval[:, t] += c_app
                phase_cuts[:, t, p, 0], phase_cuts[:, t, p, 1], phase_cuts[:, t, p, 2] = c_sup, c_quo, c_app
                rem_supply[:, m] -= s
                ship[:, p] = s
        else:
            rem_units = inputs.quota_units[:, t].copy()
            rem_h = inputs.quota_h100e[:, t].copy()
            rem_tpp = inputs.quota_tpp[:, t].copy()
            for p in range(n_p):
                m = inputs.phase_model[p]
                d = want[:, p]
                after_supply = whole_systems(np.minimum(d, rem_supply[:, m]), per_system[:, p])
                with np.errstate(invalid="ignore"):
                    lim = np.minimum(after_supply, rem_units)
                    lim = np.minimum(lim, np.where(np.isinf(h_room[:, p]), np.inf, rem_h * h_room[:, p]))
                    lim = np.minimum(lim, np.where(np.isinf(tpp_room[:, p]), np.inf, rem_tpp * tpp_room[:, p]))
                s = whole_systems(np.maximum(lim, 0.0), per_system[:, p])
                cut_supply[:, t] += d - after_supply
                cut_quota[:, t] += after_supply - s
                phase_cuts[:, t, p, 0], phase_cuts[:, t, p, 1] = d - after_supply, after_supply - s
                rem_supply[:, m] -= s
                rem_units -= s
                rem_h -= s * h_pa[:, p]
                rem_tpp -= s * tpp_pa[:, p]
                ship[:, p] = s
        installed[:, t, :] = base + ship
        added[:, t, :] = ship
        retired[:, t, :] = ret
        demand[:, t, :] = want
        prev = installed[:, t, :]

    binding = binding_codes(cut_supply, cut_quota, cut_approval, sum_last(slots))

    online = inputs.years[None, :, None] >= inputs.phase_online_year[:, None, :]
    pue = inputs.pue[:, None]
    is_it = inputs.phase_power_is_it[:, None, :]
    # facility-basis phases: IT = facility / PUE; IT-basis phases: facility = IT x PUE
    fac_basis = sum_last(np.where(is_it, 0.0, inputs.phase_power_mw[:, None, :]) * online)
    it_basis = sum_last(np.where(is_it, inputs.phase_power_mw[:, None, :], 0.0) * online)
    facility = fac_basis + it_basis * pue
    it_power = fac_basis / pue + it_basis
    per_acc_mw = inputs.accelerator_power_w * (1.0 + _overhead(inputs)) / 1e6  # (S, P)
    power_used = sum_last(installed * per_acc_mw[:, None, :]) * pue
    empty = sum_last((slots - installed) * per_acc_mw[:, None, :]) * pue
    it_online = np.where(online, phase_it_mw(inputs)[:, None, :], 0.0)
    remainder = np.maximum(sum_last(it_online - slots * per_acc_mw[:, None, :]), 0.0) * pue
    before = np.concatenate([np.zeros((n_s, 1, n_p)), installed[:, :-1, :]], axis=1)
    average_fleet = (before + installed) / 2.0
    it_energy = sum_last(average_fleet * (per_acc_mw * inputs.utilization)[:, None, :]) * HOURS_PER_YEAR
    energy = it_energy * pue

    def per_year(per_acc: np.ndarray) -> np.ndarray:
        return sum_last(installed * per_acc[:, None, :])

    return CampusOutputs(
        facility_power_mw=facility,
        it_power_mw=it_power,
        slots=slots,
        accelerators=installed,
        systems=installed / per_system[:, None, :],
        accelerators_added=added,
        accelerators_retired=retired,
        demand=demand,
        cut_by_supply=cut_supply,
        cut_by_quota=cut_quota,
        binding=binding,
        h100e=per_year(h_pa),
        tpp=per_year(tpp_pa),
        dense_bf16_flops=per_year(inputs.dense_bf16_flops_per_accelerator),
        dense_fp8_flops=per_year(inputs.dense_fp8_flops_per_accelerator),
        power_used_mw=power_used,
        stranded_power_mw=empty + remainder,
        remainder_power_mw=remainder,
        it_energy_mwh=it_energy,
        energy_mwh=energy,
        allocation=alloc.out if alloc is not None else None,
        phase_cuts=phase_cuts,
    )


def binding_codes(
    cut_supply: np.ndarray, cut_quota: np.ndarray, cut_approval: np.ndarray, total_slots: np.ndarray
) -> np.ndarray:
    """(S, T) binding-constraint codes from what was cut and the slots (see the module docstring)."""
    return np.where(
        (cut_quota > 0) & (cut_quota >= cut_supply) & (cut_quota >= cut_approval),
        QUOTA,
        np.where(
            (cut_approval > 0) & (cut_approval >= cut_supply),
            APPROVAL,
            np.where(cut_supply > 0, SUPPLY, np.where(total_slots > 0, POWER, NONE)),
        ),
    ).astype(np.int8)


def first_full_year(years: np.ndarray, slots: np.ndarray, installed: np.ndarray) -> int | None:
    """First year with slots and every slot filled (``slots`` and ``installed`` are (T,)), else ``None``."""
    full = (slots > 0) & (installed >= slots)
    return int(years[np.argmax(full)]) if full.any() else None


def phase_full_years(inputs: CampusInputs, outputs: CampusOutputs, v: int = 0) -> list[int | None]:
    """For each phase of variant ``v``, the first year all its slots are filled."""
    return [
        first_full_year(inputs.years, outputs.slots[v, :, p], outputs.accelerators[v, :, p])
        for p in range(outputs.slots.shape[2])
    ]


def campus_full_year(inputs: CampusInputs, outputs: CampusOutputs, v: int = 0) -> int | None:
    """First year, from the last phase's online year, that every slot of variant ``v`` is filled."""
    after = inputs.years >= inputs.phase_online_year[v].max()
    return first_full_year(
        inputs.years[after], outputs.slots[v].sum(axis=1)[after], outputs.accelerators[v].sum(axis=1)[after]
    )
