"""CSV on stdout, the Excel workbook and the chart images of `gigacampus export`."""

from __future__ import annotations

import csv
import io
import struct
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from gigacampus.report.charts import sections_for
from gigacampus.report.export import CHROMIUM
from tests.conftest import SCENARIOS, scenario_text

runner = CliRunner()
UAE = str(SCENARIOS / "stargate-uae.toml")


def _csv(args: list[str]) -> list[dict[str, str]]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture(scope="module")
def uae() -> gc.Result:
    return gc.run_file(UAE)


@pytest.fixture(scope="module")
def uae_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("uae")
    assert runner.invoke(app, ["run", UAE, "--out", str(out)]).exit_code == 0
    return out


def test_run_csv_is_the_timeline_with_every_column(uae: gc.Result) -> None:
    rows = _csv(["run", UAE, "--format", "csv"])
    assert [int(r["year"]) for r in rows] == uae.years
    assert list(rows[0]) == ["year", *uae.timeline.columns]
    for row, (_, expect) in zip(rows, uae.timeline.iterrows(), strict=True):
        assert float(row["facility_power_mw"]) == expect["facility_power_mw"]  # full precision
        assert int(row["accelerators"]) == expect["accelerators"]
        assert row["binding_constraint"] == expect["binding_constraint"]
    assert rows[0]["water_m3"] == ""  # NaN (no cooling given) is an empty cell


def test_every_table_command_has_csv(uae: gc.Result) -> None:
    holders = _csv(["quota", UAE, "--format", "csv"])
    for year in uae.years:  # the holders' shipments add up to what the campus installed that year
        shipped = sum(int(r["shipped"]) for r in holders if int(r["year"]) == year)
        assert shipped == uae.timeline.loc[year, "accelerators_added"]
    train = _csv(["train", UAE, "--format", "csv"])
    assert float(train[-1]["training_flop"]) == pytest.approx(uae.timeline["training_flop"].iloc[-1], rel=1e-12)
    assert "versus.llama-3.1-405b" in train[0]
    fin = _csv(["finance", UAE, "--format", "csv"])
    assert sum(float(r["capex_usd"]) for r in fin) == pytest.approx(uae.blocks["finance"]["capex_usd"])
    catalog = _csv(["catalog", "--format", "csv"])
    assert {r["id"] for r in catalog} >= {"h100-sxm", "gb300"}
    assert {r["accelerator"] for r in _csv(["classify", "--format", "csv"])} >= {"h100-sxm", "gb300"}
    assert {r["id"] for r in _csv(["regimes", "--format", "csv"])} == {"none", "us-uae-2025", "ai-diffusion-2025"}
    cols = _csv(["columns", "--format", "csv"])
    assert {"name", "unit", "description"} <= set(cols[0])
    files = [str(SCENARIOS / "colossus.toml"), UAE]
    cmp = _csv(["compare", *files, "--format", "csv", "--quiet"])
    assert [r["label"] for r in cmp] == ["xAI Colossus", "Stargate UAE"]


def test_validate_csv_lists_each_problem_and_keeps_the_exit_code() -> None:
    bad = Path(__file__).parent / "data" / "bad" / "many-problems.toml"
    result = runner.invoke(app, ["validate", UAE, str(bad), "--format", "csv"])
    assert result.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0] == {"file": UAE, "ok": "True", "path": "", "message": ""}
    assert {"site.pue", "phase[0].power_mw"} <= {r["path"] for r in rows[1:]}


def test_csv_and_workbook_keep_a_formula_like_name_as_text(tmp_path: Path) -> None:
    path = tmp_path / "evil.toml"
    text = scenario_text().replace('name = "P1"', 'name = "=HYPERLINK(1)"').replace('"Test"', '"@SUM(A1)"')
    path.write_text(text, encoding="utf-8")
    rows = _csv(["compare", str(path), str(path), "--format", "csv", "--quiet"])
    assert [r["label"] for r in rows] == ["'@SUM(A1)", "'@SUM(A1) (2)"]  # a spreadsheet shows it as text
    assert runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")]).exit_code == 0
    book = load_workbook(_export_xlsx(tmp_path / "out"))
    cells = [c for row in book["phases"].iter_rows(min_row=2) for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)


