"""The work a ``[reliability]`` run asks for, estimated before any Monte Carlo loop starts,
and its check against the budget in force (:func:`gigacampus.limits.budget`).

Three loops grow with the inputs: the fleet simulation steps through time (its steps grow with
the years and with ``repair_shape / repair_days``; each step updates every replica's repair
stages), it keeps one sample per replica and day, and the job Monte Carlo draws one number per
failure (replicas x the job's failures over ``job_days``, for every distinct job of the run).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gigacampus.analyses.reliability.fleet import RepairPolicy
from gigacampus.errors import InputError, Problem
from gigacampus.limits import MAX_CHECKPOINTS, budget, over_budget
from gigacampus.units import SECONDS_PER_DAY, SECONDS_PER_FAILURE_YEAR

__all__ = ["ReliabilityWork", "check_checkpoints", "check_work", "estimate_work"]

#: Days recorded per simulated year (as :func:`~gigacampus.analyses.reliability.fleet.campus_availability`).
DAYS_PER_YEAR = round(SECONDS_PER_FAILURE_YEAR / SECONDS_PER_DAY)


@dataclass(frozen=True)
class ReliabilityWork:
    """Estimated work of one variant."""

    fleet_steps: float
    """Stage updates of the fleet loop: time steps x (repair_shape + 1)."""
    fleet_cells: float
    """Element updates: time steps x replicas x (repair_shape + 2)."""
    fleet_records: float
    """Samples kept: replicas x simulated days."""
    job_failures: float
    """Failures the job Monte Carlo draws, all replicas and distinct jobs."""


def estimate_work(
    n_years: int,
    policy: RepairPolicy,
    replicas: int,
    job_days: float,
    jobs: Iterable[tuple[int, float]],
) -> ReliabilityWork:
    """Work of one variant: ``jobs`` are the distinct (accelerators, failures per accelerator-year)
    jobs it simulates."""
    k = policy.repair_shape
    failures = sum(n * rate / SECONDS_PER_FAILURE_YEAR * job_days * SECONDS_PER_DAY for n, rate in set(jobs))
    if policy.crews is None and policy.repairs_per_day is None:
        # the exact (Poisson) availability: one (k+1)-state step a day, no Monte Carlo of the fleet
        return ReliabilityWork(
            fleet_steps=float(n_years) * DAYS_PER_YEAR * (k + 1),
            fleet_cells=0.0,
            fleet_records=0.0,
            job_failures=float(replicas) * failures,
        )
    steps = float(n_years) * DAYS_PER_YEAR * policy.steps_per_day
    return ReliabilityWork(
        fleet_steps=steps * (k + 1),
        fleet_cells=steps * replicas * (k + 2),
        fleet_records=float(replicas) * n_years * DAYS_PER_YEAR,
        job_failures=float(replicas) * failures,
    )


def check_work(work: ReliabilityWork, source: str = "<scenario>", *, variants: int = 1) -> None:
    """Refuse ``variants`` variants of ``work`` above the budget in force, naming what to lower."""
    b = budget()
    checks = (
        (
            "fleet_steps",
            "fleet simulation step updates",
            "reliability.repair_shape, raise reliability.repair_days, or model fewer years",
        ),
        (
            "fleet_cells",
            "fleet simulation updates (steps x replicas x repair stages)",
            "reliability.replicas or reliability.repair_shape, raise reliability.repair_days, or model fewer years",
        ),
        ("fleet_records", "fleet samples (replicas x simulated days)", "reliability.replicas or model fewer years"),
        (
            "job_failures",
            "failures drawn by the job Monte Carlo",
            "reliability.replicas or reliability.job_days (or the failure rates)",
        ),
    )
    paths = {"fleet_steps": "reliability.repair_shape", "fleet_records": "reliability.replicas"}
    for field, what, lower in checks:
        found = getattr(work, field) * variants
        if found > getattr(b, field):
            raise over_budget(source, paths.get(field, "reliability.replicas"), what, found, field, lower)


def check_checkpoints(horizon_s: float, interval_s: float, checkpoint_s: float, source: str, path: str) -> None:
    """Refuse a job whose run would complete more than :data:`~gigacampus.limits.MAX_CHECKPOINTS`
    checkpoints (interval and checkpoint of picoseconds: the counts would overflow)."""
    count = horizon_s / (interval_s + checkpoint_s)
    if not count <= MAX_CHECKPOINTS:
        message = (
            f"found a checkpoint of {checkpoint_s:g} s every {interval_s:g} s of work: {count:.3g} checkpoints in "
            f"one run; allowed: at most {MAX_CHECKPOINTS:.0e} (a checkpoint and interval of at least "
            f"{horizon_s / MAX_CHECKPOINTS:.2g} s together)"
        )
        raise InputError([Problem(source, path, message)])
