"""Output files (issue 15): written whole or not at all, never through a symlink, `--out ''`
refused, and no CSV cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gigacampus.report.html as html_module
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.pipeline import run
from gigacampus.report.files import csv_cell, csv_safe, rows_csv, write_run
from gigacampus.scenario import load_scenario
from tests.conftest import SCENARIOS

FLAGSHIP = SCENARIOS / "stargate-uae.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def result():  # noqa: ANN201
    return run(load_scenario(FLAGSHIP))


def test_a_failed_run_leaves_the_folder_as_it_was(tmp_path: Path, result, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("summary.json", "report.html", "notes.txt"):
        (out / name).write_text(f"old {name}", encoding="utf-8")

    def disk_full(_summary: object) -> bytes:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(html_module, "render_report_bytes", disk_full)  # the last file written fails
    with pytest.raises(InputError) as info:
        write_run(result, out)
    assert "No space left on device" in str(info.value)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == {
        "summary.json": "old summary.json",
        "report.html": "old report.html",
        "notes.txt": "old notes.txt",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


def test_the_report_file_holds_the_text_report_as_utf8(tmp_path: Path, result) -> None:
    """report.html is written from plotly.js's own bytes (never decoded and encoded again): the
    file is exactly the text report, UTF-8 encoded, and the text keeps the whole bundle."""
    write_run(result, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    text = html_module.render_report(summary)
    assert (tmp_path / "report.html").read_bytes() == text.encode("utf-8")
    assert html_module.plotly_js() in text and len(html_module.plotly_js()) > 1_000_000


def test_a_run_replaces_every_file_and_keeps_others(tmp_path: Path, result) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "summary.json").write_text("old", encoding="utf-8")
    paths = write_run(result, tmp_path)
    assert [p.name for p in paths] == ["summary.json", "timeline.csv", "phases.csv", "report.html"]
    assert (tmp_path / "summary.json").read_text(encoding="utf-8").startswith("{")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(p.name for p in paths), "notes.txt"])


def test_symlinked_outputs_are_replaced_not_followed(tmp_path: Path, result) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("summary.json", "report.html"):
        (out / name).symlink_to(victim)
    write_run(result, out)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "summary.json").is_symlink() and not (out / "report.html").is_symlink()
    # `report --out` through a link
    (tmp_path / "link.html").symlink_to(victim)
    done = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "link.html")])
    assert done.exit_code == 0, done.output
    assert victim.read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize(
    "command", [["run", str(FLAGSHIP)], ["report", "."], ["compare", str(FLAGSHIP), str(FLAGSHIP)]]
)
def test_empty_out_is_an_error(command: list[str]) -> None:
    done = runner.invoke(app, [*command, "--out", ""])
    assert done.exit_code == 2
    assert "Invalid value for '--out': found ''" in done.output


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("+1.5", "+1.5"),
        ("Phase 1", "Phase 1"),
        (3.5, 3.5),
    ],
)
def test_csv_cell(cell: object, written: object) -> None:
    assert csv_cell(cell) == written


def test_formula_names_are_neutralised_in_the_csvs(tmp_path: Path) -> None:
    scn = load_scenario(FLAGSHIP, overrides=['phase[0].name="=1+2"', 'phase[1].name="@cmd"'])
    paths = write_run(run(scn), tmp_path, html=False)
    with (tmp_path / "phases.csv").open(encoding="utf-8", newline="") as f:
        names = {row["phase"] for row in csv.DictReader(f)}
    assert names == {"'=1+2", "'@cmd"}
    for path in paths:
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as f:
                for row in csv.reader(f):
                    assert not any(c[:1] in ("=", "@") for c in row), row


def test_the_csv_files_are_what_pandas_writes_for_the_same_tables(result) -> None:
    """timeline.csv and phases.csv come from the result's rows without pandas; pandas' ``to_csv``
    of the DataFrames is the independent reference, character for character."""
    assert rows_csv(result.rows, float_format="%.6g") == csv_safe(result.timeline).to_csv(float_format="%.6g")
    assert rows_csv(result.phase_year_rows) == csv_safe(result.by_phase).to_csv(index=False)


_kinds = {
    "int": st.integers(-(2**62), 2**62),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "text": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
}


@st.composite
def _typed_rows(draw: st.DrawFn) -> list[dict[str, object]]:
    """Rows of a table whose columns each hold one kind of value, as a result's tables do."""
    n = draw(st.integers(1, 5))
    kinds = draw(st.lists(st.sampled_from(sorted(_kinds)), min_size=1, max_size=4))
    names = draw(st.lists(_kinds["text"], min_size=len(kinds), max_size=len(kinds), unique=True))
    columns = {
        name: draw(st.lists(_kinds[kind], min_size=n, max_size=n)) for name, kind in zip(names, kinds, strict=True)
    }
    return [{name: values[i] for name, values in columns.items()} for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(_typed_rows(), st.sampled_from([None, "%.6g"]))
def test_rows_csv_matches_pandas_to_csv_cell_for_cell(rows: list[dict[str, object]], float_format: str | None) -> None:
    """Columns of whole numbers, floats (NaN and infinities too), flags and text (quotes, commas,
    line breaks, formula starts, odd names): the same text as pandas' ``to_csv`` of the table."""
    import pandas as pd

    frame = pd.DataFrame({name: [row[name] for row in rows] for name in rows[0]})
    expected = csv_safe(frame).to_csv(index=False, float_format=float_format, lineterminator="\n")
    assert rows_csv(rows, float_format=float_format) == expected
