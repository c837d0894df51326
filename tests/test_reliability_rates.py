"""Failure rates: derived from the published Llama 3 counts, resolved from user input."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from gigacampus.catalog.failure_rates import COMPONENTS, catalog_rates, resolve_rates, sourced_accelerators
from gigacampus.catalog.tables import data_path
from gigacampus.errors import InputError

URL = re.compile(r"^https?://\S+$")


def test_rows_are_sourced_and_dated() -> None:
    with data_path("failure_rates.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert all(URL.match(s.strip()) for s in row["source"].split(" ; ")), row
        assert dt.date(2024, 1, 1) <= dt.date.fromisoformat(row["retrieved"]) <= dt.date.today()
        assert row["component"] in COMPONENTS


def test_h100_rates_reproduce_the_llama3_report() -> None:
    # The Llama 3 report: 419 unexpected interruptions in 54 days on 16,384 H100s, "about one
    # every three hours"; HBM3 alone 72 (17.2%).
    rates = catalog_rates("h100-sxm")
    assert rates is not None
    accelerator_years = 16_384 * 54 / 365.25
    assert rates.failures_per_accelerator_year * accelerator_years == pytest.approx(419)
    job_mtbf_h = 54 * 24 / (rates.failures_per_accelerator_year * accelerator_years)
    assert job_mtbf_h == pytest.approx(3.09, abs=0.01)
    gpu_share = (rates.per_component["gpu"] + rates.per_component["hbm"]) / rates.failures_per_accelerator_year
    # every cause Glenn Lockwood's copy of the table files under "GPU": 148+72+19+17+6+6 = 268
    assert gpu_share == pytest.approx(268 / 419)
    assert rates.per_component["hbm"] * accelerator_years == pytest.approx(72)
    assert set(rates.per_component) == set(COMPONENTS)
    assert rates.hardware_failures_per_accelerator_year == pytest.approx(
        rates.failures_per_accelerator_year - rates.per_component["software"]
    )


def test_accelerators_without_published_rates_have_none() -> None:
    assert "h100-sxm" in sourced_accelerators()
    assert catalog_rates("gb300") is None


def test_resolution_rules() -> None:
    assert resolve_rates(failures_per_accelerator_year=0.2).per_component == {"all": 0.2}
    merged = resolve_rates(accelerator="h100-sxm", component_rates={"software": 0.0})
    assert merged.per_component["software"] == 0.0 and merged.origin == "catalog:h100-sxm+user"
    full = resolve_rates(component_rates={c: 0.01 for c in COMPONENTS})
    assert full.failures_per_accelerator_year == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kwargs", "where", "fragment"),
    [
        ({"accelerator": "gb300"}, "--accelerator", "no sourced failure rates for 'gb300'"),
        (
            {"failures_per_accelerator_year": -0.1},
            "--failures-per-accelerator-year",
            "found -0.1; allowed: a number >= 0",
        ),
        (
            {"accelerator": "h100-sxm", "failures_per_accelerator_year": 0.1},
            "--failures-per-accelerator-year",
            "one of",
        ),
        ({"component_rates": {"gpus": 0.1}}, "--component-rate", "unknown component class 'gpus'"),
        (
            {"component_rates": {"gpu": 0.1}},
            "--failures-per-accelerator-year",
            "rates for hbm, network, host, software",
        ),
        ({}, "--failures-per-accelerator-year", "no failure rate given"),
    ],
)
def test_bad_rates_name_the_option(kwargs: dict, where: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_rates(**kwargs)
    assert any(p.path == where and fragment in p.message for p in info.value.problems), [
        str(p) for p in info.value.problems
    ]
