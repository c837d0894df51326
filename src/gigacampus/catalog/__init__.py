"""Sourced hardware catalog: accelerators, the systems they ship in, and model defaults.

Numbers live in CSV files under ``catalog/data/`` (one row per item, a ``source`` and a
``retrieved`` date on every row, units in ``schema.csv``). Derived quantities are computed
here, never typed into the data:

* ``tpp``: export-control Total Processing Performance, the highest over the supported
  precisions of dense ops/s [TOP/s] x bit length (ECCN 3A090: 2 x MacTOPS x bit length);
* ``h100e``: dense 8-bit ops/s divided by the H100 SXM's dense 8-bit ops/s (1,979 TOP/s,
  read from the ``h100-sxm`` row);
* ``it_power_w``: system power / accelerators per system.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Any

from gigacampus.catalog.tables import CatalogDataError, read_table, schema, units

__all__ = [
    "Accelerator",
    "Catalog",
    "CatalogDataError",
    "Default",
    "PRECISIONS",
    "System",
    "build_accelerator",
    "build_system",
    "load_catalog",
    "schema",
    "units",
]

#: Tensor precisions with the bit length of their operands, as used in the TPP definition.
PRECISIONS: tuple[tuple[str, int], ...] = (
    ("tf32", 32),
    ("bf16", 16),
    ("fp8", 8),
    ("int8", 8),
    ("fp6", 6),
    ("fp4", 4),
)

#: Catalog id of the accelerator that defines one H100-equivalent.
H100E_REFERENCE_ID = "h100-sxm"


@dataclass(frozen=True)
class Accelerator:
    """One accelerator package (a GPU or TPU chip) with its published dense throughput."""

    id: str
    name: str
    vendor: str
    release_year: int
    dense_tf32_tflops: float | None
    dense_bf16_tflops: float
    dense_fp8_tflops: float | None
    dense_int8_tops: float | None
    dense_fp6_tflops: float | None
    dense_fp4_tflops: float | None
    hbm_gb: float
    hbm_bandwidth_tbps: float
    tdp_w: float | None
    die_area_mm2: float | None
    default_system: str
    source: str
    retrieved: _dt.date | None
    notes: str | None
    defined_in: str = "catalog"
    """``catalog`` for a shipped row, ``scenario`` for one a scenario defines (``[accelerator.<id>]``)."""
    assumed: tuple[str, ...] = ()
    """Columns whose values are the scenario author's assumptions rather than from ``source``."""

    def dense_tops(self, precision: str) -> float | None:
        """Dense throughput at ``precision`` [TOP/s or TFLOP/s], ``None`` if not supported."""
        attr = "dense_int8_tops" if precision == "int8" else f"dense_{precision}_tflops"
        return getattr(self, attr)

    @property
    def dense_8bit_tops(self) -> float:
        """Best dense 8-bit throughput, FP8 or INT8 [TOP/s] (0 if neither is supported)."""
        return max(self.dense_fp8_tflops or 0.0, self.dense_int8_tops or 0.0)

    @property
    def tpp_precision(self) -> str:
        """The precision that gives the highest TPP (on a tie, the shortest bit length)."""
        best = max(((self.dense_tops(p) or 0.0) * bits, i, p) for i, (p, bits) in enumerate(PRECISIONS))
        return best[2]

    @property
    def tpp(self) -> float:
        """Total Processing Performance: max over precisions of dense TOP/s x bit length."""
        return max((self.dense_tops(p) or 0.0) * bits for p, bits in PRECISIONS)

    @property
    def performance_density(self) -> float | None:
        """TPP per mm^2 of die area, ``None`` where die area is not published."""
        return self.tpp / self.die_area_mm2 if self.die_area_mm2 else None


@dataclass(frozen=True)
class System:
    """A server or rack that holds accelerators (e.g. an 8-GPU HGX board, an NVL72 rack)."""

    id: str
    name: str
    vendor: str
    accelerator: str
    accelerators_per_system: int
    system_power_kw: float | None
    scale_up_domain: int
    power_includes_overhead: bool
    """``system_power_kw`` already covers the hosts, network and other IT around the
    accelerators (a whole TPU pod): ``site.overhead_fraction`` is not added again."""
    source: str
    retrieved: _dt.date | None
    notes: str | None
    defined_in: str = "catalog"
    """``catalog`` for a shipped row, ``scenario`` for one a scenario defines (``[system.<id>]``)."""
    assumed: tuple[str, ...] = ()
    """Columns whose values are the scenario author's assumptions rather than from ``source``."""

    @property
    def it_power_w(self) -> float | None:
        """IT power per accelerator [W]: system power / accelerators per system."""
        if self.system_power_kw is None:
            return None
        return self.system_power_kw * 1000.0 / self.accelerators_per_system


@dataclass(frozen=True)
class Default:
    """A sourced default value for a scenario key."""

    parameter: str
    value: float
    unit: str | None
    source: str
    retrieved: _dt.date
    notes: str | None


def _build(cls: type, row: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in names})


def build_accelerator(row: Mapping[str, Any]) -> Accelerator:
    """An :class:`Accelerator` from a row with the columns of ``accelerators.csv`` (extra keys ignored)."""
    return _build(Accelerator, row)


