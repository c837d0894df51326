"""Carbon and water: emissions of the electricity mix, its intensity, water from the WUE (docs/carbon.md)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.carbon.analysis import CARBON
from gigacampus.analyses.carbon.mix import effective_intensity, emissions_tco2, grid_share, water_m3
from gigacampus.catalog.carbon import BASES, emission_factors, water_use
from gigacampus.catalog.tables import data_path, schema
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.pipeline import campus_inputs, run_batch
from gigacampus.scenario import ORIGINS, scenario_from_text
from tests.conftest import scenario_text

URL = re.compile(r"^https?://\S+$")
runner = CliRunner()


def _text(carbon: str = "", grid: float | None = 0.47, pue: float = 1.25) -> str:
    text = scenario_text(pue=pue, extra=carbon)
    if grid is not None:
        text = text.replace("[site]\n", f"[site]\ngrid_kgco2_per_kwh = {grid}\n", 1)
    return text


def _scn(carbon: str = "", grid: float | None = 0.47, pue: float = 1.25) -> gc.Scenario:
    return scenario_from_text(_text(carbon, grid, pue))


def _problems(carbon: str, grid: float | None = 0.47) -> list[gc.Problem]:
    with pytest.raises(InputError) as err:
        _scn(carbon, grid)
    return list(err.value.problems)


# --- hand calculations -----------------------------------------------------------------


def test_emissions_are_energy_times_intensity_by_hand() -> None:
    # 1,000 MWh at 0.47 kg/kWh = 1,000,000 kWh x 0.47 kg = 470,000 kg = 470 t
    assert emissions_tco2(np.asarray([1000.0]), 0.47)[0] == pytest.approx(470.0)


def test_solar_and_grid_mix_by_hand() -> None:
    # 20% solar at 0.048 + 80% grid at 0.47 = 0.0096 + 0.376 = 0.3856 kg/kWh; 1,000 MWh -> 385.6 t
    intensity = effective_intensity({"solar-pv-utility": 0.2}, {"solar-pv-utility": 0.048}, 0.47)
    assert intensity == pytest.approx(0.3856)
    assert emissions_tco2(np.asarray([1000.0]), intensity)[0] == pytest.approx(385.6)


def test_water_is_it_energy_times_wue_by_hand() -> None:
    # 1,000 MWh of IT energy at 0.26 L/kWh = 1,000,000 kWh x 0.26 L = 260,000 L = 260 m3
    assert water_m3(np.asarray([1000.0]), 0.26)[0] == pytest.approx(260.0)
    assert np.isnan(water_m3(np.asarray([1000.0, 5.0]), None)).all()


def test_shares_that_sum_to_one_in_decimals_leave_no_grid() -> None:
    assert 0.7 + 0.2 + 0.1 != 1.0  # 0.9999999999999999 in binary
    assert grid_share([0.7, 0.2, 0.1]) == 0.0
    shares = {"a": 0.7, "b": 0.2, "c": 0.1}
    # no grid factor is needed when the sources cover everything
    assert effective_intensity(shares, {"a": 0.1, "b": 0.2, "c": 0.3}, None) == pytest.approx(0.07 + 0.04 + 0.03)
    assert math.isnan(effective_intensity({"a": 0.5}, {"a": 0.1}, None))
    assert math.isnan(effective_intensity({}, {}, None))
    assert effective_intensity({}, {}, 0.47) == 0.47


# --- the analysis in the pipeline --------------------------------------------------------


def test_without_carbon_section_emissions_are_energy_times_grid_exactly() -> None:
    batch = run_batch(_scn())
    energy = batch.columns["energy_mwh"]
    assert energy.shape == batch.columns["emissions_tco2"].shape
    assert energy.sum() > 0
    # the formula the core model used: energy_mwh x site.grid_kgco2_per_kwh, bit for bit
    assert np.array_equal(batch.columns["emissions_tco2"], energy * np.asarray([0.47])[:, None])
    assert (batch.columns["carbon_intensity_kgco2_per_kwh"] == 0.47).all()
    assert np.isnan(batch.columns["water_m3"]).all()
    res = gc.run(_scn())
    assert np.array_equal(res.timeline["emissions_tco2"].to_numpy(), res.timeline["energy_mwh"].to_numpy() * 0.47)
    block = res.to_summary()["carbon"]
    assert block["intensity_kgco2_per_kwh"] == 0.47
    assert block["grid"] == {
        "share": 1.0,
        "kgco2_per_kwh": 0.47,
        "basis": "as the scenario states it",
        "origin": "scenario",
    }
    assert any(n.startswith("no WUE given") for n in block["notes"])


def test_without_grid_intensity_emissions_are_null_with_a_note() -> None:
    res = gc.run(_scn(grid=None))
    assert res.timeline["emissions_tco2"].isna().all()
    summary = json.loads(json.dumps(res.to_summary()))
    assert all(y["emissions_tco2"] is None for y in summary["years"])
    block = summary["carbon"]
    assert block["intensity_kgco2_per_kwh"] is None
    assert block["totals"]["emissions_tco2_total"] is None
    note = next(n for n in block["notes"] if n.startswith("no grid carbon intensity given"))
    assert "100%" in note and "site.grid_kgco2_per_kwh" in note
    rows = {r.path: r for r in res.inputs}
    assert rows["site.grid_kgco2_per_kwh"].origin.startswith("not included")


def test_generation_replaces_part_of_the_grid() -> None:
    batch = run_batch(_scn("[carbon]\ngeneration = { solar-pv-utility = 0.2 }\n"))
    energy = batch.columns["energy_mwh"]
    np.testing.assert_allclose(batch.columns["emissions_tco2"], energy * (0.2 * 0.048 + 0.8 * 0.47), rtol=1e-12)
    np.testing.assert_allclose(batch.columns["carbon_intensity_kgco2_per_kwh"], 0.3856, rtol=1e-12)
    block = batch.blocks["carbon"].payload
    parts = {p["id"]: p for p in block["parts"]}
    assert parts["grid"]["share"] == pytest.approx(0.8)
    solar = parts["solar-pv-utility"]
    assert (solar["share"], solar["kgco2_per_kwh"], solar["basis"]) == (0.2, 0.048, "lifecycle")
    assert solar["origin"] == "catalog:emission_factors"
    assert solar["source"] == emission_factors()["solar-pv-utility"].source
    total = block["totals"]
    assert total["energy_mwh_total"] == pytest.approx(energy.sum())
    assert total["emissions_tco2_total"] == pytest.approx(batch.columns["emissions_tco2"].sum())
    assert sum(p["emissions_tco2_total"] for p in block["parts"]) == pytest.approx(total["emissions_tco2_total"])
    assert any("as the scenario states it" in n for n in block["notes"])


def test_sources_covering_everything_need_no_grid_intensity() -> None:
    batch = run_batch(_scn("[carbon]\ngeneration = { nuclear = 0.5, wind-onshore = 0.5 }\n", grid=None))
    energy = batch.columns["energy_mwh"]
    np.testing.assert_allclose(batch.columns["emissions_tco2"], energy * (0.5 * 0.012 + 0.5 * 0.011), rtol=1e-12)
    block = batch.blocks["carbon"].payload
    assert block["grid"]["share"] == 0.0
    assert [p["id"] for p in block["parts"]] == ["nuclear", "wind-onshore"]
    assert not any("grid carbon intensity" in n for n in block["notes"])


def test_a_grid_share_without_a_grid_intensity_is_null_not_an_error() -> None:
    batch = run_batch(_scn("[carbon]\ngeneration = { solar-pv-utility = 0.2 }\n", grid=None))
    assert np.isnan(batch.columns["emissions_tco2"]).all()
    assert np.isnan(batch.columns["carbon_intensity_kgco2_per_kwh"]).all()
    block = batch.blocks["carbon"].payload
    assert any(n.startswith("no grid carbon intensity given: the grid supplies 80%") for n in block["notes"])
    solar = next(p for p in block["parts"] if p["id"] == "solar-pv-utility")
    # the known part is still reported: energy x 0.2 x 0.048
    assert solar["emissions_tco2_total"] == pytest.approx(batch.columns["energy_mwh"].sum() * 0.2 * 0.048)


def test_a_factor_given_for_a_source_without_one() -> None:
    scn = _scn(
        "[carbon]\ngeneration = { gas-simple-cycle-direct = 1.0 }\n"
        "emission_factor_kgco2_per_kwh = { gas-simple-cycle-direct = 0.55 }\n"
    )
    batch = run_batch(scn)
    np.testing.assert_allclose(batch.columns["emissions_tco2"], batch.columns["energy_mwh"] * 0.55, rtol=1e-12)
    rows = {r.path: r for r in batch.blocks["carbon"].provenance}
    row = rows["carbon.emission_factor_kgco2_per_kwh.gas-simple-cycle-direct"]
    assert (row.value, row.unit, row.origin) == (0.55, "kgCO2/kWh", "scenario")
    part = next(p for p in batch.blocks["carbon"].payload["parts"] if p["id"] == "gas-simple-cycle-direct")
    assert (part["basis"], part["origin"]) == ("as the scenario states it (catalog row: direct)", "scenario")


def test_a_factor_given_replaces_the_catalogs_with_a_note() -> None:
    scn = _scn("[carbon]\ngeneration = { nuclear = 0.4 }\nemission_factor_kgco2_per_kwh = { nuclear = 0.006 }\n")
    batch = run_batch(scn)
    np.testing.assert_allclose(batch.columns["carbon_intensity_kgco2_per_kwh"], 0.4 * 0.006 + 0.6 * 0.47, rtol=1e-12)
    notes = batch.blocks["carbon"].payload["notes"]
    assert any("replaces the catalog's 0.012 kgCO2/kWh" in n for n in notes)


def test_water_from_the_cooling_type_and_from_a_given_wue() -> None:
    batch = run_batch(_scn('[carbon]\ncooling = "direct-evaporative-hyperscale"\n'))
    it_energy = batch.columns["it_energy_mwh"]
    assert np.array_equal(batch.columns["water_m3"], it_energy * 0.26)
    wue = batch.blocks["carbon"].payload["wue"]
    assert (wue["wue_l_per_kwh"], wue["cooling"], wue["origin"]) == (
        0.26,
        "direct-evaporative-hyperscale",
        "catalog:water_use",
    )
    assert (
        wue["source"]
        == water_use()["direct-evaporative-hyperscale"].source
        == "https://sustainability.fb.com/data-centers/"
    )
    given = run_batch(_scn('[carbon]\ncooling = "direct-evaporative-hyperscale"\nwue_l_per_kwh = 1.5\n'))
    assert np.array_equal(given.columns["water_m3"], given.columns["it_energy_mwh"] * 1.5)
    assert given.blocks["carbon"].payload["wue"]["origin"] == "scenario"
    assert any("replaces the catalog WUE" in n for n in given.blocks["carbon"].payload["notes"])


def test_a_zero_water_design_counts_cooling_water_only() -> None:
    batch = run_batch(_scn('[carbon]\ncooling = "closed-loop-dry-cooler"\n'))
    assert (batch.columns["water_m3"] == 0.0).all()
    notes = batch.blocks["carbon"].payload["notes"]
    assert any("cooling water only" in n and "carbon.wue_l_per_kwh" in n for n in notes)


def test_a_cooling_type_without_a_sourced_wue_runs_with_the_given_one() -> None:
    batch = run_batch(_scn('[carbon]\ncooling = "evaporative-tower"\nwue_l_per_kwh = 1.8\n'))
    assert np.array_equal(batch.columns["water_m3"], batch.columns["it_energy_mwh"] * 1.8)


def test_mixed_bases_get_a_note() -> None:
    scn = _scn("[carbon]\ngeneration = { solar-pv-utility = 0.3, gas-fleet-direct-us = 0.3 }\n")
    notes = run_batch(scn).blocks["carbon"].payload["notes"]
    assert any(
        "mix emission-factor bases (direct: gas-fleet-direct-us; lifecycle: solar-pv-utility)" in n for n in notes
    )


def test_provenance_names_every_carbon_input_with_its_origin() -> None:
    scn = _scn('[carbon]\ncooling = "direct-evaporative-hyperscale"\ngeneration = { wind-onshore = 0.25 }\n')
    rows = {r.path: r for r in run_batch(scn).blocks["carbon"].provenance}
    assert rows["carbon.cooling"].origin == "scenario"
    assert rows["carbon.generation.wind-onshore"].value == 0.25
    assert rows["carbon.generation.wind-onshore"].origin == "scenario"
    factor = rows["carbon.emission_factor_kgco2_per_kwh.wind-onshore"]
    assert (factor.value, factor.origin) == (0.011, "catalog:emission_factors")
    assert factor.source == emission_factors()["wind-onshore"].source
    wue = rows["carbon.wue_l_per_kwh"]
    assert (wue.value, wue.unit, wue.origin) == (0.26, "L/kWh", "catalog:water_use")
    assert wue.source == water_use()["direct-evaporative-hyperscale"].source
    default = {r.path: r for r in run_batch(_scn()).blocks["carbon"].provenance}
    assert default["carbon.generation"].origin == "schema default"
    assert default["carbon.wue_l_per_kwh"].origin.startswith("not included")
    for row in [*rows.values(), *default.values()]:
        assert row.origin.startswith(ORIGINS), row


def test_columns_are_declared_with_units() -> None:
    units = {c.name: c.unit for c in CARBON.provides}
    assert units == {
        "emissions_tco2": "tCO2/year",
        "carbon_intensity_kgco2_per_kwh": "kgCO2/kWh",
        "water_m3": "m3/year",
    }
    assert all(c.dtype == "float" and c.table == "year" for c in CARBON.provides)
    assert CARBON.requires == ("energy_mwh", "it_energy_mwh")
    assert CARBON.applies(_scn(), {})
    summary = gc.run(_scn('[carbon]\ncooling = "air-cooled-chiller"\n')).to_summary()
    assert {k: summary["units"][k] for k in units} == units


# --- the batch axis ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "carbon",
    [
        "",
        '[carbon]\ncooling = "direct-evaporative-hyperscale"\ngeneration = { solar-pv-utility = 0.2, nuclear = 0.1 }\n',
    ],
)
def test_a_batch_over_pue_equals_separate_runs(carbon: str) -> None:
    scn = _scn(carbon)
    pues = [1.1, 1.3, 1.6]
    inputs = dataclasses.replace(campus_inputs(scn).repeat(3), pue=np.asarray(pues))
    batch = run_batch(scn, inputs)
    assert batch.columns["emissions_tco2"].shape == (3, 5)
    for i, pue in enumerate(pues):
        alone = run_batch(_scn(carbon, pue=pue))
        for name in ("emissions_tco2", "carbon_intensity_kgco2_per_kwh", "water_m3", "energy_mwh"):
            np.testing.assert_allclose(batch.columns[name][i], alone.columns[name][0], rtol=1e-12, equal_nan=True)
        payload = run_batch(scn, inputs, variant=i).blocks["carbon"].payload
        expected = alone.blocks["carbon"].payload
        for key in ("emissions_tco2_total", "water_m3_total", "energy_mwh_total"):
            got, want = payload["totals"][key], expected["totals"][key]
            assert (got is None and want is None) or got == pytest.approx(want, rel=1e-12)
    # the variants really differ: a higher PUE leaves less IT power in the same facility power
    # (emissions move less: fewer accelerators, each drawing more facility power; whole servers
    # can make two variants' energy equal)
    assert len({float(batch.columns["accelerators"][i, -1]) for i in range(3)}) == 3
    assert len({float(batch.columns["emissions_tco2"][i].sum()) for i in range(3)}) >= 2


# --- properties ------------------------------------------------------------------------------

_FACTORS = {k: v.kgco2_per_kwh for k, v in emission_factors().items() if v.kgco2_per_kwh is not None}


@st.composite
def mixes(draw: st.DrawFn) -> tuple[dict[str, float], float]:
    """Shares of up to three catalog sources (summing to at most 1) and a grid factor."""
    ids = draw(st.lists(st.sampled_from(sorted(_FACTORS)), max_size=3, unique=True))
    weights = [draw(st.floats(0.0, 1.0)) for _ in ids]
    scale = draw(st.floats(0.0, 1.0)) / max(sum(weights), 1.0)
    return {k: w * scale for k, w in zip(ids, weights, strict=True)}, draw(st.floats(0.0, 2.0))


@settings(max_examples=300, deadline=None)
@given(mixes())
def test_intensity_lies_between_the_factors_used(mix: tuple[dict[str, float], float]) -> None:
    shares, grid = mix
    intensity = effective_intensity(shares, _FACTORS, grid)
    used = [_FACTORS[k] for k, s in shares.items() if s > 0]
    if grid_share(shares.values()) > 0:
        used.append(grid)
    assert used  # with no positive share the grid supplies everything
    assert min(used) - 1e-12 <= intensity <= max(used) + 1e-12


@settings(max_examples=300, deadline=None)
@given(mixes(), st.lists(st.floats(0.0, 1e8), min_size=1, max_size=10))
def test_emissions_are_never_negative(mix: tuple[dict[str, float], float], energy: list[float]) -> None:
    shares, grid = mix
    out = emissions_tco2(np.asarray(energy), effective_intensity(shares, _FACTORS, grid))
    assert (out >= 0).all()


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
    st.floats(0.05, 2.0),
    st.lists(st.floats(0.0, 1e8), min_size=1, max_size=10),
)
def test_more_solar_never_raises_emissions_when_solar_is_cleaner(
    a: float, b: float, wind: float, grid: float, energy: list[float]
) -> None:
    assert _FACTORS["solar-pv-utility"] < grid  # the grid factors drawn are all above solar's 0.048
    room = 1.0 - wind
    low, high = sorted((a * room, b * room))
    e = np.asarray(energy)
    less = emissions_tco2(e, effective_intensity({"solar-pv-utility": low, "wind-onshore": wind}, _FACTORS, grid))
    more = emissions_tco2(e, effective_intensity({"solar-pv-utility": high, "wind-onshore": wind}, _FACTORS, grid))
    assert (more <= less * (1 + 1e-12) + 1e-9).all()


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 2.0))
def test_pipeline_emissions_are_energy_times_the_mix(solar: float, grid: float) -> None:
    scn = _scn(f"[carbon]\ngeneration = {{ solar-pv-utility = {solar!r} }}\n", grid=grid)
    batch = run_batch(scn)
    intensity = solar * 0.048 + grid_share([solar]) * grid
    np.testing.assert_allclose(batch.columns["emissions_tco2"], batch.columns["energy_mwh"] * intensity, rtol=1e-9)
    assert (batch.columns["emissions_tco2"] >= 0).all()


# --- bad inputs --------------------------------------------------------------------------------

BAD = [
    (
        "[carbon]\ngeneration = { solar-pv-utility = 0.7, gas-cc-lifecycle = 0.5 }\n",
        "carbon.generation",
        "shares sum to 1.2 (solar-pv-utility 0.7 + gas-cc-lifecycle 0.5); allowed: a sum of at most 1",
        None,
    ),
    (
        '[carbon]\ncooling = "closed-loop"\n',
        "carbon.cooling",
        "unknown cooling type 'closed-loop'; allowed: ",
        "closed-loop-dry-cooler",
    ),
    (
        "[carbon]\ngeneration = { solar-utility = 0.2 }\n",
        "carbon.generation.solar-utility",
        "unknown electricity source 'solar-utility'; allowed: ",
        "solar-pv-utility",
    ),
    (
        "[carbon]\ngeneration = { gas-simple-cycle-direct = 0.5 }\n",
        "carbon.emission_factor_kgco2_per_kwh.gas-simple-cycle-direct",
        "missing; the catalog has no sourced emission factor for 'gas-simple-cycle-direct'",
        None,
    ),
    (
        '[carbon]\ncooling = "evaporative-tower"\n',
        "carbon.wue_l_per_kwh",
        "missing; the catalog has no sourced WUE for cooling 'evaporative-tower'",
        None,
    ),
    (
        "[carbon]\ngeneration = { solar-pv-utility = 1.5 }\n",
        "carbon.generation.solar-pv-utility",
        "found 1.5; allowed: a number >= 0 and <= 1",
        None,
    ),
    ("[carbon]\nwue_l_per_kwh = -0.1\n", "carbon.wue_l_per_kwh", "found -0.1; allowed: a number >= 0", None),
    (
        "[carbon]\ngeneration = { nuclear = 0.2 }\nemission_factor_kgco2_per_kwh = { nuclear = 3.0 }\n",
        "carbon.emission_factor_kgco2_per_kwh.nuclear",
        "found 3; allowed: a number >= 0 and <= 2 [kgCO2/kWh]",
        None,
    ),
    (
        "[carbon]\ngeneration = { nuclear = 0.2 }\n"
        "emission_factor_kgco2_per_kwh = { nuclear = 0.01, wind-onshore = 0.01 }\n",
        "carbon.emission_factor_kgco2_per_kwh.wind-onshore",
        "which has no share in carbon.generation",
        None,
    ),
    ("[carbon]\nwue = 0.3\n", "carbon.wue", "unknown key; allowed here: cooling, wue_l_per_kwh", "wue_l_per_kwh"),
]


@pytest.mark.parametrize(("carbon", "path", "message", "suggestion"), BAD)
def test_bad_carbon_inputs_name_the_key(carbon: str, path: str, message: str, suggestion: str | None) -> None:
    problems = [p for p in _problems(carbon) if p.path == path]
    assert problems, f"no problem at {path}: {_problems(carbon)}"
    assert message in problems[0].message
    if suggestion is not None:
        assert problems[0].suggestion == suggestion


def test_several_carbon_problems_are_reported_together() -> None:
    problems = _problems('[carbon]\ncooling = "closed"\ngeneration = { solar-pv-utility = 0.9, coal = 0.5 }\n')
    paths = {p.path for p in problems}
    assert {"carbon.cooling", "carbon.generation.coal"} <= paths


@pytest.mark.parametrize(("carbon", "path", "message", "suggestion"), BAD[:5])
def test_cli_validate_exits_2_and_prints_the_key(
    tmp_path: Path, carbon: str, path: str, message: str, suggestion: str | None
) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(_text(carbon), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 2
    assert f"{file}: {path}: " in result.stderr
    assert message in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(_text('[carbon]\ncooling = "closed-loop-dry-cooler"\n'), encoding="utf-8")
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0


# --- catalog --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["water_use", "emission_factors"])
def test_every_catalog_row_says_what_its_source_says_and_its_columns_are_described(table: str) -> None:
    # sources and retrieval dates of every catalog table are checked in tests/test_catalog.py
    with data_path(f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert dt.date.fromisoformat(row["retrieved"]) == dt.date(2026, 12, 1)
        assert row["notes"].strip(), row
    columns = {c.attribute: c for c in schema()[table]}
    assert list(columns) == list(rows[0])
    assert all(c.description for c in columns.values())


def test_catalog_values_are_the_cited_figures() -> None:
    f = {k: v.kgco2_per_kwh for k, v in emission_factors().items()}
    # IPCC AR5 WGIII Annex III Table A.III.2 medians [gCO2eq/kWh] / 1,000
    ipcc = {
        "solar-pv-utility": 48,
        "solar-pv-rooftop": 41,
        "wind-onshore": 11,
        "wind-offshore": 12,
        "nuclear": 12,
        "gas-cc-lifecycle": 490,
        "coal-pc-lifecycle": 820,
    }
    for key, grams in ipcc.items():
        assert f[key] == pytest.approx(grams / 1000), key
        assert emission_factors()[key].basis == "lifecycle"
    # EIA: kg CO2/MMBtu x heat rate [Btu/kWh] / 1e6, rounded to the gram
    assert f["gas-fleet-direct-us"] == round(53.06 * 7_740 / 1e6, 3)
    assert f["coal-fleet-direct-us"] == round(95.52 * 10_689 / 1e6, 3)
    assert all(v.basis in BASES for v in emission_factors().values())
    assert water_use()["direct-evaporative-hyperscale"].wue_l_per_kwh == 0.26  # Meta, buildings completed in 2021
    assert water_use()["closed-loop-dry-cooler"].wue_l_per_kwh == 0.0


def test_values_without_a_source_are_left_for_the_user() -> None:
    assert [k for k, v in emission_factors().items() if v.kgco2_per_kwh is None] == ["gas-simple-cycle-direct"]
    assert [k for k, v in water_use().items() if v.wue_l_per_kwh is None] == ["evaporative-tower"]
    for row in (emission_factors()["gas-simple-cycle-direct"], water_use()["evaporative-tower"]):
        assert row.notes is not None and row.notes.startswith("No default: give carbon.")


# --- charts and imports ----------------------------------------------------------------------------


def test_charts_from_a_saved_summary() -> None:
    scn = _scn('[carbon]\ncooling = "direct-evaporative-hyperscale"\ngeneration = { solar-pv-utility = 0.2 }\n')
    summary = json.loads(json.dumps(gc.run(scn).to_summary()))
    charts = CARBON.charts(summary)
    assert [c.id for c in charts] == ["carbon-emissions", "carbon-water"]
    emissions = charts[0].figure
    stacked = np.sum([np.asarray(t.y, dtype=float) for t in emissions.data], axis=0)
    expected = np.asarray([y["emissions_tco2"] for y in summary["years"]]) / 1e3
    np.testing.assert_allclose(stacked, expected, rtol=1e-9)
    water = np.asarray(charts[1].figure.data[0].y, dtype=float)
    np.testing.assert_allclose(water, np.asarray([y["water_m3"] for y in summary["years"]]) / 1e3)


def test_charts_skip_what_was_not_computed() -> None:
    summary = json.loads(json.dumps(gc.run(_scn(grid=None)).to_summary()))
    assert CARBON.charts(summary) == []
    only_grid = json.loads(json.dumps(gc.run(_scn()).to_summary()))
    assert [c.id for c in CARBON.charts(only_grid)] == ["carbon-emissions"]


def test_the_analysis_does_not_import_plotly() -> None:
    code = "import sys, gigacampus.analyses.carbon.analysis; print('plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_run_prints_the_last_year_of_emissions_and_water() -> None:
    path = Path(__file__).resolve().parent.parent / "scenarios" / "stargate-abilene.toml"
    runner = CliRunner()
    out = runner.invoke(app, ["run", str(path), "--set", "carbon.wue_l_per_kwh=0.26"])
    assert out.exit_code == 0, out.output
    result = gc.run_file(path, overrides=["carbon.wue_l_per_kwh=0.26"])
    last = result.timeline.iloc[-1]
    expected_mt = last["energy_mwh"] * 0.336 / 1e6  # Abilene's grid factor, all electricity from the grid
    expected_water = last["it_energy_mwh"] * 0.26 / 1e6  # MWh x L/kWh = m3
    assert (
        f"Carbon in {result.timeline.index[-1]}: {expected_mt:,.2f} MtCO2 at 0.336 kgCO2/kWh (grid 100%)" in out.output
    )
    assert f"{expected_water:,.2f} million m3 of water on site (WUE 0.26 L/kWh)" in out.output
    plain = runner.invoke(app, ["run", str(path)])
    assert "water not computed (give carbon.cooling or carbon.wue_l_per_kwh)" in plain.output
