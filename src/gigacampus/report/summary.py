"""Reading a saved run (``summary.json``) back for the renderers, with clear errors.

Reports are drawn from the summary document alone, so ``gigacampus report DIR`` can redraw a
run without recomputing it, and the web dashboard draws exactly what the API returns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gigacampus.charting import series
from gigacampus.errors import InputError, Problem
from gigacampus.model.columns import PER_MODEL
from gigacampus.pipeline import COLUMNS
from gigacampus.results.headline import binding_runs, headline_sentences

__all__ = [
    "MAX_SUMMARY_BYTES",
    "binding_runs",
    "check_summary",
    "headline_sentences",
    "load_summary",
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
    names = {int: "a whole number", float: "a number", str: "text", dict: "an object", list: "a list"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def check_summary(data: Any, source: str) -> dict[str, Any]:
    """Check that ``data`` has what the renderers read; raise :class:`InputError` otherwise."""
    if not isinstance(data, dict):
        raise InputError([Problem(source, "", f"found {type(data).__name__}; allowed: a gigacampus summary object")])
    problems = [
        Problem(source, key, f"missing or not {_type_name(kind)}; allowed: a summary written by gigacampus run --out")
        for key, kind in _TOP_KEYS.items()
        if not _is(data.get(key), kind)
    ]
    if not problems and not data["years"]:
        problems.append(Problem(source, "years", "found an empty list; allowed: one entry per modelled year"))
    if not problems and not isinstance(data["scenario"].get("name"), str):
        problems.append(Problem(source, "scenario.name", "missing; allowed: text"))
    for i, rec in enumerate(data.get("years") or [] if not problems else []):
        if not isinstance(rec, dict):
            problems.append(Problem(source, f"years[{i}]", f"found {type(rec).__name__}; allowed: an object"))
            continue
        for key, kind in _YEAR_KEYS.items():
            value = rec.get(key)
            ok = _is(value, kind) or (value is None and kind is not int and key != "binding_constraint")
            if not ok:
                found = "missing" if key not in rec else f"found {value!r}"
                problems.append(Problem(source, f"years[{i}].{key}", f"{found}; allowed: {_type_name(kind)}"))
        if len(problems) >= 20:  # enough to see what is wrong
            break
    if problems:
        raise InputError(problems)
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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(src, "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    return check_summary(data, src)
