"""gigacampus: plan and simulate gigawatt-scale AI compute campuses.

Public API::

    import gigacampus as gc
    scenario = gc.load_scenario("scenarios/stargate-uae.toml")
    result = gc.run(scenario)
    result.timeline            # pandas DataFrame, one row per year
    result.to_summary()        # the summary.json document
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigacampus._version import __version__

if TYPE_CHECKING:
    from gigacampus.catalog import Catalog, load_catalog
    from gigacampus.errors import GigacampusError, InputError, Problem
    from gigacampus.pipeline import run, run_file
    from gigacampus.results import Result
    from gigacampus.scenario import Scenario, load_scenario, scenario_from_dict, scenario_from_text

#: Public name -> the module that defines it. Loaded on first use (PEP 562), so that
#: ``import gigacampus.cli`` (and ``gigacampus --version``) does not import the whole model.
_LAZY = {
    "Catalog": "gigacampus.catalog",
    "load_catalog": "gigacampus.catalog",
    "GigacampusError": "gigacampus.errors",
    "InputError": "gigacampus.errors",
    "Problem": "gigacampus.errors",
    "run": "gigacampus.pipeline",
    "run_file": "gigacampus.pipeline",
    "Result": "gigacampus.results",
    "Scenario": "gigacampus.scenario",
    "load_scenario": "gigacampus.scenario",
    "scenario_from_dict": "gigacampus.scenario",
    "scenario_from_text": "gigacampus.scenario",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gigacampus' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Catalog",
    "GigacampusError",
    "InputError",
    "Problem",
    "Result",
    "Scenario",
    "__version__",
    "load_catalog",
    "load_scenario",
    "run",
    "run_file",
    "scenario_from_dict",
    "scenario_from_text",
]
