"""Real AI campuses with their reported power, accelerators and H100e (``campuses.csv``).

Each row is one campus at one stage, with the power as reported and its basis (critical IT
power or facility power), the PUE used to go between the two, the accelerator the campus
installs (a catalog id, or empty where none is published or the catalog has none), and what the
sources report: accelerators, H100-equivalents, or both. ``gigacampus campuses`` runs the model
on each row and compares (see docs/validation.md).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.catalog.tables import CatalogDataError, read_table

__all__ = ["POWER_BASES", "Campus", "load_campuses"]

#: Allowed ``power_basis`` values: critical IT power, or facility (grid) power.
POWER_BASES = ("it", "facility")


@dataclass(frozen=True)
class Campus:
    """One campus at one stage, as reported."""

    id: str
    name: str
    operator: str
    location: str
    as_of: _dt.date
    power_mw: float
    """Reported power [MW], on ``power_basis``."""
    power_basis: str
    """``it`` or ``facility``."""
    pue: float
    """PUE used to go between IT and facility power [-]."""
    accelerator: str | None
    accelerators: int | None
    """Reported accelerators (``None`` where none is published)."""
    h100e: float | None
    """Reported H100-equivalents (``None`` where none is published)."""
    tolerance: float
    """Largest accepted |model / reported - 1| for this row [-]."""
    tolerance_reason: str
    source: str
    retrieved: _dt.date
    notes: str | None

    @property
    def modelled(self) -> bool:
        """Whether the model can run this row (it names a catalog accelerator)."""
        return self.accelerator is not None

    @property
    def facility_power_mw(self) -> float:
        """Facility power [MW]: the reported power, times the PUE where it is IT power."""
        return self.power_mw * self.pue if self.power_basis == "it" else self.power_mw


def _check(rows: list[Campus], cat: Catalog) -> None:
    problems = []
    for c in rows:
        if c.power_basis not in POWER_BASES:
            problems.append(f"{c.id}: power_basis {c.power_basis!r}; allowed: {', '.join(POWER_BASES)}")
        if c.accelerator is not None and c.accelerator not in cat.accelerators:
            problems.append(f"{c.id}: accelerator {c.accelerator!r} is not in the catalog")
        if not 1.0 <= c.pue <= 3.0:
            problems.append(f"{c.id}: pue {c.pue} outside 1-3")
        if not 0.0 < c.tolerance < 1.0:
            problems.append(f"{c.id}: tolerance {c.tolerance} outside (0, 1)")
    if problems:
        raise CatalogDataError("campuses.csv: " + "; ".join(problems))


@cache
def load_campuses() -> tuple[Campus, ...]:
    """The shipped campus table, checked against the catalog."""
    rows = [Campus(**r) for r in read_table("campuses")]
    _check(rows, load_catalog())
    return tuple(rows)
