"""Loading scenarios from TOML files, text or dicts, with every failure turned into
:class:`gigacampus.errors.Problem` lines that name the file, the key path, what was found
and what is allowed. Nothing here lets a traceback through for bad input.
"""

from __future__ import annotations

import copy
import re
import reprlib
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.errors import InputError, Problem, closest
from gigacampus.limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_OVERRIDE_CHARS
from gigacampus.scenario.base import ScenarioChecksFailed
from gigacampus.scenario.document import Scenario, cross_field_problems
from gigacampus.scenario.hardware import catalog_for

__all__ = [
    "MAX_FILE_BYTES",
    "apply_overrides",
    "check_depth",
    "format_path",
    "is_country_data",
    "is_country_file",
    "concrete_types",
    "key_field",
    "parse_key_path",
    "load_scenario",
    "parse_toml",
    "scenario_from_dict",
    "scenario_from_text",
    "short_value",
]

#: Largest scenario file read, in bytes (a scenario is a few kB of text).
MAX_FILE_BYTES = 1_000_000


def format_path(loc: Iterable[Any]) -> str:
    """``('phase', 1, 'power_mw')`` -> ``phase[1].power_mw``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def short_value(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a found value: never raises, never long, never deep."""
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in TOML
    if isinstance(value, int) and value.bit_length() > 3 * MAX_INT_DIGITS:
        return f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, (dict, list, tuple)):
        text = _REPR.repr(value)
    else:
        try:
            text = repr(value)
        except Exception:  # a value whose repr fails is still reported, by its type
            text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_short = short_value


class _SafeRepr(reprlib.Repr):
    """reprlib with huge integers summarised (``repr`` of one over 4,300 digits raises)."""

    def repr_int(self, x: int, level: int) -> str:
        return _short(x) if x.bit_length() > 3 * MAX_INT_DIGITS else repr(x)


_REPR = _SafeRepr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxstring, _REPR.maxother = 2, 4, 6, 40, 40


def check_depth(data: Any, source: str, limit: int = MAX_DEPTH, root: str = "") -> None:
    """Refuse data nested deeper than ``limit`` tables/arrays, or with integers over
    :data:`~gigacampus.limits.MAX_INT_DIGITS` digits (walked without recursion)."""

    def where(loc: tuple[Any, ...]) -> str:
        rel = format_path(loc[:4]) + ("..." if len(loc) > 4 else "")
        return root + ("." if root and rel and not rel.startswith("[") else "") + rel

    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            items: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, (list, tuple)):
            items = enumerate(node)
        else:
            if isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > 3.33 * MAX_INT_DIGITS:
                raise InputError(
                    [Problem(source, where(loc), f"found {_short(node)}; allowed: at most {MAX_INT_DIGITS} digits")]
                )
            continue
        if len(loc) > limit:
            raise InputError(
                [
                    Problem(
                        source,
                        where(loc),
                        f"tables or arrays nested more than {limit} deep; allowed: at most {limit} levels",
                    )
                ]
            )
        stack.extend((v, (*loc, k)) for k, v in items)


# --- reading -------------------------------------------------------------------------


