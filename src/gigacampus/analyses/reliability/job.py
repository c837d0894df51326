"""Goodput of one synchronous training job: inputs checked, Monte Carlo run, exact values beside.

:func:`goodput_study` is what ``gigacampus goodput`` calls; it returns a
:class:`GoodputStudy` whose :meth:`~GoodputStudy.to_dict` is the command's JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.analyses.reliability import renewal
from gigacampus.analyses.reliability.engine import simulate_job
from gigacampus.analyses.reliability.work import check_checkpoints
from gigacampus.catalog.failure_rates import FailureRates, resolve_rates
from gigacampus.errors import InputError, Problem
from gigacampus.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

__all__ = [
    "MAX_ACCELERATORS",
    "MAX_DAYS",
    "MAX_FAILURES",
    "MAX_REPLICAS",
    "GoodputStudy",
    "Job",
    "check_job",
    "goodput_study",
    "goodput_study_from_options",
    "parse_interval",
]

#: Most replicas one study may run (documented limit; memory stays bounded regardless).
MAX_REPLICAS = 100_000
#: Largest job [accelerators].
MAX_ACCELERATORS = 100_000_000
#: Longest run [days].
MAX_DAYS = 3_653.0
#: Most failures one study may simulate, over all replicas (under a minute on one core).
MAX_FAILURES = 1_000_000_000
#: Longest checkpoint, restart or interval [s] (one year).
MAX_DURATION_S = 31_557_600.0

Label = Callable[[str], str]


def _option(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def parse_interval(value: str | float | None, source: str = "goodput", label: Label = _option) -> float | None:
    """``auto`` (or ``None``) gives ``None``; a number of seconds gives that number."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return None
        try:
            value = float(text)
        except ValueError:
            raise InputError(
                [Problem(source, label("interval_s"), f"found {value!r}; allowed: auto or a number of seconds > 0")]
            ) from None
    return float(value)


def _number_problem(
    source: str, name: str, value: float, low: float, high: float, unit: str, label: Label, strict_low: bool
) -> Problem | None:
    ok = value == value and (value > low if strict_low else value >= low) and value <= high
    if ok:
        return None
    sym = ">" if strict_low else ">="
    return Problem(source, label(name), f"found {value:g}; allowed: a number {sym} {low:g} and <= {high:g} [{unit}]")


@dataclass(frozen=True)
class Job:
    """A synchronous training job and the Monte Carlo run of it. Times in seconds."""

    accelerators: int
    checkpoint_s: float
    restart_s: float
    interval_s: float | None = None
    """Work between checkpoints; ``None``: the interval that maximises expected goodput."""
    days: float = 30.0
    """Length of each simulated run."""
    replicas: int = 1_000
    seed: int = 0


