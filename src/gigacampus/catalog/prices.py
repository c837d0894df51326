"""Sourced system prices by year (``catalog/data/prices.csv``).

One row per system and first purchase year: the price applies from that year until a later
row for the same system. A purchase before a system's first row uses the first row (the
catalog has no earlier quote). Prices are used as quoted, in USD of their ``price_year``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import CatalogDataError, read_table

__all__ = ["SystemPrice", "load_prices", "price_rows", "system_price_usd"]


@dataclass(frozen=True)
class SystemPrice:
    """The price of one system from a purchase year on."""

    id: str
    system: str
    year: int
    usd_per_system: float
    price_year: int
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def load_prices() -> Mapping[str, tuple[SystemPrice, ...]]:
    """Prices of the shipped catalog, by system id, ordered by year."""
    by_system: dict[str, list[SystemPrice]] = {}
    for row in read_table("prices"):
        price = SystemPrice(**row)
        if price.usd_per_system < 0:
            raise CatalogDataError(f"prices.csv: {price.id}: usd_per_system must be >= 0")
        if price.id != f"{price.system}@{price.year}":
            raise CatalogDataError(f"prices.csv: id {price.id!r} must be '{price.system}@{price.year}'")
        by_system.setdefault(price.system, []).append(price)
    return {k: tuple(sorted(v, key=lambda p: p.year)) for k, v in by_system.items()}


def price_rows(system_id: str, prices: Mapping[str, tuple[SystemPrice, ...]] | None = None) -> tuple[SystemPrice, ...]:
    """The catalog's price rows for one system (empty if it has none)."""
    return (prices if prices is not None else load_prices()).get(system_id, ())


def system_price_usd(rows: tuple[SystemPrice, ...], year: int) -> SystemPrice:
    """The row that applies to a purchase in ``year``: the latest row at or before it, else the first."""
    if not rows:
        raise KeyError("no price rows")
    applicable = [r for r in rows if r.year <= year]
    return applicable[-1] if applicable else rows[0]
