"""Accelerators and systems a scenario defines ([accelerator.<id>], [system.<id>]): checked
against the catalog schema, then used like catalog rows by the model, policy, finance and
reliability."""

from __future__ import annotations

import pytest

from gigacampus.analyses.policy.classify import classify
from gigacampus.catalog import load_catalog
from gigacampus.errors import InputError
from gigacampus.pipeline import run
from gigacampus.scenario import input_table, scenario_from_text
from gigacampus.scenario.base import table_at
from gigacampus.scenario.hardware import _defines, catalog_for

BASE = """
[scenario]
name = "Defined hardware"
start_year = 2026
end_year = 2027

[site]
pue = 1.25
overhead_fraction = 0.25
electricity_usd_per_mwh = 50

[[phase]]
name = "P1"
online_year = 2026
power_mw = 100
accelerator = "xpu"
"""

ACC = """
[accelerator.xpu]
name = "Example XPU"
vendor = "Example"
release_year = 2026
dense_bf16_tflops = 2000
dense_fp8_tflops = 4000
hbm_gb = 200
hbm_bandwidth_tbps = 8
default_system = "xpu-rack"
source = "https://example.org/xpu-datasheet"
retrieved = 2026-12-01
"""

SYS = """
[system.xpu-rack]
name = "Example XPU rack"
vendor = "Example"
accelerator = "xpu"
accelerators_per_system = 64
system_power_kw = 128
scale_up_domain = 64
assumed = ["accelerator", "accelerators_per_system", "system_power_kw", "scale_up_domain"]
"""


def _scenario(extra: str = ""):
    return scenario_from_text(BASE + ACC + SYS + extra, "defined.toml")


