"""The ``[policy]`` section: the export regime a campus imports under, its holders, pledges and
inline rules, with the checks that involve several keys or the catalog (on raw data: each
problem is ``(key path, message, suggestion)``; data of the wrong shape is skipped, the schema
reports it). See docs/policy.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, field_validator

from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import PERIODS, SCOPES, Regime, load_regimes, regime_ids, unit_problem
from gigacampus.errors import closest
from gigacampus.scenario.base import (
    Problems,
    ScenarioChecksFailed,
    Section,
    Year,
    check_name,
    choice_validator,
    finite_number,
    num,
    whole_number,
)

__all__ = [
    "HOLDER_STATUSES",
    "RESCISSION_MODES",
    "VEU_KINDS",
    "CapSpec",
    "Capacity",
    "Holder",
    "Pledge",
    "Policy",
    "RuleCap",
    "Rules",
    "policy_problems",
]

#: Approval statuses of a holder; only approved and conditional holders receive chips.
HOLDER_STATUSES: tuple[str, ...] = ("approved", "conditional", "pending", "denied")
#: Validated-end-user authorizations a holder can have (they matter under ai-diffusion-2025).
VEU_KINDS: tuple[str, ...] = ("none", "national", "universal")
RESCISSION_MODES: tuple[str, ...] = ("apply", "lift")


class CapSpec(Section):
    """A cap on chips: an amount in a unit, each year or cumulative over a span of years."""

    amount: float = num("see unit", ge=0.0, le=1e18)
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

    _per = choice_validator("per", PERIODS, "period")


class Capacity(Section):
    """An amount of compute in a unit (a holder's worldwide capacity)."""

    amount: float = num("see unit", gt=0.0, le=1e18)
    """Amount, in ``unit``."""
    unit: str = Field(min_length=1, max_length=80)
    """units, h100e, tpp or <accelerator id>-equivalents."""


def _country_code(value: str | None) -> str | None:
    """A two-letter upper-case (ASCII) country code, as holders' headquarters and group caps use."""
    if value is not None and not (len(value) == 2 and "AA" <= value <= "ZZ" and value.isascii() and value.isupper()):
        suggestion = value.upper() if value.isascii() and value.isalpha() else None
        raise ScenarioChecksFailed(
            [("", f"found {value!r}; allowed: a two-letter upper-case country code such as AE or US", suggestion)]
        )
    return value


class Holder(Section):
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
    share: float | None = num("-", gt=0.0, le=1.0, default=None)
    """Share of each national cap reserved for this holder [-]; shares sum to at most 1. Holders
    listed earlier cannot take it (unless the regime passes unused shares on, ``pass_unused``)."""
    allocation: CapSpec | None = None
    """A fixed amount instead of a share, counted against the national caps."""
    caps: tuple[CapSpec, ...] = ()
    """The holder's own licence caps, on everything it receives (e.g. a conditional approval
    for 35,000 gb300-equivalents, cumulative)."""
    phases: tuple[str, ...] | None = None
    """Names of the phases this holder fills; default: all; [] = none here (licence shown only)."""
    veu: str = "none"
    """Validated end user authorization: none, national or universal (limits under ai-diffusion-2025:
    a VEU draws on its own limit instead of the country allocation)."""
    global_capacity: Capacity | None = None
    """Worldwide AI compute of a universal VEU, for its per-country share cap."""
    source: str = Field(default="", max_length=2000)
    """Where the holder's status, share and caps come from (URLs separated by ' ; ')."""

    _status = choice_validator("status", HOLDER_STATUSES)
    _veu = choice_validator("veu", VEU_KINDS)

    _headquarters = field_validator("headquarters")(lambda value: _country_code(value))


class Pledge(Section):
    """``[[policy.pledge]]``: a counter-commitment traded for chips (investment, purchases)."""

    who: str = Field(min_length=1, max_length=200)
    """Who pledged (e.g. United Arab Emirates, MGX)."""
    what: str = Field(min_length=1, max_length=500)
    """What was pledged."""
    amount_usd: float = num("USD", gt=0.0, le=1e15)
    """Amount pledged [USD]."""
    due_year: Year
    """Year by which the pledge is due."""
    source: str = Field(min_length=1, max_length=2000)
    """Where the pledge is reported (URLs separated by ' ; ')."""
    fulfilled_usd: dict[int, Annotated[float, num("USD", ge=0.0, le=1e15)]] = Field(default_factory=dict)
    """Amount fulfilled in each year [USD], e.g. ``{2025 = 2e9}``."""


class RuleCap(Section):
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
    amount: float = num("see unit", ge=0.0, le=1e18)
    """Amount of the cap, in ``unit``."""
    per: str = "year"
    """year or cumulative."""
    first_year: Year
    """First year the cap applies."""
    last_year: Year | None = None
    """Last year the cap applies (cumulative schedules: the year by whose end the amount is allowed)."""

    _scope = choice_validator("scope", SCOPES)
    _per = choice_validator("per", PERIODS, "period")
    _group = field_validator("group")(lambda value: _country_code(value))


class Rules(Section):
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
    pass_unused: bool = False
    """Whether a holder's reserved share that it does not use in a year passes to the other holders."""
    counts: tuple[str, ...] = ("all",)
    """Items the caps count: all, or ECCNs such as 3A090, 3A090.a, 4A090.a (a 4A090 entry counts
    the 3A090 chips such a computer holds)."""
    sources: tuple[str, ...] = ()
    """Where the regime's numbers come from."""
    cap: tuple[RuleCap, ...] = ()
    """The regime's caps."""


class Policy(Section):
    """``[policy]``: the export regime the campus imports under, who holds the chips, and the
    counter-commitments. Cannot be combined with ``[quota]``."""

    regime: str | None = Field(default=None, min_length=1, max_length=80)
    """Id of a shipped regime: none, us-uae-2025, ai-diffusion-2025 (see ``gigacampus regimes``)."""
    rules: Rules | None = None
    """A regime defined inline instead of ``regime``."""
    campus_share: float = num("-", gt=0.0, le=1.0, default=1.0)
    """Fraction of the national and group caps that can reach this campus [-]."""
    after_rescission: str = "apply"
    """apply: keep a rescinded regime's caps (a counterfactual run, flagged as such);
    lift: drop them from the year of the rescission on."""
    holder: tuple[Holder, ...] = ()
    """Companies that import the chips; without holders the campus imports as one approved importer."""
    pledge: tuple[Pledge, ...] = ()
    """Counter-commitments shown next to the chips delivered."""

    _known_regime = choice_validator("regime", regime_ids)
    _after = choice_validator("after_rescission", RESCISSION_MODES)

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        return policy_problems(data, catalog)


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unit(problems: Problems, path: str, spec: Any, cat: Catalog, share_allowed: bool = False) -> None:
    if isinstance(spec, dict):
        found = unit_problem(spec.get("unit"), cat, share_allowed=share_allowed)
        if found:
            problems.append((f"{path}.unit", found[0], found[1]))
        _unit_years(problems, path, spec)


def _unit_years(problems: Problems, path: str, spec: dict[str, Any]) -> None:
    first, last = _year(spec.get("first_year")), _year(spec.get("last_year"))
    if first is not None and last is not None and last < first:
        problems.append((f"{path}.last_year", f"found {last}; allowed: >= first_year ({first})", None))


def _regime(policy: dict[str, Any]) -> Regime | None:
    regime = policy.get("regime")
    if isinstance(regime, str):
        return load_regimes().get(regime)
    return None


def policy_problems(data: dict[str, Any], cat: Catalog) -> Problems:
    """Problems of ``[policy]`` that involve several keys or the catalog."""
    problems: Problems = []
    policy = data.get("policy")
    if not isinstance(policy, dict):
        return problems
    if data.get("quota") is not None:
        problems.append(
            (
                "quota",
                "[quota] and [policy] are both given; allowed: one of them ([policy] sets the caps through its "
                "regime; use policy.campus_share for this campus's share of the national caps)",
                None,
            )
        )
    has_regime, rules = policy.get("regime") is not None, policy.get("rules")
    if has_regime and rules is not None:
        problems.append(("policy.rules", "policy.regime and [policy.rules] are both given; allowed: one of them", None))
    elif not has_regime and rules is None:
        ids = ", ".join(load_regimes())
        problems.append(
            ("policy.regime", f"missing; required: a regime id ({ids}) or an inline [policy.rules] table", None)
        )
    if isinstance(rules, dict):
        _unit_years(problems, "policy.rules", rules)
        rescinded = rules.get("rescinded_on")
        if isinstance(rescinded, date) and not 1990 <= rescinded.year <= 2100:
            message = f"found {rescinded.isoformat()}; allowed: a date in the years 1990 to 2100"
            problems.append(("policy.rules.rescinded_on", message, None))
        counted = rules.get("counts")
        if isinstance(counted, (list, tuple)):
            for i, item in enumerate(counted):
                if isinstance(item, str) and not (item == "all" or item.startswith(("3A090", "4A090"))):
                    problems.append(
                        (
                            f"policy.rules.counts[{i}]",
                            f"found {item!r}; allowed: all, or an ECCN such as 3A090, 3A090.a, 4A090.a",
                            None,
                        )
                    )
        caps = rules.get("cap") if isinstance(rules.get("cap"), (list, tuple)) else []
        for i, cap in enumerate(caps):
            if not isinstance(cap, dict):
                continue
            scope = cap.get("scope")
            share_ok = scope in ("group", "universal_veu")
            _unit(problems, f"policy.rules.cap[{i}]", cap, cat, share_allowed=share_ok)
            if scope == "group" and not cap.get("group"):
                problems.append(
                    (f"policy.rules.cap[{i}].group", "missing; required for a group cap: a country code", None)
                )
            if scope == "universal_veu" and cap.get("unit") != "share":
                problems.append(
                    (
                        f"policy.rules.cap[{i}].unit",
                        f"found {cap.get('unit')!r}; allowed: share for a universal_veu cap",
                        None,
                    )
                )
    regime = _regime(policy)
    phases = data.get("phase") if isinstance(data.get("phase"), (list, tuple)) else []
    phase_names = [p.get("name").strip() for p in phases if isinstance(p, dict) and isinstance(p.get("name"), str)]
    holders = policy.get("holder") if isinstance(policy.get("holder"), (list, tuple)) else []
    seen: dict[str, tuple[str, str]] = {}
    shares: list[tuple[str, float]] = []
    for i, holder in enumerate(holders):
        if not isinstance(holder, dict):
            continue
        path = f"policy.holder[{i}]"
        name = holder.get("name")
        check_name(problems, f"{path}.name", name, seen, "holders")
        share = finite_number(holder.get("share"))
        if share is not None and 0 < share <= 1:
            shares.append((str(name), share))
        if holder.get("share") is not None and holder.get("allocation") is not None:
            problems.append((f"{path}.allocation", "share and allocation are both given; allowed: one of them", None))
        _unit(problems, f"{path}.allocation", holder.get("allocation"), cat)
        caps = holder.get("caps") if isinstance(holder.get("caps"), (list, tuple)) else []
        for j, cap in enumerate(caps):
            _unit(problems, f"{path}.caps[{j}]", cap, cat)
        _unit(problems, f"{path}.global_capacity", holder.get("global_capacity"), cat)
        wanted = holder.get("phases")
        if isinstance(wanted, (list, tuple)) and phase_names:
            for j, phase in enumerate(wanted):
                if isinstance(phase, str) and phase.strip() not in phase_names:
                    problems.append(
                        (
                            f"{path}.phases[{j}]",
                            f"no phase is named {phase!r}; phases: {', '.join(repr(n) for n in phase_names)}",
                            closest(phase, phase_names),
                        )
                    )
        if (
            holder.get("veu") == "universal"
            and holder.get("global_capacity") is None
            and regime is not None
            and regime.caps_with("universal_veu")
        ):
            problems.append(
                (
                    f"{path}.global_capacity",
                    f"missing; required for a universal VEU under {regime.id}, whose cap is a share of the holder's "
                    'worldwide capacity (e.g. global_capacity = {amount = 1e6, unit = "h100e"})',
                    None,
                )
            )
    total = sum(s for _, s in shares)
    if total > 1 + 1e-9:
        listed = ", ".join(f"{n} {s:g}" for n, s in shares)
        problems.append(("policy.holder", f"shares sum to {total:g} ({listed}); allowed: at most 1", None))
    pledges = policy.get("pledge") if isinstance(policy.get("pledge"), (list, tuple)) else []
    for i, pledge in enumerate(pledges):
        if isinstance(pledge, dict) and isinstance(pledge.get("fulfilled_usd"), dict):
            for key in pledge["fulfilled_usd"]:
                year = whole_number(key)
                if year is not None and not 1990 <= year <= 2100:
                    problems.append(
                        (f"policy.pledge[{i}].fulfilled_usd.{key}", f"found year {year}; allowed: 1990 to 2100", None)
                    )
            amount = finite_number(pledge.get("amount_usd"))
            done = [finite_number(v) for v in pledge["fulfilled_usd"].values()]
            if amount is not None and all(d is not None for d in done) and sum(done) > amount * (1 + 1e-9):  # type: ignore[arg-type]
                problems.append(
                    (
                        f"policy.pledge[{i}].fulfilled_usd",
                        f"found {sum(done):,.0f} USD in total; allowed: at most amount_usd ({amount:,.0f})",  # type: ignore[arg-type]
                        None,
                    )
                )
    return problems
