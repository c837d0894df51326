"""The ``[network]`` section: the scale-out fabric to size, and its checks against the phases and the
catalog (switch ids, NIC speeds, optics).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from gigacampus.catalog import Catalog
from gigacampus.catalog.network import REACH_CLASSES, optic_for, optics, scale_out, switches
from gigacampus.errors import closest
from gigacampus.scenario.base import Problems, ScenarioChecksFailed, Section, array_at, num

__all__ = ["Network", "network_problems"]


class Network(Section):
    """``[network]``: the scale-out fabric, a rail-optimised folded Clos (fat-tree) per phase.

    Every phase's accelerators get their own fabric: one NIC port per accelerator at the
    system's scale-out speed (catalog ``scale_out``), leaves in rail groups, and as many tiers
    of ``switch`` as the count needs. See docs/network.md.
    """

    model: Literal["fraction", "clos"] = "fraction"
    """``fraction``: size and report the fabric, keep ``site.overhead_fraction`` for power;
    ``clos``: the fabric's power replaces the network share of the overhead (solved with the
    accelerator count) and ``other_overhead_fraction`` covers the rest."""
    switch: str = Field(default="nvidia-qm9700", min_length=1, max_length=64)
    """Catalog id of the switch used in every tier (see catalog ``switches.csv``)."""
    switch_power_w: float | None = num("W", gt=0.0, le=100_000.0, default=None)
    """Power of one switch without optics [W]; required where the catalog has none."""
    switch_price_usd: float | None = num("USD", ge=0.0, le=1e8, default=None)
    """Price of one switch [USD]; gives ``network_capex_usd`` with ``transceiver_price_usd``."""
    transceiver_price_usd: float | None = num("USD", ge=0.0, le=1e6, default=None)
    """Price of one transceiver module or copper cable end [USD]."""
    link_gbps: float | None = num("Gb/s", gt=0.0, le=1_600.0, default=None)
    """Scale-out speed per accelerator [Gb/s]; default: the system's NIC (catalog ``scale_out``)."""
    oversubscription: float = num("-", ge=1.0, le=16.0, default=1.0)
    """Leaf downlink:uplink ratio [-]; 1 = full bisection bandwidth."""
    rails: int | None = Field(default=None, strict=True, ge=1, le=64, json_schema_extra={"unit": "count"})
    """Rails (leaf group size); default: NIC ports per server node from the catalog."""
    reach: tuple[Literal["dac", "multimode", "singlemode"], ...] = Field(default=("singlemode",), min_length=1)
    """Link class per tier boundary, endpoint-leaf first; the last repeats for higher tiers."""
    frontend_fraction: float = num("-", ge=0.0, le=1.0, default=0.0)
    """Front-end and storage network as a fraction of the scale-out fabric's switches, optics,
    power and cost [-]; 0 leaves it out."""
    other_overhead_fraction: float | None = num("-", ge=0.0, le=1.0, default=None)
    """With ``model = "clos"``: IT power for storage, CPU hosts and management outside the
    accelerator systems and the fabric, as a fraction of system power [-] (required)."""

    @field_validator("switch")
    @classmethod
    def _known_switch(cls, value: str) -> str:
        known = switches()
        if value not in known:
            raise ScenarioChecksFailed(
                [("", f"unknown switch {value!r}; allowed: {', '.join(known)}", closest(value, known))]
            )
        return value

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        return network_problems(data, catalog)


def network_problems(data: Any, cat: Catalog) -> Problems:
    """Checks of ``[network]`` against the phases and the catalog, on raw data."""
    net = data.get("network") if isinstance(data, dict) else None
    if not isinstance(net, dict):
        return []
    problems: Problems = []
    model = net.get("model", "fraction")
    switch = switches().get(net.get("switch", "nvidia-qm9700")) if isinstance(net.get("switch", ""), str) else None
    if model == "clos":
        if net.get("other_overhead_fraction") is None:
            problems.append(
                (
                    "network.other_overhead_fraction",
                    'missing; with model = "clos" give the IT power for storage, CPU hosts and management '
                    "as a fraction of system power (a number >= 0 and <= 1)",
                    None,
                )
            )
        if switch is not None and switch.power_w is None and net.get("switch_power_w") is None:
            problems.append(
                (
                    "network.switch_power_w",
                    f'missing; with model = "clos" the catalog has no sourced power for switch {switch.id!r}, '
                    "so give switch_power_w [W] (a number > 0)",
                    None,
                )
            )
    link = net.get("link_gbps")
    link = float(link) if isinstance(link, (int, float)) and not isinstance(link, bool) else None
    reach = net.get("reach", ["singlemode"])
    reach = [r for r in reach if r in REACH_CLASSES] if isinstance(reach, (list, tuple)) else []
    phases = array_at(data, "phase")
    speeds: set[float] = set()
    for i, ph in enumerate(phases):
        if not isinstance(ph, dict) or ph.get("accelerator") not in cat.accelerators:
            continue
        sys_id = ph.get("system")
        if sys_id is not None and sys_id not in cat.systems:
            continue
        system = cat.system_for(ph["accelerator"], sys_id)
        nic = scale_out().get(system.id)
        if link is None and nic is None:
            problems.append(
                (
                    "network.link_gbps",
                    f"missing; the catalog has no scale-out NIC for system {system.id!r} (phase[{i}]), "
                    "so give link_gbps [Gb/s] (a number > 0)",
                    None,
                )
            )
            continue
        speeds.add(link if link is not None else nic.nic_gbps_per_accelerator)  # type: ignore[union-attr]
    if switch is not None:
        for speed in sorted(speeds):
            lanes = switch.port_gbps / min(speed, switch.port_gbps)
            if abs(lanes - round(lanes)) > 1e-9 or switch.radix(min(speed, switch.port_gbps)) < 4:
                problems.append(
                    (
                        "network.link_gbps" if link is not None else "network.switch",
                        f"{speed:g} Gb/s links do not split the {switch.port_gbps:g} Gb/s ports of switch "
                        f"{switch.id!r}; allowed: a link speed that divides the port speed",
                        None,
                    )
                )
                continue
            port = min(speed, switch.port_gbps)
            for j, cls in enumerate(reach):
                if optic_for(cls, port) is None:
                    problems.append(
                        (
                            f"network.reach[{j}]",
                            f"no catalog optics of class {cls!r} at {port:g} Gb/s; allowed: "
                            + ", ".join(sorted({o.reach_class for o in _optics_at(port)})),
                            None,
                        )
                    )
    return list(dict.fromkeys(problems))


def _optics_at(port_gbps: float) -> list[Any]:
    return [o for o in optics().values() if o.port_gbps == port_gbps]
