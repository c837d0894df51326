"""The bad-input corpus: every file gives exactly its expected problems, never a traceback."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.scenario import load_scenario
from tests.conftest import DATA

BAD = DATA / "bad"
EXPECTED = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))
SUGGESTIONS = EXPECTED.pop("suggestions")
FILES = sorted(BAD.glob("*.toml"))
CORPUS = [f for f in FILES if f.name != "expected.toml"]


def test_corpus_is_large_and_fully_described() -> None:
    assert len(CORPUS) >= 20
    assert {f.stem for f in CORPUS} == set(EXPECTED)


@pytest.mark.parametrize("path", CORPUS, ids=[f.stem for f in CORPUS])
def test_each_bad_file_names_its_problems(path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    problems = info.value.problems
    expected = EXPECTED[path.stem]
    assert len(problems) == len(expected), [str(p) for p in problems]
    for key_path, fragment in expected:
        matching = [p for p in problems if p.path == key_path and fragment in p.message]
        assert matching, f"no problem at {key_path!r} containing {fragment!r}; got {[str(p) for p in problems]}"
    for problem in problems:
        assert problem.source == str(path)
        assert str(problem).startswith(f"{path}: ")
    if path.stem in SUGGESTIONS:
        assert SUGGESTIONS[path.stem] in {p.suggestion for p in problems}


@pytest.mark.parametrize("path", CORPUS, ids=[f.stem for f in CORPUS])
def test_cli_exits_2_with_one_line_per_problem(path: Path) -> None:
    runner = CliRunner()
    for command in (["validate", str(path)], ["run", str(path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.stderr.splitlines() if line]
        assert len(lines) == len(EXPECTED[path.stem])
        assert all(line.startswith(f"error: {path}") for line in lines)
        assert "Traceback" not in result.output


def test_missing_file_and_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "nope.toml"
    result = runner.invoke(app, ["run", str(missing)])
    assert result.exit_code == 2
    assert f"error: {missing}: no such file" in result.stderr
    result = runner.invoke(app, ["run", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_input_error_survives_pickling() -> None:
    """A worker process (dask's, or the local engine's) sends an error back pickled: it must
    arrive with the same problems, not its joined message split into characters."""
    import pickle

    from gigacampus.errors import Problem

    sent = InputError([Problem("a.toml", "site.pue", "found 0; allowed: 1 or more", "1.3"), Problem("b", "", "x")])
    got = pickle.loads(pickle.dumps(sent))
    assert type(got) is InputError
    assert got.problems == sent.problems
    assert str(got) == str(sent)