def _read_file(path: Path) -> str:
    src = str(path)
    if not path.exists():
        raise InputError([Problem(src, "", "no such file")])
    if path.is_dir():
        raise InputError([Problem(src, "", "is a directory; allowed: a scenario .toml file")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                [Problem(src, "", f"file is {size:,} bytes; allowed: at most {MAX_FILE_BYTES:,} bytes of TOML")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(src, "", f"cannot be read: {exc.strerror or exc}")]) from None
    return _decode(raw, src)


def _decode(raw: bytes, source: str) -> str:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError([Problem(source, "", f"binary data (NUL byte at offset {nul}); allowed: a TOML text file")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                Problem(
                    source,
                    "",
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                    "allowed: a TOML text file in UTF-8",
                )
            ]
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; an empty or malformed text is an :class:`InputError`."""
    if not text.strip():
        raise InputError(
            [Problem(source, "", "file is empty; a scenario needs [scenario], [site] and at least one [[phase]]")]
        )
    data = _loads(text, source, "")
    check_depth(data, source)
    if not data:
        raise InputError(
            [Problem(source, "", "no keys found; a scenario needs [scenario], [site] and at least one [[phase]]")]
        )
    return data


_HEADER = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?")
_ASSIGN = re.compile(r"\s*([^=\s][^=]*?)\s*=")
_LONG_DIGITS = re.compile(rf"[0-9_]{{{MAX_INT_DIGITS + 1},}}")


def is_country_data(data: Mapping[str, Any]) -> bool:
    return isinstance(data, Mapping) and "country" in data


def is_country_file(path: str | Path) -> bool:
    """Whether ``path`` is a country file (a TOML file with a ``[country]`` table)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        return is_country_data(parse_toml(_read_file(p), str(p)))
    except InputError:
        return False


def _locate(text: str, bad_line: typing.Callable[[str], bool]) -> tuple[str, str]:
    """(key path, ``line N``) of the first line of ``text`` where ``bad_line`` holds."""
    header = ""
    arrays: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if bad_line(line):
            m = _ASSIGN.match(line)
            key = m.group(1).replace('"', "").replace(" ", "") if m else ""
            path = ".".join(p for p in (header, key) if p)
            return _short(path, 80).strip("'"), f"line {n}"
        m = _HEADER.fullmatch(line)
        if m:
            header = m.group(1).replace('"', "").replace(" ", "")
            if line.lstrip().startswith("[["):  # an array of tables: name its item, phase[1]
                arrays[header] = arrays.get(header, -1) + 1
                header = f"{header}[{arrays[header]}]"
    return "", "somewhere"


def _nesting(line: str) -> bool:
    depth = peak = 0
    for c in line:
        depth += c in "[{"
        depth -= c in "]}"
        peak = max(peak, depth)
    return peak > MAX_DEPTH


def _loads(text: str, source: str, path: str) -> dict[str, Any]:
    """``tomllib.loads`` with every failure it can raise on hostile text turned into a problem."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(source, path, f"not valid TOML: {exc}")]) from None
    except RecursionError:
        key, where = _locate(text, _nesting)
        found, allowed = "arrays or inline tables nested too deep", f"at most {MAX_DEPTH} levels"
    except ValueError:  # an integer literal over Python's 4,300-digit conversion limit
        key, where = _locate(text, lambda line: bool(_LONG_DIGITS.search(line)))
        found, allowed = "an integer literal of thousands of digits", f"at most {MAX_INT_DIGITS} digits"
    at = "" if path else f" ({where})"  # an override names its key; a file also its line
    raise InputError([Problem(source, path or key, f"{found}{at}; allowed: {allowed}")])


# --- overrides (--set key.path=value) ------------------------------------------------

_KEY_PART = re.compile(r"([A-Za-z0-9_\-]+)((?:\[\d+\])*)")


def _clip(text: str, limit: int = 80) -> str:
    """A key path as given, cut to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in key.split("."):
        m = _KEY_PART.fullmatch(chunk)
        if not m:
            raise ValueError(chunk)
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


def _parse_value(text: str, source: str = "--set", key: str = "") -> Any:
    try:
        tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text  # a bare word such as gb200 is taken as text
    except (RecursionError, ValueError):
        pass  # reported with the key path below
    value = _loads(f"v = {text}", source, key)["v"]
    check_depth(value, source, MAX_DEPTH, root=key)
    return value


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str], source: str = "--set") -> dict[str, Any]:
    """Return a copy of ``data`` with ``key.path=value`` overrides applied.

    Values are read as TOML values (``1.2``, ``true``, ``"text"``, ``[1, 2]``); a bare word
    is text. Lists are indexed as in error messages: ``phase[1].power_mw=300``.
    """
    out = copy.deepcopy(dict(data))
    problems = []
    for item in overrides:
        if len(item) > MAX_OVERRIDE_CHARS:
            problems.append(
                Problem(
                    source,
                    item.partition("=")[0][:80],
                    f"{len(item):,} characters; allowed: at most {MAX_OVERRIDE_CHARS:,} per override",
                )
            )
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        bad = next((c for c in item if c in "\n\r\x00" or (ord(c) < 32 and c != "\t")), None)
        if bad is not None:
            problems.append(
                Problem(
                    source,
                    key if _KEY_PART.fullmatch(key.split(".")[0] or "-") else _short(item, 40),
                    f"found a control character ({bad!r}) in {_short(item, 40)}; allowed: one key.path=value on one "
                    "line (give each override its own --set)",
                )
            )
            continue
        try:
            if not sep or not key:
                raise ValueError(item)
            parts = _parse_key(key)
        except ValueError:
            example = "e.g. site.pue=1.2 or phase[0].power_mw=300"
            problems.append(Problem(source, _clip(item), f"allowed: key.path=value, {example}"))
            continue
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    have = len(node) if isinstance(node, list) else 0
                    problems.append(
                        Problem(
                            source,
                            _clip(format_path(parts[: i + 1])),
                            f"index {part} out of range; the scenario has {have}",
                        )
                    )
                    break
                node = node[part]
            else:
                if not isinstance(node, dict):
                    problems.append(Problem(source, _clip(format_path(parts[: i + 1])), "is not a table"))
                    break
                node = node.setdefault(part, [] if isinstance(nxt, int) else {})
        else:
            last = parts[-1]
            if isinstance(last, int):
                if isinstance(node, list) and last < len(node):
                    try:
                        node[last] = _parse_value(value.strip(), source, key)
                    except InputError as err:
                        problems += err.problems
                else:
                    problems.append(Problem(source, _clip(key), "index out of range"))
            elif isinstance(node, dict):
                try:
                    node[last] = _parse_value(value.strip(), source, key)
                except InputError as err:
                    problems += err.problems
            else:
                problems.append(Problem(source, _clip(key), "parent is not a table"))
    if problems:
        raise InputError(problems)
    return out


