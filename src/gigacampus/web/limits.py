"""Bounds on what one web request may send or ask for: the figures live in
:mod:`gigacampus.limits` (with the work budgets, :data:`gigacampus.limits.WEB`); re-exported here."""

from __future__ import annotations

from gigacampus.limits import (
    MAX_BODY_BYTES,
    MAX_CONCURRENT_RUNS,
    MAX_JOB_DAYS,
    MAX_OVERRIDES,
    MAX_PHASES,
    MAX_QUEUE_WAIT_S,
    MAX_REPLICA_YEARS,
    MAX_RUNS_PER_COMPARISON,
    MAX_YEARS,
    WEB,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_CONCURRENT_RUNS",
    "MAX_JOB_DAYS",
    "MAX_OVERRIDES",
    "MAX_PHASES",
    "MAX_QUEUE_WAIT_S",
    "MAX_REPLICA_YEARS",
    "MAX_RUNS_PER_COMPARISON",
    "MAX_YEARS",
    "WEB",
]
