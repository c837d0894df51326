"""The JSON API in-process: same results and same error lines as the command line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app as cli
from gigacampus.scenario.reference import json_schema
from gigacampus.web import app as web_module
from gigacampus.web import create_app
from gigacampus.web.app import CompareResponse, ErrorResponse, ReportResponse, ScenarioRequest, ValidateResponse
from gigacampus.web.limits import (
    MAX_BODY_BYTES,
    MAX_JOB_DAYS,
    MAX_OVERRIDES,
    MAX_REPLICA_YEARS,
    MAX_RUNS_PER_COMPARISON,
    MAX_YEARS,
)
from tests.conftest import DATA, SCENARIOS, campus_files, scenario_text

UAE = SCENARIOS / "stargate-uae.toml"
BAD = sorted(p for p in (DATA / "bad").glob("*.toml") if p.name != "expected.toml")
runner = CliRunner()


def text_or_none(path: Path) -> str | None:
    """A corpus file as text, or None for the files that are not text (binary, Latin-1)."""
    raw = path.read_bytes()
    try:
        return None if b"\x00" in raw else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


TEXT_BAD = [p for p in BAD if text_or_none(p) is not None]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), base_url="http://127.0.0.1")


def saved(result: gc.Result) -> dict:
    return json.loads(json.dumps(result.to_summary()))


def assert_error(response, status: int, *texts: str) -> list[dict]:
    assert response.status_code == status, response.text
    body = ErrorResponse.model_validate(response.json())
    got = [p.text for p in body.problems]
    for text in texts:
        assert any(text in g for g in got), (text, got)
    return [p.model_dump() for p in body.problems]


# --- reading -----------------------------------------------------------------------------------


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "version": gc.__version__}


def test_list_and_get_shipped_scenarios(client: TestClient) -> None:
    listed = client.get("/api/scenarios").json()
    assert [s["id"] for s in listed] == sorted(p.stem for p in campus_files())
    uae = next(s for s in listed if s["id"] == "stargate-uae")
    assert (uae["name"], uae["start_year"], uae["end_year"], uae["phases"]) == ("Stargate UAE", 2026, 2032, 2)
    one = client.get("/api/scenarios/stargate-uae").json()
    assert one["toml"] == UAE.read_text(encoding="utf-8")


def test_unknown_scenario_is_404_with_a_suggestion(client: TestClient) -> None:
    problems = assert_error(client.get("/api/scenarios/stargate-uea"), 404, "unknown scenario 'stargate-uea'")
    assert problems[0]["suggestion"] == "stargate-uae"
    assert_error(client.post("/api/run", json={"scenario_id": "../../etc/passwd"}), 404, "allowed: colossus")


def test_catalog_and_schema_are_the_clis(client: TestClient) -> None:
    cli_catalog = json.loads(runner.invoke(cli, ["catalog", "--format", "json"]).stdout)
    assert client.get("/api/catalog").json() == cli_catalog
    assert client.get("/api/schema").json() == json.loads(json.dumps(json_schema()))


def test_columns_are_the_clis_and_name_every_analysis(client: TestClient) -> None:
    columns = client.get("/api/columns").json()
    assert columns == json.loads(runner.invoke(cli, ["columns", "--format", "json"]).stdout)
    by_name = {(c["table"], c["name"]): c for c in columns}
    assert by_name[("year", "energy_mwh")] == {
        "name": "energy_mwh",
        "key": "energy_mwh",
        "table": "year",
        "unit": "MWh/year",
        "dtype": "float",
        "description": by_name[("year", "energy_mwh")]["description"],
        "analysis": None,
    }
    assert by_name[("year", "emissions_tco2")]["analysis"] == "carbon"
    assert by_name[("year", "campus_job_goodput")]["analysis"] == "reliability"
    assert {c["analysis"] for c in columns} == {
        None,
        "policy",
        "network",
        "carbon",
        "reliability",
        "finance",
        "training",
    }


# --- running -------------------------------------------------------------------------------------


def test_run_a_shipped_scenario_toml_or_json_gives_the_clis_summary(client: TestClient) -> None:
    expected = saved(gc.run_file(UAE))
    text = UAE.read_text(encoding="utf-8")
    assert client.post("/api/run", json={"scenario_id": "stargate-uae"}).json() == expected
    assert client.post("/api/run", json={"toml": text}).json() == expected
    assert client.post("/api/run", json={"scenario": tomllib.loads(text)}).json() == expected


def test_overrides_and_seed_work_as_on_the_command_line(client: TestClient) -> None:
    sets = ["policy.campus_share=0.2", "phase[1].online_year=2027"]
    cli_run = runner.invoke(cli, ["run", str(UAE), "--format", "json", "--seed", "7", *(f"--set={s}" for s in sets)])
    got = client.post("/api/run", json={"scenario_id": "stargate-uae", "overrides": sets, "seed": 7}).json()
    assert got == json.loads(cli_run.stdout)
    assert got["seed"] == 7
    assert [y["binding_constraint"] for y in got["years"]][1:3] == ["quota", "quota"]


def test_report_endpoint_returns_the_reports_charts_and_controls(client: TestClient) -> None:
    response = client.post("/api/report", json={"scenario_id": "stargate-uae", "overrides": ["site.pue=1.5"]})
    report = ReportResponse.model_validate(response.json())
    core = ["power", "accelerators", "accelerator-changes", "compute", "binding", "energy"]
    assert [c.id for c in report.charts][: len(core)] == core
    assert {"policy-shipped", "finance-capex", "reliability-goodput", "training-flop"} <= {c.id for c in report.charts}
    acc = next(c for c in report.charts if c.id == "accelerators")
    assert acc.data[0]["y"] == [y["by_accelerator"]["gb300"] for y in report.summary["years"]]
    # the flagship's 1 GW is IT power: at PUE 1.5 the site draws 1,500 MW of facility power
    assert report.headline[0].startswith("By 2032, Stargate UAE has 1,500 MW")
    pue = next(c for c in report.controls if c["path"] == "site.pue")
    assert pue["value"] == 1.5 and pue["origin"] == "scenario"


def test_report_html_is_the_self_contained_report(client: TestClient) -> None:
    response = client.post("/api/report.html", json={"scenario_id": "stargate-uae"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "attachment" in response.headers["content-disposition"]
    from gigacampus.report.html import render_report

    assert response.text == render_report(saved(gc.run_file(UAE)))


def test_compare_endpoint(client: TestClient) -> None:
    runs = [{"scenario_id": "stargate-uae"}, {"scenario_id": "stargate-uae", "overrides": ["site.pue=1.5"]}]
    body = CompareResponse.model_validate(client.post("/api/compare", json={"runs": runs}).json())
    assert body.labels == ["Stargate UAE", "Stargate UAE (2)"]
    # the flagship's power is IT power: a higher PUE draws more facility power for the same fleet
    assert body.differences[0]["facility_power_mw"] < body.differences[1]["facility_power_mw"]
    html = client.post("/api/compare.html", json={"runs": runs})
    assert html.status_code == 200 and "Stargate UAE (2)" in html.text


# --- controls: bounds and defaults from the schema ------------------------------------------------


def test_controls_take_their_bounds_from_the_schema_and_values_from_the_run(client: TestClient) -> None:
    schema = json_schema()["$defs"]
    report = client.post("/api/report", json={"scenario_id": "colossus"}).json()
    controls = {c["path"]: c for c in report["controls"]}
    assert set(controls) >= {
        "site.pue",
        "phase[0].power_mw",
        "phase[0].online_year",
        "phase[0].accelerator",
        "phase[3].power_mw",
        "fleet.lifetime_years",
        "quota.units_per_year",
        "quota.campus_share",
    }
    pue = schema["Site"]["properties"]["pue"]
    assert (controls["site.pue"]["minimum"], controls["site.pue"]["maximum"]) == (pue["minimum"], pue["maximum"])
    power = schema["Phase"]["properties"]["power_mw"]
    c = controls["phase[2].power_mw"]
    assert (c["minimum"], c["exclusive_minimum"], c["maximum"]) == (power["exclusiveMinimum"], True, power["maximum"])
    share = schema["Quota"]["properties"]["campus_share"]
    assert controls["quota.campus_share"]["maximum"] == share["maximum"]
    lifetime = next(a for a in schema["Fleet"]["properties"]["lifetime_years"]["anyOf"] if a.get("type") == "integer")
    assert (controls["fleet.lifetime_years"]["minimum"], controls["fleet.lifetime_years"]["maximum"]) == (
        lifetime["minimum"],
        lifetime["maximum"],
    )
    # colossus sets no lifetime and no quota: the catalog default and the schema default show
    inputs = {i["path"]: i for i in report["summary"]["inputs"]}
    assert controls["fleet.lifetime_years"]["value"] == inputs["fleet.lifetime_years"]["value"]
    assert controls["fleet.lifetime_years"]["origin"] == "catalog:defaults"
    assert controls["quota.units_per_year"]["value"] == schema["Quota"]["properties"]["units_per_year"]["default"]
    assert controls["phase[1].accelerator"]["value"] == "h200"
    assert {o["value"] for o in controls["phase[1].accelerator"]["options"]} == set(gc.load_catalog().accelerators)
    assert (controls["phase[0].online_year"]["minimum"], controls["phase[0].online_year"]["maximum"]) == (2024, 2030)


# --- bad input: 4xx with the CLI's lines, and the server keeps serving ----------------------------


@pytest.mark.parametrize("path", TEXT_BAD, ids=[p.stem for p in TEXT_BAD])
def test_bad_corpus_gives_the_clis_problems(client: TestClient, path: Path) -> None:
    cli_report = json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json"]).stdout)[0]
    request = {"toml": text_or_none(path), "name": str(path)}
    validated = ValidateResponse.model_validate(client.post("/api/validate", json=request).json())
    assert validated.model_dump() == cli_report
    problems = assert_error(client.post("/api/run", json=request), 422)
    assert problems == cli_report["problems"]


def test_the_corpus_files_that_are_not_text_are_few() -> None:
    # the binary and Latin-1 files cannot travel in a JSON string; a browser reads them as text
    assert {p.stem for p in BAD} - {p.stem for p in TEXT_BAD} == {"binary-garbage", "latin1-bytes"}


def test_malformed_toml_is_422(client: TestClient) -> None:
    assert_error(
        client.post("/api/run", json={"toml": "[scenario\nname = 1", "name": "pasted.toml"}),
        422,
        "pasted.toml: not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 10)",
    )
    assert_error(client.post("/api/run", json={"toml": "   "}), 422, "<request>: file is empty")


def test_malformed_json_body_is_400(client: TestClient) -> None:
    response = client.post("/api/run", content=b'{"toml": ', headers={"content-type": "application/json"})
    assert_error(response, 400, "<request>: not valid JSON")


def test_oversized_bodies_are_413(client: TestClient) -> None:
    big = {"toml": "#" * (MAX_BODY_BYTES + 1)}
    assert_error(client.post("/api/run", json=big), 413, f"at most {MAX_BODY_BYTES:,} bytes")

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(40):
            yield b" " * 10_000

    response = client.post("/api/run", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "request body too large")


@pytest.mark.parametrize(
    ("request_body", "status", "text"),
    [
        (
            {"scenario_id": "stargate-uae", "overrides": ["site.pue=7"]},
            422,
            "site.pue: found 7; allowed: a number >= 1",
        ),
        ({"scenario_id": "stargate-uae", "overrides": ["phase[0].power_mw=1e12"]}, 422, "found 1e+12; allowed"),
        (
            {"scenario_id": "stargate-uae", "overrides": ["phase[0].power_mw=-5"]},
            422,
            "found -5; allowed: a number > 0",
        ),
        ({"scenario_id": "stargate-uae", "overrides": ["quota.campus_share=1.5"]}, 422, "found 1.5; allowed"),
        ({"scenario_id": "stargate-uae", "overrides": ["fleet.lifetime_years=0"]}, 422, "found 0; allowed"),
        ({"scenario_id": "stargate-uae", "overrides": ["phase[9].power_mw=5"]}, 422, "index 9 out of range"),
        ({"scenario_id": "stargate-uae", "seed": -1}, 422, "seed: Input should be greater than or equal to 0"),
        ({"scenario_id": "stargate-uae", "toml": "x = 1"}, 422, "found scenario_id, toml; allowed: exactly one"),
        ({}, 422, "found none of them; allowed: exactly one of scenario_id, toml, scenario"),
        ({"scenario_id": "stargate-uae", "path": "/etc/passwd"}, 422, "path: Extra inputs are not permitted"),
        ({"scenario": [1, 2]}, 422, "scenario: Input should be a valid dictionary"),
    ],
)
def test_out_of_range_and_malformed_requests_are_4xx(client: TestClient, request_body, status, text) -> None:
    assert_error(client.post("/api/run", json=request_body), status, text)


def test_work_per_request_is_bounded(client: TestClient) -> None:
    years = MAX_YEARS + 10  # within the schema's 100 years, beyond the web's
    long = scenario_text(start=2026, end=2026 + years - 1)
    assert gc.scenario_from_text(long)  # valid for the command line
    assert_error(
        client.post("/api/run", json={"toml": long}),
        422,
        f"scenario.end_year: found {2026 + years - 1}: {years} years; allowed: at most {MAX_YEARS} years",
    )
    too_many = {"scenario_id": "stargate-uae", "overrides": ["site.pue=1.2"] * (MAX_OVERRIDES + 1)}
    assert_error(client.post("/api/run", json=too_many), 422, "overrides: List should have at most")
    runs = [{"scenario_id": "colossus"}] * (MAX_RUNS_PER_COMPARISON + 1)
    assert_error(client.post("/api/compare", json={"runs": runs}), 422, "runs: List should have at most")
    assert_error(client.post("/api/compare", json={"runs": runs[:1]}), 422, "runs: List should have at least 2")


def test_monte_carlo_work_per_request_is_bounded(client: TestClient) -> None:
    # the flagship's own [reliability] (200 replicas x 7 years) fits; more replicas or longer jobs do not
    assert client.post("/api/run", json={"scenario_id": "stargate-uae"}).status_code == 200
    replicas = MAX_REPLICA_YEARS // 7 + 1
    body = {"scenario_id": "stargate-uae", "overrides": [f"reliability.replicas={replicas}"]}
    assert_error(
        client.post("/api/run", json=body),
        422,
        f"reliability.replicas: found {replicas} replicas x 7 years = {replicas * 7:,} replica-years; allowed: at most "
        f"{MAX_REPLICA_YEARS:,}",
    )
    body = {"scenario_id": "stargate-uae", "overrides": [f"reliability.job_days={MAX_JOB_DAYS + 1:g}"]}
    assert_error(client.post("/api/run", json=body), 422, f"reliability.job_days: found {MAX_JOB_DAYS + 1:g}")


def test_compare_names_the_bad_run(client: TestClient) -> None:
    runs = [{"scenario_id": "colossus"}, {"scenario_id": "colossus", "overrides": ["site.pue=0.2"]}]
    assert_error(client.post("/api/compare", json={"runs": runs}), 422, "colossus.toml: runs[1].site.pue: found 0.2")


def test_server_keeps_serving_after_bad_requests_and_errors(monkeypatch) -> None:
    client = TestClient(create_app(), raise_server_exceptions=False, base_url="http://127.0.0.1")
    for body in (b"{", b"[]", b'{"toml": "[["}', b"\xff\xfe"):
        assert (
            400 <= client.post("/api/run", content=body, headers={"content-type": "application/json"}).status_code < 500
        )

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(web_module, "run", broken)
    failed = client.post("/api/run", json={"scenario_id": "colossus"})
    assert_error(failed, 500, "internal error; the server logged it")
    assert "a bug" not in failed.text  # no internals leak
    monkeypatch.undo()
    assert client.post("/api/run", json={"scenario_id": "colossus"}).status_code == 200


def test_unknown_paths_and_static_files(client: TestClient) -> None:
    assert_error(client.get("/api/nothing"), 404, "no such page: /api/nothing")
    assert_error(client.get("/static/pyproject.toml"), 404)
    assert_error(client.get("/static/..%2F..%2Fpyproject.toml"), 404)
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="/static/dashboard.js"' in page.text


# --- the OpenAPI document matches the API ----------------------------------------------------------


def test_openapi_describes_every_api_route(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    app = client.app
    routes = {
        (route.path, method.lower())
        for route in app.routes
        if getattr(route, "include_in_schema", False) and route.path.startswith("/api/")
        for method in route.methods
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == routes
    assert doc["info"]["version"] == gc.__version__


def test_openapi_request_and_error_schemas_are_the_models(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["ScenarioRequest"]["properties"]) == set(ScenarioRequest.model_fields)
    assert schemas["ScenarioRequest"]["additionalProperties"] is False
    for path in ("/api/run", "/api/report", "/api/report.html", "/api/validate"):
        op = doc["paths"][path]["post"]
        body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body == "#/components/schemas/ScenarioRequest"
        for status in ("400", "413"):
            assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")
    run = doc["paths"]["/api/run"]["post"]["responses"]
    assert run["422"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorResponse"
    report = doc["paths"]["/api/report"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert report["$ref"] == "#/components/schemas/ReportResponse"
    assert "text/html" in doc["paths"]["/api/report.html"]["post"]["responses"]["200"]["content"]
    # every documented error is our ErrorResponse, never FastAPI's default shape
    assert "HTTPValidationError" not in json.dumps(doc)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, spec in op["responses"].items():
                if status.startswith("4"):
                    assert spec["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), (
                        path,
                        method,
                        status,
                    )


def test_serve_refuses_an_address_it_cannot_listen_on() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"error: serve: --host/--port: cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    bad_host = runner.invoke(cli, ["serve", "--host", "999.1.1.1"])
    assert bad_host.exit_code == 2
    assert "cannot listen on 999.1.1.1:8000" in bad_host.stderr
