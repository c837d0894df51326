"""Work bounded before it starts (issue 15, docs/limits.md): each loop's work is estimated from
its inputs, refused above the budget with the setting to lower, and a real server answers
requests at the web limits under 500 MB while still answering its health check."""

from __future__ import annotations

import dataclasses
import json
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from gigacampus.analyses.reliability.engine import simulate_job
from gigacampus.analyses.reliability.fleet import RepairPolicy, campus_availability
from gigacampus.analyses.reliability.work import estimate_work
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.limits import CLI, WEB, Budget, budget, use_budget
from gigacampus.pipeline import campus_inputs, run, run_batch
from gigacampus.scenario import load_scenario
from gigacampus.units import DAYS_PER_YEAR, SECONDS_PER_DAY, SECONDS_PER_FAILURE_YEAR
from tests.conftest import SCENARIOS

FLAGSHIP = SCENARIOS / "stargate-uae.toml"

#: The two requests of the issue that kept a server busy for hours.
#: (With unlimited crews the fleet now takes the exact Poisson path, which is cheap: the fleet request
#: names a crew limit so that the Monte Carlo, whose work the budget bounds, runs.)
FLEET_HOURS = [
    "reliability.repair_days=0.001",
    "reliability.repair_shape=20",
    "scenario.end_year=2028",
    "reliability.repair_crews=1000000",
]
JOB_HOURS = [
    "reliability.restart_s=0",
    "reliability.failures_per_accelerator_year=1000",
    "reliability.replicas=2000",
    "reliability.job_days=90",
]
#: Requests just under each web budget (fleet steps, fleet cells, fleet samples, job failures)
#: and at the web's year and phase limits.
# the fleet Monte Carlo runs only with limited crews (unlimited crews take the exact Poisson path):
# a crew count far above what is ever down keeps the numbers of unlimited crews and the Monte Carlo's work
CREWS = "reliability.repair_crews=1000000"
AT_LIMITS = {
    "fleet_steps": ["reliability.repair_days=0.45", "reliability.replicas=100", CREWS],
    "fleet_cells": ["reliability.replicas=285", "reliability.repair_days=1.5", CREWS],
    "job_failures": ["reliability.failures_per_accelerator_year=0.55", "reliability.replicas=285"],
}


def test_cli_budget_is_higher_than_the_webs_in_every_figure() -> None:
    for field in dataclasses.fields(Budget):
        if field.name != "name":
            assert getattr(CLI, field.name) > getattr(WEB, field.name), field.name
    assert budget() is CLI
    with use_budget(WEB):
        assert budget() is WEB
    assert budget() is CLI


@pytest.mark.parametrize(("repair_days", "shape", "years"), [(7.0, 1, 3), (2.0, 3, 1), (5.0, 2, 2)])
def test_fleet_estimate_is_the_engines_step_count(repair_days: float, shape: int, years: int) -> None:
    policy = RepairPolicy(repair_days, shape, crews=1_000_000)  # crews: the Monte Carlo path
    work = estimate_work(years, policy, replicas=3, job_days=1.0, jobs=[])
    out = campus_availability(np.arange(2026, 2026 + years), np.full(years, 50.0), np.full(years, 2.0), policy, 3, 0)
    steps = out.down.shape[1] * policy.steps_per_day  # records x steps per record
    assert work.fleet_steps == steps * (shape + 1)
    assert work.fleet_cells == steps * 3 * (shape + 2)
    assert work.fleet_records == out.down.size


def test_exact_fleet_path_has_no_monte_carlo_work() -> None:
    exact = estimate_work(7, RepairPolicy(0.001, 20), replicas=2_000, job_days=1.0, jobs=[])
    assert exact.fleet_cells == 0 and exact.fleet_records == 0
    assert exact.fleet_steps == 7 * DAYS_PER_YEAR * 21  # one 21-state step a day
    monte_carlo = estimate_work(7, RepairPolicy(0.001, 20, crews=10), replicas=2_000, job_days=1.0, jobs=[])
    assert monte_carlo.fleet_cells > 1e9


def test_job_estimate_is_the_mean_failure_count() -> None:
    # with restarts that cannot fail and take no time, failures are Poisson(rate x horizon) per replica
    n, rate_year, days, replicas = 1_000, 50.0, 2.0, 400
    work = estimate_work(1, RepairPolicy(7.0), replicas, days, [(n, rate_year), (n, rate_year)])  # one distinct job
    lam = n * rate_year / SECONDS_PER_FAILURE_YEAR
    samples = simulate_job(lam, 600.0, 60.0, 0.0, days * SECONDS_PER_DAY, replicas, 1)
    expected = replicas * lam * days * SECONDS_PER_DAY
    assert work.job_failures == pytest.approx(expected)
    assert abs(samples.failures.sum() - expected) < 5 * np.sqrt(expected)  # 5 sigma of a Poisson total