def _problems(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        scenario_from_text(text, "defined.toml")
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_defined_accelerator_fills_a_phase_by_hand_calculation():
    res = run(_scenario())
    # 100 MW / 1.25 PUE = 80 MW IT; per accelerator 128 kW / 64 = 2,000 W x 1.25 overhead = 2,500 W
    assert res.timeline["accelerators"].iloc[0] == pytest.approx(80e6 / 2500.0, rel=1e-9)
    # H100e: 4,000 / 1,979 dense 8-bit TOP/s per accelerator
    assert res.timeline["h100e"].iloc[0] == pytest.approx(32_000 * 4000 / 1979, rel=1e-9)


def test_defined_rows_do_not_touch_the_shipped_catalog():
    _scenario()
    assert "xpu" not in load_catalog().accelerators
    cat = _scenario().hardware_catalog()
    assert cat.accelerators["xpu"].defined_in == "scenario"
    assert cat.systems["xpu-rack"].assumed == (
        "accelerator",
        "accelerators_per_system",
        "system_power_kw",
        "scale_up_domain",
    )


def test_provenance_names_source_and_assumptions():
    scn = _scenario()
    rows = {r.path: r for r in input_table(scn, scn.hardware_catalog())}
    assert rows["accelerator.xpu.dense_fp8_tflops"].origin == "scenario"
    assert rows["accelerator.xpu.dense_fp8_tflops"].source == "https://example.org/xpu-datasheet"
    assert rows["system.xpu-rack.system_power_kw"].origin == "scenario (assumption)"
    assert rows["phase[0].system_power_kw"].origin == "scenario (assumption)"
    assert rows["phase[0].system"].value == "xpu-rack"


def test_policy_classifies_a_defined_accelerator():
    cat = _scenario().hardware_catalog()
    c = classify("xpu", cat)
    assert c.tpp == pytest.approx(4000 * 8)  # FP8 dense TOP/s x 8 bits beats BF16's 2,000 x 16
    assert c.eccn.startswith("3A090")


def test_finance_prices_a_defined_system_given_in_finance():
    scn = _scenario(
        """
[finance]
system_price_usd = { xpu-rack = 3000000 }
"""
    )
    res = run(scn, force_finance=True)
    systems = 32_000 / 64
    assert res.to_summary()["finance"]["capex_by_category_usd"]["accelerator_systems"] == pytest.approx(systems * 3e6)


def test_reliability_takes_rates_from_a_catalog_accelerator():
    scn = _scenario(
        """
[reliability]
rates_from = "h100-sxm"
checkpoint_s = 60
restart_s = 600
"""
    )
    year = run(scn).to_summary()["years"][0]
    assert 0 < year["campus_job_goodput"] < 1


def test_missing_column_is_named():
    text = BASE + ACC.replace("hbm_gb = 200\n", "") + SYS
    assert any(p.startswith("accelerator.xpu.hbm_gb: missing; required: a number") for p in _problems(text))


def test_values_need_a_source_or_an_assumption():
    text = (
        BASE
        + ACC
        + SYS.replace(
            'assumed = ["accelerator", "accelerators_per_system", "system_power_kw", "scale_up_domain"]',
            'assumed = ["system_power_kw"]',
        )
    )
    problems = _problems(text)
    expected = (
        "system.xpu-rack.source: missing; required unless every value is listed in assumed "
        "(not listed: accelerator, accelerators_per_system, scale_up_domain)"
    )
    assert expected in problems


def test_unknown_key_wrong_type_and_clash():
    text = (
        BASE
        + ACC.replace("release_year = 2026", 'release_year = "2026"\ncolour = 1')
        + SYS
        + ACC.replace("[accelerator.xpu]", "[accelerator.h100-sxm]").replace(
            'default_system = "xpu-rack"', 'default_system = "hgx-h100"'
        )
    )
    problems = _problems(text)
    assert any(p.startswith("accelerator.xpu.colour: unknown key; allowed here: name, vendor") for p in problems)
    assert any(p.startswith("accelerator.xpu.release_year: found '2026'; allowed: a whole number") for p in problems)
    assert any(p.startswith("accelerator.h100-sxm: 'h100-sxm' is already a catalog accelerator") for p in problems)
    # a phase naming a declared accelerator whose row has errors is not also "unknown"
    assert not any(p.startswith("phase[0].accelerator") for p in problems)


def test_default_system_must_hold_the_accelerator():
    text = BASE + ACC.replace('default_system = "xpu-rack"', 'default_system = "hgx-h100"') + SYS
    assert any(
        p.startswith("accelerator.xpu.default_system: system 'hgx-h100' holds 'h100-sxm', not 'xpu'")
        for p in _problems(text)
    )


def test_system_of_unknown_accelerator():
    text = BASE.replace('accelerator = "xpu"', 'accelerator = "h100-sxm"\nsystem = "xpu-rack"') + SYS.replace(
        'accelerator = "xpu"', 'accelerator = "ypu"'
    )
    assert any(p.startswith("system.xpu-rack.accelerator: unknown accelerator 'ypu'") for p in _problems(text))


def test_five_phase_stargate_uae_by_hand() -> None:
    from gigacampus.scenario import load_scenario
    from tests.conftest import SCENARIOS

    scn = load_scenario(SCENARIOS / "stargate-uae-five-phase.toml")
    tl = run(scn).timeline
    overhead = 0.25  # 200 MW of IT power per phase (power_basis = "it"), whole NVL72 racks
    gb300 = 72 * int(200e6 // (135e3 * (1 + overhead)))  # 85,320 per 200 MW, as the flagship's phase 1
    rubin = 72 * int(200e6 // (174e3 * (1 + overhead)))  # the assumed 174 kW Vera Rubin rack
    assert tl.loc[2026, "accelerators"] == gb300
    assert tl.loc[2027, "accelerators"] == 2 * gb300 + rubin
    assert tl.loc[2028, "accelerators"] == 2 * gb300 + 3 * rubin
    assert tl.loc[2028, "h100e"] == pytest.approx((2 * gb300 * 5000 + 3 * rubin * 16667) / 1979)
    # the Rubin values that are assumptions are marked so in the provenance
    rows = {r.path: r for r in input_table(scn, scn.hardware_catalog())}
    assert rows["accelerator.rubin.dense_bf16_tflops"].origin == "scenario (assumption)"
    assert rows["accelerator.rubin.hbm_gb"].origin == "scenario"
    assert rows["system.vera-rubin-nvl72.system_power_kw"].origin == "scenario (assumption)"


def _docs_blocks() -> list[str]:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    section = text.split("## Accelerators that ship in 2026", 1)[1]
    return [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]


@pytest.mark.parametrize("index", [0, 1])
def test_docs_2026_blocks_define_usable_hardware(index: int) -> None:
    block = _docs_blocks()[index]
    acc = block.split("[accelerator.", 1)[1].split("]", 1)[0]
    text = BASE.replace('accelerator = "xpu"', f'accelerator = "{acc}"\nsystem_power_kw = 200') + block
    scn = scenario_from_text(text, "docs/catalog.md")
    res = run(scn)
    assert res.timeline["accelerators"].iloc[0] > 0
    assert classify(acc, scn.hardware_catalog()).tpp > 0


def test_docs_list_both_2026_blocks() -> None:
    assert len(_docs_blocks()) == 2


def test_web_report_offers_the_scenarios_own_accelerators() -> None:
    from fastapi.testclient import TestClient

    from gigacampus.web.app import create_app

    client = TestClient(create_app(), base_url="http://127.0.0.1")
    resp = client.post("/api/report", json={"scenario_id": "stargate-uae-five-phase"})
    assert resp.status_code == 200, resp.text
    controls = {c["path"]: c for c in resp.json()["controls"]}
    choice = controls["phase[2].accelerator"]
    assert choice["value"] == "rubin"
    assert "rubin" in [o["value"] for o in choice["options"]]


@pytest.mark.parametrize(
    "text",
    [BASE + ACC + SYS, BASE + ACC, BASE.replace('"xpu"', '"h100-sxm"'), BASE.replace('"xpu"', '"h100-sxm"') + SYS],
)
def test_catalog_for_a_validated_scenario_equals_catalog_for_its_dump(text: str) -> None:
    # the validated scenario's shortcut (no dump when it defines no hardware) gives what its raw data gives
    try:
        scn = scenario_from_text(text, "defined.toml")
    except InputError:
        return  # a system without its accelerator is refused: nothing to compare
    cat = load_catalog()
    for section in (scn, *scn.phase, scn.site):
        for key in ("accelerator", "system"):
            assert _defines(section, key) == bool(table_at(section.model_dump(), key))
    short, long = catalog_for(scn, cat), catalog_for(scn.model_dump(), cat)
    assert (short is cat) == (long is cat)
    assert short.accelerators == long.accelerators
    assert short.systems == long.systems
