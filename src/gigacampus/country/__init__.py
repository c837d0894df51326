"""The national view: several campuses under one export regime (see ``docs/country.md``).

:func:`run_country` runs a loaded :class:`~gigacampus.scenario.country.Country`;
:func:`run_country_batch` is its batched form (a leading variant axis, for sweeps).
"""

from gigacampus.country.runner import *  # noqa: F403  (the public names: runner.__all__)
from gigacampus.country.runner import __all__  # noqa: F401
