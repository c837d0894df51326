"""Quota regimes as data: named, sourced sets of caps on chips shipped to a country.

A regime lives in ``catalog/data/regimes.csv`` (one row per regime) and
``catalog/data/regime_caps.csv`` (one row per cap, or per step of a cumulative schedule);
a scenario references one by id (``[policy] regime = "us-uae-2025"``) or defines one inline
(``[policy.rules]``). ``none`` is built in: a regime with no caps.

Cap units (:func:`parse_unit`): ``units`` (accelerators), ``h100e`` (H100-equivalents of
dense 8-bit throughput), ``tpp`` (export-control Total Processing Performance) and
``<accelerator id>-equivalents`` (that many of the accelerator, counted by its TPP, e.g.
``gb300-equivalents``); ``share`` for group caps (a share of the national caps) and
universal-VEU caps (a share of the holder's global capacity).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.catalog.tables import CatalogDataError, read_table
from gigacampus.errors import closest

__all__ = [
    "BASE_UNITS",
    "Cap",
    "CapRow",
    "NONE_REGIME",
    "PERIODS",
    "Regime",
    "SCOPES",
    "allowed_units_text",
    "load_regimes",
    "parse_unit",
    "regime_ids",
    "unit_problem",
]

#: Units every cap may be stated in (``<id>-equivalents`` is converted to ``tpp``).
BASE_UNITS: tuple[str, ...] = ("units", "h100e", "tpp")
#: What a cap applies to.
SCOPES: tuple[str, ...] = ("national", "group", "consignee_exempt", "national_veu", "universal_veu")
#: ``year``: the amount each year; ``cumulative``: shipments summed over the cap's years.
PERIODS: tuple[str, ...] = ("year", "cumulative")
EQUIVALENTS = "-equivalents"


def parse_unit(unit: str, catalog: Catalog) -> tuple[str, float]:
    """``(base unit, factor)``: an amount in ``unit`` is ``amount x factor`` in the base unit.

    ``gb300-equivalents`` -> ``("tpp", TPP of one GB300)``. Raises ``ValueError`` for an
    unknown unit (``share`` is not a base unit and is handled by the caller).
    """
    if unit in BASE_UNITS:
        return unit, 1.0
    if unit.endswith(EQUIVALENTS):
        acc = unit[: -len(EQUIVALENTS)]
        if acc in catalog.accelerators:
            return "tpp", catalog.accelerators[acc].tpp
    raise ValueError(unit)


def allowed_units_text(share: bool = False) -> str:
    extra = ", share" if share else ""
    return f"units, h100e, tpp{extra}, or <accelerator id>-equivalents (e.g. gb300-equivalents, a100-equivalents)"


def unit_problem(unit: object, catalog: Catalog, *, share_allowed: bool) -> tuple[str, str | None] | None:
    """``(message, suggestion)`` if ``unit`` is not allowed, else ``None``."""
    if not isinstance(unit, str):
        return None  # the schema reports the wrong type
    if share_allowed and unit == "share":
        return None
    try:
        parse_unit(unit, catalog)
        return None
    except ValueError:
        pass
    choices = [*BASE_UNITS, *(["share"] if share_allowed else []), *(f"{a}{EQUIVALENTS}" for a in catalog.accelerators)]
    return f"unknown unit {unit!r}; allowed: {allowed_units_text(share_allowed)}", closest(unit, choices)


@dataclass(frozen=True)
class CapRow:
    """One row of a cap: an amount over a span of years."""

    amount: float
    first_year: int
    last_year: int | None
    source: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Cap:
    """One cap of a regime (all rows sharing a cap name)."""

    cap: str
    name: str
    scope: str
    group: str | None
    unit: str
    per: str
    rows: tuple[CapRow, ...]

    @property
    def first_year(self) -> int:
        return min(r.first_year for r in self.rows)

    @property
    def last_year(self) -> int | None:
        lasts = [r.last_year for r in self.rows]
        return None if any(y is None for y in lasts) else max(y for y in lasts if y is not None)

    @property
    def source(self) -> str:
        return " ; ".join(dict.fromkeys(s.strip() for r in self.rows for s in r.source.split(" ; ") if s.strip()))

    def applies(self, year: int) -> bool:
        last = self.last_year
        return self.first_year <= year and (last is None or year <= last)

    def amount_in(self, year: int) -> float | None:
        """Per-year caps: the amount for ``year``; ``None`` if no row covers it."""
        for row in self.rows:
            if row.first_year <= year and (row.last_year is None or year <= row.last_year):
                return row.amount
        return None

    def allowance_through(self, year: int) -> float | None:
        """Cumulative caps: shipments allowed from the first year through ``year``; ``None`` outside."""
        if not self.applies(year):
            return None
        steps = sorted(self.rows, key=lambda r: (r.last_year is None, r.last_year or 0))
        for row in steps:
            if row.last_year is None or year <= row.last_year:
                return row.amount
        return None

    def describe(self) -> str:
        """E.g. ``500,000 units a year from 2025`` or ``790,000,000 tpp over 2025-2027``."""
        last = self.last_year
        span = f"{self.first_year}-{last}" if last is not None else f"from {self.first_year}"
        if self.unit == "share":
            of = "the holder's global capacity" if self.scope == "universal_veu" else "each national cap"
            return f"{self.rows[0].amount:.0%} of {of}, {span}"
        if self.per == "year":
            amounts = sorted({r.amount for r in self.rows})
            amount = " / ".join(_fmt(a) for a in amounts)
            return f"{amount} {self.unit} a year, {span}"
        if len(self.rows) == 1:
            return f"{_fmt(self.rows[0].amount)} {self.unit} cumulative, {span}"
        steps = ", ".join(
            f"{_fmt(r.amount)} by {r.last_year}" for r in sorted(self.rows, key=lambda r: r.last_year or 0)
        )
        return f"{self.unit} cumulative: {steps}"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


@dataclass(frozen=True)
class Regime:
    """A named, sourced set of caps."""

    id: str
    name: str
    country: str
    first_year: int | None
    last_year: int | None
    effective_on: _dt.date | None
    compliance_on: _dt.date | None
    rescinded_on: _dt.date | None
    carry_over: bool
    description: str
    source: str
    notes: str
    caps: tuple[Cap, ...]
    counts: tuple[str, ...] = ("all",)
    """Items the caps count: ECCNs such as ``3A090`` or ``3A090.a`` (a ``4A090`` entry counts the
    3A090 chips such a computer contains), or ``all``."""
    counts_source: str = ""
    pass_unused: bool = False
    """Whether a holder's reserved share that it does not use in a year passes to the others."""
    pass_unused_source: str = ""

    def covers(self, eccn: str) -> bool:
        """Whether an accelerator classified ``eccn`` (e.g. ``3A090.a``, ``not controlled by 3A090``)
        counts against the caps. An undetermined classification counts (the cautious reading)."""
        if "all" in self.counts:
            return True
        if not eccn.startswith("3A090"):
            return eccn.startswith("undetermined")
        for item in self.counts:
            chip = "3A090" + item[5:] if item.startswith("4A090") else item
            if eccn == chip or eccn.startswith(chip + "."):
                return True
        return False

    def caps_with(self, scope: str) -> tuple[Cap, ...]:
        return tuple(c for c in self.caps if c.scope == scope)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(c.group for c in self.caps_with("group") if c.group)

    def in_force(self, year: int) -> tuple[bool, str]:
        """Whether the regime's rules cover ``year``, and why not."""
        if self.rescinded_on is not None and year >= self.rescinded_on.year:
            return False, f"{self.name} was rescinded on {self.rescinded_on.isoformat()}"
        if self.first_year is not None and year < self.first_year:
            return False, f"{self.name} applies from {self.first_year}"
        if self.last_year is not None and year > self.last_year:
            return False, f"{self.name} sets no caps after {self.last_year}"
        return True, ""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "effective_on": self.effective_on.isoformat() if self.effective_on else None,
            "compliance_on": self.compliance_on.isoformat() if self.compliance_on else None,
            "rescinded_on": self.rescinded_on.isoformat() if self.rescinded_on else None,
            "carry_over": self.carry_over,
            "pass_unused": self.pass_unused,
            "pass_unused_source": self.pass_unused_source,
            "counts": list(self.counts),
            "counts_source": self.counts_source,
            "description": self.description,
            "source": self.source,
            "notes": self.notes,
            "caps": [
                {
                    "cap": c.cap,
                    "name": c.name,
                    "scope": c.scope,
                    "group": c.group,
                    "unit": c.unit,
                    "per": c.per,
                    "first_year": c.first_year,
                    "last_year": c.last_year,
                    "rows": [
                        {"amount": r.amount, "first_year": r.first_year, "last_year": r.last_year} for r in c.rows
                    ],
                    "describe": c.describe(),
                    "source": c.source,
                }
                for c in self.caps
            ],
        }


