"""Uncertain inputs, their sampling and the statistics of a sweep (docs/uncertainty.md).

This package sits between the model and the analyses: it reads scenario key paths and their
distributions and gives values; the sweep (:mod:`gigacampus.sweep`) carries them through the
pipeline.
"""

from gigacampus.uncertainty.inputs import UncertainInput, resolve_inputs
from gigacampus.uncertainty.sampling import saltelli_design, unit_sample
from gigacampus.uncertainty.stats import sobol

__all__ = ["UncertainInput", "resolve_inputs", "saltelli_design", "sobol", "unit_sample"]
