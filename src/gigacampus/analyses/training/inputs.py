"""The training analysis's batched inputs: the numbers of ``[training]`` a sweep varies per variant.

Built from :func:`gigacampus.analyses.training.analysis.settings` (the scenario's values with
catalog defaults); a run option (``gigacampus train --mfu``) replaces the whole column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigacampus.model.batch import Batch, batched

__all__ = ["BATCHED_SETTINGS", "TrainingInputs"]

#: The ``[training]`` numbers that run along the variant axis.
BATCHED_SETTINGS = ("days", "mfu", "goodput", "tokens_per_parameter", "bytes_per_parameter")


@dataclass(frozen=True)
class TrainingInputs(Batch):
    """(S,) per variant each."""

    days: np.ndarray = batched()
    """Length of the training run [day]."""
    mfu: np.ndarray = batched()
    """Model FLOP utilisation [-]."""
    goodput: np.ndarray = batched()
    """Goodput when the reliability model gives none [-]."""
    tokens_per_parameter: np.ndarray = batched()
    """Training tokens per parameter of the compute-optimal model [-]."""
    bytes_per_parameter: np.ndarray = batched()
    """Bytes of training state per parameter [B]."""
