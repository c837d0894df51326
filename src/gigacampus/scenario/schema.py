"""The scenario schema: strict, frozen pydantic models, one per TOML section.

Attribute docstrings are the field documentation (they appear in the JSON schema and in
``docs/scenario.md``). Units are in the names (``power_mw``) and in ``json_schema_extra``.
Optional fields left as ``None`` take their value from the catalog's ``defaults.csv``
(each default there has a source); see :mod:`gigacampus.scenario.resolve`.

Catalog ids are checked against the catalog passed in the validation context
(``Scenario.model_validate(data, context={"catalog": cat})``), else the shipped one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import closest
from gigacampus.reliability.rates import COMPONENTS, MAX_RATE_PER_YEAR, sourced_accelerators

__all__ = [
    "Fleet",
    "Phase",
    "Quota",
    "Reliability",
    "Scenario",
    "ScenarioInfo",
    "ScenarioChecksFailed",
    "Site",
    "SupplyLimit",
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
    reliability: Reliability | None = None
    """Optional reliability analysis: goodput of large jobs, fleet availability and spares."""

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
    if isinstance(data.get("reliability"), dict):
        problems += _reliability_problems(data["reliability"], phases)
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
