"""Published or estimated training runs to compare a campus with (``catalog/data/training_runs.csv``)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import read_table

__all__ = ["KnownRun", "known_runs"]


@dataclass(frozen=True)
class KnownRun:
    """One training run with its compute [FLOP] and, where published, parameters and tokens."""

    id: str
    name: str
    training_flop: float
    parameters: float | None
    tokens: float | None
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def known_runs() -> dict[str, KnownRun]:
    """The catalog's training runs by id, in file order."""
    return {r["id"]: KnownRun(**r) for r in read_table("training_runs")}