def check_job(job: Job, source: str = "goodput", label: Label = _option) -> None:
    """Raise :class:`InputError` naming every bad value of ``job`` (options by ``label``)."""
    problems = []
    if not 1 <= job.accelerators <= MAX_ACCELERATORS:
        problems.append(
            Problem(
                source,
                label("accelerators"),
                f"found {job.accelerators}; allowed: a whole number >= 1 and <= {MAX_ACCELERATORS:,}",
            )
        )
    if not 1 <= job.replicas <= MAX_REPLICAS:
        problems.append(
            Problem(
                source, label("replicas"), f"found {job.replicas}; allowed: a whole number >= 1 and <= {MAX_REPLICAS:,}"
            )
        )
    if job.seed < 0:
        problems.append(Problem(source, label("seed"), f"found {job.seed}; allowed: a whole number >= 0"))
    for name, value, strict in (("checkpoint_s", job.checkpoint_s, True), ("restart_s", job.restart_s, False)):
        p = _number_problem(source, name, value, 0.0, MAX_DURATION_S, "s", label, strict)
        if p:
            problems.append(p)
    p = _number_problem(source, "days", job.days, 0.0, MAX_DAYS, "day", label, True)
    if p:
        problems.append(p)
    interval_s, checkpoint_s = job.interval_s, job.checkpoint_s
    if interval_s is not None:
        p = _number_problem(source, "interval_s", interval_s, 0.0, MAX_DURATION_S, "s", label, True)
        if p:
            problems.append(p)
        elif checkpoint_s == checkpoint_s and checkpoint_s > interval_s:
            problems.append(
                Problem(
                    source,
                    label("checkpoint_s"),
                    f"found {checkpoint_s:g} s, longer than {label('interval_s')} ({interval_s:g} s); allowed: a "
                    f"checkpoint no longer than the interval of work between checkpoints (or {label('interval_s')} "
                    "auto)",
                )
            )
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class GoodputStudy:
    """Monte Carlo and exact goodput of one job. Times in seconds unless the name says."""

    accelerators: int
    rates: FailureRates
    checkpoint_s: float
    restart_s: float
    restart_failures: bool
    days: float
    replicas: int
    seed: int
    interval_s: float
    interval_mode: str
    young_daly_interval_s: float
    goodput: np.ndarray
    interruptions: np.ndarray
    checkpoints: np.ndarray
    interruptions_by_component: Mapping[str, float]

    @property
    def rate_per_s(self) -> float:
        return self.rates.rate_per_s(self.accelerators)

    @property
    def mtbf_h(self) -> float:
        """Mean time between failures of the whole job [h]."""
        rate = self.rate_per_s
        return math.inf if rate == 0 else 1.0 / rate / SECONDS_PER_HOUR

    def expected_goodput(self, interval_s: float | None = None) -> float:
        """Long-run expected goodput at ``interval_s`` (default: the study's interval)."""
        t = self.interval_s if interval_s is None else interval_s
        return float(
            renewal.expected_goodput(self.rate_per_s, t, self.checkpoint_s, self.restart_s, self.restart_failures)
        )

    def to_dict(self) -> dict[str, Any]:
        g, n = self.goodput, self.interruptions
        fractions = renewal.time_fractions(
            self.rate_per_s, self.interval_s, self.checkpoint_s, self.restart_s, self.restart_failures
        )
        yd = self.young_daly_interval_s
        return {
            "accelerators": self.accelerators,
            "failures_per_accelerator_year": self.rates.failures_per_accelerator_year,
            "failures_per_accelerator_year_by_component": dict(self.rates.per_component),
            "rates_origin": self.rates.origin,
            "rates_source": self.rates.source,
            "mtbf_h": _finite(self.mtbf_h),
            "checkpoint_s": self.checkpoint_s,
            "restart_s": self.restart_s,
            "restart_failures": self.restart_failures,
            "days": self.days,
            "interval_s": self.interval_s,
            "interval_mode": self.interval_mode,
            "young_daly_interval_s": _finite(yd),
            "goodput_mean": float(g.mean()),
            "goodput_std": float(g.std(ddof=1)) if g.size > 1 else 0.0,
            "goodput_p5": float(np.percentile(g, 5)),
            "goodput_median": float(np.median(g)),
            "goodput_p95": float(np.percentile(g, 95)),
            "goodput_expected": self.expected_goodput(),
            "goodput_expected_young_daly": self.expected_goodput(yd) if math.isfinite(yd) else None,
            "time_fractions_expected": {k: float(v) for k, v in fractions.items()},
            "interruptions_mean": float(n.mean()),
            "interruptions_p5": float(np.percentile(n, 5)),
            "interruptions_p95": float(np.percentile(n, 95)),
            "interruptions_by_component_mean": dict(self.interruptions_by_component),
            "checkpoints_mean": float(self.checkpoints.mean()),
            "replicas": self.replicas,
            "seed": self.seed,
            "events_simulated": int(self.interruptions.sum() + self.checkpoints.sum()),
        }


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def goodput_study(
    job: Job,
    rates: FailureRates,
    *,
    restart_failures: bool = False,
    source: str = "goodput",
    label: Label = _option,
) -> GoodputStudy:
    """Check ``job``, pick the interval (``None``: the exact optimum) and run the Monte Carlo."""
    check_job(job, source, label)
    rate = rates.rate_per_s(job.accelerators)
    if job.interval_s is None and rate == 0:
        raise InputError(
            [
                Problem(
                    source,
                    label("interval_s"),
                    "auto needs a failure rate > 0 (found 0 failures per accelerator-year); allowed: a number of "
                    "seconds > 0",
                )
            ]
        )
    if job.interval_s is None:
        mode, interval = "auto", float(renewal.optimal_interval_s(rate, job.checkpoint_s))
    else:
        mode, interval = "given", float(job.interval_s)
    horizon = job.days * SECONDS_PER_DAY
    check_checkpoints(
        horizon, interval, job.checkpoint_s, source, label("interval_s" if mode == "given" else "checkpoint_s")
    )
    draws = job.replicas * rate * horizon  # the engine's cost: one draw per failure
    if draws > MAX_FAILURES:
        raise InputError(
            [
                Problem(
                    source,
                    label("replicas"),
                    f"found {job.replicas:,} replicas of about {draws / job.replicas:,.0f} failures each "
                    f"({draws:,.0f} in all); allowed: at most {MAX_FAILURES:,} failures in all, so fewer "
                    "replicas, fewer days or fewer accelerators",
                )
            ]
        )
    components = list(rates.per_component)
    weights = [rates.per_component[c] for c in components]
    samples = simulate_job(
        rate,
        interval,
        job.checkpoint_s,
        job.restart_s,
        horizon,
        job.replicas,
        job.seed,
        restart_failures=restart_failures,
        component_weights=weights if sum(weights) > 0 else None,
    )
    by_component = (
        {c: float(v) for c, v in zip(components, samples.by_component.mean(axis=0), strict=True)}
        if samples.by_component is not None
        else {c: 0.0 for c in components}
    )
    return GoodputStudy(
        accelerators=job.accelerators,
        rates=rates,
        checkpoint_s=float(job.checkpoint_s),
        restart_s=float(job.restart_s),
        restart_failures=restart_failures,
        days=float(job.days),
        replicas=job.replicas,
        seed=job.seed,
        interval_s=interval,
        interval_mode=mode,
        young_daly_interval_s=float(renewal.young_daly_interval_s(rate, job.checkpoint_s)),
        goodput=samples.checkpoints * interval / horizon,
        interruptions=samples.failures,
        checkpoints=samples.checkpoints,
        interruptions_by_component=by_component,
    )


