"""The HTML report: drawn from the summary alone, offline, escaped, and redrawn identically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import plotly.io as pio
import pytest
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.contract import Analysis, Block
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.report import charts as charts_module
from gigacampus.report.charts import (
    BINDING_COLORS,
    Chart,
    extra_columns,
    sections,
    sections_for,
)
from gigacampus.report.files import summary_json
from gigacampus.report.html import plotly_js, render_report
from gigacampus.report.summary import binding_runs, check_summary, headline_sentences, load_summary
from tests.conftest import SCENARIOS, scenario_text

UAE = SCENARIOS / "stargate-uae.toml"
runner = CliRunner()


def as_saved(result: gc.Result) -> dict:
    """The summary exactly as summary.json holds it."""
    return json.loads(summary_json(result))


@pytest.fixture(scope="module")
def uae() -> gc.Result:
    return gc.run_file(UAE)


@pytest.fixture(scope="module")
def uae_quota() -> gc.Result:
    # the README's what-if: a fifth of the cap and the expansion a year early makes the quota bind
    return gc.run_file(UAE, overrides=["policy.campus_share=0.2", "phase[1].online_year=2027"])


def charts_by_id(summary: dict) -> dict[str, Chart]:
    return {c.id: c for _, charts in sections_for(summary) for c in charts}


# --- headline -------------------------------------------------------------------------------


def test_binding_runs_groups_consecutive_years() -> None:
    years = [2026, 2027, 2028, 2029, 2030]
    assert binding_runs(years, ["power", "quota", "quota", "power", "power"]) == {
        "power": [(2026, 2026), (2029, 2030)],
        "quota": [(2027, 2028)],
    }
    assert binding_runs([2026], ["none"]) == {"none": [(2026, 2026)]}


def test_headline_states_the_full_campus_in_plain_sentences(uae: gc.Result) -> None:
    tl = uae.timeline
    last = tl.iloc[-1]
    text = " ".join(headline_sentences(as_saved(uae)))
    assert f"{int(last['facility_power_mw']):,} MW" in text
    assert f"{int(last['accelerators']):,} accelerators ({int(last['accelerators_gb300']):,} gb300)" in text
    assert f"{last['h100e']:,.0f} H100-equivalents" in text
    assert f"{last['dense_bf16_flops'] / 1e18:,.1f} dense BF16 exaFLOP/s" in text
    assert f"full (every accelerator slot its power allows is filled) from {uae.headline['full_year']}" in text
    assert "Binding constraint every year from 2026 to 2032: power" in text
    assert f"{tl['energy_mwh'].sum() / 1e6:,.1f} TWh" in text


def test_headline_names_the_years_the_quota_bound(uae_quota: gc.Result) -> None:
    tl = uae_quota.timeline
    quota_years = [int(y) for y in tl.index[tl["binding_constraint"] == "quota"]]
    # as the README explains for this what-if: the expansion (341,280 GB300 wanted in 2027), then
    # the replacements from 2031, outrun the campus's fifth of the national cap every year
    assert quota_years == [2027, 2028, 2029, 2030, 2031, 2032]
    text = " ".join(headline_sentences(as_saved(uae_quota)))
    assert "power (the campus was full) in 2026" in text
    assert "the export quota (shipments fell short of what the power could hold) in 2027-2032" in text


def test_headline_when_the_campus_is_never_full() -> None:
    # the quota allows 1,000 a year into 100 MW that holds ~60,000 H100s: never full in 3 years
    text = scenario_text(end=2028, extra="[quota]\nunits_per_year = 1000\n")
    result = gc.run(gc.scenario_from_text(text))
    assert result.headline["full_year"] is None
    sentences = headline_sentences(as_saved(result))
    assert "not full by 2028" in sentences[1]
    assert sentences[2].startswith("Binding constraint every year from 2026 to 2028: the export quota")


# --- charts ---------------------------------------------------------------------------------


def test_core_sections_draw_the_summary_values(uae_quota: gc.Result) -> None:
    summary = as_saved(uae_quota)
    tl = uae_quota.timeline
    charts = charts_by_id(summary)
    core = ["power", "accelerators", "accelerator-changes", "compute", "binding", "energy"]
    assert list(charts)[: len(core)] == core
    # the scenario's analysis blocks follow the core sections
    assert {"policy-shipped", "finance-capex", "reliability-goodput", "training-flop"} <= set(charts)
    years = list(tl.index)

    power = {t.name: t for t in charts["power"].figure.data}
    assert list(power["facility power online"].x) == years
    assert list(power["facility power online"].y) == list(tl["facility_power_mw"])
    assert list(power["stranded (online, no accelerators)"].y) == list(tl["stranded_power_mw"])

    # stacked by model: the stack adds up to the fleet
    stacked = [sum(v) for v in zip(*(t.y for t in charts["accelerators"].figure.data), strict=True)]
    assert stacked == list(tl["accelerators"])

    changes = {t.name: t for t in charts["accelerator-changes"].figure.data}
    assert list(changes["added"].y) == list(tl["accelerators_added"])
    assert list(changes["retired"].y) == [-v for v in tl["accelerators_retired"]]
    held = [v or 0 for v in changes["held back by the quota"].y]
    assert held == list(tl["accelerators_cut_by_quota"])
    assert "held back by vendor supply" not in changes  # no supply limit in this scenario

    compute = {t.name: t for t in charts["compute"].figure.data}
    assert list(compute["H100-equivalents"].y) == pytest.approx(list(tl["h100e"]))
    assert list(compute["dense BF16 exaFLOP/s"].y) == pytest.approx(list(tl["dense_bf16_flops"] / 1e18))

    band = charts["binding"].figure.data
    colors = {}
    for trace in band:
        for year in trace.x:
            colors[year] = trace.marker.color
    assert colors == {y: BINDING_COLORS[b] for y, b in tl["binding_constraint"].items()}
    hover = {x: text for t in band for x, text in zip(t.x, t.customdata, strict=True)}
    assert hover[2027] == uae_quota.explanations[1]

    energy = charts["energy"].figure.data
    # the core energy chart draws electricity only; emissions belong to the carbon analysis's section
    assert [t.name for t in energy] == ["facility electricity"]
    assert list(energy[0].y) == pytest.approx(list(tl["energy_mwh"] / 1e3))


def test_an_analysis_section_is_drawn_only_when_its_block_is_present(uae: gc.Result, monkeypatch) -> None:
    # the report asks each analysis in ANALYSES for its charts; a probe analysis is added for this test
    calls = []

    def build(summary: dict) -> list[Chart]:
        calls.append(summary["probe"]["value"])
        return [Chart("probe", "Probe", "A test section.", pio.from_json('{"data": [], "layout": {}}'))]

    probe = Analysis(name="probe", title="Probe", provides=(), run=lambda ctx: Block(), charts=build)
    monkeypatch.setattr(charts_module, "ANALYSES", (*charts_module.ANALYSES, probe))
    assert [s.key for s in sections()][-1] == "probe"
    plain = as_saved(uae)
    assert "probe" not in [s.key for s, _ in sections_for(plain)]
    with_block = as_saved(uae.with_block("probe", {"value": 7}))
    assert [s.key for s, _ in sections_for(with_block)][-1] == "probe"
    assert calls == [7]
    html = render_report(with_block)
    assert 'id="chart-probe"' in html
    assert 'id="block-probe"' not in html  # drawn by its section, not as a generic table


def test_new_per_year_columns_and_blocks_reach_the_report(uae: gc.Result) -> None:
    # an analysis adds a block and per-year columns through the documented extension point
    columns = pd.DataFrame(
        {"probe_cost_usd": [5e9 * (i + 1) for i in range(7)], "goodput_fraction": [0.9] * 7},
        index=pd.Index(range(2026, 2033), name="year"),
    )
    block = {"total_probe_usd": 1.4e11, "lenders": [{"name": "A", "share": 0.5}]}
    result = uae.with_block("probe_analysis", block, columns)
    summary = as_saved(result)
    summary["units"]["probe_cost_usd"] = "USD/year"
    # the flagship's own blocks (policy, finance, reliability, training) claim their columns
    assert extra_columns(summary) == ["probe_cost_usd", "goodput_fraction"]
    charts = charts_by_id(summary)
    cost = charts["extra-usd-year"].figure.data[0]
    assert cost.name == "probe_cost_usd" and list(cost.y) == list(columns["probe_cost_usd"])
    assert charts["extra-none"].figure.data[0].name == "goodput_fraction"
    html = render_report(summary)
    assert 'id="block-probe_analysis"' in html and "total_probe_usd" in html and "140,000,000,000" in html
    assert "<td>A</td>" in html


# --- the page -----------------------------------------------------------------------------------


def test_report_is_one_offline_file_with_plotly_embedded(uae: gc.Result) -> None:
    html = render_report(as_saved(uae))
    assert html.startswith("<!DOCTYPE html>")
    # plotly.js is inside the page, and no script, style or image comes from elsewhere
    assert html.count("<script") == html.count("</script>")
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=\"(?!data:)", html)
    assert not re.search(r"<img", html)
    assert plotly_js() in html  # the bundle shipped in the plotly package, whole
    ours = html.replace(plotly_js(), "")
    assert "cdn.plot.ly" not in ours and "<script src" not in ours
    for anchor in ("headline", "power", "accelerators", "compute", "binding", "energy", "inputs", "sources"):
        assert f'id="{anchor}"' in html
    summary = as_saved(uae)
    assert html.count('class="chart"') == sum(len(charts) for _, charts in sections_for(summary))


def test_inputs_table_shows_every_input_and_where_it_came_from(uae: gc.Result) -> None:
    summary = as_saved(uae)
    html = render_report(summary)
    section = html[html.index('id="inputs"') : html.index('id="sources"')]
    for item in summary["inputs"]:
        assert f"<code>{item['path']}</code>" in section
    assert "catalog default (defaults.csv)" in section
    assert "catalog (systems.csv)" in section
    # every source is listed once, numbered, and each catalog default points at its number
    sources = html[html.index('id="sources"') :]
    overhead = next(i for i in summary["inputs"] if i["path"] == "site.overhead_fraction")
    for url in overhead["source"].split(" ; "):
        number = re.search(rf'<li id="source-(\d+)"><a href="{re.escape(url)}"', sources)
        assert number, url
        row = section[section.index("<code>site.overhead_fraction</code>") :].split("</tr>")[0]
        assert f'href="#source-{number.group(1)}"' in row
    for url in summary["scenario"]["sources"]:
        assert f'<a href="{url}" rel="noopener noreferrer" target="_blank">' in sources


def test_scenario_text_cannot_inject_markup() -> None:
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    text = scenario_text(pue=1.2).replace('name = "Test"', f"name = {json.dumps(evil)}")
    text = text.replace('name = "P1"', f"name = {json.dumps('P1 ' + evil)}")
    summary = as_saved(gc.run(gc.scenario_from_text(text)))
    html = render_report(summary)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html


def test_javascript_urls_in_sources_are_not_links() -> None:
    text = scenario_text().replace(
        "end_year = 2030\n", 'end_year = 2030\nsources = ["javascript:alert(1)", "https://example.org/a"]\n'
    )
    html = render_report(as_saved(gc.run(gc.scenario_from_text(text))))
    assert 'href="javascript' not in html
    assert '<a href="https://example.org/a"' in html


# --- files and commands ---------------------------------------------------------------------------


def test_run_out_writes_the_report_and_report_redraws_it_identically(tmp_path: Path) -> None:
    out = tmp_path / "uae"
    result = runner.invoke(app, ["run", str(UAE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = (out / "report.html").read_text(encoding="utf-8")
    assert f"wrote {out / 'report.html'}" in result.stdout
    (out / "report.html").unlink()
    again = runner.invoke(app, ["report", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "report.html").read_text(encoding="utf-8") == first
    # the redraw reads only summary.json: the CSV files are not needed
    (out / "timeline.csv").unlink()
    (out / "phases.csv").unlink()
    elsewhere = tmp_path / "copy.html"
    assert runner.invoke(app, ["report", str(out), "--out", str(elsewhere)]).exit_code == 0
    assert elsewhere.read_text(encoding="utf-8") == first


def test_report_of_an_edited_summary_shows_the_edit(tmp_path: Path, uae: gc.Result) -> None:
    out = tmp_path / "uae"
    gc_summary = as_saved(uae)
    gc_summary["scenario"]["name"] = "Edited campus name"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps(gc_summary), encoding="utf-8")
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert "<h1>Edited campus name</h1>" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no summary.json or comparison.json"),
        ("{not json", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("[1, 2]", "found list; allowed: a gigacampus summary object"),
        ('{"scenario": {}}', "headline: missing or not an object"),
    ],
)
def test_report_of_a_bad_folder_exits_2_naming_the_file(tmp_path: Path, content: str | None, fragment: str) -> None:
    if content is not None:
        (tmp_path / "summary.json").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert str(tmp_path) in result.stderr
    assert "Traceback" not in result.output


def test_report_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nowhere'}: no such folder" in result.stderr


def test_check_summary_names_each_bad_year_entry(uae: gc.Result) -> None:
    summary = as_saved(uae)
    summary["years"][3]["accelerators"] = "many"
    del summary["years"][5]["binding_constraint"]
    with pytest.raises(InputError) as info:
        check_summary(summary, "s.json")
    texts = [str(p) for p in info.value.problems]
    assert texts == [
        "s.json: years[3].accelerators: found 'many'; allowed: a whole number",
        "s.json: years[5].binding_constraint: missing; allowed: text",
    ]


def test_load_summary_accepts_the_folder_or_the_file(tmp_path: Path, uae: gc.Result) -> None:
    (tmp_path / "summary.json").write_text(summary_json(uae), encoding="utf-8")
    assert load_summary(tmp_path) == load_summary(tmp_path / "summary.json") == as_saved(uae)
