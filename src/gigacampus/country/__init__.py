"""The national view: several campuses under one export regime (see ``docs/country.md``).

:func:`run_country` runs a loaded :class:`~gigacampus.scenario.country.Country`;
:func:`run_country_batch` is its batched form (a leading variant axis, for sweeps).
"""

from gigacampus.country.runner import (
    CountryBatch,
    CountryResult,
    country_inputs,
    national_cap_bound,
    national_inputs,
    run_country,
    run_country_batch,
    run_country_file,
)

__all__ = [
    "CountryBatch",
    "CountryResult",
    "country_inputs",
    "national_cap_bound",
    "national_inputs",
    "run_country",
    "run_country_batch",
    "run_country_file",
]
