"""Time constants and unit helpers shared by every layer (the one place they are defined).

Two year lengths are used on purpose, each by the quantities whose sources use it:

* :data:`HOURS_PER_YEAR` (8,760 h, a 365-day year): energy per year [MWh/year], the convention
  of energy statistics and of every per-year column of the campus model;
* :data:`DAYS_PER_FAILURE_YEAR` (365.25 days, the Julian year): failure rates per
  accelerator-year derived from published observation windows (interruptions / accelerator-years
  observed), and every conversion of such a rate to seconds or days in the reliability analysis.

Using one length for both would change published figures by 0.07%; each analysis uses only one.
"""

from __future__ import annotations

__all__ = [
    "DAYS_PER_FAILURE_YEAR",
    "DAYS_PER_YEAR",
    "HOURS_PER_YEAR",
    "SECONDS_PER_DAY",
    "SECONDS_PER_FAILURE_YEAR",
    "SECONDS_PER_HOUR",
    "duration",
]

SECONDS_PER_HOUR = 3_600.0
SECONDS_PER_DAY = 86_400.0
#: Hours in a modelled year (365 days), for energy [h/year].
HOURS_PER_YEAR = 8_760.0
#: Days in a modelled year (365), for per-day figures of the energy and cost model.
DAYS_PER_YEAR = HOURS_PER_YEAR / 24.0
#: Days in the year that failure rates per accelerator-year are counted in (Julian year).
DAYS_PER_FAILURE_YEAR = 365.25
SECONDS_PER_FAILURE_YEAR = DAYS_PER_FAILURE_YEAR * SECONDS_PER_DAY


def duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it readable (``-`` for none)."""
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:,.1f} s"
    if seconds < 7_200:
        return f"{seconds / 60:,.1f} min"
    if seconds < 172_800:
        return f"{seconds / SECONDS_PER_HOUR:,.1f} h"
    return f"{seconds / SECONDS_PER_DAY:,.1f} days"
