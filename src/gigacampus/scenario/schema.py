"""The scenario schema: strict, frozen pydantic models, one per TOML section.

Attribute docstrings are the field documentation (they appear in the JSON schema and in
``docs/scenario.md``). Units are in the names (``power_mw``) and in ``json_schema_extra``.
Optional fields left as ``None`` take their value from the catalog's ``defaults.csv``
(each default there has a source); see :mod:`gigacampus.scenario.resolve`.

Catalog ids are checked against the catalog passed in the validation context
(``Scenario.model_validate(data, context={"catalog": cat})``), else the shipped one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import closest
from gigacampus.reliability.rates import COMPONENTS, MAX_RATE_PER_YEAR, sourced_accelerators

__all__ = [
    "CAPEX_CATEGORIES",
    "Finance",
    "FinanceSource",
    "OPEX_CATEGORIES",
    "Fleet",
    "Network",
    "Training",
    "network_problems",
    "Phase",
    "Quota",
    "Reliability",
    "Scenario",
    "ScenarioInfo",
    "ScenarioChecksFailed",
    "Site",
    "SupplyLimit",
    "Policy",
    "Holder",
    "Pledge",
    "CapSpec",
    "Rules",
    "RuleCap",
    "cross_field_problems",
    "MAX_YEARS",
    "MAX_PHASES",
]

#: Longest scenario the model accepts, in years.
MAX_YEARS = 100
#: Most phases one scenario may list.
MAX_PHASES = 200


def _num(unit: str, **bounds: float) -> Any:
    """A strict, finite number field with bounds and a unit."""
    return Field(strict=True, allow_inf_nan=False, json_schema_extra={"unit": unit}, **bounds)


Year = Annotated[int, Field(strict=True, ge=1990, le=2100, json_schema_extra={"unit": "year"})]


class ScenarioChecksFailed(ValueError):
    """Raised inside validators that check several fields at once; carries key paths.

    ``problems`` holds ``(relative key path, message, suggestion)`` tuples; the loader turns
    them into :class:`gigacampus.errors.Problem` with full paths.
    """

    def __init__(self, problems: list[tuple[str, str, str | None]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m, _ in problems))


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=True,
    )


def _catalog(info: ValidationInfo) -> Catalog:
    ctx = info.context or {}
    return ctx.get("catalog") or load_catalog()


class ScenarioInfo(_Section):
    """``[scenario]``: what the scenario is and which years it covers."""

    name: str = Field(min_length=1, max_length=200)
    """Name shown in tables and reports."""
    start_year: Year
    """First modelled year."""
    end_year: Year
    """Last modelled year (inclusive)."""
    description: str = Field(default="", max_length=10_000)
    """Free text describing the scenario."""
    sources: tuple[str, ...] = ()
    """Where the scenario's numbers come from (URLs or documents)."""
    seed: int = Field(default=0, strict=True, ge=0, le=2**63 - 1)
    """Seed of every random draw made for this scenario; recorded in results."""


class Site(_Section):
    """``[site]``: the campus and its power usage effectiveness."""

    name: str = Field(default="", max_length=200)
    """Name of the site."""
    pue: float = _num("-", ge=1.0, le=3.0)
    """Power usage effectiveness: facility power / IT power [-], at least 1."""
    overhead_fraction: float | None = _num("-", ge=0.0, le=1.0, default=None)
    """IT power for network, storage and CPU hosts outside the accelerator systems, as a
    fraction of accelerator-system power [-]. Default: catalog ``site.overhead_fraction``."""
    electricity_usd_per_mwh: float | None = _num("USD/MWh", ge=0.0, le=10_000.0, default=None)
    """Price of grid electricity [USD/MWh]; used by economics."""
    grid_kgco2_per_kwh: float | None = _num("kgCO2/kWh", ge=0.0, le=2.0, default=None)
    """Carbon intensity of the electricity [kgCO2/kWh]; gives ``emissions_tco2``."""


class Phase(_Section):
    """``[[phase]]``: facility power that comes online in a year, filled with one accelerator."""

    name: str = Field(min_length=1, max_length=200)
    """Name of the phase (unique within the scenario)."""
    online_year: Year
    """Year the phase's power comes online; accelerators ship from this year."""
    power_mw: float = _num("MW", gt=0.0, le=50_000.0)
    """Facility (grid) power this phase adds [MW]."""
    accelerator: str = Field(min_length=1, max_length=64)
    """Catalog id of the accelerator that fills this phase (see ``gigacampus catalog``)."""
    system: str | None = Field(default=None, min_length=1, max_length=64)
    """Catalog id of the system the accelerators ship in; default: the accelerator's own."""
    system_power_kw: float | None = _num("kW", gt=0.0, le=10_000.0, default=None)
    """Power of one system [kW]; overrides the catalog, and is required where it has none."""
    utilization: float | None = _num("-", gt=0.0, le=1.0, default=None)
    """Average power draw as a fraction of nameplate, for energy [-].
    Default: catalog ``phase.utilization``."""

    @field_validator("accelerator")
    @classmethod
    def _known_accelerator(cls, value: str, info: ValidationInfo) -> str:
        cat = _catalog(info)
        if value not in cat.accelerators:
            raise ScenarioChecksFailed(
                [
                    (
                        "",
                        f"unknown accelerator {value!r}; allowed: {', '.join(cat.accelerators)}",
                        closest(value, cat.accelerators),
                    )
                ]
            )
        return value

    @field_validator("system")
    @classmethod
    def _known_system(cls, value: str | None, info: ValidationInfo) -> str | None:
        cat = _catalog(info)
        if value is not None and value not in cat.systems:
            raise ScenarioChecksFailed(
                [("", f"unknown system {value!r}; allowed: {', '.join(cat.systems)}", closest(value, cat.systems))]
            )
        return value


class Fleet(_Section):
    """``[fleet]``: how long accelerators stay in service."""

    lifetime_years: int | None = Field(default=None, strict=True, ge=1, le=30, json_schema_extra={"unit": "year"})
    """Years an accelerator serves; it retires in install year + lifetime and is replaced
    that year within the same power, quota and supply. Default: catalog ``fleet.lifetime_years``."""


