"""Country files: several campuses under one national export regime (``[country]`` + ``[[campus]]``).

A country file looks like::

    [country]
    name = "United Arab Emirates"
    start_year = 2026              # the horizon every campus is run over
    end_year = 2032
    regime = "us-uae-2025"         # or [policy] regime / [policy.rules]
    sources = ["https://..."]

    [policy]                       # optional: the national holders, as in a scenario's [policy]
    [[policy.holder]]
    name = "OpenAI/Oracle"
    campuses = ["Stargate UAE"]    # the campuses it fills (default: all); or phases = ["Campus / Phase"]
    share = 0.8                    # and the holder's other keys, as in a scenario's [[policy.holder]]

    [[campus]]
    file = "stargate-uae.toml"     # a campus scenario, relative to this file
    priority = 1                   # lower draws first within a holder's room (default: file order)

    [[campus]]
    name = "Microsoft UAE"         # an inline campus: the scenario's sections below it
    priority = 2
    [campus.site]
    pue = 1.3                      # and the rest of a scenario's [site]
    [[campus.phase]]
    name = "Khazna 200 MW"         # and the rest of a scenario's [[phase]] entries

A campus entry's ``file`` may also be another country file: its campuses join this country
(at the entry's priority, in their order); its national ``[policy]`` is not used. Files that
include each other are an error.

The national ``[policy]`` replaces every campus's own ``[policy]`` (its holders and
``campus_share``); a campus with ``[quota]`` is an error. Every campus is run over the country's
years. Everything else of a campus (power, phases, accelerators, supply, PUE, finance,
reliability, training, network) stays its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import InputError, Problem, closest
from gigacampus.scenario.base import Section, Year, num
from gigacampus.scenario.document import Scenario
from gigacampus.scenario.load import (
    _problems_from,
    _read_file,
    _unwrap,
    apply_overrides,
    is_country_data,
    is_country_file,
    parse_toml,
    scenario_from_dict,
)
from gigacampus.scenario.resolve import lifetime_years

__all__ = [
    "CAMPUS_SEPARATOR",
    "MAX_CAMPUSES",
    "Campus",
    "Country",
    "CountryInfo",
    "campus_key",
    "is_country_data",
    "is_country_file",
    "load_country",
    "phase_key",
    "split_overrides",
]

#: Between a campus name and a phase name in a country's phase names ("Stargate UAE / Phase 1").
CAMPUS_SEPARATOR = " / "
#: Most campuses a country may hold (bounds the work of one run, includes counted).
MAX_CAMPUSES = 64
_CAMPUS_KEYS = ("name", "file", "priority")
#: ``campus[<campus name>].<key path>``: a key of one campus's own scenario (``--set``, ``--vary``).
_CAMPUS_KEY = re.compile(r"campus\[([^\]]*[^\]\d][^\]]*)\]\.(.+)")


def campus_key(key: str) -> tuple[str, str] | None:
    """``"campus[Stargate UAE].site.pue"`` -> ``("Stargate UAE", "site.pue")``; ``None`` for any
    other key (``campus[0].priority`` is an edit of the country file's own ``[[campus]]`` entry)."""
    m = _CAMPUS_KEY.fullmatch(key.strip())
    return (m.group(1), m.group(2)) if m is not None else None


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The country file's own overrides, and each named campus's (``key.path=value``, by campus)."""
    own: list[str] = []
    by_campus: dict[str, list[str]] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        scoped = campus_key(key) if sep else None
        if scoped is None:
            own.append(item)
        else:
            by_campus.setdefault(scoped[0], []).append(f"{scoped[1]}={value}")
    return own, by_campus


def _campus_overrides(raw: Mapping[str, Any], name: str, sets: Sequence[str]) -> dict[str, Any]:
    try:
        return apply_overrides(raw, sets)
    except InputError as err:
        raise InputError(
            [replace(p, path=f"campus[{name}].{p.path}") if p.source == "--set" else p for p in err.problems]
        ) from None


class CountryInfo(Section):
    """``[country]``: the country whose national caps the campuses share."""

    name: str = Field(min_length=1, max_length=200)
    """Name of the country."""
    start_year: Year
    """First modelled year (every campus is run from it)."""
    end_year: Year
    """Last modelled year (inclusive)."""
    regime: str | None = Field(default=None, min_length=1, max_length=80)
    """Id of a shipped regime (``gigacampus regimes``); or give ``[policy] regime`` / ``[policy.rules]``."""
    description: str = Field(default="", max_length=5000)
    """What the country file models."""
    sources: tuple[str, ...] = ()
    """Where the campuses and their dates come from."""
    seed: int = num("-", ge=0, le=2**63 - 1, default=0)
    """Seed for random draws (each campus keeps its own [scenario] seed unless this is given)."""


@dataclass(frozen=True)
class Campus:
    """One campus of a country."""

    name: str
    priority: float
    scenario: Scenario
    """The campus scenario over the country's years, without its own [policy]."""
    source: str
    """The file it came from (the country file for an inline campus)."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Country:
    """A validated country file."""

    info: CountryInfo
    policy: Any
    """The national :class:`gigacampus.analyses.policy.section.Policy`."""
    campuses: tuple[Campus, ...]
    """In drawing order (priority, then file order)."""
    source: str
    notes: tuple[str, ...] = ()

    @property
    def phase_names(self) -> tuple[str, ...]:
        return tuple(phase_key(c.name, ph.name) for c in self.campuses for ph in c.scenario.phase)

    @property
    def phase_accelerators(self) -> tuple[str, ...]:
        return tuple(ph.accelerator for c in self.campuses for ph in c.scenario.phase)


def phase_key(campus: str, phase: str) -> str:
    """A phase's name in the country: ``"<campus> / <phase>"``."""
    return f"{campus}{CAMPUS_SEPARATOR}{phase}"


def _info(data: Mapping[str, Any], source: str) -> CountryInfo:
    raw = data.get("country")
    if not isinstance(raw, Mapping):
        raise InputError([Problem(source, "country", f"found {raw!r}; allowed: a table ([country] section)")])
    try:
        return CountryInfo.model_validate(dict(raw))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            path = ".".join(["country", *(str(p) for p in err["loc"])])
            if err["type"] == "extra_forbidden":
                allowed = list(CountryInfo.model_fields)
                problems.append(
                    Problem(source, path, f"unknown key; allowed here: {', '.join(allowed)}", closest(path, allowed))
                )
            elif err["type"] == "missing":
                problems.append(Problem(source, path, "missing; required"))
            else:
                problems.append(Problem(source, path, f"found {err.get('input')!r}; {err['msg']}"))
        raise InputError(problems) from None


def _entries(
    path: Path, data: Mapping[str, Any], stack: tuple[Path, ...], problems: list[Problem], base: float | None
) -> list[tuple[str | None, float, dict[str, Any], str, str]]:
    """(name, priority, raw campus scenario, source, key) for every campus of ``data``, includes flattened."""
    src = str(path)
    campuses = data.get("campus")
    if not isinstance(campuses, list) or not campuses:
        problems.append(Problem(src, "campus", "missing; required: at least one [[campus]] (file = ... or inline)"))
        return []
    out: list[tuple[str | None, float, dict[str, Any], str, str]] = []
    for i, entry in enumerate(campuses):
        key = f"campus[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(src, key, f"found {entry!r}; allowed: a table ([[campus]])"))
            continue
        priority = entry.get("priority", i + 1)
        if isinstance(priority, bool) or not isinstance(priority, (int, float)):
            problems.append(
                Problem(src, f"{key}.priority", f"found {priority!r}; allowed: a number (lower draws first)")
            )
            priority = i + 1
        prio = float(priority) if base is None else base
        name = entry.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
            problems.append(Problem(src, f"{key}.name", f"found {name!r}; allowed: text of 1 to 200 characters"))
            name = None
        file = entry.get("file")
        inline = {k: v for k, v in entry.items() if k not in _CAMPUS_KEYS}
        if file is not None:
            if inline:
                problems.append(
                    Problem(
                        src,
                        f"{key}.{next(iter(inline))}",
                        "a campus with file = ... takes no sections of its own; allowed: name, file, priority",
                    )
                )
            if not isinstance(file, str) or not file.strip():
                problems.append(Problem(src, f"{key}.file", f"found {file!r}; allowed: a path relative to {path.name}"))
                continue
            target = (path.parent / file).resolve()
            if target in stack:
                chain = " -> ".join(p.name for p in (*stack, target))
                problems.append(Problem(src, f"{key}.file", f"files include each other: {chain}; allowed: no cycles"))
                continue
            if not target.is_file():
                problems.append(Problem(src, f"{key}.file", f"{file!r}: no such file (looked for {target})"))
                continue
            try:
                raw = parse_toml(_read_file(target), str(target))
            except InputError as err:
                problems.extend(err.problems)
                continue
            if is_country_data(raw):
                out += _entries(target, raw, (*stack, target), problems, prio)
                continue
            out.append((name, prio, raw, str(target), f"{key}.file"))
        else:
            if not inline:
                problems.append(Problem(src, key, 'missing; required: file = "campus.toml" or the campus\'s sections'))
                continue
            out.append((name, prio, inline, src, key))
    return out


def _holders(
    raw_policy: Mapping[str, Any],
    names: Sequence[str],
    phases: Mapping[str, list[str]],
    src: str,
    problems: list[Problem],
) -> dict[str, Any]:
    """The national [policy] with each holder's ``campuses`` turned into country phase names."""
    policy = dict(raw_policy)
    holders = policy.get("holder")
    if not isinstance(holders, list):
        return policy
    out = []
    for i, holder in enumerate(holders):
        if not isinstance(holder, Mapping):
            out.append(holder)
            continue
        h = dict(holder)
        campuses = h.pop("campuses", None)
        if campuses is not None:
            key = f"policy.holder[{i}].campuses"
            if h.get("phases") is not None:
                problems.append(Problem(src, key, "campuses and phases are both given; allowed: one of them"))
            elif not isinstance(campuses, list) or not all(isinstance(c, str) for c in campuses):
                problems.append(Problem(src, key, f"found {campuses!r}; allowed: a list of campus names"))
            else:
                chosen = []
                for j, c in enumerate(campuses):
                    if c not in phases:
                        problems.append(
                            Problem(
                                src,
                                f"{key}[{j}]",
                                f"no campus is named {c!r}; campuses: {', '.join(names)}",
                                closest(c, list(names)),
                            )
                        )
                    else:
                        chosen += phases[c]
                h["phases"] = chosen
        out.append(h)
    policy["holder"] = out
    return policy


def _policy_type() -> type[BaseModel]:
    """The scenario's [policy] section class (read from the document: the scenario layer does not
    import an analysis's section directly)."""
    annotation = Scenario.model_fields["policy"].annotation
    return next(t for t in _unwrap(annotation) if isinstance(t, type) and issubclass(t, BaseModel))


def _national_policy() -> type[BaseModel]:
    return create_model(
        "NationalPolicy", __config__=ConfigDict(extra="forbid", frozen=True), policy=(_policy_type(), ...)
    )


def load_country(path: str | Path, *, overrides: Sequence[str] = (), catalog: Catalog | None = None) -> Country:
    """Load and validate a country file and every campus it names; raise :class:`InputError`
    naming the file and key of every problem (exit code 2 on the CLI)."""
    policy_type = _policy_type()
    cat = catalog or load_catalog()
    p = Path(path).resolve()
    src = str(path)
    data = parse_toml(_read_file(Path(path)), src)
    own_sets, campus_sets = split_overrides(overrides)
    if own_sets:
        data = apply_overrides(data, own_sets)
    if not is_country_data(data):
        raise InputError([Problem(src, "country", "missing; a country file needs a [country] table")])
    unknown = [k for k in data if k not in ("country", "policy", "campus")]
    problems: list[Problem] = [
        Problem(
            src, k, "unknown key; allowed here: country, policy, campus", closest(k, ["country", "policy", "campus"])
        )
        for k in unknown
    ]
    info = _info(data, src)
    if info.end_year < info.start_year:
        problems.append(
            Problem(src, "country.end_year", f"found {info.end_year}; allowed: >= start_year ({info.start_year})")
        )
    entries = _entries(p, data, (p,), problems, None)
    if len(entries) > MAX_CAMPUSES:
        problems.append(Problem(src, "campus", f"found {len(entries)} campuses; allowed: at most {MAX_CAMPUSES}"))
        entries = entries[:MAX_CAMPUSES]
    campuses: list[Campus] = []
    seen: dict[str, str] = {}
    for name, prio, raw, source, key in entries:
        notes = []
        raw = dict(raw)
        if "quota" in raw:
            problems.append(
                Problem(
                    source,
                    "quota",
                    "a campus of a country takes its caps from the national [policy]; "
                    "allowed: no [quota] (remove it, or run the campus on its own)",
                )
            )
            continue
        if "policy" in raw:
            notes.append("its own [policy] is replaced by the national one")
            raw.pop("policy")
        scn_info = dict(raw.get("scenario") or {}) if isinstance(raw.get("scenario"), Mapping) else {}
        if name is None and isinstance(scn_info.get("name"), str):
            name = scn_info["name"]
        if name is None:
            problems.append(
                Problem(
                    src,
                    f"{key.split('.')[0]}.name",
                    "missing; required for an inline campus without [campus.scenario] name",
                )
            )
            continue
        scn_info.setdefault("name", name)
        scn_info["start_year"], scn_info["end_year"] = info.start_year, info.end_year
        raw["scenario"] = scn_info
        if name in seen:
            problems.append(
                Problem(
                    src,
                    f"{key.split('.')[0]}.name",
                    f"found {name!r}, already the name of a campus from {seen[name]}; allowed: a unique name",
                )
            )
            continue
        seen[name] = source
        try:
            if name in campus_sets:
                raw = _campus_overrides(raw, name, campus_sets[name])
            scn = scenario_from_dict(raw, source, catalog=cat)
        except InputError as err:
            problems.extend(err.problems)
            continue
        campuses.append(Campus(name=name, priority=prio, scenario=scn, source=source, notes=tuple(notes)))
    for name in campus_sets:
        if name not in seen:
            problems.append(
                Problem(
                    "--set",
                    f"campus[{name}]",
                    f"no campus named {name!r}; allowed: {', '.join(repr(n) for n in seen)}",
                    closest(name, list(seen)),
                )
            )
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    campuses.sort(key=lambda c: c.priority)  # stable: file order breaks ties
    years_of = {c.name: lifetime_years(c.scenario, cat) for c in campuses}
    if len(set(years_of.values())) > 1:
        first = campuses[0]
        for c in campuses[1:]:
            if years_of[c.name] != years_of[first.name]:
                problems.append(
                    Problem(
                        c.source,
                        "fleet.lifetime_years",
                        f"found {years_of[c.name]} (campus {c.name!r}); allowed: the same as every campus of the "
                        f"country ({years_of[first.name]}, campus {first.name!r}): the national allocation "
                        "replaces retired accelerators on one schedule",
                    )
                )
        raise InputError(problems)

    raw_policy = data.get("policy") if isinstance(data.get("policy"), Mapping) else {}
    if data.get("policy") is not None and not isinstance(data.get("policy"), Mapping):
        raise InputError([Problem(src, "policy", f"found {data['policy']!r}; allowed: a table ([policy] section)")])
    names = [c.name for c in campuses]
    phases = {c.name: [phase_key(c.name, ph.name) for ph in c.scenario.phase] for c in campuses}
    raw_policy = _holders(raw_policy, names, phases, src, problems)
    if info.regime is not None:
        if raw_policy.get("regime") is not None and raw_policy.get("regime") != info.regime:
            problems.append(Problem(src, "policy.regime", "differs from country.regime; allowed: one of them"))
        raw_policy.setdefault("regime", info.regime)
    if "campus_share" in raw_policy:
        problems.append(
            Problem(
                src,
                "policy.campus_share",
                "not used in a country: the national caps are shared by the campuses; allowed: no campus_share",
            )
        )
    merged = [{"name": n} for c in campuses for n in phases[c.name]]
    checks = policy_type.cross_field_problems  # type: ignore[attr-defined]
    problems += [Problem(src, k, m, s) for k, m, s in checks({"policy": raw_policy, "phase": merged}, cat)]
    policy = None
    try:
        # validated as a scenario's "policy" key, so that errors name their paths as in a scenario
        policy = _national_policy().model_validate({"policy": raw_policy}, context={"catalog": cat}).policy
    except ValidationError as exc:
        problems += _problems_from(exc, src)
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    notes = [f"{c.name}: {n}" for c in campuses for n in c.notes]
    return Country(info=info, policy=policy, campuses=tuple(campuses), source=src, notes=tuple(notes))
