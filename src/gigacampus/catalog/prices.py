"""Sourced system prices by year (``prices.csv``), rental prices (``rents.csv``) and the US
price index that puts every quote into dollars of one year (``price_index.csv``).

One price row per system and first purchase year: the price applies from that year until a later
row for the same system (the stated rule between quotes: the latest quote holds). A purchase
before a system's first row uses the first row (the catalog has no earlier quote). Quotes are in
USD of their ``price_year``; :func:`to_price_year` converts them with the CPI-U.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog.tables import CatalogDataError, read_table

__all__ = [
    "RentQuote",
    "SystemPrice",
    "load_price_index",
    "load_prices",
    "load_rents",
    "price_rows",
    "system_price_usd",
    "to_price_year",
]


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


@dataclass(frozen=True)
class RentQuote:
    """A sourced rental price of one accelerator for an hour, in USD of ``price_year``."""

    id: str
    accelerator: str
    year: int
    usd_per_accelerator_hour: float
    price_year: int
    source: str
    retrieved: _dt.date
    notes: str | None


@cache
def load_rents() -> Mapping[str, RentQuote]:
    """The catalog's rental price quote for each accelerator (one per accelerator)."""
    rents: dict[str, RentQuote] = {}
    for row in read_table("rents"):
        rent = RentQuote(**row)
        if rent.usd_per_accelerator_hour < 0:
            raise CatalogDataError(f"rents.csv: {rent.id}: usd_per_accelerator_hour must be >= 0")
        if rent.id != f"{rent.accelerator}@{rent.year}" or rent.accelerator in rents:
            raise CatalogDataError(f"rents.csv: id {rent.id!r} must be '<accelerator>@<year>', one per accelerator")
        rents[rent.accelerator] = rent
    return rents


@cache
def load_price_index() -> Mapping[int, float]:
    """US CPI-U by year (``price_index.csv``); the years must be consecutive."""
    index = {int(r["year"]): float(r["cpi_u"]) for r in read_table("price_index")}
    years = sorted(index)
    if any(b - a != 1 for a, b in zip(years, years[1:], strict=False)) or any(v <= 0 for v in index.values()):
        raise CatalogDataError("price_index.csv: years must be consecutive and every index > 0")
    return index


def to_price_year(usd: float, from_year: int, to_year: int) -> float:
    """``usd`` of ``from_year`` in USD of ``to_year`` (CPI-U ratio). Raises ``KeyError`` naming a
    year the index does not have."""
    index = load_price_index()
    for year in (from_year, to_year):
        if year not in index:
            raise KeyError(f"the price index (CPI-U) has no value for {year}; it covers {min(index)}-{max(index)}")
    return usd * index[to_year] / index[from_year]
