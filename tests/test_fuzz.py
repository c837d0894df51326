"""A fuzzer over everything a stranger can hand gigacampus (issue 15, docs/limits.md): scenario
text and data, ``--set`` overrides, a saved summary.json for ``report``, and the web API.

The only outcomes allowed are a valid result or :class:`~gigacampus.errors.InputError` (HTTP 4xx
on the web, never 500). The default run is derandomised and small enough for the suite's time
budget; ``GIGACAMPUS_FUZZ=N`` multiplies every example count by N and draws fresh examples
(e.g. ``GIGACAMPUS_FUZZ=50 pytest tests/test_fuzz.py``). Inputs that once failed are kept as
regression cases in tests/data/ (see tests/test_fuzz_regressions.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gigacampus.errors import InputError
from gigacampus.limits import WEB, use_budget
from gigacampus.pipeline import run
from gigacampus.report.files import summary_json
from gigacampus.report.folders import render_folder
from gigacampus.scenario import Scenario, apply_overrides, scenario_from_dict, scenario_from_text
from gigacampus.web import create_app
from tests.conftest import SCENARIOS

SCALE = int(os.environ.get("GIGACAMPUS_FUZZ", "0") or 0)
FLAGSHIP_TEXT = (SCENARIOS / "stargate-uae.toml").read_text(encoding="utf-8")
FLAGSHIP = tomllib.loads(FLAGSHIP_TEXT)
#: A small scenario that runs in milliseconds (no Monte Carlo), for the examples that run.
SMALL_TEXT = """
[scenario]
name = "Fuzz"
start_year = 2026
end_year = 2029
[site]
pue = 1.3
[[phase]]
name = "P1"
online_year = 2026
power_mw = 100
accelerator = "gb300"
[[phase]]
name = "P2"
online_year = 2028
power_mw = 300
accelerator = "h100-sxm"
[quota]
units_per_year = 40000
"""
SMALL = tomllib.loads(SMALL_TEXT)


def fuzz(examples: int) -> settings:
    """``examples`` by default (derandomised), ``examples x GIGACAMPUS_FUZZ`` fresh ones when set."""
    return settings(
        max_examples=examples * max(SCALE, 1),
        derandomize=SCALE == 0,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- values a careless user or an attacker might write -------------------------------------

SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "²",
        "٢٠٢٦",
        "\u200b",
        "\u202e",
        "G42\u200b",
        "<a href='https://evil.example'>x</a>",
        '=HYPERLINK("x")',
        "nan",
        "inf",
        "1e309",
        10**400,
        -(2**63),
        2**64,
        1e-300,
        1e-13,
        1e308,
        -0.0,
        float("nan"),
        float("inf"),
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        True,
    ]
)
SCALARS = st.one_of(
    SPECIAL,
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def nearby(draw: st.DrawFn, value: Any) -> Any:
    """A value of the same type as ``value``, often extreme: what still validates but means nonsense."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.sampled_from([0, 1, -1, value + 1, value - 1, value * 1000, 2100, 1990, 10_000]))
    if isinstance(value, float):
        factor = draw(st.sampled_from([0.0, -1.0, 1e-13, 1e-6, 0.5, 2.0, 1e3, 1e6, 1e300]))
        return value * factor
    if isinstance(value, str):
        return draw(
            st.sampled_from(
                [value + "\u200b", value.upper(), value.lower(), "<b>" + value + "</b>", "=" + value, " ", value * 3]
            )
        )
    return draw(VALUES)


def _paths(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [loc] if loc else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            out += _paths(value, (*loc, i))
    return out


def _mutate(data: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


@st.composite
def mutated(draw: st.DrawFn, base: Any, extra_keys: bool = True) -> Any:
    """``base`` with one or two values replaced (or deleted), and perhaps an unknown key added."""
    out = base
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(out)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        old: Any = out
        for part in path:
            old = old[part]
        value = draw(nearby(old)) if draw(st.integers(0, 2)) else draw(VALUES)  # two thirds of the time near
        out = _mutate(out, path, value, draw(st.integers(0, 5)) == 0)
    if extra_keys and draw(st.integers(0, 5)) == 0 and isinstance(out, dict):  # an unknown key now and then
        section = draw(st.sampled_from([k for k, v in out.items() if isinstance(v, dict)] or [""]))
        target = out.get(section) if section else out
        if isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=10))] = draw(VALUES)
    return out


