"""A result in a notebook: its text and HTML views, and its xarray Datasets (single run and batch)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gigacampus as gc
from gigacampus.pipeline import COLUMNS, campus_inputs, run_batch
from gigacampus.results import headline_sentences
from tests.conftest import SCENARIOS, scenario_text


@pytest.fixture(scope="module")
def uae() -> gc.Result:
    return gc.run_file(SCENARIOS / "stargate-uae.toml")


def test_text_repr_is_a_few_lines_with_the_headline(uae: gc.Result) -> None:
    text = repr(uae)
    lines = text.splitlines()
    assert 2 <= len(lines) <= 5 and len(text) < 600
    assert lines[0].startswith("<gigacampus.Result 'Stargate UAE' 2026-2032")
    assert f"{uae.headline['accelerators']:,} accelerators" in text
    assert "policy" in lines[-1] and "finance" in lines[-1]


def test_html_repr_has_the_headline_and_one_row_per_year(uae: gc.Result) -> None:
    page = uae._repr_html_()
    assert len(page) < 10_000  # compact: not the 18,000-character dump of the dataclass
    assert page.count("<tr>") == len(uae.years) + 1  # the header and one row per year
    for sentence in headline_sentences(uae.to_summary()):
        assert sentence.replace("'", "&#x27;") in page
    assert f"{int(uae.timeline['accelerators'].iloc[-1]):,}" in page


def test_the_pandas_tables_are_built_from_the_columns_and_rows(uae: gc.Result) -> None:
    """``timeline``, ``by_phase`` and ``phases`` are the result's numpy columns and rows as pandas
    tables, built on first use; ``rows`` holds the same numbers as Python values."""
    tl = uae.timeline
    assert list(tl.index) == uae.years and tl.index.name == "year"
    assert list(tl.columns) == list(uae.columns)
    for name, values in uae.columns.items():
        assert tl[name].dtype == values.dtype or values.dtype == object, name
        np.testing.assert_array_equal(tl[name].to_numpy(), values, err_msg=name)  # NaN equal to NaN

    def nan_free(row: dict) -> dict:
        return {k: "NaN" if isinstance(v, float) and v != v else v for k, v in row.items()}

    assert [nan_free({"year": y, **r.to_dict()}) for y, r in tl.iterrows()] == [nan_free(r) for r in uae.rows]
    assert all(type(v) in (int, float, bool, str) for row in uae.rows for v in row.values())
    assert uae.by_phase.to_dict(orient="records") == [dict(r) for r in uae.phase_year_rows]
    assert len(uae.by_phase) == len(uae.years) * len(uae.scenario.phase)
    assert list(uae.phases["name"]) == [ph.name for ph in uae.scenario.phase]
    assert uae.timeline is tl  # built once


def test_with_block_adds_columns_by_year_and_refuses_a_clash(uae: gc.Result) -> None:
    import pandas as pd

    extra = pd.DataFrame({"my_metric": [1.5, 2.5]}, index=pd.Index([uae.years[-1], 1999], name="year"))
    out = uae.with_block("mine", {"note": "x"}, extra)
    assert out.blocks["mine"] == {"note": "x"} and "mine" not in uae.blocks
    values = out.columns["my_metric"]
    assert np.isnan(values[:-1]).all() and values[-1] == 1.5  # joined by year; 1999 is not in the horizon
    assert out.timeline["my_metric"].iloc[-1] == 1.5 and out.rows[-1]["my_metric"] == 1.5
    assert "my_metric" not in uae.columns
    with pytest.raises(ValueError, match="overlap"):
        uae.with_block("again", {}, pd.DataFrame({"accelerators": [1]}, index=pd.Index([uae.years[0]], name="year")))


def test_html_repr_escapes_the_scenario_name() -> None:
    text = scenario_text().replace('name = "Test"', 'name = "<script>alert(1)</script>"')
    page = gc.run(gc.scenario_from_text(text))._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_headline_names_cost_goodput_and_the_training_run(uae: gc.Result) -> None:
    text = " ".join(headline_sentences(uae.to_summary()))
    fin = uae.blocks["finance"]
    assert f"${fin['capex_usd'] / 1e9:,.1f} bn of capex" in text
    assert f"${fin['unit_economics']['tco_usd_per_accelerator_hour']:,.2f} per accelerator-hour" in text
    last = uae.timeline.iloc[-1]
    assert f"keeps {last['campus_job_goodput']:.2f} of its time as useful work" in text
    assert f"{uae.blocks['training']['years'][-1]['training_flop']:.2e} FLOP" in text


def test_to_xarray_has_named_dimensions_and_units(uae: gc.Result) -> None:
    ds = uae.to_xarray()
    assert ds.sizes == {"year": 7, "accelerator": 1, "phase": 2, "holder": 4}
    assert list(ds["year"].values) == uae.years
    for name in ("facility_power_mw", "accelerators", "energy_mwh", "capex_usd", "campus_job_goodput"):
        np.testing.assert_array_equal(ds[name].values, uae.timeline[name].to_numpy())
        unit = COLUMNS.get(name).unit
        assert ds[name].attrs["units"] == (unit if unit not in ("", "-") else "1")
    assert ds["capex_usd"].attrs["analysis"] == "finance"
    # the cube adds up: phases and models sum to the campus, holders' shipments to what was added
    np.testing.assert_array_equal(ds["accelerators_by_phase"].sum("phase").values, ds["accelerators"].values)
    np.testing.assert_array_equal(ds["accelerators_by_model"].sum("accelerator").values, ds["accelerators"].values)
    shipped = ds["shipped_by_holder"].sum("holder").values
    np.testing.assert_array_equal(shipped, ds["accelerators_added"].values)
    # G42's 35,000 approval, in whole NVL72 racks (486)
    assert ds["shipped_by_holder"].sel(holder="G42").sum().item() == 72 * (35_000 // 72)
    assert list(ds["phase_power_mw"].values) == [200.0, 800.0]
    assert ds.attrs["scenario"] == "Stargate UAE"


def test_batch_to_xarray_matches_single_runs() -> None:
    us = gc.load_scenario(SCENARIOS / "stargate-us.toml")
    pues = np.array([1.1, 1.3, 1.5])
    batch = replace(campus_inputs(us).repeat(3), pue=pues)
    ds = run_batch(us, batch).to_xarray()
    assert ds.sizes["variant"] == 3 and ds["accelerators"].dims == ("variant", "year")
    assert ds["accelerators_by_phase"].dims == ("variant", "year", "phase")
    for v, pue in enumerate(pues):
        single = gc.run_file(SCENARIOS / "stargate-us.toml", overrides=[f"site.pue={pue}"])
        np.testing.assert_allclose(ds["accelerators"].isel(variant=v).values, single.timeline["accelerators"])
        np.testing.assert_allclose(
            ds["accelerators_by_phase"].isel(variant=v).sum("phase").values, single.timeline["accelerators"]
        )
    assert ds["h100e"].attrs["units"] == "H100e"


def test_batch_repr_is_a_few_lines_with_the_spread_over_variants() -> None:
    us = gc.load_scenario(SCENARIOS / "stargate-us.toml")
    runs = run_batch(us, replace(campus_inputs(us).repeat(5), pue=np.linspace(1.1, 1.5, 5)))
    text = repr(runs)
    lines = text.splitlines()
    assert lines[0].startswith("<gigacampus.BatchRun 'Stargate US': 5 variants x 4 years (2025-2028)")
    assert len(lines) <= 8 and len(text) < 1_000  # not the arrays
    last = runs.columns["accelerators"][:, -1]
    assert f"Accelerators in 2028: min {last.min():,.0f}, median {np.median(last):,.0f}, max {last.max():,.0f}" in text


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=5)
        | st.builds(np.float64, st.floats(allow_nan=True, allow_infinity=True))
        | st.builds(np.int64, st.integers(-(2**62), 2**62)),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.tuples(inner, inner)
            | st.dictionaries(st.text(max_size=3), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_jsonable_gives_plain_json_values(value) -> None:
    import json
    import math as _math

    from gigacampus.jsonable import jsonable

    out = jsonable(value)
    text = json.dumps(out, allow_nan=False)  # never NaN or inf, never a numpy type

    def same(a, b) -> bool:  # the plain value of a, with non-finite floats as None
        if isinstance(a, (np.generic,)):
            a = a.item()
        if isinstance(a, float) and not _math.isfinite(a):
            return b is None
        if isinstance(a, dict):
            return list(b) == [str(k) for k in a] and all(same(v, b[str(k)]) for k, v in a.items())
        if isinstance(a, (list, tuple)):
            return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        return type(a) is type(b) and a == b

    assert same(value, out), (value, out, text)
