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
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import closest

__all__ = [
    "Fleet",
    "Phase",
    "Quota",
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
    from gigacampus.scenario.policy_checks import policy_problems

    problems += policy_problems(data, cat)
    return problems