class Quota(_Section):
    """``[quota]``: an annual national cap on accelerators shipped, and this campus's share of it.

    Any of the three caps may be given; each binds. 0 or absent means no cap of that kind.
    """

    units_per_year: float = _num("accelerators/year", ge=0.0, le=1e9, default=0.0)
    """Cap on accelerators shipped per year [accelerators/year]."""
    h100e_per_year: float = _num("H100e/year", ge=0.0, le=1e9, default=0.0)
    """Cap on H100-equivalents shipped per year [H100e/year]."""
    tpp_per_year: float = _num("TPP/year", ge=0.0, le=1e15, default=0.0)
    """Cap on Total Processing Performance shipped per year [TPP/year]."""
    campus_share: float = _num("-", gt=0.0, le=1.0, default=1.0)
    """Fraction of the national caps available to this campus [-]."""


class SupplyLimit(_Section):
    """``[supply.<accelerator id>]``: how many of one accelerator the vendor can deliver."""

    units_per_year: float = _num("accelerators/year", ge=0.0, le=1e9)
    """Accelerators of this model deliverable to the campus per year [accelerators/year]."""
    by_year: dict[int, Annotated[float, _num("accelerators/year", ge=0.0, le=1e9)]] = Field(default_factory=dict)
    """Year-specific limits that replace ``units_per_year`` in those years, e.g. ``{2026 = 50000}``."""


REACH_CLASSES = ("dac", "multimode", "singlemode")


class Network(_Section):
    """``[network]``: the scale-out fabric, a rail-optimised folded Clos (fat-tree) per phase.

    Every phase's accelerators get their own fabric: one NIC port per accelerator at the
    system's scale-out speed (catalog ``scale_out``), leaves in rail groups, and as many tiers
    of ``switch`` as the count needs. See docs/network.md.
    """

    model: Literal["fraction", "clos"] = "fraction"
    """``fraction``: size and report the fabric, keep ``site.overhead_fraction`` for power;
    ``clos``: the fabric's power replaces the network share of the overhead (solved with the
    accelerator count) and ``other_overhead_fraction`` covers the rest."""
    switch: str = Field(default="nvidia-qm9700", min_length=1, max_length=64)
    """Catalog id of the switch used in every tier (see catalog ``switches.csv``)."""
    switch_power_w: float | None = _num("W", gt=0.0, le=100_000.0, default=None)
    """Power of one switch without optics [W]; required where the catalog has none."""
    switch_price_usd: float | None = _num("USD", ge=0.0, le=1e8, default=None)
    """Price of one switch [USD]; gives ``network_capex_usd`` with ``transceiver_price_usd``."""
    transceiver_price_usd: float | None = _num("USD", ge=0.0, le=1e6, default=None)
    """Price of one transceiver module or copper cable end [USD]."""
    link_gbps: float | None = _num("Gb/s", gt=0.0, le=1_600.0, default=None)
    """Scale-out speed per accelerator [Gb/s]; default: the system's NIC (catalog ``scale_out``)."""
    oversubscription: float = _num("-", ge=1.0, le=16.0, default=1.0)
    """Leaf downlink:uplink ratio [-]; 1 = full bisection bandwidth."""
    rails: int | None = Field(default=None, strict=True, ge=1, le=64, json_schema_extra={"unit": "count"})
    """Rails (leaf group size); default: NIC ports per server node from the catalog."""
    reach: tuple[Literal["dac", "multimode", "singlemode"], ...] = Field(default=("singlemode",), min_length=1)
    """Link class per tier boundary, endpoint-leaf first; the last repeats for higher tiers."""
    frontend_fraction: float = _num("-", ge=0.0, le=1.0, default=0.0)
    """Front-end and storage network as a fraction of the scale-out fabric's switches, optics,
    power and cost [-]; 0 leaves it out."""
    other_overhead_fraction: float | None = _num("-", ge=0.0, le=1.0, default=None)
    """With ``model = "clos"``: IT power for storage, CPU hosts and management outside the
    accelerator systems and the fabric, as a fraction of system power [-] (required)."""

    @field_validator("switch")
    @classmethod
    def _known_switch(cls, value: str) -> str:
        from gigacampus.network.parts import switches

        known = switches()
        if value not in known:
            raise ScenarioChecksFailed(
                [("", f"unknown switch {value!r}; allowed: {', '.join(known)}", closest(value, known))]
            )
        return value


class Training(_Section):
    """``[training]``: the largest training run and the serving capacity (docs/training.md)."""

    days: float = _num("day", gt=0.0, le=3650.0, default=100.0)
    """Length of the training run [days]."""
    precision: Literal["bf16", "fp8"] = "bf16"
    """Tensor precision of the run: its dense rate per accelerator counts."""
    mfu: float | None = _num("-", gt=0.0, le=1.0, default=None)
    """Model FLOP utilisation [-]. Default: catalog ``training.mfu``."""
    goodput: float | None = _num("-", gt=0.0, le=1.0, default=None)
    """Fraction of the run's time doing useful training [-]. Default: catalog ``training.goodput``."""
    tokens_per_parameter: float | None = _num("tokens/parameter", gt=0.0, le=100_000.0, default=None)
    """Training tokens per parameter of the compute-optimal model. Default: catalog."""
    bytes_per_parameter: float | None = _num("B/parameter", gt=0.0, le=1_000.0, default=None)
    """Training-state memory per parameter (weights, gradients, optimiser). Default: catalog."""
    scope: Literal["campus", "largest_phase"] = "campus"
    """``campus``: one run across every installed accelerator; ``largest_phase``: the phase
    (one fabric) with the most compute."""
    serve_parameters: float = _num("parameters", gt=0.0, le=1e15, default=405e9)
    """Parameters of the served dense model (default: Llama 3.1 405B's 405 billion)."""
    serve_bytes_per_parameter: float = _num("B/parameter", gt=0.0, le=8.0, default=2.0)
    """Bytes per weight when serving (2 = BF16, 1 = FP8)."""
    serve_batch: int = Field(default=64, strict=True, ge=1, le=100_000, json_schema_extra={"unit": "sequences"})
    """Sequences decoded together by one model replica (an assumption)."""
    serve_context_tokens: int = Field(
        default=4096, strict=True, ge=1, le=10_000_000, json_schema_extra={"unit": "tokens"}
    )
    """Tokens of context held in the KV cache per sequence (an assumption)."""
    kv_bytes_per_token: float = _num("B/token", gt=0.0, le=1e8, default=516_096.0)
    """KV-cache bytes per token of context: 2 x layers x KV heads x head size x bytes; default
    Llama 3.1 405B in BF16 (2 x 126 x 8 x 128 x 2)."""


