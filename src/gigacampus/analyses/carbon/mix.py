"""Emissions and water of a campus: pure functions on numbers and numpy arrays (docs/carbon.md).

* :func:`grid_share`: the part of the electricity the grid supplies, ``1 - sum of the shares``;
* :func:`effective_intensity`: kgCO2 per kWh of the electricity used, the share-weighted mean of
  the sources' factors and the grid's;
* :func:`emissions_tco2`: facility energy [MWh] x intensity [kgCO2/kWh] = tCO2 (1 MWh = 1,000 kWh,
  1,000 kg = 1 t);
* :func:`water_m3`: IT energy [MWh] x WUE [L/kWh] = m3 (1 MWh = 1,000 kWh, 1,000 L = 1 m3).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from gigacampus.analyses.carbon.section import SHARE_TOLERANCE

__all__ = ["SHARE_TOLERANCE", "effective_intensity", "emissions_tco2", "grid_share", "water_m3"]


def grid_share(shares: Iterable[float]) -> float:
    """Part of the electricity the grid supplies [-]: ``1 - sum(shares)``, 0 within rounding."""
    rest = 1.0 - math.fsum(shares)
    return rest if rest > SHARE_TOLERANCE else 0.0


def effective_intensity(
    shares: Mapping[str, float], factors: Mapping[str, float], grid_kgco2_per_kwh: float | None
) -> float:
    """Emissions per kWh of the electricity used [kgCO2/kWh].

    ``sum_i share_i x factor_i + grid share x grid factor``; with no sources, the grid factor
    itself. NaN when the grid supplies a share and its factor is not known (``None``).
    """
    if not shares:
        return math.nan if grid_kgco2_per_kwh is None else float(grid_kgco2_per_kwh)
    total = math.fsum(share * factors[key] for key, share in shares.items())
    rest = grid_share(shares.values())
    if rest > 0.0:
        if grid_kgco2_per_kwh is None:
            return math.nan
        total += rest * float(grid_kgco2_per_kwh)
    return total


def emissions_tco2(energy_mwh: np.ndarray, intensity_kgco2_per_kwh: float | np.ndarray) -> np.ndarray:
    """Emissions [tCO2] of ``energy_mwh`` [MWh] at ``intensity`` [kgCO2/kWh]: MWh x kg/kWh = t."""
    return np.asarray(energy_mwh, dtype=np.float64) * intensity_kgco2_per_kwh


def water_m3(it_energy_mwh: np.ndarray, wue_l_per_kwh: float | np.ndarray | None) -> np.ndarray:
    """Water used on site [m3] for ``it_energy_mwh`` [MWh] at a WUE [L/kWh]: MWh x L/kWh = m3.

    ``wue_l_per_kwh`` broadcasts against the energy (one per variant: shape ``(S, 1)``); NaN where
    the WUE is not known (``None`` or NaN).
    """
    energy = np.asarray(it_energy_mwh, dtype=np.float64)
    if wue_l_per_kwh is None:
        return np.full(energy.shape, np.nan)
    return energy * np.asarray(wue_l_per_kwh, dtype=np.float64)
