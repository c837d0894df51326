"""Quota regimes as data: the shipped values against their sources, and the cap rules."""

from __future__ import annotations

import datetime as dt

import pytest

from gigacampus.catalog import Catalog
from gigacampus.catalog.regimes import CapRow, build_caps, load_regimes, parse_unit

H100_TPP_UNROUNDED = 1978.9 * 8  # the H100 rate CSIS converts with


def test_shipped_regimes() -> None:
    assert list(load_regimes()) == ["none", "us-uae-2025", "ai-diffusion-2025"]
    assert load_regimes()["none"].caps == ()


def test_us_uae_2025_matches_reuters() -> None:
    r = load_regimes()["us-uae-2025"]
    national = r.caps_with("national")[0]
    # Reuters: up to 500,000 chips a year starting in 2025; 20% (100,000 a year) to G42
    assert (national.unit, national.per, national.first_year, national.last_year) == ("units", "year", 2025, None)
    assert national.amount_in(2026) == 500_000 and national.amount_in(2024) is None
    groups = {c.group: c.rows[0].amount for c in r.caps_with("group")}
    assert groups == {"AE": 0.2, "US": 0.8}
    assert not r.carry_over and r.rescinded_on is None


def test_ai_diffusion_2025_matches_csis_and_the_white_house() -> None:
    r = load_regimes()["ai-diffusion-2025"]
    country = next(c for c in r.caps if c.cap == "country")
    assert (country.unit, country.per, country.first_year, country.last_year) == ("tpp", "cumulative", 2025, 2027)
    # CSIS: 49,901 H100-equivalents through 2027 (not annual); White House: "50,000 advanced GPUs"
    assert round(country.allowance_through(2027) / H100_TPP_UNROUNDED) == 49_901
    assert country.allowance_through(2025) == country.allowance_through(2027) == 790e6
    lpp = next(c for c in r.caps if c.cap == "lpp")
    assert lpp.scope == "consignee_exempt" and lpp.per == "year"
    assert round(lpp.amount_in(2026) / H100_TPP_UNROUNDED) == 1_699  # CSIS; "roughly 1,700 GPUs"
    nveu = next(c for c in r.caps if c.cap == "nveu")
    assert [nveu.allowance_through(y) for y in (2025, 2026, 2027)] == [100_000, 270_000, 320_000]
    assert nveu.allowance_through(2028) is None
    uveu = next(c for c in r.caps if c.cap == "uveu")
    assert (uveu.unit, uveu.rows[0].amount) == ("share", 0.07)
    assert r.effective_on == dt.date(2025, 1, 13)
    assert r.compliance_on == dt.date(2025, 5, 15)
    assert r.rescinded_on == dt.date(2025, 5, 13)  # two days before compliance was due


def test_in_force() -> None:
    r = load_regimes()["ai-diffusion-2025"]
    assert r.in_force(2024)[0] is False and "applies from 2025" in r.in_force(2024)[1]
    assert r.in_force(2025)[0] is False and "rescinded" in r.in_force(2025)[1]
    assert load_regimes()["us-uae-2025"].in_force(2040) == (True, "")
    assert load_regimes()["us-uae-2025"].in_force(2024)[0] is False


def test_units(catalog: Catalog) -> None:
    assert parse_unit("units", catalog) == ("units", 1.0)
    assert parse_unit("gb300-equivalents", catalog) == ("tpp", 60_000.0)
    assert parse_unit("a100-equivalents", catalog) == ("tpp", pytest.approx(4992.0))
    with pytest.raises(ValueError):
        parse_unit("chips", catalog)


def test_cumulative_schedules_must_be_consistent() -> None:
    row = {"cap": "c", "name": "c", "scope": "national", "group": None, "unit": "units", "per": "cumulative"}
    with pytest.raises(ValueError, match="must not fall"):
        build_caps(
            [
                {**row, "amount": 10, "first_year": 2025, "last_year": 2025},
                {**row, "amount": 5, "first_year": 2025, "last_year": 2026},
            ],
            "test",
        )
    with pytest.raises(ValueError, match="distinct last_year"):
        build_caps(
            [
                {**row, "amount": 10, "first_year": 2025, "last_year": None},
                {**row, "amount": 15, "first_year": 2025, "last_year": 2026},
            ],
            "test",
        )
    (cap,) = build_caps([{**row, "amount": 10, "first_year": 2025, "last_year": 2026}], "test")
    assert cap.rows == (CapRow(10.0, 2025, 2026),)
    assert cap.describe() == "10 units cumulative, 2025-2026"
