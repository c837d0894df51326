"""Columns: what every per-year and per-phase value is called, its unit, dtype and meaning.

:class:`Column` is the one description of a result column. The core model declares its own
here (:data:`CORE_COLUMNS`); each analysis declares the columns it provides in its
:class:`~gigacampus.analyses.contract.Analysis`; :class:`ColumnTable` joins them into the single
table that results, summary.json's ``units`` map, the CSV files, the charts, the web API and
``docs/columns.md`` read.

Tables: ``year`` (``timeline.csv``, summary.json ``years[]``), ``phase_year`` (``phases.csv``:
one row per year and phase) and ``phase`` (summary.json ``phases``: one row per phase).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from gigacampus.model.campus import BINDING, CampusOutputs
from gigacampus.model.inputs import CampusInputs

__all__ = ["CORE_COLUMNS", "DTYPES", "PER_MODEL", "TABLES", "Column", "ColumnTable", "core_year_columns"]

DTYPES = ("float", "int", "bool", "str", "map")
TABLES = ("year", "phase_year", "phase")
#: The per-accelerator-model count columns of the timeline, one per model: ``accelerators_<id>``.
PER_MODEL = "accelerators_<accelerator id>"


@dataclass(frozen=True)
class Column:
    """One result column."""

    name: str
    """Canonical name, with the unit in its suffix where it has one (``energy_mwh``)."""
    unit: str
    """Unit as written in reports (``MWh/year``); empty for text, flags and codes."""
    dtype: str
    """``float``, ``int``, ``bool``, ``str`` or ``map`` (a table keyed by id, e.g. by accelerator)."""
    description: str
    """What the value is, in one sentence."""
    table: str = "year"
    """``year``, ``phase_year`` or ``phase`` (see the module docstring)."""
    json_key: str | None = None
    """Key in summary.json when it differs from ``name`` (the per-model columns are ``by_accelerator``)."""

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: dtype {self.dtype!r} is not one of {DTYPES}")
        if self.table not in TABLES:
            raise ValueError(f"column {self.name}: table {self.table!r} is not one of {TABLES}")

    @property
    def key(self) -> str:
        """Its key in summary.json."""
        return self.json_key or self.name


def _y(name: str, unit: str, dtype: str, description: str) -> Column:
    return Column(name, unit, dtype, description, "year")


#: Columns of the core campus model (the per-year ones first, in timeline order).
CORE_COLUMNS: tuple[Column, ...] = (
    _y("year", "year", "int", "Modelled year (values are at year end unless a column says per year)."),
    _y("facility_power_mw", "MW", "float", "Facility (grid) power online."),
    _y("it_power_mw", "MW", "float", "IT power online: facility power / PUE."),
    _y(
        "power_used_mw", "MW", "float", "Facility power the installed fleet draws at nameplate (with overhead and PUE)."
    ),
    _y("stranded_power_mw", "MW", "float", "Facility power online that could host accelerators but has none."),
    _y("accelerator_slots", "accelerators", "int", "Accelerators the power online can host."),
    _y("accelerators", "accelerators", "int", "Accelerators installed."),
    _y("accelerators_added", "accelerators/year", "int", "Accelerators shipped and installed during the year."),
    _y("accelerators_retired", "accelerators/year", "int", "Accelerators retired at end of life during the year."),
    _y(
        "accelerators_wanted",
        "accelerators/year",
        "int",
        "Accelerators wanted to fill the slots (new and replacement).",
    ),
    _y("accelerators_cut_by_quota", "accelerators/year", "int", "Wanted but not shipped because of the quota."),
    _y("accelerators_cut_by_supply", "accelerators/year", "int", "Wanted but not shipped because of vendor supply."),
    _y("h100e", "H100e", "float", "H100-equivalents installed: dense 8-bit ops/s / the H100 SXM's 1,979 TOP/s."),
    _y("tpp", "TPP", "float", "Total Processing Performance installed (export-control metric)."),
    _y("dense_bf16_flops", "FLOP/s", "float", "Dense BF16 throughput installed."),
    _y("dense_fp8_flops", "FLOP/s", "float", "Dense 8-bit throughput installed."),
    _y("it_energy_mwh", "MWh/year", "float", "IT energy used in the year (mid-year fleet at its utilization)."),
    _y("energy_mwh", "MWh/year", "float", "Facility energy used in the year: IT energy x PUE."),
    _y("binding_constraint", "", "str", "What limited the build-out: power, quota, supply, approval or none."),
    Column(
        PER_MODEL,
        "accelerators",
        "int",
        "Accelerators of one model installed (timeline.csv; summary.json years[].by_accelerator).",
        "year",
        json_key="by_accelerator",
    ),
    Column("year", "year", "int", "Modelled year.", "phase_year"),
    Column("phase", "", "str", "Phase name.", "phase_year"),
    Column("accelerator", "", "str", "Catalog id of the phase's accelerator.", "phase_year"),
    Column("accelerator_slots", "accelerators", "int", "Accelerators the phase's power can host.", "phase_year"),
    Column("accelerators", "accelerators", "int", "Accelerators installed in the phase.", "phase_year"),
    Column("accelerators_added", "accelerators/year", "int", "Installed in the phase during the year.", "phase_year"),
    Column("accelerators_retired", "accelerators/year", "int", "Retired from the phase during the year.", "phase_year"),
    Column("accelerators_wanted", "accelerators/year", "int", "Wanted to fill the phase's slots.", "phase_year"),
    Column("name", "", "str", "Phase name.", "phase"),
    Column("online_year", "year", "int", "Year the phase's power comes online.", "phase"),
    Column("power_mw", "MW", "float", "Facility power the phase adds.", "phase"),
    Column("accelerator", "", "str", "Catalog id of the phase's accelerator.", "phase"),
    Column("system", "", "str", "Catalog id of the system its accelerators ship in.", "phase"),
    Column(
        "accelerator_it_power_w", "W", "float", "System power per accelerator (system power / accelerators).", "phase"
    ),
    Column(
        "accelerator_slots", "accelerators", "int", "Accelerators the phase holds at the end of the horizon.", "phase"
    ),
    Column("full_year", "year", "int", "First year every slot of the phase is filled (null: never).", "phase"),
)


class ColumnTable:
    """Every column of a run's tables, by table and name; built once from the core and the analyses.

    Raises ``ValueError`` when two columns of one table share a name, or when one name has two
    units anywhere (summary.json's ``units`` map is flat).
    """

    def __init__(self, columns: Iterable[Column], owners: Mapping[str, str] | None = None):
        self.columns: tuple[Column, ...] = tuple(columns)
        self.owners: dict[tuple[str, str], str] = dict(owners or {})
        """``(table, name) -> analysis`` for columns an analysis provides (absent: the core)."""
        seen: dict[tuple[str, str], Column] = {}
        units: dict[str, str] = {}
        for col in self.columns:
            if (col.table, col.name) in seen:
                raise ValueError(f"column {col.name!r} is declared twice in table {col.table!r}")
            seen[(col.table, col.name)] = col
            if col.key in units and units[col.key] != col.unit:
                raise ValueError(f"column {col.key!r} has two units: {units[col.key]!r} and {col.unit!r}")
            units[col.key] = col.unit
        self._by_key = seen

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def table(self, name: str) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.table == name)

    def get(self, name: str, table: str = "year") -> Column | None:
        return self._by_key.get((table, name))

    def __getitem__(self, name: str) -> Column:
        col = self.get(name)
        if col is None:
            raise KeyError(name)
        return col

    def names(self, table: str = "year") -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.table == table)

    def units(self) -> dict[str, str]:
        """summary.json's ``units`` map: every key of ``years[]`` and ``phases`` with its unit."""
        return {c.key: c.unit for c in self.columns}

    def owner(self, name: str, table: str = "year") -> str | None:
        """The analysis that provides a column, ``None`` for the core model's."""
        return self.owners.get((table, name))


def core_year_columns(inputs: CampusInputs, outputs: CampusOutputs) -> dict[str, np.ndarray]:
    """The core per-year columns for every variant, ``(S, T)`` each (``binding_constraint`` as text)."""
    years = np.broadcast_to(inputs.years, outputs.facility_power_mw.shape)
    return {
        "year": years,
        "facility_power_mw": outputs.facility_power_mw,
        "it_power_mw": outputs.it_power_mw,
        "power_used_mw": outputs.power_used_mw,
        "stranded_power_mw": outputs.stranded_power_mw,
        "accelerator_slots": outputs.slots.sum(axis=2),
        "accelerators": outputs.accelerators.sum(axis=2),
        "accelerators_added": outputs.accelerators_added.sum(axis=2),
        "accelerators_retired": outputs.accelerators_retired.sum(axis=2),
        "accelerators_wanted": outputs.demand.sum(axis=2),
        "accelerators_cut_by_quota": outputs.cut_by_quota,
        "accelerators_cut_by_supply": outputs.cut_by_supply,
        "h100e": outputs.h100e,
        "tpp": outputs.tpp,
        "dense_bf16_flops": outputs.dense_bf16_flops,
        "dense_fp8_flops": outputs.dense_fp8_flops,
        "it_energy_mwh": outputs.it_energy_mwh,
        "energy_mwh": outputs.energy_mwh,
        "binding_constraint": np.asarray(BINDING)[outputs.binding],
    }
