"""The scenario file reference, generated from the schema (``docs/scenario-reference.md``).

A test checks the committed file equals :func:`markdown_reference`, so the documentation
cannot drift from the code. Regenerate with ``gigacampus schema > docs/scenario-reference.md``.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from gigacampus.catalog import Catalog, load_catalog
from gigacampus.scenario.base import describe_sections
from gigacampus.scenario.document import Scenario
from gigacampus.scenario.load import _allowed, _unwrap

__all__ = ["json_schema", "markdown_reference"]


def json_schema() -> dict[str, Any]:
    """The JSON schema of a scenario (for editors, tools and the web API)."""
    describe_sections()
    return Scenario.model_json_schema()


def _section_models(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel], bool]]:
    """(TOML header, model, is array of tables) for each section of the scenario, nested ones
    (e.g. ``[[finance.source]]``) after their parent."""
    out = []
    for field_name, info in model.model_fields.items():
        name = prefix + field_name
        for t in _unwrap(info.annotation):
            origin = typing.get_origin(t)
            if isinstance(t, type) and issubclass(t, BaseModel):
                out.append((f"[{name}]", t, False))
                out += _section_models(t, f"{name}.")
            elif origin in (tuple, list):
                item = typing.get_args(t)[0]
                if isinstance(item, type) and issubclass(item, BaseModel):
                    out.append((f"[[{name}]]", item, True))
                    out += _section_models(item, f"{name}.")
            elif origin is dict:
                value = typing.get_args(t)[1]
                if isinstance(value, type) and issubclass(value, BaseModel):
                    key = "accelerator id" if name == "supply" else "id"
                    out.append((f"[{name}.<{key}>]", value, False))
    return out


def _default(info: FieldInfo, key: str, cat: Catalog) -> str:
    if info.is_required():
        return "required"
    if info.default is None:
        if key in cat.defaults:
            d = cat.defaults[key]
            return f"catalog: {d.value:g}"
        return "none"
    if info.default is PydanticUndefined:
        return "(empty)"
    value = info.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if isinstance(value, tuple | list):
        return "[]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown_reference(catalog: Catalog | None = None) -> str:
    """Markdown tables of every section and key, with types, bounds, units and defaults."""
    describe_sections()
    cat = catalog or load_catalog()
    lines = [
        "# Scenario file reference",
        "",
        "Generated from the schema by `gigacampus schema`; do not edit by hand.",
        "A scenario is a TOML file with these sections. Unknown keys are errors. Where the default",
        "says `catalog`, the value comes from `catalog/data/defaults.csv`, which names its source.",
        "",
    ]
    for header, model, _is_array in _section_models(Scenario):
        section = header.strip("[]").split(".")[0]
        doc = (model.__doc__ or "").strip().splitlines()
        lines += [f"## `{header}`", ""]
        if doc:
            lines += [" ".join(line.strip() for line in doc), ""]
        lines += ["| key | allowed | default | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            allowed = _allowed(info, info.annotation)
            meaning = " ".join((info.description or "").split())
            default = _default(info, f"{section}.{name}", cat)
            lines.append(f"| `{name}` | {allowed} | {default} | {meaning} |")
        lines.append("")
    return "\n".join(lines).replace("``", "`").rstrip() + "\n"
