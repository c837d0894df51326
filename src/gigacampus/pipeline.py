"""The orchestrator: scenario -> campus inputs -> each analysis's prepare -> the campus model ->
each analysis in :data:`ANALYSES` order -> a :class:`~gigacampus.results.Result`.

:data:`ANALYSES` is the list of analyses as data. On import the pipeline checks their order
(every column an analysis requires or uses is provided by the core model or by an analysis
before it) and builds :data:`COLUMNS`, the one column table. :func:`run_batch` carries a batch
of variants through every analysis in one call; :func:`run` is one variant of it, as a Result.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gigacampus.analyses.carbon.analysis import CARBON
from gigacampus.analyses.contract import Analysis, Block, Context, OwnInputs, Prepared
from gigacampus.analyses.finance.analysis import FINANCE, check_finance, tornado
from gigacampus.analyses.network.analysis import NETWORK
from gigacampus.analyses.policy.analysis import POLICY
from gigacampus.analyses.reliability.analysis import RELIABILITY
from gigacampus.analyses.training.analysis import TRAINING
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import InputError, Problem
from gigacampus.limits import check_batch
from gigacampus.model import CampusInputs, CampusOutputs, core_inputs
from gigacampus.model.columns import CORE_COLUMNS, ColumnTable, core_year_columns
from gigacampus.model.kernel import simulate_fast
from gigacampus.scenario import ResolvedInput, Scenario, input_table, load_scenario

if TYPE_CHECKING:  # a sweep's batches never build a Result (nor load pandas for one)
    from gigacampus.results import Result

__all__ = [
    "ANALYSES",
    "COLUMNS",
    "BatchRun",
    "PipelineError",
    "analysis",
    "analysis_inputs",
    "batch_result",
    "batched_inputs",
    "campus_inputs",
    "check_order",
    "finance_sensitivity",
    "prepare_inputs",
    "run",
    "run_batch",
    "run_file",
    "run_finance",
]

#: Every analysis, in the order they run.
ANALYSES: tuple[Analysis, ...] = (POLICY, NETWORK, CARBON, RELIABILITY, FINANCE, TRAINING)


class PipelineError(RuntimeError):
    """The analyses are wired wrongly (a programming error, never bad input)."""


def check_order(analyses: Sequence[Analysis], core: Sequence[str] = ()) -> None:
    """Raise :class:`PipelineError` unless each analysis comes after the providers of what it reads."""
    provider: dict[str, int] = {}
    for i, a in enumerate(analyses):
        for name in (*a.column_names, f"block:{a.name}"):
            if name in provider or name in core:
                raise PipelineError(f"{name!r} is provided twice (by {a.name!r} and an earlier one)")
            provider[name] = i
    for i, a in enumerate(analyses):
        for name in (*a.requires, *a.uses):
            if name in core:
                continue
            if name not in provider:
                # a name nothing provides is a typo or a missing analysis: it would never be read
                raise PipelineError(
                    f"{a.name!r} {'requires' if name in a.requires else 'uses'} {name!r}, which nothing provides"
                )
            if provider[name] >= i:
                raise PipelineError(
                    f"{a.name!r} reads {name!r}, provided by {analyses[provider[name]].name!r}, "
                    "which runs after it: move it earlier in ANALYSES"
                )


_CORE_NAMES = tuple(c.name for c in CORE_COLUMNS if c.table == "year")
check_order(ANALYSES, _CORE_NAMES)

#: The one column table: the core model's columns and every analysis's.
COLUMNS = ColumnTable(
    [*CORE_COLUMNS, *(c for a in ANALYSES for c in a.provides)],
    owners={(c.table, c.name): a.name for a in ANALYSES for c in a.provides},
)


def analysis(name: str) -> Analysis:
    """The analysis called ``name``."""
    for a in ANALYSES:
        if a.name == name:
            return a
    raise KeyError(name)


def _options(options: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {a.name: {} for a in ANALYSES}
    for name, values in (options or {}).items():
        if name not in out:
            raise TypeError(f"unknown analysis {name!r}; known: {', '.join(out)}")
        unknown = set(values) - set(analysis(name).options)
        if unknown:
            raise TypeError(f"unknown {name} option(s): {', '.join(sorted(unknown))}")
        out[name] = {k: v for k, v in values.items() if v is not None}
    return out


def _prepare(
    scenario: Scenario,
    catalog: Catalog,
    options: Mapping[str, Mapping[str, Any]],
    inputs: CampusInputs | None = None,
) -> tuple[CampusInputs, dict[str, Prepared]]:
    """``inputs`` (the scenario's core inputs by default) with every applying ``prepare`` step.

    Steps are idempotent and work on any batch: a caller's varied batch gets each variant's own
    derived inputs (the clos overhead of its PUE), and keeps what it set itself (an export
    regime's pools it varied).
    """
    batch = core_inputs(scenario, catalog) if inputs is None else inputs
    prepared: dict[str, Prepared] = {}
    for a in ANALYSES:
        if a.prepare is None or not a.applies(scenario, options[a.name]):
            continue
        step = a.prepare(scenario, catalog, batch)
        if step is not None:
            prepared[a.name] = step
            batch = step.inputs
    return batch, prepared


def campus_inputs(scenario: Scenario, catalog: Catalog | None = None) -> CampusInputs:
    """The campus model's inputs (``S = 1``) with every analysis's ``prepare`` step applied."""
    cat = scenario.hardware_catalog(catalog)
    return _prepare(scenario, cat, _options(None))[0]


def prepare_inputs(
    scenario: Scenario,
    inputs: CampusInputs,
    *,
    catalog: Catalog | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> CampusInputs:
    """``inputs`` after every applying ``prepare`` step, as :func:`run_batch` derives them (a
    sweep uses it to tell the inputs a step re-derives per variant from the ones it keeps)."""
    return _prepare(scenario, catalog or load_catalog(), _options(options), inputs)[0]


@dataclass(frozen=True)
class BatchRun:
    """A batch of variants carried through the model and every analysis."""

    scenario: Scenario
    seed: int
    inputs: CampusInputs
    outputs: CampusOutputs
    columns: dict[str, np.ndarray]
    """Every per-year column, ``(S, T)``, the core's first then each analysis's."""
    blocks: dict[str, Block]
    """The block of every analysis that applied (payloads for ``variant``)."""
    provenance: tuple[ResolvedInput, ...]
    """Every input of the run, one row per key path: the core's, then each analysis's."""
    variant: int

    def __repr__(self) -> str:
        from gigacampus.results.xarray import batch_view_rows

        years = self.inputs.years
        head = (
            f"<gigacampus.BatchRun {self.scenario.scenario.name!r}: {self.outputs.accelerators.shape[0]:,} variants "
            f"x {len(years)} years ({int(years[0])}-{int(years[-1])}), {len(self.columns)} columns; "
            f"analyses: {', '.join(self.blocks) or 'none'}>"
        )
        rows = [
            f"  {label} in {int(years[-1])}: min {lo}, median {mid}, max {hi}"
            for label, lo, mid, hi in batch_view_rows(self.columns)
        ]
        return "\n".join([head, *rows])

    def to_xarray(self, table: ColumnTable | None = None) -> Any:
        """The batch as an :class:`xarray.Dataset` with dimensions ``variant``, ``year``, ``phase``
        and ``accelerator``, units in each variable's attributes (see :mod:`gigacampus.results.xarray`)."""
        from gigacampus.results.xarray import batch_dataset

        attrs = {"scenario": self.scenario.scenario.name, "seed": self.seed}
        return batch_dataset(self.inputs, self.outputs, self.columns, table or COLUMNS, attrs)


def run_batch(
    scenario: Scenario,
    inputs: CampusInputs | None = None,
    *,
    catalog: Catalog | None = None,
    seed: int | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    variant: int = 0,
    analysis_inputs: Mapping[str, Any] | None = None,
    payloads: bool = True,
) -> BatchRun:
    """Run the campus model and every analysis for a batch of variants of ``scenario``.

    ``inputs`` is a batch of campus inputs (``S`` variants, e.g. ``campus_inputs(scn).repeat(S)``
    with values varied); by default the scenario's own (``S = 1``). The ``prepare`` steps run on
    it again (each variant gets the inputs they derive from its own values). Each analysis gets the
    whole batch in one call; summary blocks are built for ``variant``. ``options`` maps an
    analysis's name to its run options; ``analysis_inputs`` an analysis's name to its own batched
    inputs for the ``S`` variants (e.g. ``analysis_inputs(scn)["finance"].repeat(S)`` varied), in
    place of the scenario's. ``payloads=False`` is for a caller that reads only the columns: an
    analysis may then leave its summary block and explanations out (the columns are the same).
    """
    cat = scenario.hardware_catalog(catalog)
    opts = _options(options)
    given = dict(analysis_inputs or {})
    unknown = set(given) - {a.name for a in ANALYSES if a.inputs is not None}
    if unknown:
        raise TypeError(f"analysis_inputs for analyses without batched inputs: {', '.join(sorted(unknown))}")
    info = scenario.scenario  # the work of every per-variant, per-year, per-phase array, bounded first
    check_batch(
        inputs.n_variants if inputs is not None else 1,
        info.end_year - info.start_year + 1,
        len(scenario.phase),
        f"scenario {info.name!r}",
    )
    batch, prepared = _prepare(scenario, cat, opts, inputs)
    with _overflow_is_an_error(info.name, "campus model"):
        outputs = simulate_fast(batch)
    used_seed = scenario.scenario.seed if seed is None else seed
    columns: dict[str, np.ndarray] = dict(core_year_columns(batch, outputs))
    blocks: dict[str, Block] = {}
    provenance = list(input_table(scenario, cat))
    for a in ANALYSES:
        if not a.applies(scenario, opts[a.name]):
            continue
        missing = [r for r in a.requires if (r[6:] not in blocks if r.startswith("block:") else r not in columns)]
        if missing:
            raise PipelineError(f"{a.name!r} needs {', '.join(missing)}, which no earlier step provided")
        own = a.inputs(scenario, cat, batch) if a.inputs is not None else None
        ctx = Context(
            scenario=scenario,
            catalog=cat,
            seed=used_seed,
            inputs=batch,
            outputs=outputs,
            columns=columns,
            blocks=blocks,
            options=opts[a.name],
            prepared=prepared.get(a.name),
            own=own,
            own_inputs=_own_batch(a, own, batch, given.get(a.name)),
            variant=variant,
            payload=payloads,
        )
        with _overflow_is_an_error(info.name, a.name):
            block = a.run(ctx)
        unknown = set(block.columns) - set(a.column_names)
        if unknown:
            raise PipelineError(f"{a.name!r} returned columns it does not declare: {', '.join(sorted(unknown))}")
        columns.update(block.columns)
        blocks[a.name] = block
        step = prepared.get(a.name)
        provenance += [*(step.provenance if step else ()), *block.provenance]
    return BatchRun(scenario, used_seed, batch, outputs, columns, blocks, _effective(provenance), variant)


@contextlib.contextmanager
def _overflow_is_an_error(scenario_name: str, step: str) -> Iterator[None]:
    """Numeric overflow or an invalid value in a model or engine (numpy's RuntimeWarning) is an
    :class:`InputError`, never a warning beside a wrong number."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            yield
        except (RuntimeWarning, OverflowError, FloatingPointError) as exc:
            message = (
                f"numeric overflow or an invalid value in the {step} ({exc}); allowed: inputs whose results are "
                "finite numbers (look for extreme values in this section)"
            )
            raise InputError([Problem(f"scenario {scenario_name!r}", step.split()[0], message)]) from None


def _own_batch(a: Analysis, own: OwnInputs | None, batch: CampusInputs, given: Any) -> Any:
    """An analysis's batched inputs for the batch: the caller's, else its builder's repeated."""
    if own is None:
        return None
    if given is not None:
        if given.n_variants != batch.n_variants:
            raise ValueError(
                f"analysis_inputs[{a.name!r}] has {given.n_variants} variants; the campus batch has {batch.n_variants}"
            )
        return given
    return own.batch if own.batch.n_variants == batch.n_variants else own.batch.repeat(batch.n_variants)


def analysis_inputs(scenario: Scenario, catalog: Catalog | None = None) -> dict[str, Any]:
    """The batched inputs (``S = 1``) of every analysis that has them and applies, by name, to vary."""
    return {k: v for k, v in batched_inputs(scenario, catalog).items() if k != "campus"}


def batched_inputs(scenario: Scenario, catalog: Catalog | None = None) -> dict[str, Any]:
    """:func:`campus_inputs` as ``"campus"`` and every :func:`analysis_inputs` by name, from one
    run of the ``prepare`` steps (a sweep builds these for every probe of every group)."""
    cat = scenario.hardware_catalog(catalog)
    opts = _options(None)
    campus, _ = _prepare(scenario, cat, opts)
    return {
        "campus": campus,
        **{
            a.name: a.inputs(scenario, cat, campus).batch
            for a in ANALYSES
            if a.inputs is not None and a.applies(scenario, opts[a.name])
        },
    }


def _effective(rows: Sequence[ResolvedInput]) -> tuple[ResolvedInput, ...]:
    """One row per key path: a later step's row (a value an analysis derived, e.g. the clos
    overhead) replaces an earlier one in its place."""
    by_path: dict[str, ResolvedInput] = {}
    for row in rows:
        by_path[row.path] = row
    return tuple(by_path.values())


def run(
    scenario: Scenario,
    *,
    catalog: Catalog | None = None,
    seed: int | None = None,
    force_finance: bool = False,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    **training: object,
) -> Result:
    """Run the campus model and every analysis for one validated scenario.

    ``seed`` overrides the scenario's ``[scenario] seed``; the seed used is in the result.
    ``force_finance`` prices a scenario without ``[finance]`` with the catalog defaults.
    ``training`` overrides ``[training]`` values (``days``, ``mfu``, ``precision``, ...);
    ``options`` gives any analysis's run options by name (``{"training": {"days": 30}}``).
    """
    cat = scenario.hardware_catalog(catalog)
    opts: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (options or {}).items()}
    if force_finance:
        opts.setdefault("finance", {})["force"] = True
    if training:
        opts.setdefault("training", {}).update(training)
    return batch_result(run_batch(scenario, catalog=cat, seed=seed, options=opts), cat)


def batch_result(batch: BatchRun, catalog: Catalog | None = None) -> Result:
    """The :class:`Result` of a batch run's variant ``batch.variant``."""
    from gigacampus.results import build_result

    return build_result(
        batch.scenario,
        catalog or load_catalog(),
        batch.inputs,
        batch.outputs,
        columns=batch.columns,
        blocks={name: b.payload for name, b in batch.blocks.items() if b.payload is not None},
        provenance=batch.provenance,
        table=COLUMNS,
        analysis_explanations={name: b.explanations for name, b in batch.blocks.items() if b.explanations},
        variant=batch.variant,
        seed=batch.seed,
    )


def run_file(
    path: str | Path,
    *,
    overrides: Sequence[str] = (),
    seed: int | None = None,
    catalog: Catalog | None = None,
    **training: object,
) -> Result:
    """Load, validate and run a scenario file (``overrides`` as ``key.path=value``)."""
    scenario = load_scenario(path, overrides=overrides, catalog=catalog)
    return run(scenario, catalog=catalog, seed=seed, **training)


def run_finance(
    scenario: Scenario, *, catalog: Catalog | None = None, seed: int | None = None, source: str = "<scenario>"
) -> Result:
    """Run the campus and the finance analysis, with ``[finance]`` defaults if the scenario has none."""
    cat = scenario.hardware_catalog(catalog)
    check_finance(scenario, cat, source)
    return run(scenario, catalog=cat, seed=seed, force_finance=True)


def finance_sensitivity(
    scenario: Scenario, *, catalog: Catalog | None = None, delta: float = 0.2, source: str = "<scenario>"
) -> dict[str, Any]:
    """Tornado of TCO per accelerator-hour (whole horizon) when each cost driver moves by +-``delta``.

    Every variant goes through one call of the campus model and one of the finance model.
    """
    cat = scenario.hardware_catalog(catalog)
    check_finance(scenario, cat, source)
    opts = _options({"finance": {"force": True}})
    base, _ = _prepare(scenario, cat, opts)
    return tornado(scenario, cat, base, delta, refresh=lambda batch: _prepare(scenario, cat, opts, batch)[0])
