"""Training compute, the compute-optimal model, memory fit and decode throughput."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.training.capacity import compute_optimal, decode_throughput, training_flop
from gigacampus.catalog.training_runs import known_runs
from gigacampus.cli import app
from gigacampus.scenario import scenario_from_text
from tests.conftest import SCENARIOS, scenario_text


def test_training_flop_is_accelerators_times_rate_mfu_goodput_time() -> None:
    flop = training_flop(np.asarray([1000.0, 500.0]), np.asarray([1e15, 2e15]), 0.4, 0.9, 100)
    assert flop == pytest.approx((1000 * 1e15 + 500 * 2e15) * 0.4 * 0.9 * 100 * 86_400)


def test_llama_3_405b_compute_from_its_published_setup() -> None:
    # Meta: 16,384 H100 at ~40% BF16 MFU for about two months gave ~3.8e25 FLOP (catalog).
    # 60 days of 16,384 x 989.5 TFLOP/s x 0.40 is 3.36e25; "about two months" is loose, so 20%.
    h100 = gc.load_catalog().accelerators["h100-sxm"].dense_bf16_tflops * 1e12
    flop = training_flop(np.asarray([16_384.0]), np.asarray([h100]), 0.40, 1.0, 60)
    assert flop == pytest.approx(known_runs()["llama-3.1-405b"].training_flop, rel=0.2)


def test_compute_optimal_model_satisfies_6nd_and_the_ratio() -> None:
    # Chinchilla: 70B parameters on 1.4T tokens (20 per parameter) is C = 6 x 70e9 x 1.4e12
    params, tokens = compute_optimal(6 * 70e9 * 1.4e12, 20)
    assert params == pytest.approx(70e9)
    assert tokens == pytest.approx(1.4e12)
    flop = np.asarray([1e24, 1e26])
    n, d = compute_optimal(flop, 40)
    assert np.allclose(6 * n * d, flop) and np.allclose(d / n, 40)


def test_llama_405b_training_state_at_16_bytes_per_parameter() -> None:
    # 405e9 x 16 B = 6.48 TB (the mixed-precision Adam lower bound quoted for Llama 3 405B)
    assert 405e9 * 16 == pytest.approx(6.48e12)


def test_decode_is_memory_bound_for_small_batches() -> None:
    # 70B in BF16 = 140 GB on 80 GB H100: 2 per replica; each step reads 140 GB at 2 x 3.35 TB/s
    per_replica, tps, compute_s, memory_s = decode_throughput(
        70e9, 2.0, 1, 1, 0.0, np.asarray([80e9]), np.asarray([3.35e12]), np.asarray([989.5e12])
    )
    assert per_replica[0] == 2
    assert memory_s[0] == pytest.approx(140e9 / (2 * 3.35e12))
    assert memory_s[0] > compute_s[0]
    assert tps[0] == pytest.approx(1 / memory_s[0])


def test_decode_turns_compute_bound_at_large_batch() -> None:
    _, _, compute_s, memory_s = decode_throughput(
        8e9, 1.0, 4096, 1, 0.0, np.asarray([80e9]), np.asarray([3.35e12]), np.asarray([1979e12])
    )
    assert compute_s[0] > memory_s[0]


def _small(extra: str = "") -> gc.Scenario:
    phases = '[[phase]]\nname = "P1"\nonline_year = 2026\npower_mw = 20\naccelerator = "h100-sxm"\n'
    return scenario_from_text(scenario_text(phases=phases, extra=extra))


def test_training_block_per_year_with_comparisons() -> None:
    res = gc.run(_small())
    years = res.to_summary()["training"]["years"]
    last = years[-1]
    assert {"year", "training_flop", "parameters", "tokens", "fits_in_memory"} <= set(last)
    assert last["training_flop"] == pytest.approx(6 * last["parameters"] * last["tokens"])
    assert last["versus"]["gpt-4"] == pytest.approx(last["training_flop"] / 2.1e25)
    assert res.timeline["training_flop"].iloc[-1] == pytest.approx(last["training_flop"])


def test_memory_fit_flips_when_state_exceeds_hbm() -> None:
    fits = gc.run(_small()).to_summary()["training"]["years"][-1]["fits_in_memory"]
    tight = gc.run(_small("[training]\nbytes_per_parameter = 1000\ntokens_per_parameter = 0.001\n"))
    assert fits is True
    assert tight.to_summary()["training"]["years"][-1]["fits_in_memory"] is False


def test_largest_phase_scope_is_at_most_the_campus() -> None:
    res = gc.run(gc.load_scenario(SCENARIOS / "colossus.toml"))
    phase = gc.run(gc.load_scenario(SCENARIOS / "colossus.toml", overrides=['training.scope="largest_phase"']))
    assert (phase.timeline["training_flop"] <= res.timeline["training_flop"]).all()
    assert (phase.timeline["training_flop"] < res.timeline["training_flop"]).any()


def test_train_cli_json_and_options() -> None:
    runner = CliRunner()
    path = str(SCENARIOS / "stargate-uae.toml")
    base = json.loads(runner.invoke(app, ["train", path, "--format", "json"]).stdout)
    half = json.loads(runner.invoke(app, ["train", path, "--format", "json", "--days", "50"]).stdout)
    fp8 = json.loads(runner.invoke(app, ["train", path, "--format", "json", "--precision", "fp8"]).stdout)
    b, h, f = base["years"][-1], half["years"][-1], fp8["years"][-1]
    assert h["training_flop"] == pytest.approx(b["training_flop"] / 2)
    assert f["training_flop"] == pytest.approx(b["training_flop"] * 2)  # GB300: 5,000 vs 2,500 dense TFLOP/s
    assert base["origins"]["mfu"].startswith("catalog:defaults")
    table = runner.invoke(app, ["train", path, "--mfu", "0.35", "--tokens-per-parameter", "40"])
    assert table.exit_code == 0 and "MFU 0.35" in table.stdout


@pytest.mark.parametrize("args", [["--mfu", "1.5"], ["--days", "0"], ["--precision", "fp4"]])
def test_train_cli_bad_options_exit_2(args: list[str]) -> None:
    out = CliRunner().invoke(app, ["train", str(SCENARIOS / "stargate-uae.toml"), *args])
    assert out.exit_code == 2


def test_train_cli_bad_scenario_value_names_the_key() -> None:
    out = CliRunner().invoke(app, ["train", str(SCENARIOS / "stargate-uae.toml"), "--set", "training.mfu=2"])
    assert out.exit_code == 2
    assert "training.mfu: found 2" in out.stderr


def test_goodput_comes_from_the_reliability_model_when_the_scenario_has_one() -> None:
    import gigacampus as gc
    from tests.conftest import SCENARIOS

    path = SCENARIOS / "stargate-uae.toml"
    result = gc.run_file(path)
    assert "campus_job_goodput" in result.timeline.columns
    block = result.blocks["training"]
    assert block["origins"]["goodput"] == "reliability: campus_job_goodput per year"
    expected = result.timeline["campus_job_goodput"].to_numpy()
    assert [y["goodput"] for y in block["years"]] == pytest.approx(expected.tolist())
    # an explicit goodput wins over the reliability model, and FLOP scale with it
    fixed = gc.run_file(path, goodput=0.9)
    assert fixed.blocks["training"]["origins"]["goodput"] == "option"
    ratio = fixed.timeline["training_flop"] / result.timeline["training_flop"]
    assert ratio.to_numpy() == pytest.approx(0.9 / expected)
