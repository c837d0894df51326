"""Columns: what every per-year and per-phase value is called, its unit, dtype and meaning.

:class:`Column` is the one description of a result column. Columns are data: the core model's
are in ``model/columns.csv`` (:data:`CORE_COLUMNS`), each analysis's in ``columns.csv`` of its
folder, read by :func:`read_columns` into its ``Analysis``; :class:`ColumnTable` joins them into the single
table that results, summary.json's ``units`` map, the CSV files, the charts, the web API and
``docs/columns.md`` read.

Tables: ``year`` (``timeline.csv``, summary.json ``years[]``), ``phase_year`` (``phases.csv``:
one row per year and phase) and ``phase`` (summary.json ``phases``: one row per phase).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np

from gigacampus.model.campus import BINDING, CampusOutputs
from gigacampus.model.inputs import CampusInputs
from gigacampus.model.sums import sum_last

__all__ = [
    "CORE_COLUMNS",
    "DTYPES",
    "PER_MODEL",
    "TABLES",
    "Column",
    "ColumnTable",
    "core_year_columns",
    "read_columns",
]

DTYPES = ("float", "int", "bool", "str")
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
    """``float``, ``int``, ``bool`` or ``str``."""
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


_HEADER = ("name", "unit", "dtype", "description")


def read_columns(package: str) -> tuple[Column, ...]:
    """The columns declared in ``columns.csv`` of ``package`` (the model's, or an analysis's folder).

    The file has ``name,unit,dtype,description`` and, optionally, ``table`` and ``json_key``; one
    row per column, in the order they appear in the tables. A malformed file is a ``ValueError``
    naming the file and the line (a bug in the package's data, caught by the first import).
    """
    path = resources.files(package) / "columns.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = tuple(rows[0])
    if header[:4] != _HEADER or not set(header[4:]) <= {"table", "json_key"}:
        raise ValueError(f"{package}/columns.csv: header {header}; expected {_HEADER} (+ table, json_key)")
    out = []
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{package}/columns.csv:{lineno}: {len(row)} cells; expected {len(header)}")
        cells = dict(zip(header, row, strict=True))
        try:
            out.append(
                Column(
                    cells["name"],
                    cells["unit"],
                    cells["dtype"],
                    cells["description"],
                    cells.get("table") or "year",
                    cells.get("json_key") or None,
                )
            )
        except ValueError as exc:
            raise ValueError(f"{package}/columns.csv:{lineno}: {exc}") from None
    return tuple(out)


#: Columns of the core campus model (``model/columns.csv``; the per-year ones first, in timeline order).
CORE_COLUMNS: tuple[Column, ...] = read_columns("gigacampus.model")


class ColumnTable:
    """Every column of a run's tables, by table and name; built once from the core and the analyses.

    Raises ``ValueError`` when two columns of one table share a name, or when one name has two
    units anywhere (summary.json's ``units`` map is flat).
    """

    def __init__(self, columns: Iterable[Column], owners: Mapping[tuple[str, str], str] | None = None):
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
        "remainder_power_mw": outputs.remainder_power_mw,
        "accelerator_slots": sum_last(outputs.slots),
        "accelerators": sum_last(outputs.accelerators),
        "systems": sum_last(outputs.systems),
        "accelerators_added": sum_last(outputs.accelerators_added),
        "accelerators_retired": sum_last(outputs.accelerators_retired),
        "accelerators_wanted": sum_last(outputs.demand),
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
