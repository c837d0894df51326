"""Export controls and chip-import deals.

* :mod:`~gigacampus.policy.classify`: TPP, performance density and the ECCN 3A090 outcome of
  each catalog accelerator, from thresholds kept as data;
* :mod:`~gigacampus.policy.regimes`: quota regimes (named, sourced caps) as data;
* :mod:`~gigacampus.policy.analysis`: the ``"policy"`` block of a run (allocation by holder,
  caps, stranded power, share of the national cap needed, pledges).

The allocation itself runs inside the campus model (:mod:`gigacampus.model.allocation`).
"""

from gigacampus.policy.classify import Classification, classify, load_thresholds
from gigacampus.policy.regimes import Regime, load_regimes, regime_ids

__all__ = ["Classification", "Regime", "classify", "load_regimes", "load_thresholds", "regime_ids"]
