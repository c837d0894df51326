"""Pure, vectorised model functions (numpy arrays with a leading scenario axis)."""

from gigacampus.model.campus import (
    BINDING,
    HOURS_PER_YEAR,
    CampusOutputs,
    binding_codes,
    campus_full_year,
    first_full_year,
    phase_full_years,
    phase_slots,
    simulate,
)
from gigacampus.model.inputs import CampusInputs, core_inputs, phase_facility_mw, phase_it_mw, phase_it_w, stack

__all__ = [
    "BINDING",
    "HOURS_PER_YEAR",
    "CampusInputs",
    "CampusOutputs",
    "binding_codes",
    "campus_full_year",
    "first_full_year",
    "phase_full_years",
    "core_inputs",
    "phase_facility_mw",
    "phase_it_mw",
    "phase_it_w",
    "phase_slots",
    "simulate",
    "stack",
]
