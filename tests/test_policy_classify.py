"""ECCN 3A090 classification and the threshold data, against published values."""

from __future__ import annotations

import pytest

from gigacampus.analyses.policy.classify import NOT_CONTROLLED, UNDETERMINED, Threshold, classify, load_thresholds
from gigacampus.catalog import Catalog


def test_thresholds_are_the_rule_text() -> None:
    # ECCN 3A090.a as listed by lenzo.ai and eccnfinder: 'total processing performance' of 4800
    # or more; or 1600 or more with a 'performance density' of 5.92 or more
    rows = {r.id: r for r in load_thresholds()}
    assert (rows["3A090.a.1"].tpp_min, rows["3A090.a.1"].density_min) == (4800, None)
    assert (rows["3A090.a.2"].tpp_min, rows["3A090.a.2"].density_min) == (1600, 5.92)
    assert [r.id for r in load_thresholds()][:2] == ["3A090.a.1", "3A090.a.2"]  # .a is tried first


@pytest.mark.parametrize(
    ("acc_id", "tpp", "density", "eccn", "paragraph"),
    [
        # A100: 624 dense INT8 TOP/s x 8 = 4,992, just above the 4,800 line (Epoch: the threshold
        # was set "just below the A100"); 4,992 / 826 mm2 = 6.04
        ("a100", 4992, 6.04, "3A090.a", "3A090.a.1"),
        # H100: 1,979 x 8 = 15,832; TweakTown publishes its density as 19.4
        ("h100-sxm", 15832, 19.4, "3A090.a", "3A090.a.1"),
        # H20: 296 x 8 = 2,368 and density 2.9 (TweakTown): built to stay under every threshold
        ("h20", 2368, 2.9, NOT_CONTROLLED, None),
    ],
)
def test_hopper_and_ampere_reference_parts(catalog: Catalog, acc_id, tpp, density, eccn, paragraph) -> None:
    c = classify(acc_id, catalog)
    assert c.tpp == pytest.approx(tpp, rel=0.01)  # datasheets round dense rates
    assert c.performance_density == pytest.approx(density, abs=0.05)
    assert (c.eccn, c.paragraph) == (eccn, paragraph)


def test_h20_reason_names_each_threshold_it_misses(catalog: Catalog) -> None:
    reason = classify("h20", catalog).reason
    assert "TPP 2,368 < 4,800" in reason and "performance density 2.91 < 5.92" in reason


@pytest.mark.parametrize(
    ("acc_id", "csis_ratios"),
    [
        # CSIS (Feb 2025) converts the Tier 2 cap of 49,901 H100 into 21,987 B200 / 13,192 GB300
        # and the NVEU's 320,000 H100 into 140,666 B200 / 84,400 GB300, both by TPP.
        ("b200", (49_901 / 21_987, 320_000 / 140_666)),
        ("gb300", (49_901 / 13_192, 320_000 / 84_400)),
    ],
)
def test_blackwell_tpp_against_csis_conversions(catalog: Catalog, acc_id, csis_ratios) -> None:
    c = classify(acc_id, catalog)
    # CSIS rounds to whole GPUs and uses SemiAnalysis's per-chip rates: 0.5% covers both
    for ratio in csis_ratios:
        assert c.h100_tpp_equivalents == pytest.approx(ratio, rel=0.005)
    # TPP >= 4,800 decides 3A090.a without the (unpublished) die area
    assert c.die_area_mm2 is None and c.performance_density is None
    assert (c.eccn, c.paragraph) == ("3A090.a", "3A090.a.1")


def test_two_kinds_of_h100_equivalent(catalog: Catalog) -> None:
    gb300 = classify("gb300", catalog)
    assert gb300.h100e == pytest.approx(5000 / 1979)  # dense 8-bit, gigacampus's H100e
    assert gb300.h100_tpp_equivalents == pytest.approx(60_000 / 15_832)  # by TPP, as export rules count


def test_density_test_without_a_die_area_is_undetermined(catalog: Catalog) -> None:
    only_density = (Threshold("t.a.2", "3A090.a", 1600, None, 5.92, None, "", "https://x"),)
    c = classify("b200", catalog, only_density)
    assert c.eccn == UNDETERMINED and "die area" in c.reason
    # a row that needs the density comes before one that matches: still undetermined
    rows = (*only_density, Threshold("t.b", "3A090.b", 1600, None, None, None, "", "https://x"))
    assert classify("b200", catalog, rows).eccn == UNDETERMINED


def test_b_rows_classify_parts_between_the_lines(catalog: Catalog) -> None:
    b1 = next(r for r in load_thresholds() if r.id == "3A090.b.1")
    assert b1.test(3000, 2.0)[0] is True
    assert b1.test(3000, 6.0)[0] is False  # density above .b: that is .a.2 territory
    assert b1.test(5000, 2.0)[0] is False  # TPP above .b: that is .a.1
    assert b1.test(3000, None)[0] is None
    # thresholds are data: a stricter table puts the H20 into 3A090.b
    stricter = (Threshold("x.b", "3A090.b", 2000, None, 2.5, None, "", "https://x"),)
    c = classify("h20", catalog, stricter)
    assert (c.eccn, c.paragraph) == ("3A090.b", "x.b")
