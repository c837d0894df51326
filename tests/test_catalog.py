"""Catalog data integrity, derived values against published references, and item lookup."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from gigacampus.catalog import PRECISIONS, Catalog, schema
from gigacampus.catalog.tables import data_path

REQUIRED_ACCELERATORS = {
    "h100-sxm",
    "h200",
    "b200",
    "b300",
    "gb200",
    "gb300",
    "mi300x",
    "mi325x",
    "mi355x",
    "tpu-v5p",
    "tpu-v6e",
    "tpu7x",
    "a100",
    "h20",
}
URL = re.compile(r"^https?://\S+$")


@pytest.mark.parametrize(
    "table",
    [
        "accelerators",
        "systems",
        "defaults",
        "prices",
        "price_index",
        "rents",
        "eccn_3a090",
        "regimes",
        "regime_caps",
        "failure_rates",
        "optics",
        "switches",
        "scale_out",
        "training_runs",
        "water_use",
        "emission_factors",
    ],
)
def test_every_row_has_sources_and_a_retrieval_date(table: str) -> None:
    with data_path(f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        sources = [s.strip() for s in row["source"].split(" ; ")]
        assert sources and all(URL.match(s) for s in sources), row
        retrieved = dt.date.fromisoformat(row["retrieved"])
        assert dt.date(2024, 1, 1) <= retrieved <= dt.date.today()


def test_schema_states_a_unit_for_every_numeric_column() -> None:
    for table, columns in schema().items():
        for col in columns:
            if col.type in ("int", "float") and table != "defaults":
                assert col.unit, f"{table}.{col.attribute} has no unit"
            assert col.description


def test_required_ids_present(catalog: Catalog) -> None:
    assert REQUIRED_ACCELERATORS <= set(catalog.accelerators)
    for required in ("hgx-h100", "dgx-b200", "gb200-nvl72", "gb300-nvl72", "mi300x-platform", "tpu-v5p-host"):
        assert required in catalog.systems


def test_each_accelerator_has_a_default_system_that_holds_it(catalog: Catalog) -> None:
    for acc in catalog.accelerators.values():
        assert catalog.system_for(acc.id).accelerator == acc.id


# Published export-control TPP values. Tolerance 1%: datasheets round dense rates
# (e.g. H100 FP8 is 1,978.9 TFLOP/s unrounded, 1,979 on the datasheet).
@pytest.mark.parametrize(
    ("acc_id", "published_tpp"),
    [("h100-sxm", 15_832), ("a100", 4_992), ("h20", 2_368), ("h200", 15_832)],
)
def test_tpp_matches_published_values(catalog: Catalog, acc_id: str, published_tpp: float) -> None:
    assert catalog.accelerators[acc_id].tpp == pytest.approx(published_tpp, rel=0.01)


# TweakTown publishes performance densities 19.4 (H100) and 2.9 (H20); one decimal place,
# so the tolerance is half a unit in the last digit.
@pytest.mark.parametrize(("acc_id", "density"), [("h100-sxm", 19.4), ("h20", 2.9)])
def test_performance_density_matches_published(catalog: Catalog, acc_id: str, density: float) -> None:
    assert catalog.accelerators[acc_id].performance_density == pytest.approx(density, abs=0.05)


def test_tpp_is_max_over_precisions_of_dense_ops_times_bits(catalog: Catalog) -> None:
    for acc in catalog.accelerators.values():
        by_precision = {p: (acc.dense_tops(p) or 0.0) * bits for p, bits in PRECISIONS}
        assert acc.tpp == max(by_precision.values())
        assert by_precision[acc.tpp_precision] == acc.tpp


def test_blackwell_tpp_follows_fp4(catalog: Catalog) -> None:
    # FP4 dense x 4 bits: GB300 15,000 x 4; B200 9,000 x 4 (equal to FP8 4,500 x 8, shortest bits wins the tie)
    assert catalog.accelerators["gb300"].tpp == 60_000
    assert catalog.accelerators["gb300"].tpp_precision == "fp4"
    assert catalog.accelerators["b200"].tpp == 36_000
    assert catalog.accelerators["b200"].tpp_precision == "fp4"


def test_h100e_definition(catalog: Catalog) -> None:
    assert catalog.h100e_reference_tops == 1979
    assert catalog.h100e("h100-sxm") == 1.0
    # GB300 dense FP8 5,000 TFLOP/s; its INT8 is cut, so FP8 is the 8-bit rate
    assert catalog.h100e("gb300") == pytest.approx(5000 / 1979)
    # TPU v6e has no faster FP8 than BF16 but INT8 at 1,836 TOP/s
    assert catalog.h100e("tpu-v6e") == pytest.approx(1836 / 1979)
    # A100 has no FP8; INT8 624 TOP/s
    assert catalog.h100e("a100") == pytest.approx(624 / 1979)


def test_it_power_per_accelerator_is_system_power_over_count(catalog: Catalog) -> None:
    assert catalog.systems["hgx-h100"].it_power_w == pytest.approx(10_200 / 8)
    assert catalog.systems["gb300-nvl72"].it_power_w == pytest.approx(135_000 / 72)
    assert catalog.systems["mi300x-platform"].it_power_w is None  # unsourced: the scenario must give it


def test_defaults_are_sourced_and_plausible(catalog: Catalog) -> None:
    assert catalog.default("fleet.lifetime_years").value == 5
    assert 0 < catalog.default("phase.utilization").value <= 1
    assert 0 <= catalog.default("site.overhead_fraction").value < 1


def test_describe_gives_derived_values_and_sources(catalog: Catalog) -> None:
    item = catalog.describe("h100-sxm")
    assert item["kind"] == "accelerator"
    assert item["derived"]["tpp"] == 15_832
    assert item["derived"]["h100e"] == 1.0
    assert item["derived"]["it_power_w"] == 1275
    assert item["source"].startswith("https://")
    assert item["units"]["dense_fp8_tflops"] == "TFLOP/s"
    assert catalog.describe("gb300-nvl72")["kind"] == "system"
    with pytest.raises(KeyError):
        catalog.describe("nope")
