"""Sizing a folded-Clos (fat-tree) scale-out fabric: pure, vectorised functions.

A fabric connects ``N`` endpoint ports (one NIC port per accelerator per link) with switches
of radix ``k`` (ports at the link speed). Leaves give ``d`` ports to endpoints and ``u = k - d``
ports to the tier above, with ``d / u`` the leaf oversubscription ``r`` (1 = full bisection);
every tier above the leaves is non-blocking. In a rail-optimised fabric the ``R`` rails (NIC
positions of a server) each get their own leaves, so leaves come in groups of ``R``:

* leaves ``L = R x ceil(N / (R x d))`` and uplinks ``U = L x u``;
* ``t`` tiers hold at most ``k x (k/2)^(t-2)`` leaves (``t >= 2``), so the tier count is the
  smallest ``t`` with ``L`` within that bound (1 tier when one switch holds every endpoint);
* each middle tier (2 .. t-1) has ``ceil(U / (k/2))`` switches (half the ports down, half up)
  and the top tier ``ceil(U / k)`` (every port down);
* cables: ``N`` from endpoints to leaves, then ``U`` between each pair of adjacent tiers.

At full bisection this is the textbook fat-tree: ``k^2 / 2`` endpoints in two tiers and
``k^3 / 4`` in three (``2 (k/2)^t`` in ``t`` tiers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_TIERS", "FabricSize", "max_endpoints", "size_clos"]

#: Deepest fabric sized; a radix-64 fabric of 5 tiers holds 2 x 32^5 = 67 million endpoints.
MAX_TIERS = 5


@dataclass(frozen=True)
class FabricSize:
    """Counts for a fabric, each an array of the input's shape (``switches``/``cables`` add a tier axis)."""

    endpoints: np.ndarray
    """Endpoint ports connected (NIC ports)."""
    tiers: np.ndarray
    """Switch tiers (0 when there are no endpoints)."""
    switches: np.ndarray
    """(..., MAX_TIERS) switches per tier, leaves first."""
    cables: np.ndarray
    """(..., MAX_TIERS) links per boundary: [0] endpoint-leaf, [1] leaf-tier 2, ..."""

    @property
    def total_switches(self) -> np.ndarray:
        return self.switches.sum(axis=-1)

    @property
    def total_cables(self) -> np.ndarray:
        return self.cables.sum(axis=-1)

    @property
    def switch_links(self) -> np.ndarray:
        """Links between switches (every cable but the endpoint-leaf ones)."""
        return self.cables[..., 1:].sum(axis=-1)


def _leaf_split(radix: np.ndarray, oversubscription: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    down = np.floor(radix * oversubscription / (1.0 + oversubscription))
    down = np.clip(down, 1, radix - 1)
    return down, radix - down


def max_endpoints(radix: float, tiers: int, oversubscription: float = 1.0) -> float:
    """Most endpoints a ``tiers``-tier fabric of radix ``radix`` holds (rails = 1)."""
    if tiers == 1:
        return float(radix)
    down, _ = _leaf_split(np.asarray(float(radix)), np.asarray(float(oversubscription)))
    return float(down) * radix * (radix / 2.0) ** (tiers - 2)


def size_clos(
    endpoints: np.ndarray | float,
    radix: np.ndarray | float,
    oversubscription: np.ndarray | float = 1.0,
    rails: np.ndarray | float = 1,
) -> FabricSize:
    """Switches and cables of a rail-optimised folded Clos for ``endpoints`` ports.

    Arguments broadcast against each other; ``radix`` is ports per switch at the link speed
    (an even number >= 4), ``oversubscription`` the leaf down:up ratio (>= 1), ``rails`` the
    leaf group size. Raises ``ValueError`` if a fabric would need more than :data:`MAX_TIERS`.
    """
    n, k, r, rails_ = np.broadcast_arrays(
        np.asarray(endpoints, dtype=np.float64),
        np.asarray(radix, dtype=np.float64),
        np.asarray(oversubscription, dtype=np.float64),
        np.asarray(rails, dtype=np.float64),
    )
    n = np.ceil(n)
    down, up = _leaf_split(k, r)
    leaves = rails_ * np.ceil(n / (rails_ * down))
    uplinks = leaves * up
    single = n <= k
    tiers = np.where(n <= 0, 0, np.where(single, 1, 0)).astype(np.int64)
    for t in range(2, MAX_TIERS + 1):
        fits = (tiers == 0) & (n > 0) & (leaves <= k * (k / 2.0) ** (t - 2))
        tiers = np.where(fits, t, tiers)
    if np.any((tiers == 0) & (n > 0)):
        raise ValueError(f"more endpoints than a {MAX_TIERS}-tier fabric of this radix can connect")
    shape = n.shape + (MAX_TIERS,)
    switches = np.zeros(shape)
    cables = np.zeros(shape)
    switches[..., 0] = np.where(single, np.where(n > 0, 1.0, 0.0), leaves)
    cables[..., 0] = n
    for level in range(1, MAX_TIERS):
        middle = tiers > level + 1
        top = tiers == level + 1
        count = np.where(middle, np.ceil(uplinks / (k / 2.0)), np.where(top, np.ceil(uplinks / k), 0.0))
        switches[..., level] = np.where(tiers >= 2, count, 0.0)
        cables[..., level] = np.where(tiers > level, uplinks, 0.0)
    return FabricSize(endpoints=n, tiers=tiers, switches=switches, cables=cables)
