"""The scale-out network: fabric sizing per phase, its power and cost.

* :func:`plan` turns a scenario's ``[network]`` section and the catalog into per-phase fabric
  parameters (:class:`FabricPlan`);
* :func:`fabric` sizes every phase's fabric for given accelerator counts (any leading shape);
* :func:`solve_accelerators` finds, per phase, the most accelerators whose systems, other
  overhead and fabric fit in the phase's IT power (the fixed point of ``model = "clos"``);
* :func:`phase_overhead_fraction` turns that into the per-phase overhead the campus model uses.

Pure functions on numpy arrays; no I/O. Equations: docs/network.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gigacampus.analyses.network.fabric import MAX_TIERS, FabricSize, max_endpoints, size_clos
from gigacampus.analyses.network.section import Network
from gigacampus.catalog import Catalog
from gigacampus.catalog.network import Optic, optic_for, scale_out, switches
from gigacampus.scenario import Scenario

__all__ = [
    "FabricPlan",
    "FabricReport",
    "MAX_TIERS",
    "fabric",
    "max_endpoints",
    "phase_overhead_fraction",
    "plan",
    "size_clos",
    "solve_accelerators",
]


@dataclass(frozen=True)
class FabricPlan:
    """Per-phase fabric parameters; arrays are ``(P,)``."""

    model: str
    switch_id: str
    link_gbps: np.ndarray
    """Port speed of every link [Gb/s]."""
    ports_per_accelerator: np.ndarray
    """NIC ports (links) per accelerator: NIC speed / link speed."""
    radix: np.ndarray
    """Switch ports at the link speed."""
    rails: np.ndarray
    oversubscription: float
    switch_power_w: float
    """NaN when unknown (``model = "fraction"`` without a power)."""
    switch_price_usd: float
    transceiver_price_usd: float
    optics: tuple[tuple[Optic, ...], ...]
    """Per phase, the optic of each tier boundary (endpoint-leaf first), MAX_TIERS of them."""
    frontend_fraction: float
    other_overhead_fraction: float
    scale_up_domain: np.ndarray
    """Accelerators per scale-up domain (NVLink, ICI) per phase."""


def plan(scn: Scenario, cat: Catalog) -> FabricPlan | None:
    """The fabric plan of a validated scenario, ``None`` without a ``[network]`` section."""
    net: Network | None = scn.network
    if net is None:
        return None
    switch = switches()[net.switch]
    link, ports, radix, rails, opts, domain = [], [], [], [], [], []
    for ph in scn.phase:
        system = cat.system_for(ph.accelerator, ph.system)
        nic = scale_out().get(system.id)
        nic_gbps = net.link_gbps if net.link_gbps is not None else nic.nic_gbps_per_accelerator  # type: ignore

        port = min(nic_gbps, switch.port_gbps)
        link.append(port)
        ports.append(math.ceil(nic_gbps / port - 1e-9))
        radix.append(switch.radix(port))
        rails.append(net.rails if net.rails is not None else (nic.rails if nic else 1))
        reach = [*net.reach, *[net.reach[-1]] * MAX_TIERS][:MAX_TIERS]
        opts.append(tuple(optic_for(r, port) for r in reach))  # checked by the schema
        domain.append(system.scale_up_domain)
    power = net.switch_power_w if net.switch_power_w is not None else switch.power_w
    price = net.switch_price_usd if net.switch_price_usd is not None else switch.price_usd
    return FabricPlan(
        model=net.model,
        switch_id=switch.id,
        link_gbps=np.asarray(link, dtype=np.float64),
        ports_per_accelerator=np.asarray(ports, dtype=np.float64),
        radix=np.asarray(radix, dtype=np.float64),
        rails=np.asarray(rails, dtype=np.float64),
        oversubscription=net.oversubscription,
        switch_power_w=np.nan if power is None else float(power),
        switch_price_usd=np.nan if price is None else float(price),
        transceiver_price_usd=np.nan if net.transceiver_price_usd is None else net.transceiver_price_usd,
        optics=tuple(opts),  # type: ignore[arg-type]
        frontend_fraction=net.frontend_fraction,
        other_overhead_fraction=net.other_overhead_fraction or 0.0,
        scale_up_domain=np.asarray(domain, dtype=np.float64),
    )


@dataclass(frozen=True)
class FabricReport:
    """One fabric per phase for accelerator counts of shape ``(..., P)``."""

    size: FabricSize
    """Counts; ``switches`` and ``cables`` are ``(..., P, MAX_TIERS)``."""
    transceivers: np.ndarray
    """(..., P, MAX_TIERS) modules (or copper cable ends) per boundary, both ends."""
    optics_power_w: np.ndarray
    """(..., P) power of the switch-side optics (NIC-side ones are in the system power) [W]."""
    switch_power_w: np.ndarray
    """(..., P) power of the switches [W]."""
    power_w: np.ndarray
    """(..., P) scale-out + front-end fabric power [W]."""
    capex_usd: np.ndarray
    """(..., P) cost of switches and every transceiver, scale-out + front-end [USD] (NaN without prices)."""


def fabric(p: FabricPlan, accelerators: np.ndarray) -> FabricReport:
    """Size each phase's fabric for ``accelerators`` (last axis = phases)."""
    acc = np.asarray(accelerators, dtype=np.float64)
    size = size_clos(acc * p.ports_per_accelerator, p.radix, p.oversubscription, p.rails)
    n_p = len(p.optics)
    module_w = np.asarray([[o.module_power_w for o in row] for row in p.optics])  # (P, MAX_TIERS)
    per_module = np.asarray([[o.ports_per_module for o in row] for row in p.optics], dtype=np.float64)
    ends = 2.0 * size.cables  # (..., P, MAX_TIERS)
    modules = np.ceil(ends / per_module)
    # switch-side ends: one per endpoint link, two per switch-to-switch link
    switch_ends = size.cables.copy()
    switch_ends[..., 1:] *= 2.0
    optics_w = (np.ceil(switch_ends / per_module) * module_w).sum(axis=-1)
    switch_w = size.total_switches * p.switch_power_w
    scale = 1.0 + p.frontend_fraction
    capex = (size.total_switches * p.switch_price_usd + modules.sum(axis=-1) * p.transceiver_price_usd) * scale
    assert module_w.shape == (n_p, MAX_TIERS)
    return FabricReport(
        size=size,
        transceivers=modules,
        optics_power_w=optics_w * scale,
        switch_power_w=switch_w * scale,
        power_w=(switch_w + optics_w) * scale,
        capex_usd=capex,
    )


