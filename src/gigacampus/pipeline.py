"""The orchestrator: scenario -> model arrays -> simulate -> Result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.economics import attach_finance
from gigacampus.model import from_scenario, simulate
from gigacampus.network import network_analysis
from gigacampus.policy.analysis import with_policy
from gigacampus.reliability.analysis import analyse as analyse_reliability
from gigacampus.results import Result, build_result
from gigacampus.scenario import Scenario, input_table, load_scenario
from gigacampus.training import training_analysis

__all__ = ["run", "run_file"]


def run(
    scenario: Scenario,
    *,
    catalog: Catalog | None = None,
    seed: int | None = None,
    force_finance: bool = False,
    **training: object,
) -> Result:
    """Run the campus model for one validated scenario.

    ``seed`` overrides the scenario's ``[scenario] seed``; the seed used is in the result.
    ``force_finance`` prices a scenario without ``[finance]`` with the catalog defaults.
    ``training`` overrides ``[training]`` values (``days``, ``mfu``, ``precision``, ...).
    """
    cat = catalog or load_catalog()
    inputs = from_scenario(scenario, cat)
    outputs = simulate(inputs)
    result = build_result(scenario, cat, inputs, outputs, tuple(input_table(scenario, cat)), seed=seed)
    result = with_policy(result, inputs, outputs, cat)
    result = network_analysis(result, scenario, cat, inputs, outputs)
    result = analyse_reliability(result, scenario, cat)
    result = attach_finance(result, inputs, outputs, cat, force=force_finance)
    return training_analysis(result, scenario, cat, inputs, outputs, **training)


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
