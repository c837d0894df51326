"""The model against real campuses: each row of ``catalog/data/campuses.csv`` run as a
one-phase scenario, compared with what its sources report.

For a row, the scenario is the campus's power in its stated year with the row's PUE and
accelerator (its catalog system, the catalog's overhead fraction, whole systems). The reported
power keeps its basis (``site.power_basis`` is the row's ``power_basis``): reported IT power is
the model's IT power and its facility power is IT x PUE; reported facility power gives IT
power = facility / PUE. The comparisons, each ``model / reported``:

* ``accelerators``: accelerators the power holds vs the reported count;
* ``h100e``: the model's H100-equivalents vs the reported (Epoch AI's) H100e;
* ``power_mw``: power the reported accelerators need, on the reported basis, vs the reported
  power (the same gap as ``accelerators``, seen from the power side).

Each gap is a factor either way (``max(r, 1 / r) - 1``), held to the row's ``tolerance``.

A row without a catalog accelerator is listed, not modelled. docs/validation.md shows the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.catalog.campuses import Campus, load_campuses
from gigacampus.errors import InputError, Problem, closest
from gigacampus.pipeline import run_batch
from gigacampus.scenario import Scenario, scenario_from_dict

__all__ = ["CampusCheck", "Comparison", "campus_scenario", "check_campus", "check_campuses", "markdown_table"]


@dataclass(frozen=True)
class Comparison:
    """One quantity, modelled and reported."""

    quantity: str
    """``accelerators``, ``h100e`` or ``power_mw``."""
    model: float
    reported: float

    @property
    def ratio(self) -> float:
        """model / reported [-]."""
        return self.model / self.reported

    @property
    def gap(self) -> float:
        """The gap as a factor either way, minus one: max(ratio, 1 / ratio) - 1 [-] (0.25 when one
        is 1.25 times the other, whichever is larger)."""
        return max(self.ratio, 1.0 / self.ratio) - 1.0


@dataclass(frozen=True)
class CampusCheck:
    """The model's figures for one campus row, and how they compare with the reported ones."""

    campus: Campus
    facility_power_mw: float | None
    """Facility power the model runs on [MW] (``None`` for a row that is listed, not modelled)."""
    it_power_mw: float | None
    accelerators: float | None
    """Accelerators the power holds."""
    h100e: float | None
    power_needed_mw: float | None
    """Power the reported accelerators need, on the reported basis [MW]."""
    comparisons: tuple[Comparison, ...]

    @property
    def within_tolerance(self) -> bool | None:
        """Whether every comparison is within the row's tolerance (``None`` with nothing to compare)."""
        if not self.comparisons:
            return None
        return all(c.gap <= self.campus.tolerance for c in self.comparisons)

    def to_dict(self) -> dict[str, Any]:
        c = self.campus
        return {
            "id": c.id,
            "name": c.name,
            "as_of": c.as_of.isoformat(),
            "reported": {
                "power_mw": c.power_mw,
                "power_basis": c.power_basis,
                "accelerator": c.accelerator,
                "accelerators": c.accelerators,
                "h100e": c.h100e,
            },
            "modelled": c.modelled,
            "model": {
                "pue": c.pue,
                "facility_power_mw": self.facility_power_mw,
                "it_power_mw": self.it_power_mw,
                "accelerators": self.accelerators,
                "h100e": self.h100e,
                "power_needed_mw": self.power_needed_mw,
            },
            "comparisons": [
                {"quantity": x.quantity, "model": x.model, "reported": x.reported, "ratio": x.ratio}
                for x in self.comparisons
            ],
            "tolerance": c.tolerance,
            "within_tolerance": self.within_tolerance,
            "tolerance_reason": c.tolerance_reason,
            "source": c.source,
            "notes": c.notes,
        }


