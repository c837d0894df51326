"""Comparing scenarios: the differences table, the overlaid report, and the progress bar."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from gigacampus.cli.progress import progress
from gigacampus.report.compare import comparison_charts, differences, unique_labels
from gigacampus.report.files import summary_json
from gigacampus.report.folders import folder_names
from tests.conftest import DATA, SCENARIOS, campus_files

runner = CliRunner()
SHIPPED = campus_files()


@pytest.fixture(scope="module")
def summaries() -> list[dict]:
    return [json.loads(summary_json(gc.run_file(p))) for p in SHIPPED]


def test_unique_labels_and_folder_names() -> None:
    assert unique_labels(["A", "B", "A", "A"]) == ["A", "B", "A (2)", "A (3)"]
    assert folder_names(["stargate-uae", "stargate-uae", "x y/../z"]) == ["stargate-uae", "stargate-uae-2", "x-y-..-z"]


def test_differences_are_each_runs_headline(summaries: list[dict]) -> None:
    labels = [s["scenario"]["name"] for s in summaries]
    rows = differences(summaries, labels)
    for row, s in zip(rows, summaries, strict=True):
        last = s["years"][-1]
        assert row["label"] == s["scenario"]["name"]
        assert row["facility_power_mw"] == last["facility_power_mw"]
        assert row["accelerators"] == last["accelerators"] == s["headline"]["accelerators"]
        assert row["h100e"] == s["headline"]["h100e"]
        assert row["full_year"] == s["headline"]["full_year"]
        assert row["energy_mwh_total"] == pytest.approx(sum(y["energy_mwh"] for y in s["years"]))
        # capex only for runs with a finance analysis
        assert (row["capex_usd"] is None) == ("finance" not in s)
        if "finance" in s:
            assert row["capex_usd"] == pytest.approx(s["finance"]["capex_usd"])
    uae = rows[[p.stem for p in SHIPPED].index("stargate-uae")]
    assert uae["binding"] == "power 2026-2032"


def test_capex_column_sums_the_per_year_capex_when_a_run_has_it(summaries: list[dict]) -> None:
    with_capex = json.loads(json.dumps(summaries[0]))
    for i, rec in enumerate(with_capex["years"]):
        rec["capex_usd"] = 1e9 * i
    rows = differences([with_capex, summaries[1]], ["a", "b"])
    n = len(with_capex["years"])
    assert rows[0]["capex_usd"] == pytest.approx(1e9 * n * (n - 1) / 2)
    assert rows[1]["capex_usd"] is None


def test_overlaid_charts_have_one_line_per_run(summaries: list[dict]) -> None:
    labels = [s["scenario"]["name"] for s in summaries]
    charts = {c.id: c for c in comparison_charts(summaries, labels)}
    accelerators = charts["cmp-accelerators"].figure.data
    assert [t.name for t in accelerators] == labels
    for trace, s in zip(accelerators, summaries, strict=True):
        assert list(trace.x) == [y["year"] for y in s["years"]]
        assert list(trace.y) == [y["accelerators"] for y in s["years"]]
    band = charts["cmp-binding"].figure.data
    cells = sum(len(t.y) for t in band)
    assert cells == sum(len(s["years"]) for s in summaries)


def test_compare_cli_writes_runs_comparison_and_report(tmp_path: Path, summaries: list[dict]) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", *map(str, SHIPPED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for s in summaries:
        assert s["scenario"]["name"] in result.stdout
    index = json.loads((out / "comparison.json").read_text())
    assert [r["folder"] for r in index["runs"]] == [p.stem for p in SHIPPED]
    for run, p, s in zip(index["runs"], SHIPPED, summaries, strict=True):
        saved = json.loads((out / run["folder"] / "summary.json").read_text())
        assert saved == s  # each run is the same as running the file alone
        assert (out / run["folder"] / "report.html").is_file()
        assert run["file"] == str(p)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Stargate UAE" in html and 'href="stargate-uae/report.html"' in html
    assert html.count('class="chart"') == 6
    # redrawn from the saved files, identically
    (out / "report.html").unlink()
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert (out / "report.html").read_text(encoding="utf-8") == html


def test_compare_json_prints_the_differences(summaries: list[dict]) -> None:
    result = runner.invoke(app, ["compare", *map(str, SHIPPED), "--format", "json"])
    assert result.exit_code == 0
    labels = [s["scenario"]["name"] for s in summaries]
    assert json.loads(result.stdout) == json.loads(json.dumps(differences(summaries, labels)))


def test_compare_the_same_file_twice_keeps_both(tmp_path: Path) -> None:
    uae = str(SCENARIOS / "stargate-uae.toml")
    result = runner.invoke(app, ["compare", uae, uae, "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Stargate UAE (2)" in result.stdout
    assert (tmp_path / "stargate-uae-2" / "summary.json").is_file()
    assert "wrote" not in result.stdout  # --quiet


def test_compare_needs_two_files() -> None:
    result = runner.invoke(app, ["compare", str(SCENARIOS / "stargate-uae.toml")])
    assert result.exit_code == 2
    assert "error: compare: FILES: found 1 scenario file; allowed: at least 2" in result.stderr


def test_compare_reports_every_bad_file_at_once(tmp_path: Path) -> None:
    bad = [DATA / "bad" / "pue-below-one.toml", DATA / "bad" / "negative-power.toml"]
    result = runner.invoke(app, ["compare", str(SCENARIOS / "colossus.toml"), *map(str, bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {bad[0]}: site.pue: found 0.95")
    assert lines[1].startswith(f"error: {bad[1]}: phase[0].power_mw: found -200")
    assert not any(tmp_path.iterdir())  # nothing written when an input is bad


def test_report_of_a_comparison_refuses_folders_outside_it(tmp_path: Path) -> None:
    (tmp_path / "comparison.json").write_text(
        json.dumps({"runs": [{"folder": "../elsewhere"}, {"folder": "b"}]}), encoding="utf-8"
    )
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "runs[0].folder: found '../elsewhere'; allowed: a folder name" in result.stderr


def test_progress_shows_on_a_terminal_and_not_elsewhere() -> None:
    def draw(force_terminal: bool, quiet: bool) -> str:
        out = io.StringIO()
        with progress(2, "running a", console=Console(file=out, force_terminal=force_terminal), quiet=quiet) as step:
            step("running b")
            step("done")
        return out.getvalue()

    assert "running" in draw(force_terminal=True, quiet=False)
    assert draw(force_terminal=False, quiet=False) == ""  # piped or redirected
    assert draw(force_terminal=True, quiet=True) == ""  # --quiet


def test_compare_shows_the_inputs_that_differ(tmp_path) -> None:
    """Two copies of the flagship, one renamed and at a PUE of 1.2: the PUE is the one input that
    differs (the name describes the run and is not listed)."""
    import json as _json

    from typer.testing import CliRunner

    from gigacampus.cli import app
    from gigacampus.report.compare import input_differences

    text = (SCENARIOS / "stargate-uae.toml").read_text(encoding="utf-8")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(text, encoding="utf-8")
    changed = text.replace("pue = 1.3 ", "pue = 1.2 ")
    changed = changed.replace('name = "Stargate UAE"', 'name = "UAE at PUE 1.2"')
    assert changed.count("pue = 1.2") == 1
    b.write_text(changed, encoding="utf-8")
    summaries = [gc.run_file(a).to_summary(), gc.run_file(b).to_summary()]
    rows = input_differences(summaries)
    assert rows == [{"path": "site.pue", "unit": "", "values": [1.3, 1.2], "origins": ["scenario", "scenario"]}]

    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Inputs that differ (1)")
    assert any("site.pue" in line and "1.3 (scenario)" in line and "1.2 (scenario)" in line for line in lines)
    assert lines.index(next(line for line in lines if line.startswith("Headline differences"))) > 3
    doc = _json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["input_differences"] == rows
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="inputs"><h2>Inputs that differ</h2>' in page
    assert page.index('id="inputs"') < page.index('id="differences"')
    assert "<code>site.pue</code>" in page


def test_input_differences_name_inputs_only_some_runs_have() -> None:
    uae = gc.run_file(SCENARIOS / "stargate-uae.toml").to_summary()
    abilene = gc.run_file(SCENARIOS / "stargate-abilene.toml").to_summary()
    rows = {r["path"]: r for r in input_differences_of(uae, abilene)}
    assert rows["policy.regime"]["values"] == ["us-uae-2025", None]
    assert rows["policy.regime"]["origins"] == ["scenario", None]
    assert rows["site.pue"]["values"] == [1.3, 1.2]
    assert "scenario.name" not in rows and "scenario.sources" not in rows  # they describe, they do not set
    assert "fleet.lifetime_years" not in rows  # the same (5) in both


def input_differences_of(*summaries):
    from gigacampus.report.compare import input_differences

    return input_differences(summaries)


def test_input_differences_are_escaped_in_the_report(tmp_path) -> None:
    from gigacampus.report.compare import render_comparison

    text = (SCENARIOS / "stargate-abilene.toml").read_text(encoding="utf-8")
    evil = text.replace('name = "Lancium Clean Campus, Abilene, Texas"', 'name = "<img src=x onerror=alert(1)>"')
    assert evil != text
    path = tmp_path / "evil.toml"
    path.write_text(evil, encoding="utf-8")
    summaries = [gc.run_file(SCENARIOS / "stargate-abilene.toml").to_summary(), gc.run_file(path).to_summary()]
    page = render_comparison(summaries, ["a", "b"])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_many_input_differences_fold_away_in_the_report() -> None:
    from gigacampus.report.compare import render_comparison

    summaries = [gc.run_file(SCENARIOS / f).to_summary() for f in ("stargate-uae.toml", "stargate-abilene.toml")]
    page = render_comparison(summaries, ["UAE", "Abilene"])
    section = page[page.index('<section id="inputs">') : page.index('<section id="differences">')]
    assert "<details><summary>Show all" in section and "<code>policy.regime</code>" in section
