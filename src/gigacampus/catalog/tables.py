"""Reading catalog CSV tables, typed and checked against ``schema.csv``.

Every table is one CSV file under ``catalog/data/`` with one row per item. ``schema.csv``
states each column's type, unit, whether it is required, and what it means; the loader
refuses a table whose header or values do not match it, so a bad edit to the data fails
the first test that loads the catalog rather than a model run later.
"""

from __future__ import annotations

import csv
import datetime as _dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

DATA_PACKAGE = "gigacampus.catalog"
DATA_DIR = "data"


@dataclass(frozen=True)
class Column:
    """One column of a catalog table, as declared in ``schema.csv``."""

    table: str
    attribute: str
    type: str
    unit: str
    required: bool
    description: str


def _yes_no(text: str) -> bool:
    if text not in ("yes", "no"):
        raise ValueError(text)
    return text == "yes"


_PARSERS = {
    "str": str,
    "bool": _yes_no,
    "int": int,
    "float": float,
    "date": _dt.date.fromisoformat,
}


class CatalogDataError(Exception):
    """The shipped catalog data does not match its schema (a bug in the data files)."""


def data_path(filename: str) -> Path:
    """Path of a file in the catalog's data folder."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath(DATA_DIR, filename)))


@cache
def schema() -> dict[str, tuple[Column, ...]]:
    """Columns of every table, keyed by table name, in the order of ``schema.csv``."""
    tables: dict[str, list[Column]] = {}
    with data_path("schema.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["type"] not in _PARSERS:
                raise CatalogDataError(f"schema.csv: unknown type {row['type']!r} for {row['attribute']}")
            tables.setdefault(row["table"], []).append(
                Column(
                    table=row["table"],
                    attribute=row["attribute"],
                    type=row["type"],
                    unit=row["unit"],
                    required=row["required"] == "yes",
                    description=row["description"],
                )
            )
    return {name: tuple(cols) for name, cols in tables.items()}


def read_table(table: str, filename: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts with typed values (``None`` for empty optional cells)."""
    columns = schema()[table]
    expected = [c.attribute for c in columns]
    path = data_path(filename or f"{table}.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        if header != expected:
            raise CatalogDataError(f"{path.name}: header {header} does not match schema.csv {expected}")
        rows = []
        for lineno, raw in enumerate(reader, start=2):
            row: dict[str, Any] = {}
            for col in columns:
                text = (raw[col.attribute] or "").strip()
                if not text:
                    if col.required:
                        raise CatalogDataError(f"{path.name}:{lineno}: {col.attribute} is required")
                    row[col.attribute] = None
                    continue
                try:
                    row[col.attribute] = _PARSERS[col.type](text)
                except ValueError as exc:
                    raise CatalogDataError(
                        f"{path.name}:{lineno}: {col.attribute}={text!r} is not a {col.type}"
                    ) from exc
            rows.append(row)
    ids = [next(iter(r.values())) for r in rows]
    if len(set(ids)) != len(ids):
        raise CatalogDataError(f"{path.name}: duplicate ids")
    return rows


def units(table: str) -> dict[str, str]:
    """Unit of each column of ``table`` (empty string for unitless columns)."""
    return {c.attribute: c.unit for c in schema()[table]}
