"""The scenario document: the core sections plus one field line per analysis section.

Every section's own cross-field checks (the ``cross_field_problems`` classmethod of its class,
see :mod:`gigacampus.scenario.base`) run from here, on raw data, so the loader reports them
next to field errors in one pass. Adding an analysis with a section is one field line below.

This is the one module of the scenario layer that imports from ``analyses/``, and only their
``section`` modules, which are scenario-level code (an import-linter contract keeps them from
importing anything above ``scenario``).

Catalog ids are checked against the catalog passed in the validation context
(``Scenario.model_validate(data, context={"catalog": cat})``), else the shipped one.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from gigacampus.analyses.carbon.section import Carbon
from gigacampus.analyses.finance.section import Finance
from gigacampus.analyses.network.section import Network
from gigacampus.analyses.policy.section import Policy
from gigacampus.analyses.reliability.section import Reliability
from gigacampus.analyses.training.section import Training
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.scenario.base import Problems, ScenarioChecksFailed, Section, catalog_of
from gigacampus.scenario.core import MAX_PHASES, Fleet, Phase, Quota, ScenarioInfo, Site, SupplyLimit, core_problems
from gigacampus.scenario.hardware import (
    MAX_DEFINED,
    AcceleratorSpec,
    HardwareId,
    SystemSpec,
    catalog_for,
    declared_ids,
    hardware_problems,
)
from gigacampus.scenario.uncertainty import Uncertainty

__all__ = ["Scenario", "cross_field_problems", "section_classes"]


class Scenario(Section):
    """A whole scenario file."""

    scenario: ScenarioInfo
    """Name, years and sources."""
    site: Site
    """The campus."""
    phase: tuple[Phase, ...] = Field(min_length=1, max_length=MAX_PHASES)
    """Power phases, in priority order: when shipments are short, earlier phases fill first."""
    fleet: Fleet = Field(default_factory=Fleet)
    """Accelerator lifetime."""
    quota: Quota | None = None
    """Optional national cap on shipments."""
    supply: dict[str, SupplyLimit] = Field(default_factory=dict)
    """Optional vendor supply limits, keyed by accelerator id."""
    accelerator: dict[HardwareId, AcceleratorSpec] = Field(default_factory=dict, max_length=MAX_DEFINED)
    """Accelerators the scenario defines, keyed by a new id (the columns of ``accelerators.csv``)."""
    system: dict[HardwareId, SystemSpec] = Field(default_factory=dict, max_length=MAX_DEFINED)
    """Systems the scenario defines, keyed by a new id (the columns of ``systems.csv``)."""
    # --- analysis sections: one line each ---------------------------------------------------
    network: Network | None = None
    """Optional scale-out fabric sizing; with ``model = "clos"`` its power replaces the network
    share of ``site.overhead_fraction``."""
    training: Training | None = None
    """Optional training and serving assumptions (defaults from the catalog apply without it)."""
    finance: Finance | None = None
    """Optional costs and financing; present, it adds capex, opex and funding to every run."""
    reliability: Reliability | None = None
    """Optional reliability analysis: goodput of large jobs, fleet availability and spares."""
    policy: Policy | None = None
    """Optional export regime, holders and pledges (replaces ``[quota]``)."""
    carbon: Carbon | None = None
    """Optional electricity mix and cooling for emissions and water (the grid alone without it)."""
    # --- not an analysis: what `gigacampus sweep` varies (`run` ignores it) --------------------
    uncertainty: Uncertainty | None = None
    """Optional distributions of inputs for ``gigacampus sweep`` (``run`` uses the point values)."""

    @property
    def years(self) -> range:
        return range(self.scenario.start_year, self.scenario.end_year + 1)

    @classmethod
    def model_validate(cls, obj: Any, *, context: dict[str, Any] | None = None, **kwargs: Any) -> Scenario:  # type: ignore[override]
        """Validate with the catalog in ``context`` (else the shipped one) plus the hardware ``obj``
        defines, so phases, policy and finance can name a scenario-defined accelerator or system."""
        ctx = dict(context or {})
        ctx["catalog"] = catalog_for(obj, ctx.get("catalog") or load_catalog())
        ctx["declared"] = declared_ids(obj)
        return super().model_validate(obj, context=ctx, **kwargs)

    def hardware_catalog(self, catalog: Catalog | None = None) -> Catalog:
        """``catalog`` (default: the shipped one) plus the accelerators and systems this scenario defines."""
        return catalog_for(self, catalog or load_catalog())

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        problems = cross_field_problems(self.model_dump(), catalog_of(info))
        if problems:
            raise ScenarioChecksFailed(problems)
        return self


def section_classes() -> list[type[Section]]:
    """The section class of every analysis field of :class:`Scenario`, in field order."""
    core = {"scenario", "site", "phase", "fleet", "quota", "supply", "accelerator", "system", "uncertainty"}
    out = []
    for name, info in Scenario.model_fields.items():
        if name in core:
            continue
        for arg in typing.get_args(info.annotation) or (info.annotation,):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and issubclass(arg, Section):
                out.append(arg)
    return out


def cross_field_problems(data: Any, cat: Catalog) -> Problems:
    """Checks that involve several keys, as ``(key path, message, suggestion)``.

    Works on raw (unvalidated) data too, skipping whatever has the wrong shape, so the
    loader can report these problems next to field errors in one pass.
    """
    if not isinstance(data, dict):
        return []
    problems = hardware_problems(data, cat) + core_problems(data, cat) + Uncertainty.cross_field_problems(data, cat)
    for cls in section_classes():
        problems += cls.cross_field_problems(data, cat)
    return problems
