"""Failure rates by component class, from the sourced catalog or given by the user.

The catalog table ``failure_rates.csv`` holds published interruption counts (one row per
accelerator and component class) with the size and length of the observation; the rate is
derived here, never typed in:

    failures_per_accelerator_year = interruptions / (accelerators x observation_days / 365.25)

Only accelerators with a published observation have rows (today the H100, from Meta's Llama 3
405B run). For any other accelerator the user must say which rates to use: a total rate, a
rate per component class, or another accelerator's catalog rates (``rates_from``). No rate is
invented in the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import read_table
from gigacampus.errors import InputError, Problem, closest
from gigacampus.units import DAYS_PER_FAILURE_YEAR, SECONDS_PER_FAILURE_YEAR

__all__ = [
    "COMPONENTS",
    "HARDWARE_COMPONENTS",
    "FailureRates",
    "catalog_rates",
    "resolve_rates",
    "sourced_accelerators",
]

#: Component classes a failure is attributed to, in report order.
COMPONENTS: tuple[str, ...] = ("gpu", "hbm", "network", "host", "software")
#: Classes whose failures take hardware out of service until it is repaired or replaced.
#: Software failures (bugs, NCCL timeouts) only restart the job.
HARDWARE_COMPONENTS: tuple[str, ...] = ("gpu", "hbm", "network", "host")
#: Largest failure rate accepted per accelerator-year, per class (a sanity bound: the H100's
#: whole rate is about 0.17).
MAX_RATE_PER_YEAR = 1_000.0


@dataclass(frozen=True)
class FailureRates:
    """Failures per accelerator-year by component class, and where they come from."""

    per_component: Mapping[str, float]
    """``{class: failures per accelerator-year}``; a single total rate is the class ``all``."""
    origin: str
    """``catalog:<accelerator id>``, ``user`` or a mix such as ``catalog:h100-sxm+user``."""
    source: str = ""
    """URLs of the catalog rows used, separated by `` ; `` (empty for user values)."""

    @property
    def failures_per_accelerator_year(self) -> float:
        """Total failures per accelerator-year [1/year]."""
        return float(sum(self.per_component.values()))

    @property
    def hardware_failures_per_accelerator_year(self) -> float:
        """Failures per accelerator-year that need a repair [1/year] (all but software).

        A single user-given total (class ``all``) is taken as all hardware.
        """
        return float(sum(v for k, v in self.per_component.items() if k != "software"))

    def rate_per_s(self, accelerators: float) -> float:
        """Failure rate of a synchronous job on ``accelerators`` [1/s]."""
        return accelerators * self.failures_per_accelerator_year / SECONDS_PER_FAILURE_YEAR

    def to_dict(self) -> dict[str, object]:
        return {
            "failures_per_accelerator_year": self.failures_per_accelerator_year,
            "by_component": dict(self.per_component),
            "origin": self.origin,
            "source": self.source,
        }


@cache
def _rows() -> tuple[dict, ...]:
    return tuple(read_table("failure_rates"))


def sourced_accelerators() -> list[str]:
    """Accelerator ids with sourced failure rates in the catalog."""
    return list(dict.fromkeys(r["accelerator"] for r in _rows()))


def catalog_rates(accelerator_id: str) -> FailureRates | None:
    """The catalog's rates for one accelerator, ``None`` if nothing is published for it."""
    rows = [r for r in _rows() if r["accelerator"] == accelerator_id]
    if not rows:
        return None
    per = {c: 0.0 for c in COMPONENTS}
    sources: list[str] = []
    for r in rows:
        accelerator_years = r["accelerators"] * r["observation_days"] / DAYS_PER_FAILURE_YEAR
        per[r["component"]] += r["interruptions"] / accelerator_years
        sources += [s.strip() for s in r["source"].split(" ; ")]
    return FailureRates(per, f"catalog:{accelerator_id}", " ; ".join(dict.fromkeys(sources)))


def resolve_rates(
    *,
    accelerator: str | None = None,
    failures_per_accelerator_year: float | None = None,
    component_rates: Mapping[str, float] | None = None,
    source: str = "goodput",
    label: Callable[[str], str] = lambda name: f"--{name.replace('_', '-')}",
) -> FailureRates:
    """The rates a job uses, from at most one of a catalog accelerator or a total rate, with
    per-component overrides.

    ``label`` turns a parameter name into the name the user typed (an option or a key path),
    so errors name what the user wrote. Raises :class:`InputError` for bad or missing input.
    """
    problems: list[Problem] = []
    components = dict(component_rates or {})
    for name, value in components.items():
        if name not in COMPONENTS:
            problems.append(
                Problem(
                    source,
                    label("component_rate"),
                    f"unknown component class {name!r}; allowed: {', '.join(COMPONENTS)}",
                    closest(name, COMPONENTS),
                )
            )
        elif not _ok_rate(value):
            problems.append(Problem(source, label("component_rate"), _rate_message(f"{name}={value!r}")))
    if failures_per_accelerator_year is not None and not _ok_rate(failures_per_accelerator_year):
        problems.append(
            Problem(source, label("failures_per_accelerator_year"), _rate_message(repr(failures_per_accelerator_year)))
        )
    if accelerator is not None and failures_per_accelerator_year is not None:
        problems.append(
            Problem(
                source,
                label("failures_per_accelerator_year"),
                f"given together with {label('accelerator')}; allowed: one of them "
                f"({label('accelerator')} takes the catalog's rates, this option a total rate)",
            )
        )
    if failures_per_accelerator_year is not None and components:
        problems.append(
            Problem(
                source,
                label("component_rate"),
                f"given together with {label('failures_per_accelerator_year')}; allowed: either a total rate "
                "or rates per component class",
            )
        )
    base: FailureRates | None = None
    if accelerator is not None and not problems:
        base = catalog_rates(accelerator)
        if base is None:
            sourced = sourced_accelerators()
            problems.append(
                Problem(
                    source,
                    label("accelerator"),
                    f"no sourced failure rates for {accelerator!r} in the catalog (sourced: {', '.join(sourced)}); "
                    f"allowed: one of those, or give {label('failures_per_accelerator_year')} or every class "
                    f"with {label('component_rate')} ({', '.join(COMPONENTS)})",
                    closest(accelerator, sourced),
                )
            )
    if problems:
        raise InputError(problems)
    if failures_per_accelerator_year is not None:
        return FailureRates({"all": float(failures_per_accelerator_year)}, "user")
    if base is not None:
        if not components:
            return base
        merged = {**base.per_component, **{k: float(v) for k, v in components.items()}}
        return FailureRates(merged, f"{base.origin}+user", base.source)
    missing = [c for c in COMPONENTS if c not in components]
    if not components or missing:
        what = f"rates for {', '.join(missing)} are missing" if components else "no failure rate given"
        raise InputError(
            [
                Problem(
                    source,
                    label("failures_per_accelerator_year"),
                    f"{what}; allowed: {label('accelerator')} with sourced rates "
                    f"({', '.join(sourced_accelerators())}), a total {label('failures_per_accelerator_year')}, "
                    f"or {label('component_rate')} for every class ({', '.join(COMPONENTS)})",
                )
            ]
        )
    return FailureRates({c: float(components[c]) for c in COMPONENTS}, "user")


def _ok_rate(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value == value
        and 0.0 <= float(value) <= MAX_RATE_PER_YEAR
    )


def _rate_message(found: str) -> str:
    return f"found {found}; allowed: a number >= 0 and <= {MAX_RATE_PER_YEAR:g} [failures per accelerator-year]"
