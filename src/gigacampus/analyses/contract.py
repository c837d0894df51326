"""The analysis contract: what every capability beside the core model looks like to the pipeline.

An analysis is one :class:`Analysis` object (in ``analyses/<name>/analysis.py``) that says

* ``name``: its block in summary.json and the key of its run options;
* ``provides``: the per-year columns it writes, each a :class:`~gigacampus.model.columns.Column`
  with unit and dtype (the pipeline joins them into the one column table);
* ``requires``: columns (or ``block:<name>``) that must be present when it runs, and ``uses``:
  columns it reads when present. Both name what it depends on, so the pipeline can check
  the order of :data:`gigacampus.pipeline.ANALYSES` when it is imported: the provider of
  every column an analysis requires or uses must come before it;
* ``applies(scenario, options)``: whether it runs for this scenario (:func:`always`, or
  :func:`with_section` for an analysis that runs when its section is given);
* optionally ``prepare(scenario, catalog, inputs) -> Prepared``: a change to the campus model's
  inputs before the model runs (an export regime's pools, a sized network's overhead). It runs on
  every batch the pipeline runs, so it must work for ``S`` variants and be idempotent: derive from
  each variant's own values, and keep what a caller set;
* optionally ``inputs(scenario, catalog, campus inputs) -> OwnInputs``: its own batched inputs
  (``S = 1``) with their provenance, built once per run; a caller may vary the batch per variant and
  pass it to ``run_batch`` (``analysis_inputs``);
* ``run(context) -> Block``: its pure computation over the batch of variants.

Analyses never import each other, the pipeline, the results, the report, the CLI or the web
(import-linter contracts in ``pyproject.toml``): they talk through the columns they declare.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigacampus.catalog import Catalog
from gigacampus.model import CampusInputs, CampusOutputs
from gigacampus.model.columns import Column
from gigacampus.scenario import ResolvedInput, Scenario

__all__ = ["Analysis", "Block", "Context", "OwnInputs", "Prepared", "always", "with_section"]


@dataclass(frozen=True)
class Context:
    """What an analysis sees when it runs: a batch of ``S`` variants after the campus model."""

    scenario: Scenario
    """The validated scenario every variant of the batch derives from."""
    catalog: Catalog
    seed: int
    """Seed of every random draw of the run; an analysis spawns its own streams from it."""
    inputs: CampusInputs
    """The campus model's inputs, ``(S, ...)``."""
    outputs: CampusOutputs
    """The campus model's outputs, ``(S, T, P)`` and ``(S, T)``."""
    columns: Mapping[str, np.ndarray]
    """Every per-year column so far (the core's and earlier analyses'), ``(S, T)`` each."""
    blocks: Mapping[str, Block]
    """Blocks of the analyses that ran before this one."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """This analysis's run options (e.g. ``days`` for training), already checked against ``options``."""
    prepared: Prepared | None = None
    """What this analysis's ``prepare`` step returned, if it has one."""
    own_inputs: Any = None
    """This analysis's batched inputs for the ``S`` variants (the caller's, else its builder's repeated)."""
    own: OwnInputs | None = None
    """What its ``inputs`` builder made from the scenario (provenance and data come from here)."""
    variant: int = 0
    """The variant whose summary block (``Block.payload``) is built."""
    payload: bool = True
    """Whether the summary block is wanted: a caller that reads only the columns (a sweep's plan
    checking its probes) says no, and an analysis whose block costs more than its columns may then
    leave ``payload`` and ``explanations`` out. The columns must not depend on it."""

    @property
    def n_variants(self) -> int:
        return self.inputs.n_variants

    @property
    def years(self) -> np.ndarray:
        return self.inputs.years


@dataclass(frozen=True)
class Prepared:
    """What a ``prepare`` step gives back: the changed model inputs, and anything ``run`` needs."""

    inputs: CampusInputs
    provenance: tuple[ResolvedInput, ...] = ()
    data: Any = None


@dataclass(frozen=True)
class OwnInputs:
    """What an ``inputs`` builder gives back: the batch (``S = 1``), where its values came from, and
    anything ``run`` needs that does not vary per variant."""

    batch: Any
    provenance: tuple[ResolvedInput, ...] = ()
    data: Any = None


@dataclass(frozen=True)
class Block:
    """What an analysis returns."""

    columns: Mapping[str, np.ndarray] = field(default_factory=dict)
    """Per-year columns, ``(S, T)`` each; names from the analysis's ``provides``."""
    payload: Mapping[str, Any] | None = None
    """Its summary.json block (JSON-ready) for ``Context.variant``; ``None`` writes no block."""
    explanations: tuple[str, ...] = ()
    """Sentences saying what bound and why, for the terminal and the report."""
    provenance: tuple[ResolvedInput, ...] = ()
    """Every input it used: key path, value, unit, origin and source."""
    data: Any = None
    """Typed results for callers that want more than the columns (e.g. the finance outputs)."""


def always(scenario: Scenario, options: Mapping[str, Any]) -> bool:
    """``applies`` of an analysis that runs for every scenario."""
    return True


def with_section(name: str) -> Callable[[Scenario, Mapping[str, Any]], bool]:
    """``applies`` of an analysis that runs when the scenario has its ``[name]`` section."""

    def applies(scenario: Scenario, options: Mapping[str, Any]) -> bool:
        return getattr(scenario, name) is not None

    applies.__doc__ = f"Runs when the scenario has a [{name}] section."
    return applies


@dataclass(frozen=True)
class Analysis:
    """One capability beside the core model (see the module docstring)."""

    name: str
    """Block name in summary.json and key of its run options."""
    title: str
    """Title of its report section."""
    provides: tuple[Column, ...]
    """Per-year columns it writes."""
    run: Callable[[Context], Block]
    """Its computation over the batch."""
    applies: Callable[[Scenario, Mapping[str, Any]], bool] = always
    requires: tuple[str, ...] = ()
    """Columns (or ``block:<name>``) that must be present when it runs."""
    uses: tuple[str, ...] = ()
    """Columns it reads when present; their providers must run before it."""
    options: tuple[str, ...] = ()
    """Names of the run options it accepts (``run(scenario, **options)`` in the API)."""
    prepare: Callable[[Scenario, Catalog, CampusInputs], Prepared | None] | None = None
    """Changes to the campus model's inputs, before the model runs."""
    inputs: Callable[[Scenario, Catalog, CampusInputs], OwnInputs] | None = None
    """Its own batched inputs (a :class:`~gigacampus.model.batch.Batch` with ``S = 1``, in an
    :class:`OwnInputs`) built from the scenario; the pipeline builds them once per run and repeats
    them to the batch's size unless the caller passes its own."""
    charts: Callable[[Mapping[str, Any]], list[Any]] | None = None
    """Its report charts, drawn from a saved summary (called only when the summary has its block)."""
    intro: str = ""
    """A sentence introducing its report section."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.provides)
