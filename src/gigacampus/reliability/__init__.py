"""Reliability at gigawatt scale: goodput of checkpointed training jobs and fleet availability.

* :mod:`~gigacampus.reliability.rates`: failure rates by component class, sourced or given;
* :mod:`~gigacampus.reliability.renewal`: exact expected goodput and the optimal interval;
* :mod:`~gigacampus.reliability.engine`: the vectorised Monte Carlo engines;
* :mod:`~gigacampus.reliability.job`: one job's goodput study (``gigacampus goodput``);
* :mod:`~gigacampus.reliability.fleet`: fleet availability and spares;
* :mod:`~gigacampus.reliability.analysis`: the ``[reliability]`` section of a scenario run
  (imported by the pipeline, not here, so the scenario schema can use this package).

The model and its derivation: ``docs/reliability.md``.
"""

from gigacampus.reliability.job import MAX_REPLICAS, GoodputStudy, goodput_study
from gigacampus.reliability.rates import COMPONENTS, FailureRates, catalog_rates, resolve_rates
from gigacampus.reliability.renewal import expected_goodput, optimal_interval_s, young_daly_interval_s

__all__ = [
    "COMPONENTS",
    "MAX_REPLICAS",
    "FailureRates",
    "GoodputStudy",
    "catalog_rates",
    "expected_goodput",
    "goodput_study",
    "optimal_interval_s",
    "resolve_rates",
    "young_daly_interval_s",
]
