"""POST /api/sweep (a small sweep of a shipped scenario under the web budget) and the dashboard's
Ranges panel (docs/reports.md, docs/limits.md)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext, expect
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.limits import MAX_SWEEP_SAMPLES
from gigacampus.sweep import prepare_sweep, run_sweep
from gigacampus.web.app import SWEEP_COLUMNS, create_app
from tests.conftest import SCENARIOS
from tests.test_browser import Watch, browser, server  # noqa: F401  (the browser test's fixtures)

UAE = SCENARIOS / "stargate-uae.toml"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), base_url="http://127.0.0.1")


def test_a_web_sweep_equals_the_library_sweep_of_the_same_spec(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the endpoint's temporary folder goes
    answer = client.post("/api/sweep", json={"scenario_id": "stargate-uae", "samples": 32, "seed": 11})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert list(scratch.iterdir()) == []  # the temporary folder is gone
    assert str(tmp_path) not in answer.text and "variants.parquet" not in answer.text  # no file paths

    spec = prepare_sweep(UAE, samples=32, seed=11, sensitivity=False)
    expected = run_sweep(spec, tmp_path / "lib")  # the command line's chunking, not the web's
    assert doc["samples"] == doc["variants"] == 32 and doc["seed"] == 11
    assert set(doc["outputs"]) == {c for c in SWEEP_COLUMNS if c in expected["outputs"]}
    assert {"accelerators", "h100e", "capex_usd"} <= set(doc["outputs"])
    for column, out in doc["outputs"].items():
        want = expected["outputs"][column]
        assert out["year"] == want["year"] == list(spec.years)
        for stat in ("mean", "p5", "p50", "p95"):
            assert out[stat] == pytest.approx(want[stat], rel=1e-12, nan_ok=True), (column, stat)
        for lo, mid, hi in zip(out["p5"], out["p50"], out["p95"], strict=True):
            if lo is not None:
                assert lo <= mid <= hi, column
    # the sweep varies something: the headline columns are not all one value
    assert any(
        a != b for a, b in zip(doc["outputs"]["capex_usd"]["p5"], doc["outputs"]["capex_usd"]["p95"], strict=True)
    )
    assert doc["probabilities"] == json.loads(json.dumps(expected["probabilities"]))
    assert doc["probabilities"]  # the flagship has a quota and a campus to fill
    assert "sensitivity" not in doc


def test_sensitivity_only_when_asked_and_with_vary(client: TestClient) -> None:
    body = {"scenario_id": "colossus", "samples": 8, "sensitivity": True, "vary": ["site.pue=uniform(1.1,1.4)"]}
    answer = client.post("/api/sweep", json=body)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert [u["path"] for u in doc["inputs"]] == ["site.pue"]
    assert doc["inputs"][0]["origin"] == "--vary"
    assert set(doc["sensitivity"]) <= set(SWEEP_COLUMNS)
    # Colossus's power is facility power: the PUE sets how many accelerators fit, and nothing else
    # varies, so all of their variance is the PUE's (32 base points of the Sobol design: a loose tolerance)
    assert doc["sensitivity"]["accelerators"]["site.pue"]["total_order"] == pytest.approx(1.0, abs=0.2)
    assert doc["sensitivity_design"]["base_samples"] == 32


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        (
            {"scenario_id": "stargate-uae", "samples": MAX_SWEEP_SAMPLES + 1},
            422,
            f"--samples: found {MAX_SWEEP_SAMPLES + 1}; allowed: 1 to {MAX_SWEEP_SAMPLES} in a web request",
        ),
        (
            {"scenario_id": "stargate-uae", "vary": ["site.pue=bogus(1)"]},
            422,
            "--vary: site.pue: unknown dist 'bogus'; allowed: uniform, loguniform, triangular",
        ),
        ({"scenario_id": "colossus"}, 422, "nothing to vary; allowed: [uncertainty.inputs], --vary or --grid"),
        ({"scenario_id": "stargate-uae", "method": "dice"}, 422, "--method: found 'dice'; allowed:"),
        ({"scenario_id": "nowhere"}, 404, "unknown scenario 'nowhere'; allowed:"),
        ({"scenario_id": "stargate-uae", "overrides": ["site.pue=0.5"]}, 422, "site.pue: found 0.5"),
        ({"scenario_id": "stargate-uae", "folder": "/tmp"}, 422, "folder: Extra inputs are not permitted"),
    ],
)
def test_bad_input_is_4xx_with_the_command_line_message(client: TestClient, body: dict, status: int, text: str) -> None:
    answer = client.post("/api/sweep", json=body)
    assert answer.status_code == status, answer.text
    assert any(text in p["text"] for p in answer.json()["problems"]), answer.json()


def test_the_command_line_gives_the_same_message_for_a_bad_vary(client: TestClient) -> None:
    answer = client.post("/api/sweep", json={"scenario_id": "stargate-uae", "vary": ["site.pue=normal(1.3)"]})
    assert answer.status_code == 422
    texts = [p["text"] for p in answer.json()["problems"]]
    result = CliRunner().invoke(app, ["sweep", str(UAE), "--vary", "site.pue=normal(1.3)", "--samples", "4"])
    assert result.exit_code == 2, result.output
    assert texts and all(t in " ".join(result.output.split()) for t in texts), (texts, result.output)


def test_the_ranges_panel_draws_fan_charts(browser: BrowserContext, server: str) -> None:  # noqa: F811
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    page.wait_for_selector("#chart-accelerators .main-svg")
    page.evaluate("document.getElementById('ranges-samples').value = '32'")  # inside the closed panel; a short run
    page.locator("#ranges-panel > summary").click()
    expect(page.locator("#ranges-status")).to_contain_text("32 variants", timeout=60_000)
    for column in ("accelerators", "h100e", "capex_usd"):
        page.wait_for_selector(f"#fan-{column} .main-svg")
        names = page.evaluate(f"document.getElementById('fan-{column}').data.map(t => t.name)")
        assert names == ["p5", "p5 to p95", "median (p50)"]
        # the end values are written on the chart, not only on hover
        labels = page.evaluate(f"document.getElementById('fan-{column}').layout.annotations.map(a => a.text)")
        assert [t.split()[0] for t in labels] == ["p95", "median", "p5"]
    assert page.locator("#fan-accelerators path.js-fill").count() >= 1  # the band is drawn
    expect(page.locator("#ranges-probabilities li").first).to_contain_text("%")
    expect(page.locator("#ranges-inputs")).to_contain_text("site.pue ~ triangular(1.1, 1.3, 1.58)")
    sweep = [p for p in watch.posts if p and "samples" in p]
    assert sweep == [{"scenario_id": "stargate-uae", "overrides": [], "vary": [], "samples": 32}]
    assert watch.errors == []
    if shot := os.environ.get("GIGACAMPUS_RANGES_SCREENSHOT"):  # a look at the panel while developing
        page.locator("#ranges-panel").screenshot(path=shot)
    page.close()