def campus_scenario(campus: Campus, catalog: Catalog | None = None) -> Scenario:
    """The one-phase scenario of a modelled campus row (``ValueError`` for a listed-only row)."""
    if campus.accelerator is None:
        raise ValueError(f"campus {campus.id!r} names no catalog accelerator")
    year = campus.as_of.year
    data = {
        "scenario": {
            "name": campus.name,
            "start_year": year,
            "end_year": year,
            "sources": [s.strip() for s in campus.source.split(" ; ")],
        },
        "site": {"name": campus.location, "pue": campus.pue, "power_basis": campus.power_basis},
        "phase": [
            {
                "name": campus.id,
                "online_year": year,
                "power_mw": campus.power_mw,
                "accelerator": campus.accelerator,
            }
        ],
    }
    return scenario_from_dict(data, f"campuses.csv:{campus.id}", catalog=catalog)


def check_campus(campus: Campus, catalog: Catalog | None = None) -> CampusCheck:
    """Run the model on one campus row and compare with the reported figures."""
    if not campus.modelled:
        return CampusCheck(campus, None, None, None, None, None, ())
    cat = catalog or load_catalog()
    batch = run_batch(campus_scenario(campus, cat), catalog=cat)
    accelerators = float(batch.columns["accelerators"][0, 0])
    h100e = float(batch.columns["h100e"][0, 0])
    it_mw = float(batch.columns["it_power_mw"][0, 0])
    facility_mw = float(batch.columns["facility_power_mw"][0, 0])
    overhead = float(np.asarray(batch.inputs.overhead_fraction)[0].ravel()[0])
    if bool(batch.inputs.overhead_included[0, 0]):  # a system whose power covers hosts and network
        overhead = 0.0
    it_w_per_accelerator = float(batch.inputs.accelerator_power_w[0, 0]) * (1.0 + overhead)
    comparisons = []
    needed = None
    if campus.accelerators is not None:
        comparisons.append(Comparison("accelerators", accelerators, float(campus.accelerators)))
        needed_it = campus.accelerators * it_w_per_accelerator / 1e6
        needed = needed_it * campus.pue if campus.power_basis == "facility" else needed_it
        comparisons.append(Comparison("power_mw", needed, campus.power_mw))
    if campus.h100e is not None:
        comparisons.append(Comparison("h100e", h100e, campus.h100e))
    return CampusCheck(campus, facility_mw, it_mw, accelerators, h100e, needed, tuple(comparisons))


def check_campuses(ids: Iterable[str] | None = None, catalog: Catalog | None = None) -> list[CampusCheck]:
    """Checks of the campus rows named in ``ids`` (every row by default); an unknown id is an
    :class:`InputError` naming the known ones."""
    rows = {c.id: c for c in load_campuses()}
    wanted = list(ids) if ids is not None else list(rows)
    unknown = [i for i in wanted if i not in rows]
    if unknown:
        raise InputError(
            [
                Problem("campuses", i, f"unknown campus; allowed: {', '.join(rows)}", closest(i, list(rows)))
                for i in unknown
            ]
        )
    return [check_campus(rows[i], catalog) for i in wanted]


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ratio(check: CampusCheck, quantity: str) -> str:
    found = [c for c in check.comparisons if c.quantity == quantity]
    return f"{found[0].ratio:.2f}" if found else "-"


def markdown_table(checks: Iterable[CampusCheck]) -> str:
    """The comparison as a Markdown table (docs/validation.md holds it; a test keeps it current)."""
    lines = [
        "| campus | as of | power MW (basis) | accelerator | reported | model | x "
        "| reported H100e | model H100e | x | gap / tolerance |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        r = c.campus
        if not r.modelled:
            status = "listed only"
        elif not c.comparisons:
            status = "nothing reported to compare"
        else:
            status = f"{max(x.gap for x in c.comparisons):.0%} / {r.tolerance:.0%}"
        lines.append(
            f"| `{r.id}` | {r.as_of:%Y-%m} | {r.power_mw:,.0f} ({r.power_basis}) | {r.accelerator or '-'} | "
            f"{_cell(r.accelerators)} | {_cell(c.accelerators)} | {_ratio(c, 'accelerators')} | {_cell(r.h100e)} | "
            f"{_cell(c.h100e)} | {_ratio(c, 'h100e')} | {status} |"
        )
    return "\n".join(lines) + "\n"