#: Capex categories, in reporting order (``covers`` of a funding source may name them).
CAPEX_CATEGORIES: tuple[str, ...] = (
    "accelerator_systems",
    "networking",
    "storage",
    "facility_shell",
    "facility_electrical",
    "facility_cooling",
    "power_connection",
    "land",
)
#: Opex categories, in reporting order.
OPEX_CATEGORIES: tuple[str, ...] = ("electricity", "maintenance", "insurance", "staff", "software")
_SOURCE_KINDS = ("equity", "debt")
_FUNDING_NEEDS = ("cash_flow", "capex")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ScenarioChecksFailed(
            [("", f"unknown {what} {value!r}; allowed: {', '.join(allowed)}", closest(value, allowed))]
        )
    return value


UsdAmount = Annotated[float, _num("USD", ge=0.0, le=1e14)]


class FinanceSource(_Section):
    """``[[finance.source]]``: money a named partner commits, as equity or debt.

    Give either ``amount_usd`` (spread evenly over ``first_year``-``last_year``) or ``covers``
    (the partner pays ``share`` of the named cost categories as they are spent).
    """

    partner: str = Field(min_length=1, max_length=200)
    """Who provides the money (e.g. SoftBank)."""
    kind: str = Field(min_length=1, max_length=20)
    """``equity`` or ``debt``."""
    amount_usd: float | None = _num("USD", ge=0.0, le=1e14, default=None)
    """Money committed [USD], available in equal parts each year from ``first_year`` to ``last_year``."""
    covers: tuple[str, ...] = ()
    """Cost categories this partner pays as they are spent (instead of ``amount_usd``), e.g.
    ``["facility_shell", "facility_electrical", "facility_cooling"]``."""
    share: float = _num("-", gt=0.0, le=1.0, default=1.0)
    """With ``covers``: the fraction of those categories this partner pays [-]."""
    first_year: Year | None = None
    """First year the money is available; default: the scenario's first year."""
    last_year: Year | None = None
    """Last year the money is available; default: ``first_year``."""
    rate: float | None = _num("1/year", ge=0.0, le=1.0, default=None)
    """Debt: annual interest rate (required). Equity: the return the partner requires (optional,
    used for the weighted average cost of capital) [1/year]; 0.08 is 8%."""
    tenor_years: int | None = Field(default=None, strict=True, ge=1, le=100, json_schema_extra={"unit": "year"})
    """Debt: years over which each year's drawing is repaid in equal parts (required for debt)."""
    secured: bool = Field(default=False, strict=True)
    """``true`` for money committed (signed, in hand); ``false`` for money announced or planned."""
    note: str = Field(default="", max_length=2000)
    """Where the commitment is reported (URL or document)."""

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return _choice(value, _SOURCE_KINDS, "kind")

    @field_validator("covers")
    @classmethod
    def _known_categories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        allowed = CAPEX_CATEGORIES + OPEX_CATEGORIES
        for item in value:
            _choice(item, allowed, "cost category")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FinanceSource:
        problems: list[tuple[str, str, str | None]] = []
        if (self.amount_usd is None) == (not self.covers):
            problems.append(("amount_usd", "give either amount_usd [USD] or covers (a list of cost categories)", None))
        if self.kind == "debt":
            if self.rate is None:
                problems.append(("rate", "missing; debt needs an annual interest rate (a number >= 0 and <= 1)", None))
            if self.tenor_years is None:
                problems.append(("tenor_years", "missing; debt needs a tenor (a whole number of years >= 1)", None))
        elif self.tenor_years is not None:
            problems.append(("tenor_years", "found a tenor on equity; allowed: tenor_years only for debt", None))
        if self.first_year is not None and self.last_year is not None and self.last_year < self.first_year:
            problems.append(("last_year", f"found {self.last_year}; allowed: >= first_year ({self.first_year})", None))
        if problems:
            raise ScenarioChecksFailed(problems)
        return self


