"""Requests at the web limits (issue 15, docs/limits.md): how long the slowest allowed requests
take, against the flagship as shipped (the baseline, timed in the same run), and how long the
refusal of the issue's hours-long requests takes.

Each request goes through the API in-process (FastAPI's TestClient), so the figure includes
validation, the run and the summary; the ratio to the flagship is what to compare across machines.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from timing import median_seconds

from gigacampus.web import create_app

#: Just under each web budget (as tests/test_limits.py sends them), and the refused ones.
AT_LIMITS = {
    "flagship as shipped (baseline)": [],
    # a crew limit far above what is ever down: the fleet Monte Carlo runs (unlimited crews are exact)
    "fleet_steps just under 120,000": [
        "reliability.repair_days=0.45",
        "reliability.replicas=100",
        "reliability.repair_crews=1000000",
    ],
    "fleet_cells just under 20 M": [
        "reliability.replicas=285",
        "reliability.repair_days=1.5",
        "reliability.repair_crews=1000000",
    ],
    "job_failures just under 20 M": ["reliability.failures_per_accelerator_year=0.55", "reliability.replicas=285"],
    "refused: repair_days 0.001, shape 20": [
        "reliability.repair_days=0.001",
        "reliability.repair_shape=20",
        "scenario.end_year=2028",
        "reliability.repair_crews=1000000",
    ],
}


def run(repeat: int) -> list[dict]:
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    rows, base = [], None
    for name, overrides in AT_LIMITS.items():

        def post(overrides: list[str] = overrides) -> None:
            response = client.post("/api/run", json={"scenario_id": "stargate-uae", "overrides": overrides})
            assert response.status_code in (200, 422), response.text

        seconds = median_seconds(post, repeat)
        base = base or seconds
        rows.append(
            {
                "name": f"/api/run, {name}",
                "metric": f"median of {repeat} runs; {seconds / base:.2f} x the flagship",
                "value": seconds,
                "unit": "s",
            }
        )
    return rows