# --- validation and error translation --------------------------------------------------


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional / Annotated / containers, outermost first."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) if a is not type(None) for t in _unwrap(a)]
    return [annotation]


def _next_type(annotation: Any, part: Any) -> Any:
    """The type found one step into ``annotation`` (a list item or dict value)."""
    for t in _unwrap(annotation):
        origin = typing.get_origin(t)
        if origin in (tuple, list) and isinstance(part, int):
            return typing.get_args(t)[0]
        if origin is dict and not isinstance(part, int):
            return typing.get_args(t)[1]
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _field_at(loc: Sequence[Any]) -> tuple[type[BaseModel] | None, FieldInfo | None, Any]:
    """Walk the schema along ``loc``: (model holding the last key, its FieldInfo, annotation)."""
    current: Any = Scenario
    model: type[BaseModel] | None = None
    info: FieldInfo | None = None
    for part in loc:
        model_cls = next((t for t in _unwrap(current) if isinstance(t, type) and issubclass(t, BaseModel)), None)
        if model_cls is not None and isinstance(part, str) and part in model_cls.model_fields:
            model, info = model_cls, model_cls.model_fields[part]
            current = info.annotation
        else:
            current = _next_type(current, part)
            if current is None:
                return None, None, None
            if not (isinstance(current, type) and issubclass(current, BaseModel)):
                # a dict value or list item with bounds in Annotated: report those bounds
                info = FieldInfo.from_annotation(current) if typing.get_origin(current) is typing.Annotated else None
    return model, info, current


#: The concrete types inside Optional / Annotated / containers of an annotation, outermost first.
concrete_types = _unwrap


