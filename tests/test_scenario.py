"""Loading valid scenarios, overrides, and the effective-input table."""

from __future__ import annotations

import pydantic
import pytest

from gigacampus.errors import InputError
from gigacampus.scenario import apply_overrides, input_table, load_scenario, scenario_from_dict, scenario_from_text
from tests.conftest import campus_files, scenario_text


@pytest.mark.parametrize("path", campus_files(), ids=lambda p: p.stem)
def test_shipped_scenarios_validate_and_cite_sources(path) -> None:
    scn = load_scenario(path)
    assert scn.scenario.sources, "each shipped scenario lists its sources"
    assert all(s.startswith("https://") for s in scn.scenario.sources)


def test_scenario_is_frozen() -> None:
    scn = scenario_from_text(scenario_text())
    with pytest.raises(pydantic.ValidationError):
        scn.site.pue = 2.0  # type: ignore[misc]


def test_years_and_defaults() -> None:
    scn = scenario_from_text(scenario_text())
    assert list(scn.years) == [2026, 2027, 2028, 2029, 2030]
    assert scn.quota is None and scn.supply == {}
    assert scn.fleet.lifetime_years is None  # resolved from the catalog


def test_overrides_set_values_and_index_phases() -> None:
    scn = scenario_from_text(
        scenario_text(),
        overrides=["site.pue=1.5", "phase[0].power_mw=300", "phase[0].accelerator=gb200", "quota.units_per_year=1e5"],
    )
    assert scn.site.pue == 1.5
    assert scn.phase[0].power_mw == 300
    assert scn.phase[0].accelerator == "gb200"
    assert scn.quota is not None and scn.quota.units_per_year == 1e5


def test_override_problems_are_input_errors() -> None:
    with pytest.raises(InputError, match="index 3 out of range"):
        scenario_from_text(scenario_text(), overrides=["phase[3].power_mw=1"])
    with pytest.raises(InputError, match="key.path=value"):
        scenario_from_text(scenario_text(), overrides=["site.pue"])
    with pytest.raises(InputError) as info:
        scenario_from_text(scenario_text(), overrides=["site.pue=0.5"])
    assert info.value.problems[0].path == "site.pue"


def test_apply_overrides_does_not_touch_the_input() -> None:
    data = {"site": {"pue": 1.2}}
    out = apply_overrides(data, ["site.pue=1.4", "fleet.lifetime_years=3"])
    assert data == {"site": {"pue": 1.2}}
    assert out == {"site": {"pue": 1.4}, "fleet": {"lifetime_years": 3}}


def test_non_mapping_input_is_an_error() -> None:
    with pytest.raises(InputError, match="allowed: a table of sections"):
        scenario_from_dict([1, 2], "<request>")  # type: ignore[arg-type]


def test_input_table_names_the_origin_of_every_value(catalog) -> None:
    scn = scenario_from_text(scenario_text())
    rows = {r.path: r for r in input_table(scn, catalog)}
    assert rows["site.pue"].origin == "scenario"
    assert rows["phase[0].power_mw"].unit == "MW"
    assert rows["fleet.lifetime_years"].origin == "catalog:defaults"
    assert rows["fleet.lifetime_years"].source.startswith("https://")
    assert rows["phase[0].system"].value == "hgx-h100"
    assert rows["phase[0].system_power_kw"].value == 10.2
    assert rows["phase[0].system_power_kw"].origin == "catalog:systems"
    assert rows["phase[0].utilization"].origin == "catalog:defaults"
    assert rows["scenario.seed"].origin == "schema default"


def test_system_power_given_in_scenario_unlocks_unsourced_systems() -> None:
    phases = (
        '[[phase]]\nname = "AMD"\nonline_year = 2026\npower_mw = 50\naccelerator = "mi300x"\nsystem_power_kw = 7.6\n'
    )
    scn = scenario_from_text(scenario_text(phases=phases))
    assert scn.phase[0].system_power_kw == 7.6


def test_docs_scenario_reference_is_generated_from_the_schema() -> None:
    from gigacampus.scenario.reference import json_schema, markdown_reference
    from tests.conftest import ROOT

    committed = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert committed == markdown_reference(), "regenerate: gigacampus schema > docs/scenario-reference.md"
    sections = {"scenario", "site", "phase", "fleet", "quota", "supply"}
    sections |= {"network", "training", "finance", "reliability", "policy", "carbon"}
    sections |= {"accelerator", "system", "uncertainty"}
    assert set(json_schema()["properties"]) == sections
