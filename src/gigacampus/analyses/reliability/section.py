"""The ``[reliability]`` section: checkpointing, restarts, failure rates and repairs, and its checks
against the phases (every accelerator needs failure rates from somewhere).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from gigacampus.catalog import Catalog
from gigacampus.catalog.failure_rates import COMPONENTS, MAX_RATE_PER_YEAR, sourced_accelerators
from gigacampus.errors import closest
from gigacampus.scenario.base import Problems, ScenarioChecksFailed, Section, array_at, is_number, num, table_at
from gigacampus.units import SECONDS_PER_FAILURE_YEAR

__all__ = ["CHECKPOINT_S", "RESTART_S", "ComponentRates", "Reliability", "reliability_problems"]


class ComponentRates(Section):
    """``[reliability.component_rates]``: failures per accelerator-year of one component class;
    each replaces the catalog's rate for that class."""

    gpu: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """GPU die, SRAM, system processor, thermal interface, silent data corruption [1/year]."""
    hbm: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """High-bandwidth memory [1/year]."""
    network: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Switches, cables and NICs [1/year]."""
    host: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Host CPU, memory, SSD, power supply, chassis, unplanned maintenance [1/year]."""
    software: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """Software bugs and collective timeouts (restart the job, take no hardware out) [1/year]."""


_DURATION_S = int(SECONDS_PER_FAILURE_YEAR)  # one (Julian) year [s]
#: Schema defaults of ``checkpoint_s`` and ``restart_s`` [s]: the catalog's ``reliability.checkpoint_s``
#: and ``reliability.restart_s`` (defaults.csv, with their sources; a test keeps the two equal).
CHECKPOINT_S = 32.0
RESTART_S = 300.0


class Reliability(Section):
    """``[reliability]``: checkpointing, restarts, failure rates and repairs; gives each year's
    expected goodput of a campus-wide synchronous training job and of a fraction of the campus,
    the fleet's availability and the spares those jobs need (see docs/reliability.md)."""

    checkpoint_s: float = num("s", gt=0.0, le=_DURATION_S, default=CHECKPOINT_S)
    """Training time one checkpoint costs [s]. Default: catalog ``reliability.checkpoint_s``
    (32 s: an asynchronous checkpoint's stall and background slow-down, PyTorch DCP at 1,856 GPUs)."""
    restart_s: float = num("s", ge=0.0, le=_DURATION_S, default=RESTART_S)
    """Wall time from a failure to training again from the last checkpoint [s]. Default: catalog
    ``reliability.restart_s`` (300 s, calibrated so that the Llama 3 405B run gives Meta's >90%)."""
    interval_s: float | None = num("s", gt=0.0, le=_DURATION_S, default=None)
    """Work between checkpoints [s]; omit for the interval that maximises expected goodput."""
    restart_failures: bool = Field(default=False, strict=True)
    """Whether failures can strike during restarts (a failed restart starts over)."""
    job_fraction: float = num("-", gt=0.0, le=1.0, default=0.25)
    """Size of the second job reported, as a fraction of the installed accelerators [-]."""
    job_days: float = num("day", gt=0.0, le=3653.0, default=30.0)
    """Length of the simulated runs behind the goodput percentiles [day]."""
    replicas: int = Field(default=200, strict=True, ge=1, le=10_000)
    """Monte Carlo replicas for goodput percentiles and fleet availability."""
    failures_per_accelerator_year: float | None = num("1/year", ge=0.0, le=MAX_RATE_PER_YEAR, default=None)
    """One total failure rate for every accelerator, replacing the catalog's [1/year]."""
    rates_from: str | None = Field(default=None, min_length=1, max_length=64)
    """Catalog accelerator whose sourced rates apply to phases whose accelerator has none
    (e.g. ``h100-sxm``)."""
    component_rates: ComponentRates = Field(default_factory=ComponentRates)
    """Rates per component class (gpu, hbm, network, host, software) replacing the catalog's."""
    min_goodput: float | None = num("-", gt=0.0, lt=1.0, default=None)
    """Expected goodput a campus-wide job needs to be called viable [-].
    Default: catalog ``reliability.min_goodput``."""
    repair_days: float | None = num("day", gt=0.0, le=365.0, default=None)
    """Mean time to bring a failed accelerator back once a crew is on it [day].
    Default: catalog ``reliability.repair_days``."""
    repair_shape: int = Field(default=1, strict=True, ge=1, le=20)
    """Erlang shape of the repair time: 1 exponential, larger less variable."""
    repair_crews: int | None = Field(default=None, strict=True, ge=1, le=10_000_000)
    """Repairs that can run at once; omit for unlimited."""
    repairs_per_day: float | None = num("repairs/day", gt=0.0, le=10_000_000.0, default=None)
    """Most repairs that can start per day; omit for unlimited."""
    cold_spares: bool = Field(default=False, strict=True)
    """Whether spares sit unpowered and do not fail (hot spares, the default, fail like the rest)."""
    spares_probability: float = num("-", gt=0.0, lt=1.0, default=0.99)
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

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        return reliability_problems(data, catalog)


def reliability_problems(data: dict[str, Any], catalog: Catalog) -> Problems:
    """``[reliability]`` checks across keys and phases."""
    if not isinstance(data, dict) or not isinstance(data.get("reliability"), dict):
        return []
    rel, phases = data["reliability"], array_at(data, "phase")
    problems: Problems = []
    ck, iv = rel.get("checkpoint_s"), rel.get("interval_s")
    if is_number(ck) and is_number(iv) and ck > iv:
        problems.append(
            (
                "reliability.checkpoint_s",
                f"found {ck:g} s, longer than reliability.interval_s ({iv:g} s); allowed: a checkpoint no longer "
                "than the interval of work between checkpoints (or leave interval_s out for the best one)",
                None,
            )
        )
    comps = table_at(rel, "component_rates")
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