def solve_accelerators(
    p: FabricPlan, it_power_w: np.ndarray, accelerator_power_w: np.ndarray, other_overhead: np.ndarray | float
) -> np.ndarray:
    """Most accelerators per phase with ``N x w x (1 + o) + fabric_power(N) <= IT power``.

    The fabric's size depends on the accelerator count and the count on the power the fabric
    leaves, a fixed point; because fabric power never falls as ``N`` grows, the left side is
    increasing in ``N`` and the largest feasible ``N`` is found exactly by bisection over
    integers (vectorised over every leading axis and phase).
    """
    per_acc = accelerator_power_w * (1.0 + np.asarray(other_overhead))
    if not np.isfinite(p.switch_power_w):
        raise ValueError("switch power unknown: the clos model needs a switch power")
    lo = np.zeros(np.shape(per_acc))
    hi = np.floor(it_power_w / per_acc)
    while np.any(lo < hi):
        mid = np.floor((lo + hi + 1.0) / 2.0)
        ok = mid * per_acc + fabric(p, mid).power_w <= it_power_w
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid - 1.0)
    return lo


def phase_overhead_fraction(
    p: FabricPlan, it_power_w: np.ndarray, accelerator_power_w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(overhead fraction per phase, solved accelerators) for the campus model.

    The fraction is ``other_overhead + fabric_power(N*) / (N* x w)``, nudged (by less than one
    accelerator's power over the phase) so that ``floor(IT power / (w (1 + o)))`` is exactly
    ``N*``: the fabric is sized for the full phase and its power is carried per accelerator.
    """
    other = p.other_overhead_fraction
    n = solve_accelerators(p, it_power_w, accelerator_power_w, other)
    net_w = fabric(p, n).power_w
    with np.errstate(divide="ignore", invalid="ignore"):
        per_acc = accelerator_power_w * (1.0 + other) + net_w / n
        low = it_power_w / (n + 1.0) * (1.0 + 1e-9)
        high = it_power_w / n * (1.0 - 1e-12)
        per_acc = np.minimum(np.maximum(per_acc, low), high)
        frac = per_acc / accelerator_power_w - 1.0
    return np.where(n > 0, frac, other), n