def goodput_study_from_options(
    *,
    accelerators: int,
    checkpoint_s: float,
    restart_s: float,
    accelerator: str | None = None,
    failures_per_accelerator_year: float | None = None,
    component_rates: Mapping[str, float] | None = None,
    interval_s: str | float | None = None,
    days: float = 30.0,
    replicas: int = 1_000,
    seed: int = 0,
    restart_failures: bool = False,
    source: str = "goodput",
    label: Label = _option,
) -> GoodputStudy:
    """:func:`goodput_study` from raw options: rates resolved as in
    :func:`~gigacampus.catalog.failure_rates.resolve_rates`; every problem with the rates and the
    other options reported together."""
    problems: list[Problem] = []
    rates = job = None
    try:
        rates = resolve_rates(
            accelerator=accelerator,
            failures_per_accelerator_year=failures_per_accelerator_year,
            component_rates=component_rates,
            source=source,
            label=label,
        )
    except InputError as err:
        problems += err.problems
    try:
        interval = parse_interval(interval_s, source, label)
        job = Job(accelerators, checkpoint_s, restart_s, interval, days, replicas, seed)
        check_job(job, source, label)
    except InputError as err:
        problems += err.problems
    if problems or rates is None or job is None:
        raise InputError(problems)
    return goodput_study(job, rates, restart_failures=restart_failures, source=source, label=label)