def build_system(row: Mapping[str, Any]) -> System:
    """A :class:`System` from a row with the columns of ``systems.csv`` (extra keys ignored)."""
    return _build(System, row)


@dataclass(frozen=True)
class Catalog:
    """The loaded catalog. Use :func:`load_catalog` to get the shipped one."""

    accelerators: Mapping[str, Accelerator]
    systems: Mapping[str, System]
    defaults: Mapping[str, Default]

    def __post_init__(self) -> None:
        problems = []
        for acc in self.accelerators.values():
            system = self.systems.get(acc.default_system)
            if system is None:
                problems.append(f"accelerator {acc.id}: default_system {acc.default_system!r} is not a system")
            elif system.accelerator != acc.id:
                problems.append(f"accelerator {acc.id}: default system {system.id} holds {system.accelerator}")
        for sys_ in self.systems.values():
            if sys_.accelerator not in self.accelerators:
                problems.append(f"system {sys_.id}: accelerator {sys_.accelerator!r} is not in the catalog")
        if H100E_REFERENCE_ID not in self.accelerators:
            problems.append(f"the H100e reference {H100E_REFERENCE_ID!r} is missing")
        if problems:
            raise CatalogDataError("; ".join(problems))

    @property
    def h100e_reference_tops(self) -> float:
        """Dense 8-bit TOP/s of one H100-equivalent (the H100 SXM's, 1,979)."""
        return self.accelerators[H100E_REFERENCE_ID].dense_8bit_tops

    def h100e(self, accelerator_id: str) -> float:
        """H100-equivalents of one accelerator: dense 8-bit ops/s / H100 SXM dense 8-bit ops/s."""
        return self.accelerators[accelerator_id].dense_8bit_tops / self.h100e_reference_tops

    def system_for(self, accelerator_id: str, system_id: str | None = None) -> System:
        """The system an accelerator ships in: ``system_id`` if given, else its default."""
        return self.systems[system_id or self.accelerators[accelerator_id].default_system]

    def systems_for(self, accelerator_id: str) -> list[str]:
        """Ids of the systems that hold ``accelerator_id``."""
        return [s.id for s in self.systems.values() if s.accelerator == accelerator_id]

    def default(self, parameter: str) -> Default:
        return self.defaults[parameter]

    def derived(self, accelerator_id: str) -> dict[str, Any]:
        """Derived values of one accelerator (TPP, H100e, density, per-accelerator IT power)."""
        acc = self.accelerators[accelerator_id]
        system = self.system_for(accelerator_id)
        return {
            "tpp": acc.tpp,
            "tpp_precision": acc.tpp_precision,
            "performance_density": acc.performance_density,
            "h100e": self.h100e(accelerator_id),
            "dense_8bit_tops": acc.dense_8bit_tops,
            "default_system": system.id,
            "it_power_w": system.it_power_w,
        }

    def describe(self, item_id: str) -> dict[str, Any]:
        """One accelerator or system as a JSON-ready dict with derived values and sources."""
        if item_id in self.accelerators:
            acc = self.accelerators[item_id]
            data = _jsonable(asdict(acc))
            data["kind"] = "accelerator"
            data["derived"] = self.derived(item_id)
            data["systems"] = self.systems_for(item_id)
            data["units"] = {k: v for k, v in units("accelerators").items() if v}
            data["units"].update({"tpp": "TOP/s x bit", "performance_density": "TPP/mm2", "it_power_w": "W"})
            return data
        if item_id in self.systems:
            data = _jsonable(asdict(self.systems[item_id]))
            data["kind"] = "system"
            data["derived"] = {"it_power_w": self.systems[item_id].it_power_w}
            data["units"] = {k: v for k, v in units("systems").items() if v}
            data["units"]["it_power_w"] = "W"
            return data
        raise KeyError(item_id)

    def ids(self) -> list[str]:
        return [*self.accelerators, *self.systems]

    def with_items(self, accelerators: Iterable[Accelerator] = (), systems: Iterable[System] = ()) -> Catalog:
        """This catalog plus extra accelerators and systems (e.g. those a scenario defines).

        Items whose id the catalog already has replace nothing: a :class:`CatalogDataError` is
        raised, as for any inconsistency (a default system that does not hold its accelerator).
        Without items the catalog itself is returned.
        """
        accs, syss = list(accelerators), list(systems)
        if not accs and not syss:
            return self
        clash = [a.id for a in accs if a.id in self.accelerators] + [s.id for s in syss if s.id in self.systems]
        if clash:
            raise CatalogDataError(f"ids already in the catalog: {', '.join(clash)}")
        return Catalog(
            accelerators={**self.accelerators, **{a.id: a for a in accs}},
            systems={**self.systems, **{s.id: s for s in syss}},
            defaults=self.defaults,
        )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, _dt.date) else v) for k, v in data.items()}


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with gigacampus (loaded once per process)."""
    return Catalog(
        accelerators={r["id"]: _build(Accelerator, r) for r in read_table("accelerators")},
        systems={r["id"]: _build(System, r) for r in read_table("systems")},
        defaults={r["parameter"]: _build(Default, r) for r in read_table("defaults")},
    )
