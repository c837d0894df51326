"""Capex, opex, depreciation, financing and unit economics: pure numpy over a scenario axis.

Every function takes arrays with a leading ``S`` axis and returns new arrays; nothing here
reads files, prints or keeps state. The equations are in ``docs/economics.md``.

Conventions, the same as the campus model's: a year has 8,760 hours; accelerators added or
retired during a year serve half of it (mid-year convention), and so do assets bought that
year, so straight-line depreciation over ``L`` years books half a year in the purchase year,
full years after, and the last half in year ``L`` after purchase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigacampus.analyses.finance.inputs import FinanceInputs
from gigacampus.analyses.finance.section import CAPEX_CATEGORIES
from gigacampus.model import CampusInputs, CampusOutputs, phase_facility_mw, phase_it_mw
from gigacampus.units import DAYS_PER_YEAR, HOURS_PER_YEAR

__all__ = ["FinanceOutputs", "depreciation_weights", "evaluate", "funding", "loan_schedule", "unit_costs", "wacc"]

#: Capex categories depreciated over the IT life; the others (but land) over the facility life.
IT_CATEGORIES = ("accelerator_systems", "networking", "storage")
_FACILITY = ("facility_shell", "facility_electrical", "facility_cooling", "power_connection")


@dataclass(frozen=True)
class FinanceOutputs:
    """Results of :func:`evaluate`. Money in USD of the price year; ``(S, T)`` per year."""

    capex_by_category: np.ndarray
    """(S, Ccapex, T) capex by :data:`CAPEX_CATEGORIES` [USD]."""
    opex_by_category: np.ndarray
    """(S, Copex, T) opex by :data:`OPEX_CATEGORIES` [USD]."""
    capex_refresh: np.ndarray
    """(S, T) part of capex that replaces equipment at end of life [USD]."""
    depreciation_it: np.ndarray
    """(S, T) depreciation of IT capex over the accelerator life [USD]."""
    depreciation_facility: np.ndarray
    """(S, T) depreciation of facility and power capex over the facility life [USD]."""
    source_available: np.ndarray
    """(S, K, T) money each funding source makes available [USD]."""
    source_interest: np.ndarray
    """(S, K, T) interest each debt source costs [USD]."""
    source_principal: np.ndarray
    """(S, K, T) debt repaid to each source [USD]."""
    revenue: np.ndarray
    """(S, T) rental revenue at the market price and rental utilization (0 if not given) [USD]."""
    accelerator_hours: np.ndarray
    """(S, T) accelerator-hours available (mid-year average fleet x 8,760) [h]."""
    h100e_hours: np.ndarray
    """(S, T) H100-equivalent hours available [h]."""
    exaflop_days: np.ndarray
    """(S, T) dense BF16 exaFLOP/s-days available [EFLOP/s x day]."""
    facility_mw_max: np.ndarray
    """(S,) largest facility power online in the horizon [MW]."""
    it_mw_max: np.ndarray
    """(S,) largest IT power online in the horizon [MW]."""
    funding_need: np.ndarray
    """(S, T) money the campus needs, with every debt source drawn [USD]."""
    funding_need_secured: np.ndarray
    """(S, T) money the campus needs, with only secured debt drawn [USD]."""

    @property
    def capex(self) -> np.ndarray:
        """(S, T) capex [USD]."""
        return self.capex_by_category.sum(axis=1)

    @property
    def opex(self) -> np.ndarray:
        """(S, T) opex [USD]."""
        return self.opex_by_category.sum(axis=1)

    @property
    def depreciation(self) -> np.ndarray:
        """(S, T) depreciation [USD]."""
        return self.depreciation_it + self.depreciation_facility

    @property
    def interest(self) -> np.ndarray:
        """(S, T) interest on all debt sources [USD]."""
        return self.source_interest.sum(axis=1)

    @property
    def tco(self) -> np.ndarray:
        """(S, T) total cost of ownership = depreciation + opex + interest [USD]."""
        return self.depreciation + self.opex + self.interest


def depreciation_weights(n_years: int, life_years: np.ndarray) -> np.ndarray:
    """(S, T, T) share of capex bought in year ``s`` that is depreciated in year ``t``.

    Straight line over ``life_years`` with the mid-year convention: 1/(2L) in the purchase
    year, 1/L in each of the next ``L - 1`` years, 1/(2L) in year ``s + L``.
    """
    age = np.arange(n_years)[None, :] - np.arange(n_years)[:, None]  # (s, t): t - s
    life = np.asarray(life_years, dtype=np.float64)[:, None, None]
    full = (age[None] >= 1) & (age[None] < life)
    half = (age[None] == 0) | (age[None] == life)
    return (np.where(full, 1.0, 0.0) + np.where(half, 0.5, 0.0)) / life


def loan_schedule(draws: np.ndarray, rate: np.ndarray, tenor_years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interest and principal of debt drawn as ``draws`` (S, K, T).

    Each year's drawing is repaid in equal parts over the ``tenor_years`` (K,) years after it;
    interest is ``rate`` (S, K) x the year's average balance (opening balance + half the
    drawing - half the repayment). Returns ``(interest, principal)``, both (S, K, T).
    """
    n_s, n_k, n_t = draws.shape
    tenor = np.maximum(np.asarray(tenor_years, dtype=np.float64), 1.0)[None, :]  # (1, K)
    principal = np.zeros_like(draws)
    interest = np.zeros_like(draws)
    balance = np.zeros((n_s, n_k))
    rate = np.nan_to_num(rate)
    for t in range(n_t):
        age = t - np.arange(t)  # years since each earlier drawing
        if t:
            repaying = age[None, :] <= tenor.T  # (K, t)
            principal[:, :, t] = (draws[:, :, :t] * repaying[None]).sum(axis=2) / tenor
        interest[:, :, t] = rate * (balance + 0.5 * draws[:, :, t] - 0.5 * principal[:, :, t])
        balance = balance + draws[:, :, t] - principal[:, :, t]
    return interest, principal


