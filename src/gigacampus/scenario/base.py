"""The base every scenario section is built on: one section class, one number helper, one
choice helper (and the field validator built on it), and the helpers cross-field checks use on
raw (unvalidated) data.

A section is a strict, frozen pydantic model (``extra="forbid"``, attribute docstrings as field
docs, read from the source once per file by :func:`describe_sections` when a schema is asked for, units in
``json_schema_extra``). A section that checks several keys at once, or keys against other
sections, defines a classmethod ``cross_field_problems(data, catalog)`` that takes the whole raw
scenario (a dict, possibly malformed) and returns ``(key path, message, suggestion)`` tuples;
:class:`gigacampus.scenario.document.Scenario` runs every section's checks.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Collection
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic._internal._model_construction import ModelMetaclass

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import closest

__all__ = [
    "Problems",
    "ScenarioChecksFailed",
    "Section",
    "Year",
    "array_at",
    "check_name",
    "catalog_of",
    "choice",
    "choice_validator",
    "describe_sections",
    "finite_number",
    "is_number",
    "num",
    "table_at",
    "visible_text",
    "whole_number",
]

#: ``(key path, message, suggestion)`` tuples from cross-field checks.
Problems = list[tuple[str, str, str | None]]


def num(unit: str, **bounds: Any) -> Any:
    """A strict, finite number field with bounds and a unit."""
    return Field(strict=True, allow_inf_nan=False, json_schema_extra={"unit": unit}, **bounds)


Year = Annotated[int, Field(strict=True, ge=1990, le=2100, json_schema_extra={"unit": "year"})]


class ScenarioChecksFailed(ValueError):
    """Raised inside validators that check several fields at once; carries key paths.

    ``problems`` holds ``(relative key path, message, suggestion)`` tuples; the loader turns
    them into :class:`gigacampus.errors.Problem` with full paths.
    """

    def __init__(self, problems: Problems):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m, _ in problems))


@functools.cache
def _module_docstrings(path: str) -> dict[str, dict[str, str]]:
    """Attribute docstrings of every top-level class of a source file: class name -> {attribute:
    its docstring}, a string statement right after an annotated assignment, cleaned as pydantic's
    ``use_attribute_docstrings`` cleans it. One parse per file (pydantic's own extraction walks
    the import's stack frames once per class, about a quarter of the cold import of a run)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError):  # pragma: no cover - no source: no docs, as pydantic does
        return {}
    out: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs: dict[str, str] = {}
        previous: ast.stmt | None = None
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
                and isinstance(previous, ast.AnnAssign)
                and isinstance(previous.target, ast.Name)
            ):
                docs[previous.target.id] = inspect.cleandoc(stmt.value.value)
            previous = stmt
        out[node.name] = docs
    return out


#: Every section class, in the order of creation (a section is created after those its fields hold).
_SECTIONS: list[type[BaseModel]] = []
#: How many of them :func:`describe_sections` has described.
_described = 0


class _SectionMeta(ModelMetaclass):
    """Records each section class, for :func:`describe_sections` (one created after the
    descriptions were first asked for is described at once)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        _SECTIONS.append(cls)
        if _described:
            describe_sections()
        return cls


def describe_sections() -> None:
    """Give each field of every section its attribute docstring as its description (once).

    Only the JSON schema and the scenario reference show descriptions, and reading them means
    parsing every section's source file (about 20 ms of a cold ``gigacampus run``), so that is
    done here, when one of them is asked for, and not when the classes are built. A field keeps
    a description it was given; the models are then rebuilt, in the order of creation (a
    section's schema includes those of the sections it holds), so their schemas carry them.
    """
    global _described
    todo = _SECTIONS[_described:]
    _described = len(_SECTIONS)
    for cls in todo:
        module = sys.modules.get(cls.__module__)
        path = getattr(module, "__file__", None)
        docs = _module_docstrings(path).get(cls.__name__, {}) if path and "." not in cls.__qualname__ else {}
        own = cls.__dict__.get("__annotations__", {})
        for attr, info in cls.model_fields.items():
            if info.description is not None:
                continue
            if attr in own:
                doc = docs.get(attr)
                if doc is None or attr.startswith("_") or "ClassVar" in str(own[attr]):
                    continue
            else:  # inherited: the description its base gave it
                doc = next(
                    (
                        base.model_fields[attr].description
                        for base in cls.__mro__[1:]
                        if isinstance(base, _SectionMeta) and attr in base.__dict__.get("__annotations__", {})
                    ),
                    None,
                )
                if doc is None:
                    continue
            info.description = doc
            info._attributes_set["description"] = doc
    for cls in todo:
        cls.model_rebuild(force=True, raise_errors=False)  # (a section with a forward reference builds when used)


class Section(BaseModel, metaclass=_SectionMeta):
    """Base of every scenario section: strict, frozen, unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        # a section's validator is built the first time it is used on its own: a run validates
        # only the whole scenario, whose validator holds every section's schema, so building one
        # per section as its class is created (26 of them) was wasted start-up time
        defer_build=True,
    )

    @classmethod
    def cross_field_problems(cls, data: dict[str, Any], catalog: Catalog) -> Problems:
        """Checks of this section against other keys, on the raw scenario ``data``; none by default."""
        return []


