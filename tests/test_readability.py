"""Charts readable without hovering, the report's headline cards, and a control for every analysis."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from fastapi.testclient import TestClient

import gigacampus as gc
from gigacampus.report.charts import BINDING_LABELS, sections_for
from gigacampus.report.files import summary_json
from gigacampus.report.html import kpi_items, render_report
from gigacampus.web import create_app
from gigacampus.web.controls import analysis_controls
from tests.conftest import SCENARIOS


def saved(result: gc.Result) -> dict:
    return json.loads(summary_json(result))


@pytest.fixture(scope="module")
def uae() -> dict:
    return saved(gc.run_file(SCENARIOS / "stargate-uae.toml", overrides=["policy.campus_share=0.2"]))


@pytest.fixture(scope="module")
def us() -> dict:
    return saved(gc.run_file(SCENARIOS / "stargate-us.toml"))


def charts(summary: dict) -> dict:
    """Each chart as a validated plotly.py figure (the report writes plain dicts; plotly.py reads them back)."""
    return {c.id: go.Figure(c.figure.to_dict()) for _, cs in sections_for(summary) for c in cs}


def test_binding_band_names_each_cell_and_keeps_a_legend(uae: dict) -> None:
    fig = charts(uae)["binding"]
    assert fig.layout.showlegend is True
    kinds = {str(r["binding_constraint"]) for r in uae["years"]}
    assert {t.name for t in fig.data} == {BINDING_LABELS[k] for k in kinds}
    for trace in fig.data:
        assert list(trace.text) == [trace.name] * len(trace.x)  # written on the band, not only on hover
        assert trace.textposition == "inside"


def test_power_steps_are_visible_in_the_last_year(us: dict) -> None:
    """Stargate US steps to 7 GW in its last year: the step must have width, not sit on the edge."""
    fig = charts(us)["power"]
    years = [r["year"] for r in us["years"]]
    online = next(t for t in fig.data if t.name == "facility power online")
    assert online.line.shape == "hvh"  # the change is drawn half a year before the year it belongs to
    assert tuple(fig.layout.xaxis.range) == (years[0] - 0.5, years[-1] + 0.5)
    assert online.y[-1] == 7000 and online.y[-2] < 7000


def test_axes_use_thousands_separators(us: dict) -> None:
    for chart_id, fig in charts(us).items():
        if fig.layout.yaxis.type != "log":
            assert fig.layout.yaxis.separatethousands is True, chart_id
            assert fig.layout.yaxis.exponentformat == "none", chart_id  # 300,000, not 300k


def test_availability_axis_shows_its_variation(uae: dict) -> None:
    fig = charts(uae)["reliability-fleet"]
    available = [t for t in fig.data if t.yaxis == "y2"][0].y
    low, high = fig.layout.yaxis2.range
    assert low > 90 and high >= max(available) and low < min(available)  # 99.7% is not a flat line at the top


def test_training_log_axis_labels_every_decade(uae: dict) -> None:
    fig = charts(uae)["training-flop"]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == 1


def test_headline_cards_have_cost_goodput_and_training(uae: dict, us: dict) -> None:
    cards = dict((label, value) for value, label in kpi_items(uae))
    assert cards["capex (USD of 2025)"] == f"${uae['finance']['capex_usd'] / 1e9:,.1f} bn"
    assert cards["goodput of a campus-wide job in 2032"] == f"{uae['years'][-1]['campus_job_goodput']:.2f}"
    assert cards["FLOP of the largest training run in 2032"] == f"{uae['training']['years'][-1]['training_flop']:.2e}"
    us_cards = dict((label, value) for value, label in kpi_items(us))
    assert us_cards["dense BF16 exaFLOP/s"] == f"{us['years'][-1]['dense_bf16_flops'] / 1e18:,.1f}"
    assert "," in us_cards["dense BF16 exaFLOP/s"]  # 6,355.6, not 6355.6


def test_report_navigation_wraps_and_names_the_year_table(uae: dict) -> None:
    page = render_report(uae)
    nav = page[page.index('<nav class="toc">') : page.index("</nav>")]
    assert '<a href="#years">Year by year</a>' in nav and ">Table<" not in nav
    assert "flex-wrap: wrap" in page  # the bar wraps instead of running off the right edge


def test_analysis_controls_cover_holders_finance_and_reliability(uae: dict) -> None:
    controls = {c["path"]: c for c in analysis_controls(uae)}
    groups = {c["group"] for c in controls.values()}
    assert groups == {"Holders", "Finance", "Reliability"}
    assert controls["policy.holder[0].caps[0].amount"]["value"] == 35_000
    assert controls["finance.system_price_usd.gb300-nvl72"]["origin"] == "catalog:prices"
    assert controls["reliability.checkpoint_s"]["value"] == 32.0  # the catalog default (docs/reliability.md)
    assert "finance.source[0].rate" in controls
    # every control's path is a --set key path the scenario takes
    overrides = []
    for c in controls.values():
        unset = 0.2 if c["path"].endswith(".share") else 0.05  # four holders' shares must sum to <= 1
        value = c["value"] if c["value"] is not None else unset
        overrides.append(f"{c['path']}={value}")
    gc.run_file(SCENARIOS / "stargate-uae.toml", overrides=overrides)


def test_analysis_controls_change_the_run_through_the_api() -> None:
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    base = client.post("/api/report", json={"scenario_id": "stargate-uae"}).json()
    paths = {c["path"] for c in base["controls"]}
    assert {"finance.system_price_usd.gb300-nvl72", "reliability.checkpoint_s", "policy.holder[0].share"} <= paths
    cheaper = client.post(
        "/api/report",
        json={"scenario_id": "stargate-uae", "overrides": ["finance.system_price_usd.gb300-nvl72=3000000"]},
    ).json()
    assert cheaper["summary"]["finance"]["capex_usd"] < base["summary"]["finance"]["capex_usd"]
    faster = client.post(
        "/api/report", json={"scenario_id": "stargate-uae", "overrides": ["reliability.checkpoint_s=10"]}
    ).json()
    assert faster["summary"]["years"][-1]["campus_job_goodput"] > base["summary"]["years"][-1]["campus_job_goodput"]
    assert [k["label"] for k in base["kpis"]][:2] == ["MW facility power", "accelerators"]
    assert base["kpis"][1]["value"] == f"{base['summary']['years'][-1]['accelerators']:,}"
    # a control without analyses: a scenario with none has only the core groups
    colossus = client.post("/api/report", json={"scenario_id": "colossus"}).json()
    assert {c["group"] for c in colossus["controls"]} <= {"Campus", "Phases", "Export quota"}