def evaluate(fin: FinanceInputs, campus: CampusInputs, out: CampusOutputs) -> FinanceOutputs:
    """Costs, financing and unit economics for every variant. Pure: no I/O, no global state."""
    years = campus.years
    n_s, n_t = out.facility_power_mw.shape
    added = out.accelerators_added  # (S, T, P)
    replaced = np.minimum(added, out.accelerators_retired)
    price = np.transpose(fin.accelerator_price_usd, (0, 2, 1))  # (S, T, P)
    systems = (added * price).sum(axis=2)
    systems_refresh = (replaced * price).sum(axis=2)
    with np.errstate(invalid="ignore"):
        refresh_share = np.where(systems > 0, systems_refresh / np.where(systems > 0, systems, 1.0), 0.0)
    networking = np.where(
        np.isnan(fin.network_capex_usd), systems * fin.networking_share[:, None], fin.network_capex_usd
    )
    storage = systems * fin.storage_share[:, None]

    # facility and power: spent when a phase comes online, and again every facility life
    online = campus.phase_online_year  # (S, P)
    age = years[None, :, None] - online[:, None, :]  # (S, T, P)
    life_f = fin.facility_life_years[:, None, None]
    build = (age >= 0) & (age % life_f == 0)
    rebuild = build & (age > 0)
    it_mw = phase_it_mw(campus)  # facility per MW of IT power, the grid connection per MW of facility power
    facility_mw = phase_facility_mw(campus)
    it_mw_built = (build * it_mw[:, None, :]).sum(axis=2)
    mw_built = (build * facility_mw[:, None, :]).sum(axis=2)
    it_mw_rebuilt = (rebuild * it_mw[:, None, :]).sum(axis=2)
    mw_rebuilt = (rebuild * facility_mw[:, None, :]).sum(axis=2)
    facility = it_mw_built * fin.facility_usd_per_mw[:, None]
    elec = fin.facility_electrical_share[:, None]
    cool = fin.facility_cooling_share[:, None]
    power = mw_built * fin.power_connection_usd_per_mw[:, None]
    land = np.where(years[None, :] == online.min(axis=1)[:, None], fin.land_usd[:, None], 0.0)
    capex_by = np.stack(
        [
            systems,
            networking,
            storage,
            facility * (1.0 - elec - cool),
            facility * elec,
            facility * cool,
            power,
            land,
        ],
        axis=1,
    )
    capex_refresh = (
        systems_refresh
        + (networking + storage) * refresh_share
        + it_mw_rebuilt * fin.facility_usd_per_mw[:, None]
        + mw_rebuilt * fin.power_connection_usd_per_mw[:, None]
    )

    # depreciation and the value of assets in service
    it_capex = capex_by[:, [CAPEX_CATEGORIES.index(c) for c in IT_CATEGORIES], :].sum(axis=1)
    fac_capex = capex_by[:, [CAPEX_CATEGORIES.index(c) for c in _FACILITY], :].sum(axis=1)
    w_it = depreciation_weights(n_t, campus.lifetime_years)
    w_fac = depreciation_weights(n_t, fin.facility_life_years)
    dep_it = np.einsum("sa,sat->st", it_capex, w_it)
    dep_fac = np.einsum("sa,sat->st", fac_capex, w_fac)
    it_in_service = dep_it * campus.lifetime_years[:, None]
    fac_in_service = dep_fac * fin.facility_life_years[:, None]

    # what the fleet delivers (mid-year average)
    before = np.concatenate([np.zeros_like(out.accelerators[:, :1]), out.accelerators[:, :-1]], axis=1)
    fleet = (before + out.accelerators) / 2.0  # (S, T, P)
    acc_hours = fleet.sum(axis=2) * HOURS_PER_YEAR
    h100e_hours = (fleet * campus.h100e_per_accelerator[:, None, :]).sum(axis=2) * HOURS_PER_YEAR
    eflops = (fleet * campus.dense_bf16_flops_per_accelerator[:, None, :]).sum(axis=2) / 1e18
    exaflop_days = eflops * DAYS_PER_YEAR

    opex_by = np.stack(
        [
            out.energy_mwh * fin.electricity_usd_per_mwh[:, None],
            it_in_service * fin.maintenance_it_share_per_year[:, None]
            + fac_in_service * fin.maintenance_facility_share_per_year[:, None],
            (it_in_service + fac_in_service) * fin.insurance_share_per_year[:, None],
            out.facility_power_mw * fin.staff_usd_per_mw_year[:, None],
            fleet.sum(axis=2) * fin.software_usd_per_accelerator_year[:, None],
        ],
        axis=1,
    )
    price_h = np.nan_to_num(fin.market_price_usd_per_accelerator_hour)[:, None]
    sold = np.nan_to_num(fin.rental_utilization)[:, None]
    revenue = acc_hours * sold * price_h

    # funding sources: amounts on their schedule, or a share of the categories they cover
    costs = np.concatenate([capex_by, opex_by], axis=1)  # (S, C, T)
    covered = np.einsum("kc,sct->skt", fin.source_covers.astype(np.float64), costs) * fin.source_share[:, :, None]
    scheduled = fin.source_amount_usd[:, :, None] * fin.source_schedule[None]
    is_cover = fin.source_covers.any(axis=1)[None, :, None]
    available = np.where(is_cover, covered, scheduled)
    debt = fin.source_is_debt[None, :, None]
    interest, principal = loan_schedule(np.where(debt, available, 0.0), fin.source_rate, fin.source_tenor_years)

    capex = capex_by.sum(axis=1)
    opex = opex_by.sum(axis=1)
    secured = fin.source_secured[None, :, None]
    if fin.capex_only_need:
        need = need_secured = capex
    else:
        need = capex + opex + (interest + principal).sum(axis=1) - revenue
        need_secured = capex + opex + ((interest + principal) * secured).sum(axis=1) - revenue
    return FinanceOutputs(
        capex_by_category=capex_by,
        opex_by_category=opex_by,
        capex_refresh=capex_refresh,
        depreciation_it=dep_it,
        depreciation_facility=dep_fac,
        source_available=available,
        source_interest=interest,
        source_principal=principal,
        revenue=revenue,
        accelerator_hours=acc_hours,
        h100e_hours=h100e_hours,
        exaflop_days=exaflop_days,
        facility_mw_max=out.facility_power_mw.max(axis=1),
        it_mw_max=out.it_power_mw.max(axis=1),
        funding_need=need,
        funding_need_secured=need_secured,
    )