@pytest.mark.parametrize(
    ("overrides", "path", "lower"),
    [
        (FLEET_HOURS, "reliability.repair_shape", "lower reliability.repair_shape, raise reliability.repair_days"),
        (JOB_HOURS, "reliability.replicas", "lower reliability.replicas"),
    ],
    ids=["fleet", "job"],
)
def test_hours_of_work_are_refused_before_they_start(overrides: list[str], path: str, lower: str) -> None:
    scn = load_scenario(FLAGSHIP, overrides=overrides)
    for b, where in ((WEB, "in a web request (the command line allows more)"), (CLI, "in one run")):
        with use_budget(b), pytest.raises(InputError) as info:
            run(scn)
        (problem,) = info.value.problems
        assert problem.path == path
        assert where in problem.message and lower in problem.message
    result = CliRunner().invoke(app, ["run", str(FLAGSHIP), *[a for o in overrides for a in ("--set", o)]])
    assert result.exit_code == 2
    assert f": {path}: asks for about" in result.stderr and "in one run" in result.stderr


def test_variants_and_batch_cells_are_bounded() -> None:
    scn = load_scenario(FLAGSHIP)
    with use_budget(WEB), pytest.raises(InputError) as info:
        run_batch(scn, campus_inputs(scn).repeat(WEB.variants + 1))
    assert info.value.problems[0].path == "variants"
    small = dataclasses.replace(WEB, batch_cells=13)  # the flagship is 7 years x 2 phases
    with use_budget(small), pytest.raises(InputError) as info:
        run_batch(scn)
    assert "14 variant-year-phase cells" in info.value.problems[0].message


# --- a real server ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from gigacampus.cli import main; main()", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        first = lines.get(timeout=60)
        url = first.split(" on ", 1)[1].split()[0].rstrip("/")
        for _ in range(100):
            try:
                _get(f"{url}/api/health")
                break
            except OSError:
                threading.Event().wait(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        err = proc.stderr.read()  # type: ignore[union-attr]
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        assert "Traceback" not in err, err


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as response:  # a hang guard, not a speed claim
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_requests_at_the_web_limits_answer_under_500_mb_and_health_stays_up(server: tuple[str, int]) -> None:
    url, pid = server
    finished = threading.Event()
    answers: dict[str, int] = {}

    def heavy() -> None:
        answers["heavy"] = _post(
            f"{url}/api/report", {"scenario_id": "stargate-uae", "overrides": AT_LIMITS["fleet_steps"]}
        )[0]
        finished.set()

    worker = threading.Thread(target=heavy)
    worker.start()
    threading.Event().wait(0.5)  # the heavy request is being computed
    health = _get(f"{url}/api/health")  # answered by the event loop while the run goes on
    answered_during = not finished.is_set()
    worker.join()
    assert health["status"] == "ok" and answers["heavy"] == 200
    assert answered_during, "the health check waited for the computation"
    for name, overrides in AT_LIMITS.items():
        status, body = _post(f"{url}/api/run", {"scenario_id": "stargate-uae", "overrides": overrides})
        assert status == 200, (name, body)
    for overrides in (FLEET_HOURS, JOB_HOURS):
        status, body = _post(f"{url}/api/run", {"scenario_id": "stargate-uae", "overrides": overrides})
        assert status == 422 and "web request" in body["problems"][0]["message"]
    assert _peak_rss_mb(pid) < 500


def test_the_dashboards_report_endpoint_runs_under_the_web_budget() -> None:
    """/api/report (what the dashboard calls) refuses what /api/run refuses: the web budget, not the CLI's."""
    from fastapi.testclient import TestClient

    from gigacampus.web import create_app

    # between the two budgets: a crew-limited fleet of 7 years with 0.2-day repairs
    work = estimate_work(7, RepairPolicy(0.2, 1, crews=1_000_000), replicas=100, job_days=1.0, jobs=[])
    assert WEB.fleet_steps < work.fleet_steps < CLI.fleet_steps
    overrides = ["reliability.repair_days=0.2", "reliability.replicas=100", "reliability.repair_crews=1000000"]
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    for endpoint in ("/api/run", "/api/report"):
        response = client.post(endpoint, json={"scenario_id": "stargate-uae", "overrides": overrides})
        assert 400 <= response.status_code < 500, (endpoint, response.text[:300])
        assert "reliability.repair_days" in response.text, endpoint
