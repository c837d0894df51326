"""Hardware a scenario defines: ``[accelerator.<id>]`` and ``[system.<id>]``.

Their keys are the columns of the catalog tables ``accelerators.csv`` and ``systems.csv``
(``schema.csv`` gives each column's type, unit and meaning; the table key is the id), so a
scenario-defined row is checked like a catalog row and then used like one by every analysis:
phases, policy (TPP, ECCN 3A090), finance (``[finance] system_price_usd``) and reliability
(``rates_from`` or given rates). Two keys differ from the CSV:

* ``source`` and ``retrieved`` are required unless every value is listed in ``assumed``;
* ``assumed`` lists the columns whose values are the author's assumptions, not the source's
  (``assumed = ["system_power_kw"]``); provenance and ``gigacampus catalog`` show them.

An id may not shadow a catalog id: to change a catalog value, a phase has ``system_power_kw``,
and everything else is a new id.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError, create_model

from gigacampus.catalog import Accelerator, Catalog, CatalogDataError, System, build_accelerator, build_system
from gigacampus.catalog.tables import schema
from gigacampus.errors import closest
from gigacampus.scenario.base import Problems, Section, num, table_at

__all__ = [
    "HARDWARE_SECTIONS",
    "MAX_DEFINED",
    "AcceleratorSpec",
    "HardwareId",
    "SystemSpec",
    "catalog_for",
    "declared_ids",
    "hardware_problems",
]

#: Most accelerators (and, separately, systems) one scenario may define.
MAX_DEFINED = 50

#: Scenario section -> catalog table its keys come from.
HARDWARE_SECTIONS: dict[str, str] = {"accelerator": "accelerators", "system": "systems"}

#: Columns that carry provenance rather than values (not listed in ``assumed``).
_META = ("name", "vendor", "source", "retrieved", "notes")

HardwareId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


def _field(col: Any) -> tuple[Any, Any]:
    """(annotation, Field) of one schema column as a scenario key."""
    text = " ".join(col.description.split())
    required = col.required and col.attribute not in ("source", "retrieved")
    default = ... if required else None
    if col.type == "str":
        ann: Any = str if required else str | None
        return ann, Field(default, min_length=1, max_length=2000, description=text)
    if col.type == "date":
        return (_dt.date if required else _dt.date | None), Field(default, description=text)
    if col.type == "bool":  # a yes/no fact of the row; a scenario's own row says no unless it gives true
        return bool, Field(False, strict=True, description=text)
    if col.type == "int":
        bounds = {"ge": 1990, "le": 2100} if col.unit == "year" else {"ge": 1, "le": 10_000_000}
        field = Field(default, strict=True, json_schema_extra={"unit": col.unit or "-"}, description=text, **bounds)
        return (int if required else int | None), field
    bounds = {"gt": 0.0, "le": 1e9}
    field = num(col.unit or "-", default=default, description=text, **bounds)
    return (float if required else float | None), field


def _spec_model(section: str) -> type[Section]:
    table = HARDWARE_SECTIONS[section]
    columns = [c for c in schema()[table] if c.attribute != "id"]
    fields: dict[str, Any] = {c.attribute: _field(c) for c in columns}
    values = [c.attribute for c in columns if c.attribute not in _META]
    fields["assumed"] = (
        tuple[Annotated[str, StringConstraints(min_length=1, max_length=64)], ...],
        Field(
            default=(),
            max_length=len(values),
            description="Columns whose values are the author's assumptions rather than from source, e.g. "
            '["system_power_kw"]; source and retrieved are required unless every value is listed.',
        ),
    )
    name = "AcceleratorSpec" if section == "accelerator" else "SystemSpec"
    model = create_model(name, __base__=Section, **fields)
    model.__doc__ = (
        f"``[{section}.<id>]``: a{'n' if section[0] == 'a' else ''} {section} the scenario defines, with the "
        f"columns of the catalog's {table}.csv (see docs/catalog.md); each value from source or listed in assumed."
    )
    return model


AcceleratorSpec = _spec_model("accelerator")
SystemSpec = _spec_model("system")
_SPECS: dict[str, type[Section]] = {"accelerator": AcceleratorSpec, "system": SystemSpec}


def _value_columns(section: str) -> list[str]:
    return [c.attribute for c in schema()[HARDWARE_SECTIONS[section]] if c.attribute not in ("id", *_META)]


def _row_problems(section: str, key: str, row: Mapping[str, Any]) -> Problems:
    """Provenance checks of one row that parsed: ``assumed`` names columns, and every value has a source."""
    problems: Problems = []
    path = f"{section}.{key}"
    columns = _value_columns(section)
    assumed = list(row.get("assumed") or ())
    for name in assumed:
        if name not in columns:
            problems.append(
                (
                    f"{path}.assumed",
                    f"found {name!r}; allowed: value columns {', '.join(columns)}",
                    closest(name, columns),
                )
            )
    given = [c for c in columns if row.get(c) not in (None, False)]  # a yes/no column left at no needs no source
    unsourced = [c for c in given if c not in assumed]
    for meta in ("source", "retrieved"):
        if row.get(meta) is None and unsourced:
            problems.append(
                (
                    f"{path}.{meta}",
                    f"missing; required unless every value is listed in assumed (not listed: {', '.join(unsourced)})",
                    None,
                )
            )
    return problems


def _parsed(data: Any, section: str) -> dict[str, dict[str, Any]]:
    """Rows of ``[section.<id>]`` that pass their own schema, as dumped dicts (others skipped)."""
    out = {}
    for key, row in table_at(data, section).items():
        if not isinstance(key, str) or not isinstance(row, Mapping):
            continue
        try:
            spec = _SPECS[section].model_validate(dict(row))
        except ValidationError:
            continue
        out[key] = spec.model_dump()
    return out


def _items(data: Any, base: Catalog) -> tuple[list[Accelerator], list[System]]:
    """The scenario's accelerators and systems that parse, are new ids and hang together."""
    accs = {k: r for k, r in _parsed(data, "accelerator").items() if k not in base.accelerators}
    syss = {k: r for k, r in _parsed(data, "system").items() if k not in base.systems}
    while True:  # drop rows that point at what does not exist, until nothing changes
        known_accs = {*base.accelerators, *accs}
        drop_s = [k for k, r in syss.items() if r["accelerator"] not in known_accs]
        all_systems = {
            **{k: s.accelerator for k, s in base.systems.items()},
            **{k: r["accelerator"] for k, r in syss.items()},
        }
        drop_a = [k for k, r in accs.items() if all_systems.get(r["default_system"]) != k]
        if not drop_s and not drop_a:
            break
        for k in drop_s:
            del syss[k]
        for k in drop_a:
            del accs[k]
    return (
        [build_accelerator(_row(k, r, "scenario")) for k, r in accs.items()],
        [build_system(_row(k, r, "scenario")) for k, r in syss.items()],
    )


