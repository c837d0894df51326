"""The scenario schema: strict, frozen pydantic models, one per TOML section.

Attribute docstrings are the field documentation (they appear in the JSON schema and in
``docs/scenario.md``). Units are in the names (``power_mw``) and in ``json_schema_extra``.
Optional fields left as ``None`` take their value from the catalog's ``defaults.csv``
(each default there has a source); see :mod:`gigacampus.scenario.resolve`.

Catalog ids are checked against the catalog passed in the validation context
(``Scenario.model_validate(data, context={"catalog": cat})``), else the shipped one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import closest

__all__ = [
    "Fleet",
    "Network",
    "Training",
    "network_problems",
    "Phase",
    "Quota",
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
    return problems
