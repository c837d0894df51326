"""Scenario files: the strict schema, TOML loading with clear errors, and effective inputs.

The names below are loaded on first use (PEP 562), so that importing a submodule such as
``gigacampus.scenario.base`` (which every section, the analyses' included, builds on) does not
import the scenario document, which imports those sections.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gigacampus.scenario.core import Fleet, Phase, Quota, ScenarioInfo, Site, SupplyLimit
    from gigacampus.scenario.document import Scenario
    from gigacampus.scenario.load import (
        apply_overrides,
        format_path,
        load_scenario,
        parse_toml,
        raw_scenario,
        scenario_from_dict,
        scenario_from_text,
    )
    from gigacampus.scenario.resolve import ORIGINS, ResolvedInput, default_row, input_table, section_rows

_WHERE = {
    "Fleet": "core",
    "Phase": "core",
    "Quota": "core",
    "ScenarioInfo": "core",
    "Site": "core",
    "SupplyLimit": "core",
    "Scenario": "document",
    "apply_overrides": "load",
    "format_path": "load",
    "load_scenario": "load",
    "parse_toml": "load",
    "raw_scenario": "load",
    "scenario_from_dict": "load",
    "scenario_from_text": "load",
    "ORIGINS": "resolve",
    "ResolvedInput": "resolve",
    "default_row": "resolve",
    "input_table": "resolve",
    "section_rows": "resolve",
}

__all__ = [
    "Fleet",
    "ORIGINS",
    "Phase",
    "Quota",
    "ResolvedInput",
    "Scenario",
    "ScenarioInfo",
    "Site",
    "SupplyLimit",
    "apply_overrides",
    "default_row",
    "format_path",
    "input_table",
    "load_scenario",
    "parse_toml",
    "raw_scenario",
    "scenario_from_dict",
    "scenario_from_text",
    "section_rows",
]


assert set(__all__) == set(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'gigacampus.scenario' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gigacampus.scenario.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
