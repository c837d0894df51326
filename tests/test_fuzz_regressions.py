"""Regression cases of hostile input (issue 15), kept as data in tests/data/: each once crashed,
hung or was silently misread; each must now be refused with a problem naming its key path."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.scenario import load_scenario
from gigacampus.scenario.load import _short, check_depth
from tests.conftest import DATA, SCENARIOS

FLAGSHIP = SCENARIOS / "stargate-uae.toml"
OVERRIDES = tomllib.loads((DATA / "hostile-overrides.toml").read_text(encoding="utf-8"))["case"]


def _item(case: dict[str, Any]) -> str:
    repeated = case.get("value_repeat", "") * case.get("repeat", 0)
    value = case.get("value_head", "") + repeated + case.get("value_tail", "")
    return f"{case['key']}={value}"


@pytest.mark.parametrize("case", OVERRIDES, ids=[c["name"] for c in OVERRIDES])
def test_hostile_override_is_refused_with_its_key(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(FLAGSHIP, overrides=[_item(case)])
    problems = info.value.problems
    assert [p.path for p in problems] == [case["path"]], [str(p) for p in problems]
    assert case["fragment"] in problems[0].message
    assert len(str(problems[0])) < 400  # the value is summarised, never echoed whole


@pytest.mark.parametrize("case", OVERRIDES[:3] + OVERRIDES[6:7], ids=lambda c: c["name"])
def test_hostile_override_exits_2_on_the_command_line(case: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["run", str(FLAGSHIP), "--set", _item(case)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --set: {case['path']}: ")
    assert "Traceback" not in result.output


def test_good_overrides_still_apply_after_bad_ones_are_reported() -> None:
    with pytest.raises(InputError) as info:
        load_scenario(FLAGSHIP, overrides=["site.pue=1.2\nx=1", "phase[0].power_mw=" + "9" * 5000])
    assert [p.path for p in info.value.problems] == ["site.pue", "phase[0].power_mw"]
    assert load_scenario(FLAGSHIP, overrides=["site.pue=1.2"]).site.pue == 1.2


def test_short_never_raises_and_stays_short() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(10_000):
        node.append([])
        node = node[0]
    assert _short(deep) == "[[[...]]]"
    assert _short(10**5000) == "a whole number of about 5,000 digits"
    assert _short({"a": {"b": {"c": 1}}}) == "{'a': {'b': {...}}}"
    assert len(_short("x" * 10_000)) == 60
    assert _short(1e-13) == "1e-13"


def test_depth_check_counts_levels_exactly() -> None:
    def nested(levels: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        node = out
        for _ in range(levels):
            node["k"] = {}
            node = node["k"]
        return out

    check_depth(nested(32), "x")  # 32 tables below the top level are allowed
    with pytest.raises(InputError) as info:
        check_depth(nested(33), "x")
    assert info.value.problems[0].path == "k.k.k.k..."


# --- damaged summary.json for `gigacampus report` -----------------------------------------

DAMAGED = tomllib.loads((DATA / "damaged-summaries.toml").read_text(encoding="utf-8"))["case"]


@pytest.fixture(scope="module")
def saved_summary() -> dict[str, Any]:
    from gigacampus.pipeline import run  # noqa: PLC0415
    from gigacampus.report.files import summary_json  # noqa: PLC0415

    return json.loads(summary_json(run(load_scenario(FLAGSHIP))))


@pytest.mark.parametrize("case", DAMAGED, ids=[c["name"] for c in DAMAGED])
def test_damaged_summary_exits_2_naming_the_key(
    case: dict[str, Any], saved_summary: dict[str, Any], tmp_path: Path
) -> None:
    data = copy.deepcopy(saved_summary)
    node: Any = data
    for part in case["at"][:-1]:
        node = node[part]
    if case.get("delete"):
        del node[case["at"][-1]]
    else:
        node[case["at"][-1]] = json.loads(case["value"])
    (tmp_path / "summary.json").write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {tmp_path / 'summary.json'}: {case['path']}: "), first
    assert case["fragment"] in result.stderr
    assert "Traceback" not in result.output


# --- nonsense that parses, refused when the run would compute it ---------------------------


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (["reliability.checkpoint_s=1e-13", "reliability.interval_s=1e-13"], "reliability.interval_s"),
        (
            ["reliability.checkpoint_s=1e-9", "reliability.interval_s=1e-9", "reliability.job_days=3000"],
            "reliability.interval_s",
        ),
    ],
)
def test_picosecond_checkpoints_are_an_error_not_a_negative_goodput(overrides: list[str], path: str) -> None:
    from gigacampus.pipeline import run  # noqa: PLC0415

    with pytest.raises(InputError) as info:
        run(load_scenario(FLAGSHIP, overrides=overrides))
    (problem,) = info.value.problems
    assert problem.path == path
    assert "checkpoints in one run; allowed: at most 1e+12" in problem.message


def test_goodput_command_refuses_picosecond_checkpoints() -> None:
    result = CliRunner().invoke(
        app,
        [
            "goodput",
            "--accelerators",
            "1000",
            "--accelerator",
            "h100-sxm",
            "--checkpoint-s",
            "1e-13",
            "--restart-s",
            "60",
            "--interval-s",
            "1e-13",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--interval-s: found a checkpoint of 1e-13 s" in result.stderr


def test_numeric_overflow_in_a_model_step_is_an_input_error() -> None:
    import numpy as np  # noqa: PLC0415

    from gigacampus.pipeline import _overflow_is_an_error  # noqa: PLC0415

    with pytest.raises(InputError) as info, _overflow_is_an_error("S", "reliability analysis"):
        np.array([1e308]) * 10
    assert info.value.problems[0].path == "reliability"
    assert "numeric overflow or an invalid value in the reliability analysis" in info.value.problems[0].message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "arrays or objects nested too deep"),
        ('{"years": ' + "9" * 5000 + "}", "an integer of thousands of digits"),
        ('{"a": ' * 40 + "1" + "}" * 40, "nested more than 32 deep"),
    ],
    ids=["recursion", "huge-integer", "deep"],
)
def test_summary_and_comparison_text_that_breaks_json_parsers(text: str, fragment: str, tmp_path: Path) -> None:
    for name in ("summary.json", "comparison.json"):
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(folder)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {folder / name}: ") and fragment in result.stderr