def parse_key_path(key: str) -> list[str | int]:
    """``phase[1].power_mw`` -> ``["phase", 1, "power_mw"]``, exactly as ``--set`` reads it;
    ``ValueError`` for a malformed path."""
    return _parse_key(key)


def key_field(parts: Sequence[str | int]) -> tuple[FieldInfo | None, Any]:
    """The schema's field at a parsed key path: its FieldInfo (bounds, unit; ``None`` for a list
    item or table value without bounds) and its type annotation (``None``: no such key)."""
    current: Any = Scenario
    info: FieldInfo | None = None
    for part in parts:
        model_cls = next((t for t in _unwrap(current) if isinstance(t, type) and issubclass(t, BaseModel)), None)
        if model_cls is not None:
            if not isinstance(part, str) or part not in model_cls.model_fields:
                return None, None
            info = model_cls.model_fields[part]
            current = info.annotation
            continue
        current = _next_type(current, part)
        if current is None:
            return None, None
        info = FieldInfo.from_annotation(current) if typing.get_origin(current) is typing.Annotated else None
    return info, current


def _model_at(loc: Sequence[Any]) -> type[BaseModel] | None:
    if not loc:
        return Scenario
    _, _, annotation = _field_at(loc)
    for t in _unwrap(annotation) if annotation is not None else []:
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _kind(annotation: Any) -> str:
    names = []
    for t in _unwrap(annotation):
        origin = typing.get_origin(t)
        if t is float:
            names.append("a number")
        elif t is int:
            names.append("a whole number")
        elif t is str:
            names.append("text")
        elif t is bool:
            names.append("true or false")
        elif origin is typing.Literal:
            names.append("one of " + ", ".join(repr(a) for a in typing.get_args(t)))
        elif origin in (tuple, list):
            item = typing.get_args(t)[0]
            if isinstance(item, type) and issubclass(item, BaseModel):
                names.append("an array of tables")
            else:
                names.append(f"a list of {_kind(item).removeprefix('a ')} values")
        elif origin is dict:
            names.append("a table")
        elif isinstance(t, type) and issubclass(t, BaseModel):
            names.append("a table")
    return " or ".join(dict.fromkeys(names)) or "a value"


def _allowed(info: FieldInfo | None, annotation: Any) -> str:
    """Human description of what a field accepts, e.g. ``a number > 0 and <= 50000 [MW]``."""
    if info is None and annotation is None:
        return "a valid value"
    text = _kind(info.annotation if info is not None else annotation)
    if info is None:
        return text
    bounds = []
    lengths: dict[str, int] = {}
    for meta in info.metadata:
        for cls, sym, attr in ((at.Ge, ">=", "ge"), (at.Gt, ">", "gt"), (at.Le, "<=", "le"), (at.Lt, "<", "lt")):
            if isinstance(meta, cls):
                bound = getattr(meta, attr)
                bounds.append(f"{sym} {bound}" if isinstance(bound, int) else f"{sym} {bound:g}")
        if isinstance(meta, at.MinLen) and meta.min_length:
            lengths["min"] = meta.min_length
        if isinstance(meta, at.MaxLen):
            lengths["max"] = meta.max_length
    if bounds:
        text += " " + " and ".join(bounds)
    if lengths:
        what = "characters" if text == "text" else "of them"
        if len(lengths) == 2:
            text += f", {lengths['min']} to {lengths['max']} {what}"
        else:
            text += f", at {'least' if 'min' in lengths else 'most'} {next(iter(lengths.values()))} {what}"
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = extra.get("unit")
    if unit and unit != "-":
        text += f" [{unit}]"
    return text