def _row(key: str, row: Mapping[str, Any], defined_in: str) -> dict[str, Any]:
    out = {**row, "id": key, "defined_in": defined_in, "assumed": tuple(row.get("assumed") or ())}
    if out.get("source") is None:
        out["source"] = "assumption: " + ", ".join(out["assumed"])
    return out


def declared_ids(data: Any) -> dict[str, frozenset[str]]:
    """Ids the raw scenario declares in ``[accelerator.<id>]`` and ``[system.<id>]``, valid or not
    (a phase naming one whose row has errors gets those errors, not "unknown accelerator")."""
    return {
        section: frozenset(k for k in table_at(data, section) if isinstance(k, str)) for section in HARDWARE_SECTIONS
    }


def catalog_for(data: Any, base: Catalog) -> Catalog:
    """``base`` plus the accelerators and systems ``data`` (a scenario or its raw dict) defines.

    Rows that do not parse or do not hang together are left out (:func:`hardware_problems` names
    them); without scenario hardware this is ``base`` itself.
    """
    if isinstance(data, Section):
        if not _defines(data, "accelerator") and not _defines(data, "system"):
            return base  # without dumping the whole model (every run and every sweep probe asks)
        raw = data.model_dump()
    else:
        raw = data
    if not table_at(raw, "accelerator") and not table_at(raw, "system"):
        return base
    accs, syss = _items(raw, base)
    try:
        return base.with_items(accs, syss)
    except CatalogDataError:  # pragma: no cover - _items keeps only consistent rows
        return base


def _defines(section: Section, key: str) -> bool:
    """Whether ``section`` has a non-empty table ``key``, as ``table_at(section.model_dump(), key)`` says."""
    value = getattr(section, key, None)
    return isinstance(value, Mapping) and bool(value)


def hardware_problems(data: Any, cat: Catalog) -> Problems:
    """Checks of ``[accelerator.<id>]`` and ``[system.<id>]`` against each other and the catalog.

    ``cat`` may already hold the scenario's rows (``defined_in == "scenario"``); clashes are
    judged against the shipped rows only.
    """
    problems: Problems = []
    if not isinstance(data, dict):
        return problems
    shipped_accs = {k for k, a in cat.accelerators.items() if a.defined_in == "catalog"}
    shipped_syss = {k for k, s in cat.systems.items() if s.defined_in == "catalog"}
    accs, syss = _parsed(data, "accelerator"), _parsed(data, "system")
    for section, rows, shipped in (("accelerator", accs, shipped_accs), ("system", syss, shipped_syss)):
        for key, row in rows.items():
            if key in shipped:
                problems.append(
                    (
                        f"{section}.{key}",
                        f"{key!r} is already a catalog {section}; allowed: a new id (a phase's system_power_kw "
                        "overrides a catalog system's power)",
                        None,
                    )
                )
                continue
            problems += _row_problems(section, key, row)
    all_accs = shipped_accs | declared_ids(data)["accelerator"]
    system_holds = {k: s.accelerator for k, s in cat.systems.items() if k in shipped_syss}
    system_holds.update({k: r["accelerator"] for k, r in syss.items()})
    for key, row in syss.items():
        if key in shipped_syss:
            continue
        acc = row["accelerator"]
        if acc not in all_accs:
            problems.append(
                (
                    f"system.{key}.accelerator",
                    f"unknown accelerator {acc!r}; allowed: a catalog accelerator or one defined in [accelerator.<id>]",
                    closest(acc, sorted(all_accs)),
                )
            )
    for key, row in accs.items():
        if key in shipped_accs:
            continue
        sys_id = row["default_system"]
        if sys_id in declared_ids(data)["system"] and sys_id not in system_holds:
            continue  # a declared system whose own row has errors (reported there)
        if sys_id not in system_holds:
            problems.append(
                (
                    f"accelerator.{key}.default_system",
                    f"unknown system {sys_id!r}; allowed: a system defined in [system.<id>] with accelerator = {key!r}",
                    closest(sys_id, sorted(system_holds)),
                )
            )
        elif system_holds[sys_id] != key:
            problems.append(
                (
                    f"accelerator.{key}.default_system",
                    f"system {sys_id!r} holds {system_holds[sys_id]!r}, not {key!r}; allowed: a system whose "
                    f"accelerator is {key!r}",
                    None,
                )
            )
    return problems