def catalog_of(info: ValidationInfo) -> Catalog:
    """The catalog passed in the validation context, else the shipped one."""
    ctx = info.context or {}
    return ctx.get("catalog") or load_catalog()


def choice(value: str, allowed: Collection[str], what: str) -> str:
    """``value`` if it is one of ``allowed``, else a check failure naming what is allowed."""
    if value not in allowed:
        raise ScenarioChecksFailed(
            [("", f"unknown {what} {value!r}; allowed: {', '.join(allowed)}", closest(value, allowed))]
        )
    return value


def choice_validator(
    field: str, allowed: Collection[str] | Callable[[], Collection[str]], what: str | None = None
) -> Any:
    """A validator for a section's ``field``: each of its values must be one of ``allowed``.

    A field of a list has each item checked; ``None`` (an optional field not given) passes.
    ``allowed`` may be a function, called at each check (for ids loaded from the catalog);
    ``what`` names the value in the message (default: the field's name). Use as
    ``_status = choice_validator("status", HOLDER_STATUSES)`` in the class body.
    """

    def check(value: Any) -> Any:
        if value is not None:
            known = allowed() if callable(allowed) else allowed
            for item in value if isinstance(value, tuple) else (value,):
                choice(item, known, what or field)
        return value

    return field_validator(field)(check)


# --- raw data (cross-field checks run on unvalidated input and skip what has the wrong shape) ---


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite_number(value: Any) -> float | None:
    """``value`` as a float if it is a finite number (not a bool), else ``None``."""
    return float(value) if is_number(value) and math.isfinite(value) else None


def whole_number(value: Any) -> int | None:
    """An int, or text of one (TOML keys of year tables are text), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)  # ASCII digits only: "²".isdigit() is true but int("²") raises
    return None


_WHOLE = re.compile(r"-?[0-9]{1,18}")


def table_at(data: Any, key: str) -> dict[str, Any]:
    """``data[key]`` if it is a table, else an empty one."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def array_at(data: Any, key: str) -> list[Any]:
    """``data[key]`` if it is an array, else an empty one."""
    value = data.get(key) if isinstance(data, dict) else None
    return list(value) if isinstance(value, (list, tuple)) else []


#: Unicode categories that draw nothing: format characters (zero-width spaces and joiners, bidi
#: controls, soft hyphens), controls and line or paragraph separators.
_INVISIBLE = frozenset({"Cf", "Cc", "Zl", "Zp"})


def visible_text(text: str) -> str:
    """``text`` as a reader sees it: NFKC-normalised, invisible characters removed, spaces collapsed."""
    shown = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) not in _INVISIBLE)
    return " ".join(shown.split())


def check_name(problems: Problems, path: str, name: Any, seen: dict[str, tuple[str, str]], unique_among: str) -> None:
    """Append a problem if ``name`` shows nothing, or reads the same as a name in ``seen`` (which maps
    each name's reading, :func:`visible_text` case-folded, to where it was given and as what);
    then record it. ``path`` is the name's key path (``phase[1].name``)."""
    if not isinstance(name, str) or not name:
        return  # a missing or empty name is the schema's to report
    key = visible_text(name).casefold()
    if not key:
        message = f"found {name!r}: only invisible characters or spaces; allowed: a name a reader can see"
        problems.append((path, message, None))
        return
    if key in seen:
        where, first = seen[key]
        same = "" if name.strip() == first.strip() else " once case, spaces and invisible characters are ignored"
        message = f"found {name!r}, already the name of {where}{same}; allowed: a name unique among {unique_among}"
        problems.append((path, message, None))
        return
    seen[key] = (path.rsplit(".", 1)[0], name)
