"""Markup and the web (issue 15): names from a scenario reach Plotly as text, never markup; the
server answers only to its own Host names (DNS rebinding), and redirects never echo another."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from gigacampus.charting import figure_json
from gigacampus.pipeline import run
from gigacampus.report.charts import sections_for
from gigacampus.report.html import render_report
from gigacampus.scenario import load_scenario
from gigacampus.web import create_app
from tests.conftest import SCENARIOS

EVIL = '<a href="https://evil.example/">x</a>'
NAMES = [f"phase[0].name='{EVIL}'", f"policy.holder[0].name='{EVIL}'", f"scenario.name='{EVIL}'"]


@pytest.fixture(scope="module")
def summary() -> dict:
    return run(load_scenario(SCENARIOS / "stargate-uae.toml", overrides=NAMES)).to_summary()


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_chart_texts_are_escaped_for_plotly(summary: dict) -> None:
    charts = [figure_json(c) for _, cs in sections_for(summary) for c in cs]
    texts = [s for c in charts for s in _strings({"data": c["data"], "layout": c["layout"]})]
    named = [t for t in texts if "evil.example" in t]
    assert named, "the holder's name is drawn somewhere (legend, hover or axis)"
    assert all("<a" not in t and "&lt;a href" in t for t in named)
    templates = [t["hovertemplate"] for c in charts for t in c["data"] if t.get("hovertemplate")]
    assert any("<extra></extra>" in t for t in templates)  # gigacampus's own templates are kept


def test_report_page_has_no_live_markup_from_names(summary: dict) -> None:
    page = render_report(summary)
    assert EVIL not in page
    assert ">x</a>" not in page  # the name's own link is never live
    assert 'href="https://evil.example/"' not in page.split('id="inputs"')[1].split('id="sources"')[0]
    for block in page.split('<script type="application/json"')[1:]:
        body = block.split(">", 1)[1].split("</script>", 1)[0]
        assert "<" not in body  # nothing can close the script element
        fig = json.loads(body)
        assert not any("<a" in s for s in _strings(fig["data"]))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.1:8000", "localhost:1", "[::1]:8000", "LOCALHOST"])
def test_local_hosts_are_answered(host: str) -> None:
    client = TestClient(create_app(), base_url=f"http://{host}")
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost@evil", ""])
def test_foreign_hosts_are_refused(host: str) -> None:
    client = TestClient(create_app())
    response = client.get("/api/health", headers={"host": host})
    assert response.status_code == 421
    assert response.json()["problems"][0]["path"] == "Host"


def test_allowed_host_is_added() -> None:
    client = TestClient(create_app(allowed_hosts=["campus.example"]), base_url="http://campus.example:8080")
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/health", headers={"host": "other.example"}).status_code == 421


def test_trailing_slash_redirect_never_names_a_foreign_host() -> None:
    client = TestClient(create_app(), follow_redirects=False)
    response = client.get("/api/health/", headers={"host": "evil.example"})
    assert response.status_code == 421 and "location" not in response.headers
    local = TestClient(create_app(), base_url="http://127.0.0.1:8000", follow_redirects=False)
    moved = local.get("/api/health/")
    if moved.status_code in (301, 302, 307, 308):
        assert moved.headers["location"].startswith("http://127.0.0.1:8000/")


def test_docs_page_is_not_served_and_openapi_is() -> None:
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "gigacampus"


@pytest.mark.parametrize(
    "body",
    ['{"scenario": ' + "[" * 50_000 + "]" * 50_000 + "}", '{"seed": ' + "9" * 5000 + "}"],
    ids=["deep", "huge-integer"],
)
def test_bodies_that_break_the_json_parser_are_400(body: str) -> None:
    client = TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = client.post("/api/validate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "cannot be read as JSON" in response.json()["problems"][0]["message"]


@pytest.mark.parametrize(
    "overrides",
    [["site.pue=1.2\nfoo = 2"], ["phase[0].power_mw=" + "9" * 250], ["site.pue=" + "[" * 140 + "]" * 140]],
    ids=["newline", "huge-integer", "deep"],
)
def test_hostile_overrides_are_422_with_the_key(overrides: list[str]) -> None:
    # each within the request's 300 characters per override (longer ones are refused as a request error)
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    response = client.post("/api/run", json={"scenario_id": "stargate-uae", "overrides": overrides})
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"].startswith(("site.pue", "phase[0].power_mw"))
