"""Scenario files: the strict schema, TOML loading with clear errors, and effective inputs."""

from gigacampus.scenario.load import (
    apply_overrides,
    format_path,
    load_scenario,
    parse_toml,
    raw_scenario,
    scenario_from_dict,
    scenario_from_text,
)
from gigacampus.scenario.resolve import ResolvedInput, input_table
from gigacampus.scenario.schema import Fleet, Phase, Quota, Scenario, ScenarioInfo, Site, SupplyLimit

__all__ = [
    "Fleet",
    "Phase",
    "Quota",
    "ResolvedInput",
    "Scenario",
    "ScenarioInfo",
    "Site",
    "SupplyLimit",
    "apply_overrides",
    "format_path",
    "input_table",
    "load_scenario",
    "parse_toml",
    "raw_scenario",
    "scenario_from_dict",
    "scenario_from_text",
]
