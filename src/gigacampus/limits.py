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
    "MAX_BODY_BYTES",
    "MAX_CHECKPOINTS",
    "MAX_CONCURRENT_RUNS",
    "MAX_JOB_DAYS",
    "MAX_OVERRIDES",
    "MAX_PHASES",
    "MAX_QUEUE_WAIT_S",
    "MAX_REPLICA_YEARS",
    "MAX_RUNS_PER_COMPARISON",
    "MAX_SWEEP_SAMPLES",
    "MAX_SWEEP_SENSITIVITY_SAMPLES",
    "MAX_YEARS",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_OVERRIDE_CHARS",
    "WEB",
    "Budget",
    "budget",
    "check_batch",
    "over_budget",
    "use_budget",
]

#: Deepest nesting of tables and arrays in a scenario, an override value or a summary.json
#: (the deepest real scenario key, ``policy.holders[0].caps.2026``, is 4 levels down).
MAX_DEPTH = 32
#: Most digits in an integer literal (Python's own int/str conversion limit is 4,300).
MAX_INT_DIGITS = 100
#: Most checkpoints one simulated job run may complete (counts are 64-bit integers summed over
#: replicas; a year of one-second cycles is 3e7).
MAX_CHECKPOINTS = 10**12
#: Longest ``--set key.path=value`` item, in characters.
MAX_OVERRIDE_CHARS = 10_000


# --- what one web request may send (the command line keeps the schema's wider limits) ---

#: Largest request body, in bytes (a scenario is a few kB of TOML).
MAX_BODY_BYTES = 256 * 1024
#: Most years one scenario may span in a web request (the schema allows 100).
MAX_YEARS = 60
#: Most phases one scenario may list in a web request (the schema allows 200).
MAX_PHASES = 50
#: Most ``key.path=value`` overrides in one request.
MAX_OVERRIDES = 64
#: Most runs one comparison request may ask for.
MAX_RUNS_PER_COMPARISON = 6
#: Most Monte Carlo replica-years (``[reliability] replicas`` x years) one web request may ask for;
#: the fleet simulation's work grows with both (the flagship asks for 200 x 7 = 1,400).
MAX_REPLICA_YEARS = 2_000
#: Longest simulated job in a web request's ``[reliability]``, in days (the schema allows ten years).
MAX_JOB_DAYS = 90.0
#: Computations (runs, reports, comparisons) the server runs at once; more requests wait.
MAX_CONCURRENT_RUNS = 2
#: Most samples one web sweep (POST /api/sweep) may ask for; each chunk of them is a batched run
#: under :data:`WEB` (the command line allows 1,000,000).
MAX_SWEEP_SAMPLES = 256
#: Base points of the Sobol design of a web sweep's sensitivity (evaluations: this x (inputs + 2)).
MAX_SWEEP_SENSITIVITY_SAMPLES = 32
#: Longest a request waits for a free computation slot before it is answered 503 [s].
MAX_QUEUE_WAIT_S = 20.0


@dataclass(frozen=True)
class Budget:
    """Work one run may ask for. Each figure is an estimate made before the loop starts."""

    name: str
    """``web`` or ``cli``: shown in the refusal."""
    fleet_steps: int
    """Stage updates of the fleet simulation's time loop: steps x (repair_shape + 1), where the
    steps are years x 365 x steps per day and steps per day grow with ``repair_shape / repair_days``
    (about 25 microseconds each, whatever the replicas)."""
    fleet_cells: int
    """Fleet simulation element updates: steps x replicas x (repair_shape + 2), summed over
    variants (about 150 ns each)."""
    fleet_records: int
    """Fleet samples kept in memory: replicas x simulated days, summed over variants (about 40 bytes each)."""
    job_failures: int
    """Failures the job Monte Carlo draws, over all replicas, all jobs and all variants (one
    draw each, about 100 ns)."""
    variants: int
    """Variants in one batched run."""
    batch_cells: int
    """Variants x years x phases of one batched run (the size of every per-year, per-phase array)."""


#: A web request: answers within a few seconds, under 500 MB (tests/test_limits.py sends requests at these figures).
WEB = Budget(
    name="web",
    fleet_steps=120_000,
    fleet_cells=20_000_000,
    fleet_records=2_000_000,
    job_failures=20_000_000,
    variants=16,
    batch_cells=3_000,
)
#: The command line and the Python API: a few minutes at most and a few GB, never hours.
CLI = Budget(
    name="cli",
    fleet_steps=5_000_000,
    fleet_cells=1_000_000_000,
    fleet_records=50_000_000,
    job_failures=1_000_000_000,
    variants=10_000,
    batch_cells=2_000_000,
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


def check_batch(variants: int, years: int, phases: int, source: str) -> None:
    """Refuse a batched run of ``variants`` x ``years`` x ``phases`` above the budget in force."""
    b = budget()
    if variants > b.variants:
        raise over_budget(source, "variants", "variants", variants, "variants", "the number of variants")
    cells = variants * years * phases
    if cells > b.batch_cells:
        lower = "the variants, the years (scenario.end_year) or the phases"
        raise over_budget(source, "phase", "variant-year-phase cells", cells, "batch_cells", lower)
