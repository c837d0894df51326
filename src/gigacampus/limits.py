"""Every bound on input size and on work, in one place (docs/limits.md explains each figure).

Two kinds of bound:

- **input bounds** (the same everywhere): how deep, long or large a parsed value may be before
  anything looks at it;
- **work budgets**: how much work one run may ask for, estimated from its inputs *before* any
  loop starts. There are two budgets, :data:`WEB` (a request from anyone who can reach the
  server) and :data:`CLI` (the command line and the Python API: higher, still finite).
  :func:`budget` is the one in force; the web layer runs each request inside
  ``with use_budget(WEB):``, everything else gets :data:`CLI`.

A loop that can be asked for unbounded work estimates its work, compares it with a field of
:func:`budget` and refuses with :func:`over_budget` (an :class:`~gigacampus.errors.InputError`
naming the setting to lower) before it starts.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from gigacampus.errors import InputError, Problem

__all__ = [
    "CLI",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_OVERRIDE_CHARS",
    "WEB",
    "Budget",
    "budget",
    "over_budget",
    "use_budget",
]

#: Deepest nesting of tables and arrays in a scenario, an override value or a summary.json
#: (the deepest real scenario key, ``policy.holders[0].caps.2026``, is 4 levels down).
MAX_DEPTH = 32
#: Most digits in an integer literal (Python's own int/str conversion limit is 4,300).
MAX_INT_DIGITS = 100
#: Longest ``--set key.path=value`` item, in characters.
MAX_OVERRIDE_CHARS = 10_000


@dataclass(frozen=True)
class Budget:
    """Work one run may ask for. Each figure is an estimate made before the loop starts."""

    name: str
    """``web`` or ``cli``: shown in the refusal."""
    fleet_steps: int
    """Time steps of the fleet simulation (years x 365 x steps per day; steps per day grow with
    ``repair_shape / repair_days``): the Python loop's iterations."""
    fleet_cells: int
    """Fleet simulation work: steps x replicas x (repair_shape + 2) element updates, summed over variants."""
    fleet_records: int
    """Fleet samples kept in memory: replicas x simulated days, summed over variants (about 40 bytes each)."""
    job_failures: int
    """Failures the job Monte Carlo draws, over all replicas, all jobs and all variants (one draw each)."""
    variants: int
    """Variants in one batched run."""
    year_phases: int
    """Years x phases of one scenario (every per-year, per-phase table)."""


#: A web request: answers within a few seconds, under 500 MB (tests/test_limits.py sends requests at these figures).
WEB = Budget(
    name="web",
    fleet_steps=200_000,
    fleet_cells=60_000_000,
    fleet_records=2_000_000,
    job_failures=30_000_000,
    variants=16,
    year_phases=3_000,
)
#: The command line and the Python API: minutes at most and a few GB, never hours.
CLI = Budget(
    name="cli",
    fleet_steps=10_000_000,
    fleet_cells=3_000_000_000,
    fleet_records=50_000_000,
    job_failures=1_000_000_000,
    variants=10_000,
    year_phases=20_000,
)

_CURRENT: contextvars.ContextVar[Budget] = contextvars.ContextVar("gigacampus_budget", default=CLI)


def budget() -> Budget:
    """The budget in force (:data:`CLI` unless inside :func:`use_budget`)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_budget(b: Budget) -> Iterator[Budget]:
    """Run the block under budget ``b`` (the web layer wraps each request in ``use_budget(WEB)``)."""
    token = _CURRENT.set(b)
    try:
        yield b
    finally:
        _CURRENT.reset(token)


def over_budget(source: str, path: str, what: str, found: float, field: str, lower: str) -> InputError:
    """The refusal of work above the budget in force: what was asked, the figure, what to lower.

    ``what`` names the quantity (``fleet simulation steps``), ``found`` is the estimate,
    ``field`` the :class:`Budget` field it is checked against and ``lower`` the settings that
    reduce it.
    """
    b = budget()
    allowed = getattr(b, field)
    where = "in a web request (the command line allows more)" if b.name == "web" else "in one run"
    return InputError(
        [
            Problem(
                source,
                path,
                f"asks for about {found:,.0f} {what}; allowed: at most {allowed:,} {where}; lower {lower}",
            )
        ]
    )