class Finance(_Section):
    """``[finance]``: prices, costs and financing. Defaults come from the catalog with their sources;
    categories without a sourced default are left out unless given, and reports list them."""

    price_year: Year | None = None
    """Year whose US dollars the money values are in (a label; values are not escalated).
    Default: catalog ``finance.price_year``."""
    system_price_usd: dict[str, Annotated[float, _num("USD/system", ge=0.0, le=1e10)]] = Field(default_factory=dict)
    """Price of one system [USD], by system id, for every purchase year; replaces the catalog's
    ``prices.csv`` (required for systems the catalog has no price for)."""
    networking_share: float | None = _num("-", ge=0.0, le=5.0, default=None)
    """Networking capex as a fraction of accelerator-system capex [-]. Default: catalog."""
    network_capex_usd: dict[int, UsdAmount] = Field(default_factory=dict)
    """Networking capex by year [USD] (e.g. from a network design), replacing the share in those years."""
    storage_share: float | None = _num("-", ge=0.0, le=5.0, default=None)
    """Storage capex as a fraction of accelerator-system capex [-]. Default: catalog."""
    facility_usd_per_mw: float | None = _num("USD/MW", ge=0.0, le=1e9, default=None)
    """Facility capex (shell, electrical, cooling) per MW of IT power, spent when a phase comes online
    [USD/MW]. Default: catalog."""
    facility_electrical_share: float | None = _num("-", ge=0.0, le=1.0, default=None)
    """Part of the facility capex that is electrical [-]. Default: catalog."""
    facility_cooling_share: float | None = _num("-", ge=0.0, le=1.0, default=None)
    """Part of the facility capex that is cooling [-]; the rest is shell. Default: catalog."""
    facility_life_years: int | None = Field(default=None, strict=True, ge=1, le=100, json_schema_extra={"unit": "year"})
    """Years over which facility capex is depreciated. Default: catalog ``finance.facility_life_years``."""
    power_connection_usd_per_mw: float | None = _num("USD/MW", ge=0.0, le=1e9, default=None)
    """On-site power and grid connection capex per MW of facility power, spent when a phase comes
    online [USD/MW]. Not included unless given."""
    land_usd: float | None = _num("USD", ge=0.0, le=1e12, default=None)
    """Land [USD], spent in the year the first phase comes online. Not included unless given."""
    maintenance_it_share_per_year: float | None = _num("1/year", ge=0.0, le=1.0, default=None)
    """IT maintenance and support a year, as a fraction of IT capex in service [1/year].
    Not included unless given."""
    maintenance_facility_share_per_year: float | None = _num("1/year", ge=0.0, le=1.0, default=None)
    """Facility maintenance a year, as a fraction of facility capex in service [1/year].
    Not included unless given."""
    insurance_share_per_year: float | None = _num("1/year", ge=0.0, le=1.0, default=None)
    """Insurance a year as a fraction of the capex in service [1/year]. Default: catalog."""
    staff_usd_per_mw_year: float | None = _num("USD/MW/year", ge=0.0, le=1e8, default=None)
    """Staff cost a year per MW of facility power online [USD/MW/year]. Not included unless given."""
    software_usd_per_accelerator_year: float | None = _num("USD/accelerator/year", ge=0.0, le=1e6, default=None)
    """Software licences a year per accelerator [USD/accelerator/year]. Not included unless given."""
    market_price_usd_per_accelerator_hour: float | None = _num("USD/accelerator-hour", ge=0.0, le=1e3, default=None)
    """Market rental price of one accelerator for an hour, to compare with the break-even price
    and to count revenue [USD/accelerator-hour]."""
    rental_utilization: float | None = _num("-", gt=0.0, le=1.0, default=None)
    """Fraction of accelerator-hours that are sold, for the break-even price and revenue [-]."""
    budget_usd: float | None = _num("USD", ge=0.0, le=1e15, default=None)
    """A budget [USD]: reports how much facility power it buys at this scenario's capex per MW."""
    funding_need: str = Field(default="cash_flow", min_length=1, max_length=20)
    """What the funding must pay: ``cash_flow`` (capex + opex + interest + repayments - revenue) or
    ``capex`` (capex only, e.g. when operating costs are the tenant's)."""
    tax_rate: float = _num("-", ge=0.0, le=1.0, default=0.0)
    """Tax rate for the after-tax cost of debt in the WACC [-]; 0 gives a pre-tax WACC."""
    source: tuple[FinanceSource, ...] = Field(default=(), max_length=200)
    """Funding sources (``[[finance.source]]``)."""

    @field_validator("funding_need")
    @classmethod
    def _known_need(cls, value: str) -> str:
        return _choice(value, _FUNDING_NEEDS, "funding_need")

    @field_validator("system_price_usd")
    @classmethod
    def _known_systems(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        cat = _catalog(info)
        unknown = [k for k in value if k not in cat.systems]
        if unknown:
            raise ScenarioChecksFailed(
                [
                    (k, f"unknown system {k!r}; allowed: {', '.join(cat.systems)}", closest(k, cat.systems))
                    for k in unknown
                ]
            )
        return value


class ComponentRates(_Section):
    """``[reliability.component_rates]``: failures per accelerator-year of one component class;
    each replaces the catalog's rate for that class."""

    gpu: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """GPU die, SRAM, system processor, thermal interface, silent data corruption [1/year]."""
    hbm: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """High-bandwidth memory [1/year]."""
    network: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Switches, cables and NICs [1/year]."""
    host: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Host CPU, memory, SSD, power supply, chassis, unplanned maintenance [1/year]."""
    software: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Software bugs and collective timeouts (restart the job, take no hardware out) [1/year]."""


_DURATION_S = 31_557_600  # one year [s]


class Reliability(_Section):
    """``[reliability]``: checkpointing, restarts, failure rates and repairs; gives each year's
    expected goodput of a campus-wide synchronous training job and of a fraction of the campus,
    the fleet's availability and the spares those jobs need (see docs/reliability.md)."""

    checkpoint_s: float = _num("s", gt=0.0, le=_DURATION_S)
    """Wall time to write one checkpoint [s]."""
    restart_s: float = _num("s", ge=0.0, le=_DURATION_S)
    """Wall time from a failure to training again from the last checkpoint [s]."""
    interval_s: float | None = _num("s", gt=0.0, le=_DURATION_S, default=None)
    """Work between checkpoints [s]; omit for the interval that maximises expected goodput."""
    restart_failures: bool = Field(default=False, strict=True)
    """Whether failures can strike during restarts (a failed restart starts over)."""
    job_fraction: float = _num("-", gt=0.0, le=1.0, default=0.25)
    """Size of the second job reported, as a fraction of the installed accelerators [-]."""
    job_days: float = _num("day", gt=0.0, le=3653.0, default=30.0)
    """Length of the simulated runs behind the goodput percentiles [day]."""
    replicas: int = Field(default=200, strict=True, ge=1, le=10_000)
    """Monte Carlo replicas for goodput percentiles and fleet availability."""
    failures_per_accelerator_year: float | None = _num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """One total failure rate for every accelerator, replacing the catalog's [1/year]."""
    rates_from: str | None = Field(default=None, min_length=1, max_length=64)
    """Catalog accelerator whose sourced rates apply to phases whose accelerator has none
    (e.g. ``h100-sxm``)."""
    component_rates: ComponentRates = Field(default_factory=ComponentRates)
    """Rates per component class (gpu, hbm, network, host, software) replacing the catalog's."""
    min_goodput: float | None = _num("-", gt=0.0, lt=1.0, default=None)
    """Expected goodput a campus-wide job needs to be called viable [-].
    Default: catalog ``reliability.min_goodput``."""
    repair_days: float | None = _num("day", gt=0.0, le=365.0, default=None)
    """Mean time to bring a failed accelerator back once a crew is on it [day].
    Default: catalog ``reliability.repair_days``."""
    repair_shape: int = Field(default=1, strict=True, ge=1, le=20)
    """Erlang shape of the repair time: 1 exponential, larger less variable."""
    repair_crews: int | None = Field(default=None, strict=True, ge=1, le=10_000_000)
    """Repairs that can run at once; omit for unlimited."""
    repairs_per_day: float | None = _num("repairs/day", gt=0.0, le=10_000_000.0, default=None)
    """Most repairs that can start per day; omit for unlimited."""
    cold_spares: bool = Field(default=False, strict=True)
    """Whether spares sit unpowered and do not fail (hot spares, the default, fail like the rest)."""
    spares_probability: float = _num("-", gt=0.0, lt=1.0, default=0.99)
    """Probability with which the spares reported keep a job's accelerators all working [-]."""

    @field_validator("rates_from")
    @classmethod
    def _sourced_accelerator(cls, value: str | None) -> str | None:
        sourced = sourced_accelerators()
        if value is not None and value not in sourced:
            raise ScenarioChecksFailed(
                [
                    (
                        "",
                        f"found {value!r}; allowed: an accelerator with sourced failure rates ({', '.join(sourced)})",
                        closest(value, sourced),
                    )
                ]
            )
        return value


# --- [policy]: export controls and chip-import deals (see docs/policy.md) -------------------

#: Approval statuses of a holder; only approved and conditional holders receive chips.
HOLDER_STATUSES: tuple[str, ...] = ("approved", "conditional", "pending", "denied")
#: Validated-end-user authorizations a holder can have (they matter under ai-diffusion-2025).
VEU_KINDS: tuple[str, ...] = ("none", "national", "universal")
#: What a regime cap applies to (see gigacampus.policy.regimes).
CAP_SCOPES: tuple[str, ...] = ("national", "group", "consignee_exempt", "national_veu", "universal_veu")
CAP_PERIODS: tuple[str, ...] = ("year", "cumulative")
RESCISSION_MODES: tuple[str, ...] = ("apply", "lift")


def _one_of(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise ScenarioChecksFailed(
            [("", f"unknown {what} {value!r}; allowed: {', '.join(choices)}", closest(value, choices))]
        )
    return value


class CapSpec(_Section):
    """A cap on chips: an amount in a unit, each year or cumulative over a span of years."""

    amount: float = _num("see unit", ge=0.0, le=1e18)
    """Amount of the cap, in ``unit``."""
    unit: str = Field(min_length=1, max_length=80)
    """units (accelerators), h100e, tpp, or <accelerator id>-equivalents (that many of the
    accelerator, counted by its TPP, e.g. gb300-equivalents)."""
    per: str = "year"
    """year (the amount each year) or cumulative (shipments summed over the cap's years)."""
    first_year: Year | None = None
    """First year the cap applies; default: every year."""
    last_year: Year | None = None
    """Last year the cap applies; default: no end."""

    @field_validator("per")
    @classmethod
    def _per(cls, value: str) -> str:
        return _one_of(value, CAP_PERIODS, "period")


class Capacity(_Section):
    """An amount of compute in a unit (a holder's worldwide capacity)."""

    amount: float = _num("see unit", gt=0.0, le=1e18)
    """Amount, in ``unit``."""
    unit: str = Field(min_length=1, max_length=80)
    """units, h100e, tpp or <accelerator id>-equivalents."""


class Holder(_Section):
    """``[[policy.holder]]``: a company that may import chips under the regime, in file order.

    Within each phase, holders draw in the order listed; each is limited by its approval, its
    own caps and the regime caps it counts against.
    """

    name: str = Field(min_length=1, max_length=200)
    """Name of the holder (unique within the scenario)."""
    headquarters: str | None = Field(default=None, min_length=2, max_length=2)
    """ISO 3166 country code of the holder's headquarters (e.g. AE, US); selects the regime's
    group cap it shares (us-uae-2025: AE 20%, US 80%)."""
    status: str
    """approved, conditional, pending or denied; only approved and conditional holders receive chips."""
    approval_year: Year
    """Year the approval takes effect (pending: expected; denied: year of the decision)."""
    share: float | None = _num("-", gt=0.0, le=1.0, default=None)
    """Share of each national cap reserved for this holder [-]; shares sum to at most 1."""
    allocation: CapSpec | None = None
    """A fixed amount instead of a share, counted against the national caps."""
    caps: tuple[CapSpec, ...] = ()
    """The holder's own licence caps, on everything it receives (e.g. a conditional approval
    for 35,000 gb300-equivalents, cumulative)."""
    phases: tuple[str, ...] | None = None
    """Names of the phases this holder fills; default: all; [] = none here (licence shown only)."""
    veu: str = "none"
    """Validated end user authorization: none, national or universal (limits under ai-diffusion-2025)."""
    global_capacity: Capacity | None = None
    """Worldwide AI compute of a universal VEU, for its per-country share cap."""
    source: str = Field(default="", max_length=2000)
    """Where the holder's status, share and caps come from (URLs separated by ' ; ')."""

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, HOLDER_STATUSES, "status")

    @field_validator("veu")
    @classmethod
    def _veu(cls, value: str) -> str:
        return _one_of(value, VEU_KINDS, "veu")

    @field_validator("headquarters")
    @classmethod
    def _headquarters(cls, value: str | None) -> str | None:
        if value is not None and not (value.isalpha() and value.isupper()):
            raise ScenarioChecksFailed(
                [("", f"found {value!r}; allowed: a two-letter upper-case country code such as AE or US", None)]
            )
        return value


class Pledge(_Section):
    """``[[policy.pledge]]``: a counter-commitment traded for chips (investment, purchases)."""

    who: str = Field(min_length=1, max_length=200)
    """Who pledged (e.g. United Arab Emirates, MGX)."""
    what: str = Field(min_length=1, max_length=500)
    """What was pledged."""
    amount_usd: float = _num("USD", gt=0.0, le=1e15)
    """Amount pledged [USD]."""
    due_year: Year
    """Year by which the pledge is due."""
    source: str = Field(min_length=1, max_length=2000)
    """Where the pledge is reported (URLs separated by ' ; ')."""
    fulfilled_usd: dict[int, Annotated[float, _num("USD", ge=0.0, le=1e15)]] = Field(default_factory=dict)
    """Amount fulfilled in each year [USD], e.g. ``{2025 = 2e9}``."""


class RuleCap(_Section):
    """``[[policy.rules.cap]]``: one cap of an inline regime (rows with the same cap name form a
    cumulative schedule)."""

    cap: str = Field(min_length=1, max_length=80)
    """Name of the cap."""
    name: str = Field(default="", max_length=200)
    """Label shown in reports; default: the cap name."""
    scope: str
    """national, group, consignee_exempt, national_veu or universal_veu."""
    group: str | None = Field(default=None, min_length=2, max_length=2)
    """For a group cap: the headquarters country code of the holders it applies to."""
    unit: str = Field(min_length=1, max_length=80)
    """units, h100e, tpp, <accelerator id>-equivalents, or share (group and universal_veu caps)."""
    amount: float = _num("see unit", ge=0.0, le=1e18)
    """Amount of the cap, in ``unit``."""
    per: str = "year"
    """year or cumulative."""
    first_year: Year
    """First year the cap applies."""
    last_year: Year | None = None
    """Last year the cap applies (cumulative schedules: the year by whose end the amount is allowed)."""

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return _one_of(value, CAP_SCOPES, "scope")

    @field_validator("per")
    @classmethod
    def _per(cls, value: str) -> str:
        return _one_of(value, CAP_PERIODS, "period")


class Rules(_Section):
    """``[policy.rules]``: a regime defined in the scenario instead of referenced by id."""

    name: str = Field(min_length=1, max_length=200)
    """Name of the regime."""
    country: str = Field(default="", max_length=200)
    """Country the regime applies to."""
    first_year: Year | None = None
    """First year the regime applies; default: the earliest cap."""
    last_year: Year | None = None
    """Last year the regime sets caps for; default: none."""
    rescinded_on: date | None = None
    """Date (YYYY-MM-DD) the regime was rescinded, if it was (runs after it are counterfactual)."""
    carry_over: bool = False
    """Whether unused per-year allocation carries over to later years."""
    sources: tuple[str, ...] = ()
    """Where the regime's numbers come from."""
    cap: tuple[RuleCap, ...] = ()
    """The regime's caps."""


class Policy(_Section):
    """``[policy]``: the export regime the campus imports under, who holds the chips, and the
    counter-commitments. Cannot be combined with ``[quota]``."""

    regime: str | None = Field(default=None, min_length=1, max_length=80)
    """Id of a shipped regime: none, us-uae-2025, ai-diffusion-2025 (see ``gigacampus regimes``)."""
    rules: Rules | None = None
    """A regime defined inline instead of ``regime``."""
    campus_share: float = _num("-", gt=0.0, le=1.0, default=1.0)
    """Fraction of the national and group caps that can reach this campus [-]."""
    after_rescission: str = "apply"
    """apply: keep a rescinded regime's caps (a counterfactual run, flagged as such);
    lift: drop them from the year of the rescission on."""
    holder: tuple[Holder, ...] = ()
    """Companies that import the chips; without holders the campus imports as one approved importer."""
    pledge: tuple[Pledge, ...] = ()
    """Counter-commitments shown next to the chips delivered."""

    @field_validator("regime")
    @classmethod
    def _known_regime(cls, value: str | None) -> str | None:
        from gigacampus.policy.regimes import regime_ids

        if value is not None:
            _one_of(value, tuple(regime_ids()), "regime")
        return value

    @field_validator("after_rescission")
    @classmethod
    def _after(cls, value: str) -> str:
        return _one_of(value, RESCISSION_MODES, "after_rescission")


class Scenario(_Section):
    """A whole scenario file."""

    scenario: ScenarioInfo
    """Name, years and sources."""
    site: Site
    """The campus."""
    phase: tuple[Phase, ...] = Field(min_length=1, max_length=MAX_PHASES)
    """Power phases, in priority order: when shipments are short, earlier phases fill first."""
    fleet: Fleet = Field(default_factory=Fleet)
    """Accelerator lifetime."""
    quota: Quota | None = None
    """Optional national cap on shipments."""
    supply: dict[str, SupplyLimit] = Field(default_factory=dict)
    """Optional vendor supply limits, keyed by accelerator id."""
    network: Network | None = None
    """Optional scale-out fabric sizing; with ``model = "clos"`` its power replaces the network
    share of ``site.overhead_fraction``."""
    training: Training | None = None
    """Optional training and serving assumptions (defaults from the catalog apply without it)."""
    finance: Finance | None = None
    """Optional costs and financing; present, it adds capex, opex and funding to every run."""
    reliability: Reliability | None = None
    """Optional reliability analysis: goodput of large jobs, fleet availability and spares."""
    policy: Policy | None = None
    """Optional export regime, holders and pledges (replaces ``[quota]``)."""

    @property
    def years(self) -> range:
        return range(self.scenario.start_year, self.scenario.end_year + 1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        problems = cross_field_problems(self.model_dump(), _catalog(info))
        if problems:
            raise ScenarioChecksFailed(problems)
        return self


def network_problems(data: Any, cat: Catalog) -> list[tuple[str, str, str | None]]:
    """Checks of ``[network]`` against the phases and the catalog, on raw data."""
    from gigacampus.network.parts import optic_for, scale_out, switches

    net = data.get("network") if isinstance(data, dict) else None
    if not isinstance(net, dict):
        return []
    problems: list[tuple[str, str, str | None]] = []
    model = net.get("model", "fraction")
    switch = switches().get(net.get("switch", "nvidia-qm9700")) if isinstance(net.get("switch", ""), str) else None
    if model == "clos":
        if net.get("other_overhead_fraction") is None:
            problems.append(
                (
                    "network.other_overhead_fraction",
                    'missing; with model = "clos" give the IT power for storage, CPU hosts and management '
                    "as a fraction of system power (a number >= 0 and <= 1)",
                    None,
                )
            )
        if switch is not None and switch.power_w is None and net.get("switch_power_w") is None:
            problems.append(
                (
                    "network.switch_power_w",
                    f'missing; with model = "clos" the catalog has no sourced power for switch {switch.id!r}, '
                    "so give switch_power_w [W] (a number > 0)",
                    None,
                )
            )
    link = net.get("link_gbps")
    link = float(link) if isinstance(link, (int, float)) and not isinstance(link, bool) else None
    reach = net.get("reach", ["singlemode"])
    reach = [r for r in reach if r in REACH_CLASSES] if isinstance(reach, (list, tuple)) else []
    phases = data.get("phase") if isinstance(data.get("phase"), (list, tuple)) else []
    speeds: set[float] = set()
    for i, ph in enumerate(phases):
        if not isinstance(ph, dict) or ph.get("accelerator") not in cat.accelerators:
            continue
        sys_id = ph.get("system")
        if sys_id is not None and sys_id not in cat.systems:
            continue
        system = cat.system_for(ph["accelerator"], sys_id)
        nic = scale_out().get(system.id)
        if link is None and nic is None:
            problems.append(
                (
                    "network.link_gbps",
                    f"missing; the catalog has no scale-out NIC for system {system.id!r} (phase[{i}]), "
                    "so give link_gbps [Gb/s] (a number > 0)",
                    None,
                )
            )
            continue
        speeds.add(link if link is not None else nic.nic_gbps_per_accelerator)  # type: ignore[union-attr]
    if switch is not None:
        for speed in sorted(speeds):
            lanes = switch.port_gbps / min(speed, switch.port_gbps)
            if abs(lanes - round(lanes)) > 1e-9 or switch.radix(min(speed, switch.port_gbps)) < 4:
                problems.append(
                    (
                        "network.link_gbps" if link is not None else "network.switch",
                        f"{speed:g} Gb/s links do not split the {switch.port_gbps:g} Gb/s ports of switch "
                        f"{switch.id!r}; allowed: a link speed that divides the port speed",
                        None,
                    )
                )
                continue
            port = min(speed, switch.port_gbps)
            for j, cls in enumerate(reach):
                if optic_for(cls, port) is None:
                    problems.append(
                        (
                            f"network.reach[{j}]",
                            f"no catalog optics of class {cls!r} at {port:g} Gb/s; allowed: "
                            + ", ".join(sorted({o.reach_class for o in _optics_at(port)})),
                            None,
                        )
                    )
    return list(dict.fromkeys(problems))


def _optics_at(port_gbps: float) -> list[Any]:
    from gigacampus.network.parts import optics

    return [o for o in optics().values() if o.port_gbps == port_gbps]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def cross_field_problems(data: Any, cat: Catalog) -> list[tuple[str, str, str | None]]:
    """Checks that involve several keys, as ``(key path, message, suggestion)``.

    Works on raw (unvalidated) data too, skipping whatever has the wrong shape, so the
    loader can report these problems next to field errors in one pass.
    """
    problems: list[tuple[str, str, str | None]] = []
    if not isinstance(data, dict):
        return problems
    info = data.get("scenario") if isinstance(data.get("scenario"), dict) else {}
    start, end = _int(info.get("start_year")), _int(info.get("end_year"))
    years_ok = start is not None and end is not None
    if years_ok and end < start:
        problems.append(("scenario.end_year", f"found {end}; allowed: >= start_year ({start})", None))
        years_ok = False
    elif years_ok and end - start + 1 > MAX_YEARS:
        problems.append(
            ("scenario.end_year", f"found {end}: {end - start + 1} years; allowed: at most {MAX_YEARS} years", None)
        )
        years_ok = False
    phases = data.get("phase") if isinstance(data.get("phase"), (list, tuple)) else []
    seen: dict[str, int] = {}
    used: set[str] = set()
    for i, ph in enumerate(phases):
        if not isinstance(ph, dict):
            continue
        online = _int(ph.get("online_year"))
        if years_ok and online is not None and not start <= online <= end:
            problems.append(
                (f"phase[{i}].online_year", f"found {online}; allowed: within the scenario years {start}-{end}", None)
            )
        name = ph.get("name")
        if isinstance(name, str):
            if name.strip() in seen:
                problems.append(
                    (
                        f"phase[{i}].name",
                        f"found {name!r}, already the name of phase[{seen[name.strip()]}]; "
                        "allowed: a name unique among phases",
                        None,
                    )
                )
            seen.setdefault(name.strip(), i)
        acc, sys_id = ph.get("accelerator"), ph.get("system")
        if not isinstance(acc, str) or acc not in cat.accelerators:
            continue
        used.add(acc)
        if sys_id is not None and (not isinstance(sys_id, str) or sys_id not in cat.systems):
            continue
        system = cat.system_for(acc, sys_id)
        if system.accelerator != acc:
            allowed = cat.systems_for(acc)
            problems.append(
                (
                    f"phase[{i}].system",
                    f"system {system.id!r} holds {system.accelerator!r}, not {acc!r}; "
                    f"systems for {acc}: {', '.join(allowed)}",
                    allowed[0] if allowed else None,
                )
            )
        elif system.system_power_kw is None and ph.get("system_power_kw") is None:
            problems.append(
                (
                    f"phase[{i}].system_power_kw",
                    f"missing; the catalog has no sourced power for system "
                    f"{system.id!r}, so the scenario must give system_power_kw [kW] (a number > 0)",
                    None,
                )
            )
    supply = data.get("supply") if isinstance(data.get("supply"), dict) else {}
    for acc, lim in supply.items():
        if acc not in cat.accelerators:
            problems.append(
                (
                    f"supply.{acc}",
                    f"unknown accelerator {acc!r}; allowed: {', '.join(cat.accelerators)}",
                    closest(str(acc), cat.accelerators),
                )
            )
        elif used and acc not in used:
            problems.append(
                (
                    f"supply.{acc}",
                    f"no phase uses accelerator {acc!r}; phases use: {', '.join(sorted(used))}",
                    closest(acc, used),
                )
            )
        by_year = lim.get("by_year") if isinstance(lim, dict) else None
        if years_ok and isinstance(by_year, dict):
            for key in by_year:
                year = _int(key)
                if year is not None and not start <= year <= end:
                    problems.append(
                        (
                            f"supply.{acc}.by_year.{key}",
                            f"found year {year}; allowed: within the scenario years {start}-{end}",
                            None,
                        )
                    )
    problems += network_problems(data, cat)
    problems += finance_problems(data, cat, start if years_ok else None, end if years_ok else None)
    if isinstance(data.get("reliability"), dict):
        problems += _reliability_problems(data["reliability"], phases)
    from gigacampus.scenario.policy_checks import policy_problems

    problems += policy_problems(data, cat)
    return problems


def finance_problems(
    data: dict[str, Any], cat: Catalog, start: int | None, end: int | None
) -> list[tuple[str, str, str | None]]:
    """Checks of ``[finance]`` against the rest of the scenario (electricity price, system prices, years)."""
    fin = data.get("finance")
    if not isinstance(fin, dict):
        return []
    from gigacampus.catalog.prices import load_prices

    problems: list[tuple[str, str, str | None]] = []
    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    if site.get("electricity_usd_per_mwh") is None:
        problems.append(
            ("site.electricity_usd_per_mwh", "missing; [finance] needs the price of electricity [USD/MWh]", None)
        )
    given = fin.get("system_price_usd") if isinstance(fin.get("system_price_usd"), dict) else {}
    prices = load_prices()
    phases = data.get("phase") if isinstance(data.get("phase"), (list, tuple)) else []
    missing: dict[str, int] = {}
    for i, ph in enumerate(phases):
        acc = ph.get("accelerator") if isinstance(ph, dict) else None
        sys_id = ph.get("system") if isinstance(ph, dict) else None
        if not isinstance(acc, str) or acc not in cat.accelerators:
            continue
        if sys_id is not None and sys_id not in cat.systems:
            continue
        system = cat.system_for(acc, sys_id).id
        if system not in prices and system not in given:
            missing.setdefault(system, i)
    for system, i in missing.items():
        problems.append(
            (
                f"finance.system_price_usd.{system}",
                f"missing; the catalog has no sourced price for system {system!r} (used by phase[{i}]), "
                "so [finance] must give its price [USD/system] (a number >= 0)",
                None,
            )
        )
    if start is None or end is None:
        return problems
    within = f"allowed: within the scenario years {start}-{end}"
    by_year = fin.get("network_capex_usd") if isinstance(fin.get("network_capex_usd"), dict) else {}
    for key in by_year:
        year = _int(key)
        if year is not None and not start <= year <= end:
            problems.append(
                (f"finance.network_capex_usd.{key}", f"found year {year}; {within}", None)
            )
    shares = [fin.get("facility_electrical_share"), fin.get("facility_cooling_share")]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shares) and sum(shares) > 1:
        problems.append(
            (
                "finance.facility_cooling_share",
                f"electrical + cooling shares add up to {sum(shares):g}; allowed: <= 1",
                None,
            )
        )
    sources = fin.get("source") if isinstance(fin.get("source"), (list, tuple)) else []
    for i, src in enumerate(sources):
        if not isinstance(src, dict):
            continue
        for key in ("first_year", "last_year"):
            year = _int(src.get(key))
            if year is not None and not start <= year <= end:
                problems.append(
                    (f"finance.source[{i}].{key}", f"found {year}; {within}", None)
                )
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _reliability_problems(rel: dict[str, Any], phases: list[Any]) -> list[tuple[str, str, str | None]]:
    """``[reliability]`` checks across keys and phases."""
    problems: list[tuple[str, str, str | None]] = []
    ck, iv = rel.get("checkpoint_s"), rel.get("interval_s")
    if _is_number(ck) and _is_number(iv) and ck > iv:
        problems.append(
            (
                "reliability.checkpoint_s",
                f"found {ck:g} s, longer than reliability.interval_s ({iv:g} s); allowed: a checkpoint no longer "
                "than the interval of work between checkpoints (or leave interval_s out for the best one)",
                None,
            )
        )
    comps = rel.get("component_rates") if isinstance(rel.get("component_rates"), dict) else {}
    given = {k for k, v in comps.items() if v is not None}
    if rel.get("failures_per_accelerator_year") is not None and given:
        problems.append(
            (
                "reliability.component_rates",
                "given together with reliability.failures_per_accelerator_year; allowed: either a total rate or "
                "rates per component class",
                None,
            )
        )
    covered = rel.get("failures_per_accelerator_year") is not None or rel.get("rates_from") is not None
    if not covered and not set(COMPONENTS) <= given:
        sourced = sourced_accelerators()
        seen: set[str] = set()
        for i, ph in enumerate(phases):
            acc = ph.get("accelerator") if isinstance(ph, dict) else None
            if isinstance(acc, str) and acc not in sourced and acc not in seen:
                seen.add(acc)
                problems.append(
                    (
                        "reliability",
                        f"phase[{i}] uses {acc!r}, which has no sourced failure rates in the catalog (sourced: "
                        f"{', '.join(sourced)}); allowed: set failures_per_accelerator_year, rates_from (e.g. "
                        f"{sourced[0]!r}) or every class of component_rates ({', '.join(COMPONENTS)})",
                        None,
                    )
                )
    return problems