def _valid_or_input_error(func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func``'s result, or ``None`` for an InputError (whose lines must stay short); any other
    exception fails the test. The share of each outcome shows in ``--hypothesis-show-statistics``."""
    try:
        out = func(*args, **kwargs)
    except InputError as err:
        assert err.problems and all(len(str(p)) < 2_000 for p in err.problems)
        event(f"{func.__name__}: refused")
        return None
    event(f"{func.__name__}: valid")
    return out


# --- the scenario loader -------------------------------------------------------------------


@fuzz(150)
@given(data=mutated(FLAGSHIP))
def test_loader_on_mutated_scenarios(data: Any) -> None:
    scn = _valid_or_input_error(scenario_from_dict, data, "fuzz.toml")
    assert scn is None or isinstance(scn, Scenario)


TOML_PIECES = st.sampled_from(["[", "]", "[[", "{", "}", "=", '"', "'", "\n", "#", ".", ",", "1", "e", "-", "x", " "])


@fuzz(150)
@given(
    line=st.integers(0, FLAGSHIP_TEXT.count("\n")),
    insert=st.one_of(st.text(max_size=30), st.lists(TOML_PIECES, max_size=40).map("".join)),
    nesting=st.integers(0, 3000),
)
def test_loader_on_damaged_toml_text(line: int, insert: str, nesting: int) -> None:
    lines = FLAGSHIP_TEXT.splitlines()
    lines.insert(line, insert)
    if nesting % 7 == 0:  # now and then a value nested very deep
        lines.insert(line, "x = " + "[" * nesting + "]" * nesting)
    scn = _valid_or_input_error(scenario_from_text, "\n".join(lines), "fuzz.toml")
    assert scn is None or isinstance(scn, Scenario)


@fuzz(40)
@given(data=mutated(SMALL))
def test_runs_of_mutated_small_scenarios(data: Any) -> None:
    scn = _valid_or_input_error(scenario_from_dict, data, "fuzz.toml")
    if scn is not None:
        with use_budget(WEB):
            _valid_or_input_error(run, scn)


# --- overrides -------------------------------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from(["site.pue", "phase[0].power_mw", "phase[9].x", "scenario.name", "quota", "a.b.c", "phase[0]"]),
    st.text(max_size=20),
)
OVERRIDE_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(0, 5000).map(lambda n: "9" * n),
    st.integers(0, 3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(["1.2\nfoo = 2", '"²"', "{a = 1}", "[1, 2", "true", "nan", "1e999", "\x00"]),
)


@fuzz(150)
@given(items=st.lists(st.tuples(KEYS, st.sampled_from(["=", "", "=="]), OVERRIDE_VALUES), min_size=1, max_size=3))
def test_overrides(items: list[tuple[str, str, str]]) -> None:
    overrides = [f"{k}{sep}{v}" for k, sep, v in items]
    data = _valid_or_input_error(apply_overrides, SMALL, overrides)
    if data is not None:
        _valid_or_input_error(scenario_from_dict, data, "fuzz.toml")


# --- a saved summary.json for `gigacampus report` ----------------------------------------------

SUMMARY = json.loads(summary_json(run(scenario_from_text(SMALL_TEXT, "small.toml"))))


@fuzz(30)
@given(data=mutated(SUMMARY, extra_keys=False))
def test_report_of_damaged_summaries(data: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder: Path = tmp_path_factory.mktemp("summary")
    try:
        text = json.dumps(data, allow_nan=True, default=str)
    except ValueError:  # an integer too large to print: what a file could not hold either
        return
    (folder / "summary.json").write_text(text, encoding="utf-8")
    page = _valid_or_input_error(render_folder, folder)
    assert page is None or page.startswith("<!DOCTYPE html>")


# --- the web API -----------------------------------------------------------------------------

CLIENT = TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False)


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, allow_nan=False)) if value is not None else None


@fuzz(60)
@given(
    endpoint=st.sampled_from(["/api/validate", "/api/run", "/api/report"]),
    body=st.one_of(
        mutated(SMALL).map(lambda d: {"scenario": d}),
        st.builds(lambda t: {"toml": t}, st.text(max_size=200)),
        st.fixed_dictionaries(
            {"scenario_id": st.sampled_from(["stargate-uae", "nope", ""])},
            optional={"overrides": st.lists(st.text(max_size=30), max_size=3), "seed": VALUES},
        ),
        VALUES.map(lambda v: {"scenario": v}),
        VALUES,
    ),
)
def test_api_answers_2xx_or_4xx(endpoint: str, body: Any) -> None:
    try:
        payload = json.dumps(body, default=str, allow_nan=False)
    except (ValueError, TypeError):
        payload = json.dumps(str(body))
    if endpoint != "/api/validate" and isinstance(body, dict) and body.get("scenario_id") == "stargate-uae":
        endpoint = "/api/validate"  # the flagship's Monte Carlo is slow for a fuzzer: validate it instead
    response = CLIENT.post(endpoint, content=payload, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["problems"]
