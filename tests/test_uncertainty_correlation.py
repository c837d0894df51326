"""Rank correlations between sampled inputs (Iman-Conover): each input keeps exactly the values
it was drawn with, pairs reach their Spearman target, the sweep records what it reached, and
bad correlations exit 2 (HTTP 422) naming what is wrong."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.sweep import prepare_sweep, run_sweep
from gigacampus.sweep.engine import unit_points
from gigacampus.sweep.store import query
from gigacampus.uncertainty import unit_sample
from gigacampus.uncertainty.correlation import pearson_of_rank, rank_correlate, rank_correlation
from gigacampus.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
UAE = ROOT / "scenarios" / "stargate-uae.toml"
PAIR = "finance.system_price_usd.gb300-nvl72,phase[1].system_power_kw"


def _spearman_by_scipy(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr  # an independent implementation of the statistic

    return float(spearmanr(a, b).statistic)


def test_pearson_of_rank_gives_the_spearman_of_a_normal_pair() -> None:
    # independent check of the conversion: a bivariate normal sample with Pearson 2 sin(pi rho / 6)
    # has Spearman rho (Kruskal 1958); 200,000 points give it to about 0.003 (3 standard errors)
    rng = np.random.default_rng(3)
    for rho in (-0.7, 0.3, 0.8):
        r = pearson_of_rank(rho)
        z = rng.multivariate_normal([0.0, 0.0], [[1.0, r], [r, 1.0]], size=200_000)
        assert _spearman_by_scipy(z[:, 0], z[:, 1]) == pytest.approx(rho, abs=0.006)
    assert pearson_of_rank(1.0) == pytest.approx(1.0) and pearson_of_rank(0.0) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    rho=st.floats(-0.9, 0.9),
    n=st.integers(512, 4096),
    method=st.sampled_from(["sobol", "lhs", "random"]),
    seed=st.integers(0, 2**31),
)
def test_rank_correlate_keeps_every_value_and_reaches_the_target(rho: float, n: int, method: str, seed: int) -> None:
    u = unit_sample(method, n, 3, seed)
    v = rank_correlate(u, [(0, 2, rho)], seed)
    # each column holds the same values (the distribution and any stratification are unchanged)
    assert np.array_equal(np.sort(v, axis=0), np.sort(u, axis=0))
    assert np.array_equal(v[:, 1], u[:, 1])  # a column in no pair is not touched
    # Iman-Conover's rank correlation is within a few 1/sqrt(n) of its target
    got = rank_correlation(v[:, 0], v[:, 2])
    assert got == pytest.approx(_spearman_by_scipy(v[:, 0], v[:, 2]), abs=1e-12)
    assert abs(got - rho) < 4 / math.sqrt(n), (got, rho)


def test_rank_correlate_is_seeded_and_refuses_an_impossible_set() -> None:
    u = unit_sample("sobol", 1024, 3, 0)
    pairs = [(0, 1, 0.5), (1, 2, 0.4)]
    assert np.array_equal(rank_correlate(u, pairs, 7), rank_correlate(u, pairs, 7))
    assert not np.array_equal(rank_correlate(u, pairs, 7), rank_correlate(u, pairs, 8))
    assert rank_correlate(u, [], 7) is u
    with pytest.raises(np.linalg.LinAlgError):  # x ~ y and y ~ z strongly, x ~ z strongly against
        rank_correlate(u, [(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9)], 7)


def test_a_sweep_with_a_correlation_stores_correlated_values(tmp_path: Path) -> None:
    spec = prepare_sweep(UAE, samples=4096, seed=5, correlate=[f"{PAIR}=0.6"])
    plain = prepare_sweep(UAE, samples=4096, seed=5)
    # without correlations the sample is the method's own; with them, a reordering of it
    assert np.array_equal(unit_points(plain), unit_sample("sobol", 4096, len(plain.inputs), 5))
    assert np.array_equal(np.sort(unit_points(spec), axis=0), np.sort(unit_points(plain), axis=0))
    doc = run_sweep(spec, tmp_path / "s")
    (record,) = doc["correlations"]
    assert record["inputs"] == PAIR.split(",") and record["rank"] == 0.6
    assert abs(record["achieved_rank"] - 0.6) < 4 / math.sqrt(4096)
    assert "sensitivity" not in doc and any("assume independent inputs" in n for n in doc["notes"])
    # the values actually used, read back from the store, carry the correlation
    a, b = PAIR.split(",")
    _, rows, _ = query(tmp_path / "s", f'SELECT "{a}", "{b}" FROM variants ORDER BY variant')
    x, y = np.array(rows, dtype=float).T
    assert _spearman_by_scipy(x, y) == pytest.approx(record["achieved_rank"], abs=1e-9)
    # and the campus answers move with it: dearer racks come with more power per rack
    _, rows, _ = query(tmp_path / "s", 'SELECT "phase[1].system_power_kw", "accelerators.2032" FROM variants')
    power, accelerators = np.array(rows, dtype=float).T
    assert _spearman_by_scipy(power, accelerators) < 0  # more kW per rack: fewer racks fit


def test_the_cli_takes_correlations_from_the_file_and_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "corr.toml"
    path.write_text(
        UAE.read_text(encoding="utf-8")
        + '\n[[uncertainty.correlation]]\ninputs = ["site.pue", "training.mfu"]\nrank = -0.5\nsource = "a test"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["sweep", str(path), "--samples", "1024", "--correlate", f"{PAIR}=0.4", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    got = {tuple(c["inputs"]): c for c in doc["correlations"]}
    assert set(got) == {("site.pue", "training.mfu"), tuple(PAIR.split(","))}
    assert got[("site.pue", "training.mfu")]["source"] == "a test"
    assert all(abs(c["achieved_rank"] - c["rank"]) < 0.13 for c in got.values())
    assert "rank correlation site.pue ~ training.mfu = -0.5" in result.output
    assert "Rank correlations" in (out / "report.html").read_text(encoding="utf-8")
    # --correlate replaces the file's value for the same pair
    again = CliRunner().invoke(
        app, ["sweep", str(path), "--samples", "256", "--correlate", "training.mfu,site.pue=0.2", "--format", "json"]
    )
    assert again.exit_code == 0, again.output
    (only,) = json.loads(again.output)["correlations"]
    assert only["rank"] == 0.2


@pytest.mark.parametrize(
    ("correlate", "message"),
    [
        ("site.pue,reliability.restart=0.5", "reliability.restart is not sampled"),
        ("site.pue,training.mfu=1.2", "rank 1.2; allowed: key.path,other.path=rank"),
        ("site.pue=0.5", "allowed: key.path,other.path=rank"),
        ("site.pue,site.pue=0.5", "the two key paths are the same"),
        ("site.pue,training.mfu=high", "allowed: key.path,other.path=rank"),
    ],
)
def test_a_bad_correlate_exits_2_naming_it(tmp_path: Path, correlate: str, message: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["sweep", str(UAE), "--samples", "16", "--correlate", correlate, "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_correlations_that_cannot_hold_together_exit_2() -> None:
    pairs = [
        "site.pue,training.mfu=0.9",
        "training.mfu,reliability.restart_s=0.9",
        "site.pue,reliability.restart_s=-0.9",
    ]
    args = ["sweep", str(UAE), "--samples", "16"]
    for p in pairs:
        args += ["--correlate", p]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "cannot hold together" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('inputs = ["site.pue", "site.pue"]\nrank = 0.5', "allowed: two different key paths"),
        ('inputs = ["site.pue", "training.mfu"]\nrank = 1.5', "uncertainty.correlation[0].rank: found 1.5"),
        ('inputs = ["site.pue"]\nrank = 0.5', "uncertainty.correlation[0].inputs[1]: missing"),
        ('inputs = ["site.pue", "training.mfu"]\nrho = 0.5', "uncertainty.correlation[0].rho: unknown key"),
    ],
)
def test_a_bad_correlation_table_exits_2_naming_its_key(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(UAE.read_text(encoding="utf-8") + f"\n[[uncertainty.correlation]]\n{entry}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["sweep", str(path), "--samples", "16"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    # gigacampus run still reads the file (it runs the point values; the section is checked too)
    run = CliRunner().invoke(app, ["run", str(path)])
    assert run.exit_code == 2 and message in " ".join(run.output.split())


def test_the_web_sweep_takes_correlations_and_refuses_bad_ones() -> None:
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    body = {"scenario_id": "stargate-uae", "samples": 128, "seed": 2, "correlate": [f"{PAIR}=0.5"]}
    answer = client.post("/api/sweep", json=body)
    assert answer.status_code == 200, answer.text
    (record,) = answer.json()["correlations"]
    assert record["inputs"] == PAIR.split(",") and abs(record["achieved_rank"] - 0.5) < 0.36
    bad = client.post("/api/sweep", json={**body, "correlate": ["site.pue,nowhere.key=0.5"]})
    assert bad.status_code == 422
    assert any("nowhere.key is not sampled" in p["text"] for p in bad.json()["problems"])