def funding(fin: FinanceInputs, res: FinanceOutputs) -> dict[str, np.ndarray]:
    """Money available and the cumulative funding gaps, each (S, T) [USD].

    ``funding_gap_usd`` counts only secured money (and interest on secured debt);
    ``funding_gap_if_announced_usd`` counts announced money too. A gap is the cumulative
    need minus the cumulative money available, when positive; money not yet needed carries over.
    """
    secured = (res.source_available * fin.source_secured[None, :, None]).sum(axis=1)
    announced = res.source_available.sum(axis=1) - secured
    return {
        "funding_need_usd": res.funding_need,
        "funding_secured_usd": secured,
        "funding_announced_usd": announced,
        "funding_gap_usd": np.maximum(np.cumsum(res.funding_need_secured - secured, axis=1), 0.0),
        "funding_gap_if_announced_usd": np.maximum(np.cumsum(res.funding_need - secured - announced, axis=1), 0.0),
    }


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def unit_costs(fin: FinanceInputs, res: FinanceOutputs) -> dict[str, np.ndarray]:
    """Cost of what the campus delivers over the whole horizon, each (S,).

    TCO (depreciation + opex + interest) summed over the years divided by the accelerator-hours,
    H100e-hours and dense BF16 exaFLOP-days available; the break-even rental price divides the
    cost per accelerator-hour by the rental utilization (NaN when none is given).
    """
    tco = res.tco.sum(axis=1)
    per_hour = _ratio(tco, res.accelerator_hours.sum(axis=1))
    return {
        "tco_usd_per_accelerator_hour": per_hour,
        "tco_usd_per_h100e_hour": _ratio(tco, res.h100e_hours.sum(axis=1)),
        "tco_usd_per_exaflop_day": _ratio(tco, res.exaflop_days.sum(axis=1)),
        "break_even_usd_per_accelerator_hour": per_hour / fin.rental_utilization,
    }


def wacc(fin: FinanceInputs, res: FinanceOutputs) -> np.ndarray:
    """(S,) weighted average cost of capital: sources weighted by the money they provide over the
    horizon, debt at ``rate x (1 - tax_rate)``, equity at its required return. NaN when a source
    that provides money has no rate, or when no source provides any."""
    weight = res.source_available.sum(axis=2)  # (S, K)
    cost = np.where(fin.source_is_debt[None, :], fin.source_rate * (1.0 - fin.tax_rate[:, None]), fin.source_rate)
    missing = ((weight > 0) & np.isnan(cost)).any(axis=1)
    total = weight.sum(axis=1)
    value = _ratio((weight * np.nan_to_num(cost)).sum(axis=1), total)
    return np.where(missing, np.nan, value)
