"""The reliability defaults reproduce their source: Meta's Llama 3 405B pre-training run.

Meta, "The Llama 3 Herd of Models" (2024, arXiv 2407.21783), section 3.3.4: a 54-day snapshot of
pre-training on 16,384 H100 had 466 job interruptions, 47 planned and 419 unexpected, and an
effective training time (time spent on useful training over elapsed time) of more than 90%.

Tolerance: 3 points around 0.90. Meta gives a lower bound ("higher than 90%") measured on one run;
the model's definition is the same ratio (work kept by a completed checkpoint over wall time), so
the model must land in [0.87, 0.93] with the defaults, and at or above 0.90 in the long run, where
the restart default was calibrated (docs/reliability.md).
"""

from __future__ import annotations

import math

import pytest

from gigacampus.analyses.reliability import renewal
from gigacampus.analyses.reliability.engine import simulate_job
from gigacampus.analyses.reliability.section import CHECKPOINT_S, RESTART_S, Reliability
from gigacampus.catalog import load_catalog
from gigacampus.catalog.failure_rates import catalog_rates
from gigacampus.units import SECONDS_PER_DAY

GPUS, DAYS, UNEXPECTED, PLANNED = 16_384, 54, 419, 47
META = 0.90
TOLERANCE = 0.03


def _rate_per_s() -> float:
    return catalog_rates("h100-sxm").rate_per_s(GPUS)


def test_schema_defaults_are_the_catalog_defaults() -> None:
    cat = load_catalog()
    assert cat.default("reliability.checkpoint_s").value == CHECKPOINT_S
    assert cat.default("reliability.restart_s").value == RESTART_S
    rel = Reliability.model_validate({"rates_from": "h100-sxm"})
    assert (rel.checkpoint_s, rel.restart_s) == (CHECKPOINT_S, RESTART_S)


def test_the_catalog_rates_give_metas_interruption_count() -> None:
    # independent: 419 interruptions over 54 days of the whole job
    assert _rate_per_s() * DAYS * SECONDS_PER_DAY == pytest.approx(UNEXPECTED, rel=1e-9)


def test_llama3_long_run_goodput_is_metas_figure() -> None:
    g = float(renewal.optimal_goodput(_rate_per_s(), CHECKPOINT_S, RESTART_S))
    assert META <= g <= META + TOLERANCE, g


def test_llama3_54_day_run_is_within_three_points() -> None:
    lam = _rate_per_s()
    interval = float(renewal.optimal_interval_s(lam, CHECKPOINT_S))
    horizon = DAYS * SECONDS_PER_DAY
    expected = float(renewal.expected_goodput(lam, interval, CHECKPOINT_S, RESTART_S, horizon_s=horizon))
    samples = simulate_job(lam, interval, CHECKPOINT_S, RESTART_S, horizon, 2_000, 2407_21783)
    mc = samples.checkpoints * interval / horizon
    for g in (expected, float(mc.mean())):
        assert abs(g - META) <= TOLERANCE, g
    # the simulated interruptions are Meta's 419 less those that would fall in restarts (no failure
    # strikes a restart in the base model): F = rate (horizon - F R), so F = 419 / (1 + rate R);
    # the mean of 2,000 runs is within 4 standard errors (Poisson: sqrt(F / 2000))
    f = UNEXPECTED / (1.0 + lam * RESTART_S)
    assert samples.failures.mean() == pytest.approx(f, abs=4 * math.sqrt(f / 2_000))


def test_planned_interruptions_keep_it_within_three_points() -> None:
    """The 47 planned interruptions (maintenance) lose no work but each costs a restart."""
    g = float(renewal.optimal_goodput(_rate_per_s(), CHECKPOINT_S, RESTART_S))
    with_planned = g * (1.0 - PLANNED * RESTART_S / (DAYS * SECONDS_PER_DAY))
    assert abs(with_planned - META) <= TOLERANCE, with_planned


def test_the_old_flagship_settings_missed_the_figure() -> None:
    """60 s checkpoints and 1,000 s restarts gave 0.83 for the same run: outside the tolerance."""
    g = float(renewal.optimal_goodput(_rate_per_s(), 60.0, 1000.0))
    assert g < META - TOLERANCE
    assert g == pytest.approx(0.8256, abs=5e-4)


def test_the_restart_default_is_the_calibrated_bound_rounded_down() -> None:
    bound = float(renewal.max_restart_s(_rate_per_s(), CHECKPOINT_S, META))
    assert RESTART_S <= bound < RESTART_S + 60.0, bound
