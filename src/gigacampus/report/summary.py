"""Reading a saved run (``summary.json``) back for the renderers, with clear errors.

Reports are drawn from the summary document alone, so ``gigacampus report DIR`` can redraw a
run without recomputing it, and the web dashboard draws exactly what the API returns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gigacampus.charting import series
from gigacampus.errors import InputError, Problem
from gigacampus.model.columns import PER_MODEL
from gigacampus.pipeline import COLUMNS
from gigacampus.results.headline import binding_runs, headline_sentences
from gigacampus.scenario.load import check_depth
from gigacampus.scenario.load import short_value as _short

__all__ = [
    "MAX_SUMMARY_BYTES",
    "MAX_SUMMARY_YEARS",
    "binding_runs",
    "check_summary",
    "headline_sentences",
    "load_summary",
    "parse_json",
    "series",
]

#: Largest summary.json read, in bytes (a 100-year, 200-phase run is well under this).
MAX_SUMMARY_BYTES = 50_000_000

#: JSON types of the column table's dtypes (a float column may hold whole numbers).
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "str": str, "bool": bool}
#: The per-year keys the core charts and tables read; each ``years[]`` entry must have them, with
#: the type the column table gives them (checked in this order).
_REQUIRED_YEAR_KEYS = (
    "year",
    "facility_power_mw",
    "it_power_mw",
    "power_used_mw",
    "accelerators",
    "accelerators_added",
    "accelerators_retired",
    "h100e",
    "dense_bf16_flops",
    "energy_mwh",
    "binding_constraint",
    "by_accelerator",
)
_YEAR_KEYS: dict[str, type | tuple[type, ...]] = {
    c.key: dict if c.name == PER_MODEL else _JSON_TYPES[c.dtype]  # the per-model counts are one map in JSON
    for key in _REQUIRED_YEAR_KEYS
    for c in COLUMNS.table("year")
    if c.key == key
}
#: Every per-year and per-phase column's JSON type (a value may also be null, except where required).
_ALL_YEAR_KEYS: dict[str, type | tuple[type, ...]] = {
    c.key: dict if c.name == PER_MODEL else _JSON_TYPES[c.dtype] for c in COLUMNS.table("year")
}
_PHASE_KEYS: dict[str, type | tuple[type, ...]] = {c.key: _JSON_TYPES[c.dtype] for c in COLUMNS.table("phase")}
#: Keys of the ``scenario`` block the renderers read, and their types.
_SCENARIO_KEYS: dict[str, type | tuple[type, ...]] = {"name": str, "start_year": int, "end_year": int}
#: Keys of ``headline`` the renderers read (each may be null).
_HEADLINE_KEYS: dict[str, type | tuple[type, ...]] = {
    "year": int,
    "facility_power_mw": (int, float),
    "accelerators": int,
    "h100e": (int, float),
    "full_year": int,
    "energy_mwh_total": (int, float),
}
#: Most entries in ``years`` (the schema allows 100 years).
MAX_SUMMARY_YEARS = 1_000
_TOP_KEYS: dict[str, type] = {
    "scenario": dict,
    "headline": dict,
    "years": list,
    "phases": list,
    "inputs": list,
    "explanations": list,
    "units": dict,
}


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        int: "a whole number",
        float: "a number",
        str: "text",
        dict: "an object",
        list: "a list",
        bool: "true or false",
    }
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return kind is bool or (isinstance(kind, tuple) and bool in kind)
    return isinstance(value, kind)


def _typed(value: Any, kind: type | tuple[type, ...]) -> bool:
    if not _is(value, kind):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _check_record(
    problems: list[Problem], source: str, where: str, rec: Any, keys: Mapping[str, Any], required: Sequence[str] = ()
) -> None:
    """Problems of one ``years[]`` or ``phases[]`` entry: an object whose known keys have their types."""
    if not isinstance(rec, dict):
        problems.append(Problem(source, where, f"found {_short(rec)}; allowed: an object"))
        return
    for key, kind in keys.items():
        if key not in rec:
            if key in required:
                problems.append(Problem(source, f"{where}.{key}", f"missing; allowed: {_type_name(kind)}"))
            continue
        value = rec[key]
        nullable = key not in required or (kind is not int and key != "binding_constraint")
        if value is None and nullable:
            continue
        if not _typed(value, kind):
            problems.append(Problem(source, f"{where}.{key}", f"found {_short(value)}; allowed: {_type_name(kind)}"))
        elif kind is dict and not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()):
            problems.append(Problem(source, f"{where}.{key}", "allowed: an object of numbers"))


def check_summary(data: Any, source: str) -> dict[str, Any]:
    """Check that ``data`` has what the renderers read; raise :class:`InputError` otherwise.

    Checked: nesting depth and integer size (as scenarios), every core block's type, the
    ``scenario`` and ``headline`` keys the report reads, every ``years[]`` and ``phases[]``
    column against the column table (type, null where allowed, finite numbers), ``explanations``
    as text, ``units`` as text, ``inputs`` as objects, and every analysis block as an object.
    """
    if not isinstance(data, dict):
        raise InputError([Problem(source, "", f"found {type(data).__name__}; allowed: a gigacampus summary object")])
    check_depth(data, source)
    problems = [
        Problem(source, key, f"missing or not {_type_name(kind)}; allowed: a summary written by gigacampus run --out")
        for key, kind in _TOP_KEYS.items()
        if not _is(data.get(key), kind)
    ]
    if problems:
        raise InputError(problems)
    if not data["years"]:
        problems.append(Problem(source, "years", "found an empty list; allowed: one entry per modelled year"))
    if len(data["years"]) > MAX_SUMMARY_YEARS:
        problems.append(
            Problem(source, "years", f"found {len(data['years']):,} entries; allowed: at most {MAX_SUMMARY_YEARS:,}")
        )
    _check_record(problems, source, "scenario", data["scenario"], _SCENARIO_KEYS, required=("name",))
    _check_record(problems, source, "headline", data["headline"], _HEADLINE_KEYS)
    for key in ("explanations",):
        for i, line in enumerate(data[key]):
            if not isinstance(line, str):
                problems.append(Problem(source, f"{key}[{i}]", f"found {_short(line)}; allowed: text"))
    for name, unit in data["units"].items():
        if not isinstance(unit, str):
            problems.append(Problem(source, f"units.{name}", f"found {_short(unit)}; allowed: text"))
    for i, row in enumerate(data["inputs"]):
        _check_record(problems, source, f"inputs[{i}]", row, {"path": str, "unit": str, "origin": str, "source": str})
    for i, rec in enumerate(data["phases"]):
        _check_record(problems, source, f"phases[{i}]", rec, _PHASE_KEYS)
    for i, rec in enumerate(data["years"]):
        _check_record(problems, source, f"years[{i}]", rec, _ALL_YEAR_KEYS, required=_REQUIRED_YEAR_KEYS)
        if len(problems) >= 20:  # enough to see what is wrong
            break
    core = {*_TOP_KEYS, "gigacampus_version", "seed"}
    for name, block in data.items():
        if name not in core and block is not None and not isinstance(block, dict):
            problems.append(Problem(source, name, f"found {_short(block)}; allowed: an object (an analysis block)"))
    if problems:
        raise InputError(problems[:20])
    return data


def load_summary(path: str | Path) -> dict[str, Any]:
    """Read and check a ``summary.json`` (or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "summary.json"
    src = str(path)
    if not path.is_file():
        what = "no such file" if not path.exists() else "is not a file"
        raise InputError([Problem(src, "", f"{what}; allowed: a summary.json written by gigacampus run --out")])
    try:
        size = path.stat().st_size
        if size > MAX_SUMMARY_BYTES:
            raise InputError(
                [Problem(src, "", f"file is {size:,} bytes; allowed: at most {MAX_SUMMARY_BYTES:,} bytes")]
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(src, "", f"not UTF-8 text (offset {exc.start}); allowed: JSON")]) from None
    except OSError as exc:
        raise InputError([Problem(src, "", f"cannot be read: {exc.strerror or exc}")]) from None
    return check_summary(parse_json(text, src), src)


def parse_json(text: str, source: str) -> Any:
    """JSON text parsed; malformed, nested too deep or holding a huge integer is an :class:`InputError`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(source, "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    except RecursionError:
        raise InputError(
            [Problem(source, "", "arrays or objects nested too deep; allowed: at most 32 levels")]
        ) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise InputError(
            [Problem(source, "", "an integer of thousands of digits; allowed: at most 100 digits")]
        ) from None