def _problems_from(exc: ValidationError, source: str) -> list[Problem]:
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    # lists whose items failed: pydantic then also reports the list as too short
    failed_items = {tuple(e["loc"][:i]) for e in errors for i, part in enumerate(e["loc"]) if isinstance(part, int)}
    for err in errors:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "too_short" and loc in failed_items:
            continue  # pydantic's echo of item errors: the items were reported already
        ctx = err.get("ctx") or {}
        found = err.get("input")
        if isinstance(ctx.get("error"), ScenarioChecksFailed):
            for rel, message, suggestion in ctx["error"].problems:
                path = format_path(loc)
                if rel:
                    path = f"{path}.{rel}" if path else rel
                problems.append(Problem(source, path, message, suggestion))
            continue
        if loc and loc[-1] == "[key]":
            problems.append(Problem(source, format_path(loc[:-1]), f"key {_short(found)} is not allowed: {err['msg']}"))
            continue
        path = format_path(loc)
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            allowed = list(parent.model_fields) if parent else []
            problems.append(
                Problem(
                    source, path, f"unknown key; allowed here: {', '.join(allowed)}", closest(str(loc[-1]), allowed)
                )
            )
            continue
        _, info, annotation = _field_at(loc)
        allowed = _allowed(info, annotation)
        if kind == "missing":
            kind_text = _kind(info.annotation) if info is not None else ""
            if kind_text in ("a table", "an array of tables"):
                header = f"[[{path}]]" if kind_text == "an array of tables" else f"[{path}]"
                allowed = f"{allowed} ({header} sections)" if "array" in kind_text else f"{allowed} ({header} section)"
            problems.append(Problem(source, path, f"missing; required: {allowed}"))
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(Problem(source, path, f"found {_short(found)}; allowed: a table ([{path}] section)"))
        elif kind in ("tuple_type", "list_type") and loc == ("phase",):
            allowed = "an array of tables ([[phase]] sections)"
            problems.append(Problem(source, path, f"found {_short(found)}; allowed: {allowed}"))
        else:
            problems.append(Problem(source, path, f"found {_short(found)}; allowed: {allowed}"))
    return problems


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>", *, catalog: Catalog | None = None) -> Scenario:
    """Validate parsed scenario data; raise :class:`InputError` naming every problem."""
    if not isinstance(data, Mapping):
        raise InputError([Problem(source, "", f"found {type(data).__name__}; allowed: a table of sections")])
    check_depth(data, source)
    if "country" in data:
        raise InputError(
            [
                Problem(
                    source,
                    "country",
                    "this is a country file (several campuses under one national [policy]); this command takes one "
                    "campus scenario. Commands that take a country file: run, quota, validate, compare "
                    "(see docs/country.md); or pass one of its campus files",
                )
            ]
        )
    try:
        return Scenario.model_validate(dict(data), context={"catalog": catalog} if catalog else None)
    except ValidationError as exc:
        problems = _problems_from(exc, source)
    # Cross-field checks do not run inside pydantic when a field fails; run them on the raw data.
    cat = catalog_for(dict(data), catalog or load_catalog())
    problems += [
        Problem(source, path, message, suggestion)
        for path, message, suggestion in cross_field_problems(dict(data), cat)
    ]
    raise InputError(list(dict.fromkeys(problems)))


def scenario_from_text(
    text: str, source: str = "<text>", *, overrides: Sequence[str] = (), catalog: Catalog | None = None
) -> Scenario:
    """Parse and validate scenario TOML text."""
    data = parse_toml(text, source)
    if overrides:
        data = apply_overrides(data, overrides)
    return scenario_from_dict(data, source, catalog=catalog)


def load_scenario(path: str | Path, *, overrides: Sequence[str] = (), catalog: Catalog | None = None) -> Scenario:
    """Read, parse and validate a scenario file; raise :class:`InputError` on any problem."""
    path = Path(path)
    return scenario_from_text(_read_file(path), str(path), overrides=overrides, catalog=catalog)


def raw_scenario(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a scenario file, unvalidated (for tools that edit scenarios)."""
    path = Path(path)
    return parse_toml(_read_file(path), str(path))
