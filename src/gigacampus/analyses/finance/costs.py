"""Capex, opex, depreciation, financing and unit economics: pure numpy over a scenario axis.

Every function takes arrays with a leading ``S`` axis and returns new arrays; nothing here
reads files, prints or keeps state. The equations are in ``docs/economics.md``.

Conventions, the same as the campus model's: a year has 8,760 hours; accelerators added or
retired during a year serve half of it (mid-year convention), and so do assets bought that
year, so straight-line depreciation over ``L`` years books half a year in the purchase year,
full years after, and the last half in year ``L`` after purchase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from gigacampus.analyses.finance.inputs import FinanceInputs
from gigacampus.analyses.finance.section import CAPEX_CATEGORIES
from gigacampus.model import CampusInputs, CampusOutputs, phase_facility_mw, phase_it_mw
from gigacampus.model.sums import per_distinct, sum_last
from gigacampus.units import DAYS_PER_YEAR, HOURS_PER_YEAR

__all__ = [
    "FinanceOutputs",
    "capital_recovery_factor",
    "depreciation_weights",
    "evaluate",
    "funding",
    "irr",
    "loan_schedule",
    "npv",
    "payback_year",
    "returns",
    "unit_costs",
    "wacc",
]

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
    """(S, T) rental revenue: contracted hours at the contract price plus sold uncontracted hours at the
    rent of the year (0 where no rent or no utilization is known) [USD]."""
    revenue_known: np.ndarray
    """(S, P) ``True`` where phase ``p`` has a rent and (for its uncontracted hours) a utilization."""
    rent_usd_per_accelerator_hour: np.ndarray
    """(S, P, T) rental price of phase ``p``'s accelerators in year ``t`` (NaN: none) [USD/accelerator-hour]."""
    discount_rate: np.ndarray
    """(S,) the WACC used: the scenario's, else the funding sources', else the catalog's [1/year]."""
    discount_rate_origin: np.ndarray
    """(S,) 0 scenario, 1 funding sources, 2 catalog default."""
    capital_charge: np.ndarray
    """(S, T) capital recovery at the WACC over each asset's life (return of and on capital) [USD]."""
    residual_value: np.ndarray
    """(S,) net book value of hardware and buildings, and land at cost, at the end of the horizon [USD]."""
    debt_drawn: np.ndarray
    """(S, T) money drawn from debt sources [USD]."""
    phase_hours: np.ndarray
    """(S, P, T) accelerator-hours of each phase's mid-year fleet [h]."""
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

    def take(self, index: Sequence[int] | np.ndarray) -> FinanceOutputs:
        """The variants at ``index`` (every field has the variants first)."""
        idx = np.asarray(index)
        return FinanceOutputs(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @cached_property
    def capex(self) -> np.ndarray:
        """(S, T) capex [USD]."""
        return _frozen(self.capex_by_category.sum(axis=1))

    @cached_property
    def opex(self) -> np.ndarray:
        """(S, T) opex [USD]."""
        return _frozen(self.opex_by_category.sum(axis=1))

    @property
    def depreciation(self) -> np.ndarray:
        """(S, T) depreciation [USD]."""
        return self.depreciation_it + self.depreciation_facility

    @cached_property
    def interest(self) -> np.ndarray:
        """(S, T) interest on all debt sources [USD]."""
        return _frozen(self.source_interest.sum(axis=1))

    @property
    def tco(self) -> np.ndarray:
        """(S, T) total cost of ownership = capital charge at the WACC + opex [USD]."""
        return self.capital_charge + self.opex

    @property
    def tco_before_capital(self) -> np.ndarray:
        """(S, T) total cost of ownership without a cost of money = depreciation + opex [USD]."""
        return self.depreciation + self.opex

    @cached_property
    def project_cash_flow(self) -> np.ndarray:
        """(S, T) unlevered cash flow: revenue - opex - capex, plus the residual value in the last year [USD]."""
        flow = self.revenue - self.opex - self.capex
        flow[:, -1] += self.residual_value
        return _frozen(flow)

    @property
    def equity_cash_flow(self) -> np.ndarray:
        """(S, T) the project cash flow with debt drawn, less interest and repayments [USD]."""
        return self.project_cash_flow + self.debt_drawn - self.interest - self.source_principal.sum(axis=1)


def _frozen(x: np.ndarray) -> np.ndarray:
    """``x`` made read-only: a sum :class:`FinanceOutputs` computes once and hands out to every caller."""
    x.setflags(write=False)
    return x


def depreciation_weights(n_years: int, life_years: np.ndarray) -> np.ndarray:
    """(S, T, T) share of capex bought in year ``s`` that is depreciated in year ``t``.

    Straight line over ``life_years`` with the mid-year convention: 1/(2L) in the purchase
    year, 1/L in each of the next ``L - 1`` years, 1/(2L) in year ``s + L``.
    """
    # a batch has few distinct lives (often one): the weights of each once, then one row per variant
    return per_distinct(lambda life: _depreciation_weights(n_years, life), life_years)


def _depreciation_weights(n_years: int, life_years: np.ndarray) -> np.ndarray:
    """:func:`depreciation_weights` of lives given as float64 (S,)."""
    age = np.arange(n_years)[None, :] - np.arange(n_years)[:, None]  # (s, t): t - s
    life = life_years[:, None, None]
    full = (age[None] >= 1) & (age[None] < life)
    half = (age[None] == 0) | (age[None] == life)
    return (np.where(full, 1.0, 0.0) + np.where(half, 0.5, 0.0)) / life


def capital_recovery_factor(rate: np.ndarray, life_years: np.ndarray) -> np.ndarray:
    """``r / (1 - (1 + r)^-L)``: the level yearly charge that repays 1 over ``L`` years at rate ``r``
    (``1 / L`` at ``r = 0``). Broadcasts."""
    r = np.asarray(rate, dtype=np.float64)
    life = np.asarray(life_years, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = r / -np.expm1(-life * np.log1p(r))  # 1 - (1 + r)^-L without cancellation for small r
    return np.where(r > 0, crf, 1.0 / life)


def npv(rate: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """(S,) net present value of ``flows`` (S, T) at ``rate`` (S,), valued at the start of the first
    year with each year's flow at mid-year: ``sum_t CF_t / (1 + r)^(t + 1/2)``."""
    t = np.arange(flows.shape[1]) + 0.5
    return (flows / (1.0 + np.asarray(rate)[:, None]) ** t[None, :]).sum(axis=1)


#: Rates searched for an IRR: -99% to +1,000% a year.
_IRR_GRID = np.concatenate([np.linspace(-0.99, 0.0, 100, endpoint=False), np.geomspace(1e-4, 10.0, 400)])


def irr(flows: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """(S,) internal rate of return of ``flows`` (S, T), and why it is undefined where it is NaN.

    The rate where :func:`npv` is zero, searched from -99% to +1,000% a year and refined by
    bisection. Undefined when the flows never change sign, when no rate in the range gives a zero,
    or when several do (the IRR is then ambiguous).
    """
    rate, n_roots, one_sign = _irr_search(flows)
    reasons: list[str | None] = []
    for v in range(len(rate)):
        if one_sign[v]:
            reasons.append("the cash flows never change sign (no money in, or none out), so no rate makes the NPV zero")
        elif n_roots[v] == 0:
            reasons.append("no rate between -99% and +1,000% a year makes the NPV zero")
        elif n_roots[v] > 1:
            reasons.append(f"the NPV is zero at {int(n_roots[v])} rates (the cash flows change sign several times)")
        else:
            reasons.append(None)
    return rate, reasons


def _irr_search(flows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`irr`'s rates, the grid's sign changes of the NPV and whether the flows keep one sign, (S,) each."""
    n_s = flows.shape[0]
    scale = np.abs(flows).max(axis=1, keepdims=True, initial=0.0)
    signs = np.sign(np.where(np.abs(flows) > 1e-9 * scale, flows, 0.0))
    # the NPV at every grid rate in one product: flows (S, T) x discount factors (T, G)
    t = np.arange(flows.shape[1]) + 0.5
    values = flows @ ((1.0 + _IRR_GRID)[None, :] ** -t[:, None])  # (S, G)
    crossings = np.signbit(values[:, :-1]) != np.signbit(values[:, 1:])
    n_roots = crossings.sum(axis=1)
    first = np.argmax(crossings, axis=1)
    lo = _IRR_GRID[first].copy()
    hi = _IRR_GRID[np.minimum(first + 1, len(_IRR_GRID) - 1)].copy()
    f_lo = values[np.arange(n_s), first]
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid, flows)
        same = np.signbit(f_mid) == np.signbit(f_lo)
        new_lo, f_lo = np.where(same, mid, lo), np.where(same, f_mid, f_lo)
        new_hi = np.where(same, hi, mid)
        # every interval at adjacent floats (the midpoint is an end) and this halving moved no end:
        # the same step repeats from here on, so the remaining halvings change nothing
        settled = np.all(((mid == lo) | (mid == hi)) & (new_lo == lo) & (new_hi == hi))
        lo, hi = new_lo, new_hi
        if settled:
            break
    rate = np.where(n_roots == 1, 0.5 * (lo + hi), np.nan)
    one_sign = ~(signs > 0).any(axis=1) | ~(signs < 0).any(axis=1)
    rate[one_sign] = np.nan
    return rate, n_roots, one_sign


def payback_year(years: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """(S,) first year from which the cumulative cash flow stays at or above zero (-1: never)."""
    cumulative = np.cumsum(flows, axis=1)
    ok = cumulative >= -1e-9 * np.abs(flows).max(axis=1, keepdims=True, initial=0.0)
    stays = np.flip(np.logical_and.accumulate(np.flip(ok, axis=1), axis=1), axis=1)  # ok from t to the end
    return np.where(stays.any(axis=1), years[np.argmax(stays, axis=1)], -1)


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
    systems = sum_last(added * price)
    systems_refresh = sum_last(replaced * price)
    with np.errstate(invalid="ignore"):
        refresh_share = np.where(systems > 0, systems_refresh / np.where(systems > 0, systems, 1.0), 0.0)
    bought = sum_last(added)  # (S, T) accelerators bought (new and replacements)

    def per_accelerator(usd: np.ndarray, share: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(share)[:, None], bought * usd[:, None], systems * np.nan_to_num(share)[:, None])

    networking = per_accelerator(fin.networking_usd_per_accelerator, fin.networking_share)
    networking = np.where(np.isnan(fin.network_capex_usd), networking, fin.network_capex_usd)
    storage = per_accelerator(fin.storage_usd_per_accelerator, fin.storage_share)

    # facility and power: spent when a phase comes online, and again every facility life
    online = campus.phase_online_year  # (S, P)
    age = years[None, :, None] - online[:, None, :]  # (S, T, P)
    life_f = fin.facility_life_years[:, None, None]
    build = (age >= 0) & (age % life_f == 0)
    rebuild = build & (age > 0)
    it_mw = phase_it_mw(campus)  # facility per MW of IT power, the grid connection per MW of facility power
    facility_mw = phase_facility_mw(campus)
    it_mw_built = sum_last(build * it_mw[:, None, :])
    mw_built = sum_last(build * facility_mw[:, None, :])
    it_mw_rebuilt = sum_last(rebuild * it_mw[:, None, :])
    mw_rebuilt = sum_last(rebuild * facility_mw[:, None, :])
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
    acc_hours = sum_last(fleet) * HOURS_PER_YEAR
    h100e_hours = sum_last(fleet * campus.h100e_per_accelerator[:, None, :]) * HOURS_PER_YEAR
    eflops = sum_last(fleet * campus.dense_bf16_flops_per_accelerator[:, None, :]) / 1e18
    exaflop_days = eflops * DAYS_PER_YEAR

    opex_by = np.stack(
        [
            out.energy_mwh * fin.electricity_usd_per_mwh[:, None],
            it_in_service * fin.maintenance_it_share_per_year[:, None]
            + fac_in_service * fin.maintenance_facility_share_per_year[:, None],
            (it_in_service + fac_in_service) * fin.insurance_share_per_year[:, None],
            out.facility_power_mw * fin.staff_usd_per_mw_year[:, None],
            sum_last(fleet) * fin.software_usd_per_accelerator_year[:, None],
        ],
        axis=1,
    )
    # revenue: rent path by phase and year, take-or-pay share at a fixed price, the rest sold at utilization
    rent = rent_path(fin, years, n_s)  # (S, P, T)
    online_t = np.clip(online - years[0], 0, n_t - 1).astype(np.int64)  # (S, P)
    rent_at_online = np.take_along_axis(rent, online_t[:, :, None], axis=2)[:, :, 0]  # (S, P)
    contract = np.where(
        np.isnan(fin.contract_usd_per_accelerator_hour)[:, None],
        rent_at_online,
        fin.contract_usd_per_accelerator_hour[:, None],
    )
    share = fin.contracted_share[:, None, None]
    util = fin.rental_utilization[:, None, None]
    merchant_known = (share >= 1.0) | np.isfinite(util)
    revenue_known = np.isfinite(rent).all(axis=2) & merchant_known[:, :, 0]  # (S, P)
    phase_hours = np.transpose(fleet, (0, 2, 1)) * HOURS_PER_YEAR  # (S, P, T)
    per_hour = share * contract[:, :, None] + (1.0 - share) * np.nan_to_num(util) * rent
    revenue = np.where(revenue_known[:, :, None], phase_hours * np.nan_to_num(per_hour), 0.0).sum(axis=1)

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

    # the cost of capital: the scenario's rate, else the funding sources' weighted rate, else the catalog's
    sources_rate = _weighted_rate(fin, available)
    origin = np.where(np.isfinite(fin.wacc_given), 0, np.where(np.isfinite(sources_rate), 1, 2))
    rate = np.where(origin == 0, fin.wacc_given, np.where(origin == 1, sources_rate, fin.wacc_default))
    charge_it = capital_recovery_factor(rate, campus.lifetime_years) * campus.lifetime_years
    charge_fac = capital_recovery_factor(rate, fin.facility_life_years) * fin.facility_life_years
    land_capex = capex_by[:, CAPEX_CATEGORIES.index("land"), :]
    capital_charge = (
        dep_it * charge_it[:, None] + dep_fac * charge_fac[:, None] + np.cumsum(land_capex, axis=1) * rate[:, None]
    )
    # residual value: what is not yet depreciated at the end of the horizon, and land at cost
    left_it = 1.0 - sum_last(w_it)  # (S, T purchase) share of each year's purchase not yet depreciated
    left_fac = 1.0 - sum_last(w_fac)
    residual = (it_capex * left_it).sum(axis=1) + (fac_capex * left_fac).sum(axis=1) + land_capex.sum(axis=1)
    residual = residual if fin.residual_book else np.zeros(n_s)
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
        revenue_known=revenue_known,
        rent_usd_per_accelerator_hour=rent,
        discount_rate=rate,
        discount_rate_origin=origin,
        capital_charge=capital_charge,
        residual_value=residual,
        debt_drawn=np.where(debt, available, 0.0).sum(axis=1),
        phase_hours=phase_hours,
        accelerator_hours=acc_hours,
        h100e_hours=h100e_hours,
        exaflop_days=exaflop_days,
        facility_mw_max=out.facility_power_mw.max(axis=1),
        it_mw_max=out.it_power_mw.max(axis=1),
        funding_need=need,
        funding_need_secured=need_secured,
    )


def rent_path(fin: FinanceInputs, years: np.ndarray, n_s: int) -> np.ndarray:
    """(S, P, T) rental price of each phase's accelerators by year: the scenario's table where given,
    else a start price declining at ``rent_decline_per_year``: the scenario's price from the first
    modelled year, else the catalog quote from its year (NaN where neither exists)."""
    keep = (1.0 - fin.rent_decline_per_year)[:, None, None]
    from_start = (years - years[0]).astype(np.float64)[None, None, :]
    scenario = fin.market_price_usd_per_accelerator_hour[:, None, None] * keep**from_start
    from_quote = (years[None, :] - fin.catalog_rent_year[:, None]).astype(np.float64)[None]  # (1, P, T)
    catalog = fin.catalog_rent_usd_per_accelerator_hour[:, :, None] * keep**from_quote
    n_p = fin.catalog_rent_year.shape[0]
    path = np.where(np.isfinite(fin.market_price_usd_per_accelerator_hour)[:, None, None], scenario, catalog)
    path = np.broadcast_to(path, (n_s, n_p, len(years)))
    return np.where(np.isfinite(fin.rent_by_year)[:, None, :], fin.rent_by_year[:, None, :], path)


def _weighted_rate(fin: FinanceInputs, available: np.ndarray) -> np.ndarray:
    """(S,) the funding sources' weighted rate (see :func:`wacc`) from the money each provides (S, K, T)."""
    weight = sum_last(available)  # (S, K)
    cost = np.where(fin.source_is_debt[None, :], fin.source_rate * (1.0 - fin.tax_rate[:, None]), fin.source_rate)
    missing = ((weight > 0) & np.isnan(cost)).any(axis=1)
    value = _ratio((weight * np.nan_to_num(cost)).sum(axis=1), weight.sum(axis=1))
    return np.where(missing, np.nan, value)


def returns(fin: FinanceInputs, res: FinanceOutputs) -> dict[str, np.ndarray]:
    """Returns of the project (unlevered) cash flows at the WACC, each (S,).

    ``npv_usd``, ``irr`` (NaN where undefined), ``payback_year`` (-1: never; residual value excluded),
    ``discounted_payback_year``, and ``break_even_rent_scale``: the factor on the rent path (and on a
    contract price that follows it) that makes the NPV zero.
    """
    flows = res.project_cash_flow
    rate = res.discount_rate
    operating = res.revenue - res.opex - res.capex
    t = np.arange(flows.shape[1]) + 0.5
    discounted = operating / (1.0 + rate[:, None]) ** t[None, :]
    value = npv(rate, flows)
    rate_irr = _irr_search(flows)[0]
    pv_revenue = npv(rate, res.revenue)
    # with a contract price given, the contracted revenue does not scale with the rent path
    fixed = np.isfinite(fin.contract_usd_per_accelerator_hour) & (fin.contracted_share > 0)
    contracted = np.where(fixed, npv(rate, _contracted_revenue(fin, res)), 0.0)
    scaled = pv_revenue - contracted
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = np.where(scaled > 0, 1.0 - value / np.where(scaled > 0, scaled, 1.0), np.nan)
    return {
        "npv_usd": value,
        "irr": rate_irr,
        "payback_year": payback_year(fin.years, operating),
        "discounted_payback_year": payback_year(fin.years, discounted),
        "break_even_rent_scale": scale,
        "pv_revenue_usd": pv_revenue,
    }


def _contracted_revenue(fin: FinanceInputs, res: FinanceOutputs) -> np.ndarray:
    """(S, T) revenue of the contracted hours at a given contract price (phases with known revenue)."""
    hours = res.phase_hours
    price = np.nan_to_num(fin.contract_usd_per_accelerator_hour)[:, None, None]
    known = res.revenue_known[:, :, None]
    return np.where(known, hours * fin.contracted_share[:, None, None] * price, 0.0).sum(axis=1)


def funding(fin: FinanceInputs, res: FinanceOutputs) -> dict[str, np.ndarray]:
    """Money available and the cumulative funding gaps, each (S, T) [USD].

    ``funding_gap_usd`` counts only secured money (and interest on secured debt);
    ``funding_gap_if_announced_usd`` counts announced money too; ``funding_gap_cost_usd`` (and
    ``..._if_announced_usd``) is a year's gap carried at ``gap_rate`` (default: the WACC). A gap is the cumulative
    need minus the cumulative money available, when positive; money not yet needed carries over.
    """
    secured = (res.source_available * fin.source_secured[None, :, None]).sum(axis=1)
    announced = res.source_available.sum(axis=1) - secured
    gap = np.maximum(np.cumsum(res.funding_need_secured - secured, axis=1), 0.0)
    gap_all = np.maximum(np.cumsum(res.funding_need - secured - announced, axis=1), 0.0)
    rate = np.where(np.isfinite(fin.gap_rate), fin.gap_rate, res.discount_rate)[:, None]
    return {
        "funding_need_usd": res.funding_need,
        "funding_secured_usd": secured,
        "funding_announced_usd": announced,
        "funding_gap_usd": gap,
        "funding_gap_if_announced_usd": gap_all,
        "funding_gap_cost_usd": gap * rate,
        "funding_gap_cost_if_announced_usd": gap_all * rate,
    }


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def unit_costs(fin: FinanceInputs, res: FinanceOutputs) -> dict[str, np.ndarray]:
    """Cost of what the campus delivers over the whole horizon, each (S,).

    TCO (capital charge at the WACC + opex) summed over the years divided by the accelerator-hours,
    H100e-hours and dense BF16 exaFLOP-days available, the same before the cost of capital
    (depreciation + opex) and their difference (the cost of capital per hour); the break-even rental
    price divides the cost per accelerator-hour by the rental utilization (NaN when none is given).
    """
    tco = res.tco.sum(axis=1)
    hours = res.accelerator_hours.sum(axis=1)
    per_hour = _ratio(tco, hours)
    before = _ratio(res.tco_before_capital.sum(axis=1), hours)
    return {
        "tco_usd_per_accelerator_hour": per_hour,
        "tco_usd_per_accelerator_hour_before_capital": before,
        "capital_charge_usd_per_accelerator_hour": per_hour - before,
        "tco_usd_per_h100e_hour": _ratio(tco, res.h100e_hours.sum(axis=1)),
        "tco_usd_per_exaflop_day": _ratio(tco, res.exaflop_days.sum(axis=1)),
        "break_even_usd_per_accelerator_hour": per_hour / fin.rental_utilization,
    }


def wacc(fin: FinanceInputs, res: FinanceOutputs) -> np.ndarray:
    """(S,) weighted average cost of capital of the funding sources: weighted by the money they provide
    over the horizon, debt at ``rate x (1 - tax_rate)``, equity at its required return. NaN when a
    source that provides money has no rate, or when no source provides any. (The rate the TCO and NPV
    use is ``FinanceOutputs.discount_rate``.)"""
    return _weighted_rate(fin, res.source_available)
