"""Network parts from the catalog: switches, optics and cables, and each system's scale-out NICs."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import read_table

__all__ = ["REACH_CLASSES", "Optic", "ScaleOut", "Switch", "optic_for", "optics", "scale_out", "switches"]

#: Link classes of optics and cables, shortest reach first (``optics.csv`` ``reach_class``).
REACH_CLASSES: tuple[str, ...] = ("dac", "multimode", "singlemode")


@dataclass(frozen=True)
class Switch:
    id: str
    name: str
    vendor: str
    asic: str
    ports: int
    port_gbps: float
    power_w: float | None
    price_usd: float | None
    source: str
    retrieved: _dt.date
    notes: str | None

    def radix(self, link_gbps: float) -> int:
        """Ports at ``link_gbps`` (native ports split into slower ones)."""
        return int(round(self.ports * self.port_gbps / link_gbps))


@dataclass(frozen=True)
class Optic:
    id: str
    name: str
    reach_class: str
    ports_per_module: int
    port_gbps: float
    max_reach_m: float
    module_power_w: float
    price_usd: float | None
    source: str
    retrieved: _dt.date
    notes: str | None


@dataclass(frozen=True)
class ScaleOut:
    system: str
    nic: str
    nic_gbps_per_accelerator: float
    rails: int
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def switches() -> dict[str, Switch]:
    """Switches in ``catalog/data/switches.csv`` by id."""
    return {r["id"]: Switch(**r) for r in read_table("switches")}


@cache
def optics() -> dict[str, Optic]:
    """Transceivers and cables in ``catalog/data/optics.csv`` by id."""
    return {r["id"]: Optic(**r) for r in read_table("optics")}


@cache
def scale_out() -> dict[str, ScaleOut]:
    """Scale-out NICs per system id (``catalog/data/scale_out.csv``)."""
    return {r["system"]: ScaleOut(**r) for r in read_table("scale_out")}


def optic_for(reach_class: str, link_gbps: float) -> Optic | None:
    """The catalog optic of ``reach_class`` whose ports run at ``link_gbps``."""
    for optic in optics().values():
        if optic.reach_class == reach_class and optic.port_gbps == link_gbps:
            return optic
    return None
