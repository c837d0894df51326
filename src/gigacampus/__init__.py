"""gigacampus: plan and simulate gigawatt-scale AI compute campuses.

Public API::

    import gigacampus as gc
    scenario = gc.load_scenario("scenarios/stargate-uae.toml")
    result = gc.run(scenario)
    result.timeline            # pandas DataFrame, one row per year
    result.to_summary()        # the summary.json document
"""

from gigacampus._version import __version__
from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import GigacampusError, InputError, Problem
from gigacampus.pipeline import run, run_file
from gigacampus.results import Result
from gigacampus.scenario import Scenario, load_scenario, scenario_from_dict, scenario_from_text

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