NONE_REGIME = Regime(
    id="none",
    name="No export quota",
    country="",
    first_year=None,
    last_year=None,
    effective_on=None,
    compliance_on=None,
    rescinded_on=None,
    carry_over=False,
    description="No caps: each holder is limited only by its approval and its own caps.",
    source="",
    notes="Built in; has no numbers and so no source.",
    caps=(),
)


def build_caps(rows: Iterable[Mapping[str, object]], where: str) -> tuple[Cap, ...]:
    """Group cap rows by cap name and check them; ``where`` names the rows in errors."""
    grouped: dict[str, list[Mapping[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row["cap"]), []).append(row)
    caps = []
    for name, members in grouped.items():
        first = members[0]
        for key in ("scope", "group", "unit", "per", "name"):
            if any(m.get(key) != first.get(key) for m in members):
                raise ValueError(f"{where}: rows of cap {name!r} disagree on {key}")
        cap_rows = tuple(
            CapRow(
                amount=float(m["amount"]),  # type: ignore[arg-type]
                first_year=int(m["first_year"]),  # type: ignore[call-overload]
                last_year=None if m.get("last_year") is None else int(m["last_year"]),  # type: ignore[call-overload]
                source=str(m.get("source") or ""),
                notes=str(m.get("notes") or ""),
            )
            for m in members
        )
        per = str(first["per"])
        if per == "cumulative" and len(cap_rows) > 1:
            lasts = [r.last_year for r in cap_rows]
            if any(y is None for y in lasts) or len(set(lasts)) != len(lasts):
                raise ValueError(
                    f"{where}: cumulative cap {name!r} with several rows needs a distinct last_year on each"
                )
            if len({r.first_year for r in cap_rows}) != 1:
                raise ValueError(f"{where}: cumulative cap {name!r}: every row needs the same first_year")
            ordered = sorted(cap_rows, key=lambda r: r.last_year or 0)
            if any(b.amount < a.amount for a, b in zip(ordered, ordered[1:], strict=False)):
                raise ValueError(f"{where}: cumulative cap {name!r}: amounts must not fall from one year to the next")
        caps.append(
            Cap(
                cap=name,
                name=str(first.get("name") or name),
                scope=str(first["scope"]),
                group=(str(first["group"]) if first.get("group") else None),
                unit=str(first["unit"]),
                per=per,
                rows=cap_rows,
            )
        )
    return tuple(caps)


def _check_caps(regime: str, caps: Iterable[Cap], catalog: Catalog) -> None:
    for cap in caps:
        where = f"regime_caps.csv: {regime}/{cap.cap}"
        if cap.scope not in SCOPES:
            raise CatalogDataError(f"{where}: scope {cap.scope!r} not in {SCOPES}")
        if cap.per not in PERIODS:
            raise CatalogDataError(f"{where}: per {cap.per!r} not in {PERIODS}")
        share_ok = cap.scope in ("group", "universal_veu")
        if unit_problem(cap.unit, catalog, share_allowed=share_ok) is not None:
            raise CatalogDataError(f"{where}: unit {cap.unit!r} not allowed")
        if cap.scope == "universal_veu" and cap.unit != "share":
            raise CatalogDataError(f"{where}: a universal_veu cap is a share of the holder's global capacity")
        if cap.scope == "group" and not cap.group:
            raise CatalogDataError(f"{where}: a group cap needs a group (headquarters country code)")


@cache
def _load() -> dict[str, Regime]:
    catalog = load_catalog()
    cap_rows = read_table("regime_caps")
    regimes = {"none": NONE_REGIME}
    for row in read_table("regimes"):
        rid = str(row["id"])
        try:
            caps = build_caps([r for r in cap_rows if r["regime"] == rid], f"regime_caps.csv: {rid}")
        except ValueError as exc:
            raise CatalogDataError(str(exc)) from None
        _check_caps(rid, caps, catalog)
        for flag in ("carry_over", "pass_unused"):
            if row[flag] not in ("yes", "no"):
                raise CatalogDataError(f"regimes.csv: {rid}: {flag} must be yes or no")
        counts = tuple(c.strip() for c in str(row["counts"]).split(";") if c.strip())
        bad = [c for c in counts if c != "all" and not (c.startswith("3A090") or c.startswith("4A090"))]
        if bad or not counts:
            raise CatalogDataError(f"regimes.csv: {rid}: counts {row['counts']!r}; allowed: all or 3A090/4A090 items")
        regimes[rid] = Regime(
            id=rid,
            name=str(row["name"]),
            country=str(row["country"]),
            first_year=row["first_year"],
            last_year=row["last_year"],
            effective_on=row["effective_on"],
            compliance_on=row["compliance_on"],
            rescinded_on=row["rescinded_on"],
            carry_over=row["carry_over"] == "yes",
            description=str(row["description"]),
            source=str(row["source"]),
            notes=str(row["notes"] or ""),
            caps=caps,
            counts=counts,
            counts_source=str(row["counts_source"]),
            pass_unused=row["pass_unused"] == "yes",
            pass_unused_source=str(row["pass_unused_source"]),
        )
    unknown = {str(r["regime"]) for r in cap_rows} - set(regimes)
    if unknown:
        raise CatalogDataError(f"regime_caps.csv: caps for unknown regimes {sorted(unknown)}")
    return regimes


def load_regimes() -> dict[str, Regime]:
    """The shipped regimes by id, ``none`` first (loaded once per process)."""
    return dict(_load())


def regime_ids() -> list[str]:
    return list(load_regimes())
