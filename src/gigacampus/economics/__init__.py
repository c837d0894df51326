"""Economics and financing: capex, opex, depreciation, funding sources, the funding gap and the
cost of an accelerator-hour. Pure vectorised functions (:mod:`.model`) over inputs with a leading
scenario axis (:mod:`.inputs`), and the analysis that turns them into a result block
(:mod:`.analysis`). Equations and sources: ``docs/economics.md``.
"""

from gigacampus.economics.analysis import (
    DRIVERS,
    FINANCE_COLUMNS,
    FINANCE_UNITS,
    attach_finance,
    check_finance,
    run_finance,
    sensitivity,
    sensitivity_batch,
)
from gigacampus.economics.inputs import COST_CATEGORIES, FinanceInputs, finance_inputs
from gigacampus.economics.model import FinanceOutputs, evaluate, funding, loan_schedule, unit_costs, wacc

__all__ = [
    "COST_CATEGORIES",
    "DRIVERS",
    "FINANCE_COLUMNS",
    "FINANCE_UNITS",
    "FinanceInputs",
    "FinanceOutputs",
    "attach_finance",
    "check_finance",
    "evaluate",
    "finance_inputs",
    "funding",
    "loan_schedule",
    "run_finance",
    "sensitivity",
    "sensitivity_batch",
    "unit_costs",
    "wacc",
]