def _export_xlsx(folder: Path) -> Path:
    result = runner.invoke(app, ["export", str(folder), "--to", "xlsx"])
    assert result.exit_code == 0, result.output
    return folder / "results.xlsx"


def test_workbook_has_a_sheet_per_table(uae: gc.Result, uae_folder: Path) -> None:
    book = load_workbook(_export_xlsx(uae_folder))
    assert book.sheetnames == [
        "years", "phases", "phase_years", "holders", "finance", "finance_totals", "inputs", "columns"
    ]  # fmt: skip
    years = book["years"]
    header = [c.value for c in years[1]]
    assert header[0] == "year" and "accelerators_gb300" in header
    acc = header.index("accelerators")
    assert [r[acc] for r in years.iter_rows(min_row=2, values_only=True)] == list(uae.timeline["accelerators"])
    inputs = {r[0]: r for r in book["inputs"].iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in book["inputs"][1]]
    assert head[:5] == ["path", "value", "unit", "origin", "source"]
    overhead = inputs["site.overhead_fraction"]
    assert overhead[1] == 0.25 and overhead[3].startswith("catalog") and overhead[4].startswith("http")
    holders = list(book["holders"].iter_rows(min_row=2, values_only=True))
    hh = [c.value for c in book["holders"][1]]
    g42 = sum(r[hh.index("shipped")] for r in holders if r[hh.index("holder")] == "G42")
    assert g42 == 72 * (35_000 // 72)  # G42's 35,000 approval in whole NVL72 racks: 486 racks
    fin_head = [c.value for c in book["finance"][1]]
    capex = sum(r[fin_head.index("capex_usd")] for r in book["finance"].iter_rows(min_row=2, values_only=True))
    assert capex == pytest.approx(uae.blocks["finance"]["capex_usd"])
    assert len(list(book["phase_years"].iter_rows(min_row=2))) == len(uae.by_phase)
    assert (uae_folder / "results.xlsx").stat().st_mode & 0o044  # readable like any file the run writes


def test_export_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path), "--to", "xlsx"])
    assert result.exit_code == 2
    assert "summary.json" in result.output
    missing = runner.invoke(app, ["export", str(tmp_path), "--to", "png", "--chromium", str(tmp_path / "nope")])
    assert missing.exit_code == 2


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_images_are_every_report_chart(tmp_path: Path) -> None:
    """Kaleido drives Debian's Chromium (as the browser tests do); nothing is downloaded."""
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install -y chromium)"
    scenario = tmp_path / "small.toml"
    scenario.write_text(scenario_text(extra="[quota]\nunits_per_year = 20000\n"), encoding="utf-8")
    folder = tmp_path / "run"
    assert runner.invoke(app, ["run", str(scenario), "--out", str(folder)]).exit_code == 0
    summary = gc.run_file(scenario).to_summary()
    ids = [c.id for _, charts in sections_for(summary) for c in charts]
    for fmt in ("png", "svg"):
        result = runner.invoke(app, ["export", str(folder), "--to", fmt, "--out", str(tmp_path / fmt)])
        assert result.exit_code == 0, result.output
        written = sorted(p.name for p in (tmp_path / fmt).iterdir())
        assert written == sorted(f"{i}.{fmt}" for i in ids)  # nothing else, no temporary files
    width, height = _png_size(tmp_path / "png" / "power.png")
    assert width == 1100 and height > 300
    svg = (tmp_path / "svg" / "binding.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Binding constraint by year" in svg and "export quota" in svg


def test_goodput_csv_is_one_row_of_the_study() -> None:
    args = ["goodput", "--accelerators", "1000", "--accelerator", "h100-sxm", "--checkpoint-s", "60"]
    args += ["--restart-s", "60", "--replicas", "10", "--seed", "3"]
    (row,) = _csv([*args, "--format", "csv"])
    study = __import__("json").loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert int(row["accelerators"]) == 1000
    assert float(row["goodput_mean"]) == study["goodput_mean"]
    assert row["failures_per_accelerator_year_by_component.gpu"] != ""
