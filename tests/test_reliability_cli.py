"""``gigacampus goodput`` and the ``[reliability]`` part of ``gigacampus run``, in-process."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.reliability import renewal
from gigacampus.cli import app
from tests.conftest import SCENARIOS, scenario_text

runner = CliRunner()
BASE = ["goodput", "--accelerators", "16384", "--accelerator", "h100-sxm", "--checkpoint-s", "60"]
BASE += ["--restart-s", "600", "--days", "10", "--replicas", "200"]


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_goodput_json_has_the_promised_keys_and_agrees_with_the_exact_value() -> None:
    out = _json([*BASE, "--seed", "3"])
    for key in (
        "mtbf_h",
        "interruptions_mean",
        "goodput_mean",
        "goodput_p5",
        "goodput_p95",
        "interval_s",
        "young_daly_interval_s",
        "replicas",
        "seed",
        "events_simulated",
    ):
        assert key in out
    assert out["replicas"] == 200 and out["seed"] == 3 and out["interval_mode"] == "auto"
    assert out["mtbf_h"] == pytest.approx(3.09, abs=0.01)  # Llama 3: one failure every ~3 h
    assert out["goodput_p5"] <= out["goodput_mean"] <= out["goodput_p95"]
    assert out["goodput_mean"] == pytest.approx(out["goodput_expected"], rel=0.01)
    rate = 1 / (out["mtbf_h"] * 3600)
    assert out["interval_s"] == pytest.approx(float(renewal.optimal_interval_s(rate, 60.0)))
    assert out["young_daly_interval_s"] == pytest.approx((2 * 60 * out["mtbf_h"] * 3600) ** 0.5)
    assert out["goodput_expected"] >= out["goodput_expected_young_daly"]
    assert sum(out["interruptions_by_component_mean"].values()) == pytest.approx(out["interruptions_mean"])


def test_same_seed_same_numbers() -> None:
    assert _json([*BASE, "--seed", "5"]) == _json([*BASE, "--seed", "5"])
    assert _json([*BASE, "--seed", "5"])["goodput_mean"] != _json([*BASE, "--seed", "6"])["goodput_mean"]


def test_a_given_interval_and_a_total_rate() -> None:
    args = ["goodput", "--accelerators", "1000", "--failures-per-accelerator-year", "0.5", "--checkpoint-s", "30"]
    out = _json([*args, "--restart-s", "120", "--interval-s", "900", "--days", "5", "--replicas", "50"])
    assert out["interval_s"] == 900 and out["interval_mode"] == "given"
    assert out["failures_per_accelerator_year_by_component"] == {"all": 0.5}


def test_table_output_reads_well() -> None:
    result = runner.invoke(app, BASE)
    assert result.exit_code == 0, result.output
    assert "Young/Daly" in result.stdout and "Goodput: mean" in result.stdout
    assert "catalog:h100-sxm" in result.stdout


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (["--accelerators", "0"], "error: goodput: --accelerators: found 0; allowed: a whole number >= 1"),
        (
            ["--replicas", "100001"],
            "error: goodput: --replicas: found 100001; allowed: a whole number >= 1 and <= 100,000",
        ),
        (
            ["--checkpoint-s", "1200", "--interval-s", "600"],
            "error: goodput: --checkpoint-s: found 1200 s, longer than",
        ),
        (["--accelerator", "gb300"], "error: goodput: --accelerator: no sourced failure rates for 'gb300'"),
        (["--component-rate", "gpu=-1"], "error: goodput: --component-rate: found gpu=-1.0; allowed: a number >= 0"),
        (["--component-rate", "gpu"], "error: goodput: --component-rate: found 'gpu'; allowed: CLASS=RATE"),
        (["--interval-s", "often"], "error: goodput: --interval-s: found 'often'; allowed: auto or a number"),
        (["--restart-s", "-1"], "error: goodput: --restart-s: found -1; allowed: a number >= 0"),
        (["--days", "0"], "error: goodput: --days: found 0; allowed: a number > 0"),
    ],
)
def test_bad_options_exit_2_naming_the_option(change: list[str], fragment: str) -> None:
    args = list(BASE)
    for i in range(0, len(change), 2):
        if change[i] in args and change[i] != "--component-rate":
            args[args.index(change[i]) + 1] = change[i + 1]
        else:
            args += change[i : i + 2]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_negative_rate_exits_2() -> None:
    args = ["goodput", "--accelerators", "10", "--failures-per-accelerator-year", "-1", "--checkpoint-s", "1"]
    result = runner.invoke(app, [*args, "--restart-s", "1"])
    assert result.exit_code == 2
    assert "--failures-per-accelerator-year: found -1.0; allowed: a number >= 0" in result.stderr


def test_run_reports_reliability_per_year() -> None:
    result = runner.invoke(app, ["run", str(SCENARIOS / "stargate-uae.toml")])
    assert result.exit_code == 0, result.output
    assert "Reliability (failures per accelerator-year gb300: catalog:h100-sxm (rates_from)" in result.stdout
    assert "2028-2032: campus-wide job (426,600) fails every" in result.stdout
    assert "not viable; needs checkpoint and restart both" in result.stdout


def test_scenario_analysis_is_consistent_with_the_job_model() -> None:
    rel = (
        "[reliability]\nfailures_per_accelerator_year = 0.2\ncheckpoint_s = 30\nrestart_s = 300\n"
        "job_fraction = 0.1\nreplicas = 50\nrepair_days = 2\n"
    )
    scenario = gc.scenario_from_text(scenario_text(extra=rel))
    result = gc.run(scenario)
    tl = result.timeline
    block = result.to_summary()["reliability"]
    assert len(block["years"]) == len(result.years)
    for _, row in tl.iterrows():
        n = int(row["accelerators"])
        lam = n * 0.2 / (365.25 * 86_400)
        assert row["campus_job_accelerators"] == n
        assert row["campus_job_mtbf_h"] == pytest.approx(1 / lam / 3600)
        assert row["campus_job_goodput"] == pytest.approx(float(renewal.optimal_goodput(lam, 30.0, 300.0)))
        assert row["campus_job_viable"] == (row["campus_job_goodput"] >= 0.9)  # catalog min_goodput
        assert row["fraction_job_accelerators"] == n // 10
        assert row["fraction_job_goodput"] >= row["campus_job_goodput"]  # smaller jobs fail less often
        assert row["failures_per_day"] == pytest.approx(n * 0.2 / 365.25)
        assert 0.99 < row["available_fraction_median"] <= 1.0
        assert row["campus_job_spares"] >= row["fraction_job_spares"] >= 0
    first = block["years"][0]["campus_job"]
    if not first["viable"]:
        assert first["max_checkpoint_s"] is None or first["max_checkpoint_s"] < 30
    assert block["inputs"]["min_goodput_origin"] == "catalog:defaults"
    assert block["seed"] == result.seed
    assert json.dumps(result.to_summary(), allow_nan=False)


def test_scenario_without_the_section_is_unchanged() -> None:
    result = gc.run(gc.scenario_from_text(scenario_text()))
    assert "reliability" not in result.blocks and "campus_job_goodput" not in result.timeline


def test_every_bad_option_is_reported_at_once() -> None:
    args = ["goodput", "--accelerators", "0", "--failures-per-accelerator-year", "-1", "--checkpoint-s", "300"]
    result = runner.invoke(app, [*args, "--restart-s", "60", "--interval-s", "100", "--replicas", "200000"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [line.split(":")[2].strip() for line in lines] == [
        "--failures-per-accelerator-year",
        "--accelerators",
        "--replicas",
        "--checkpoint-s",
    ]


def test_the_fleet_is_exact_without_crew_limits_and_simulated_with_them() -> None:
    base = "[reliability]\nfailures_per_accelerator_year = 0.2\nreplicas = 50\nrepair_days = 2\n"
    exact = gc.run(gc.scenario_from_text(scenario_text(extra=base))).to_summary()["reliability"]
    crews = gc.run(gc.scenario_from_text(scenario_text(extra=base + "repair_crews = 100000\n")))
    simulated = crews.to_summary()["reliability"]
    assert exact["fleet_method"].startswith("exact") and simulated["fleet_method"] == "monte carlo"
    # crews that never bind: the Monte Carlo's medians agree with the exact ones
    for e, s in zip(exact["years"], simulated["years"], strict=True):
        assert s["available_fraction_median"] == pytest.approx(e["available_fraction_median"], abs=2e-4)
    # and the defaults of checkpoint and restart are the catalog's, with their source
    rows = {r.path: r for r in crews.inputs}
    assert rows["reliability.checkpoint_s"].origin == "catalog:defaults"
    assert "pytorch.org" in rows["reliability.checkpoint_s"].source


def test_goodput_defaults_reproduce_llama_3() -> None:
    # Meta: >90% effective training time, 16,384 H100, 54 days (tolerance: tests/test_reliability_calibration.py)
    args = ["goodput", "--accelerators", "16384", "--accelerator", "h100-sxm", "--days", "54", "--replicas", "200"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["checkpoint_s"], out["restart_s"]) == (32.0, 300.0)
    assert abs(out["goodput_mean"] - 0.90) <= 0.03
