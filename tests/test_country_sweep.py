"""``gigacampus sweep COUNTRY.toml`` (issue #17 part 4): each variant is the country that
``gigacampus run COUNTRY.toml --set ...`` builds with the variant's values, so the check is
against that run, variant by variant, and against the national identities (held back = wanted -
shipped; the campuses' shipments add up to the national ones)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.country import run_country_file
from gigacampus.errors import InputError
from gigacampus.sweep.country import (
    MAX_COUNTRY_VARIANTS,
    country_variant_sets,
    prepare_country_sweep,
    run_country_sweep,
)
from tests.conftest import SCENARIOS

FIVE_GW = SCENARIOS / "uae-5gw.toml"
OTHER = "UAE-US AI Campus: other 4 GW"
MICROSOFT = "Microsoft UAE (Khazna 200 MW)"
VARY = [f"campus[{OTHER}].site.pue=uniform(1.2, 1.4)", f"campus[{MICROSOFT}].phase[0].online_year=choice(2026, 2028)"]
GRID = ["country.regime=us-uae-2025,none"]
runner = CliRunner()


def _variants(folder: Path) -> pd.DataFrame:
    path = str(folder / "variants.parquet").replace("'", "''")
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}') ORDER BY variant").df()


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict, pd.DataFrame]:
    spec = prepare_country_sweep(FIVE_GW, samples=3, seed=11, vary=VARY, grid=GRID)
    folder = tmp_path_factory.mktemp("country-sweep")
    doc = run_country_sweep(spec, folder)
    return spec, doc, _variants(folder)


def test_variant_k_is_gigacampus_run_with_its_values(swept: tuple) -> None:
    spec, doc, frame = swept
    assert len(frame) == spec.n_variants == 6
    sets = country_variant_sets(spec)
    years = doc["years"]
    for k in (0, 2, 4):  # two regimes, both online years of the Microsoft phase among them
        row = frame.iloc[k]
        run = run_country_file(FIVE_GW, overrides=sets[k]).summary
        assert sets[k][-1] == f"country.regime={json.dumps(row['country.regime'])}"
        for t, y in enumerate(years):
            rec = run["years"][t]
            assert row[f"national_shipped.{y}"] == rec["accelerators_shipped"]
            assert row[f"national_wanted.{y}"] == rec["accelerators_wanted"]
            assert row[f"national_held_back.{y}"] == rec["accelerators_held_back"]
            assert bool(row[f"national_cap_binds.{y}"]) == rec["national_cap_binding"]
            for c in rec["campuses"]:
                assert row[f"shipped[{c['campus']}].{y}"] == c["shipped"]
                assert row[f"held_back[{c['campus']}].{y}"] == c["held_back"]


def test_national_identities_and_the_regime_matters(swept: tuple) -> None:
    _, doc, frame = swept
    for y in doc["years"]:
        per_campus = sum(frame[f"shipped[{c}].{y}"] for c in doc["campuses"])
        np.testing.assert_array_equal(per_campus, frame[f"national_shipped.{y}"])
        np.testing.assert_array_equal(
            frame[f"national_held_back.{y}"], frame[f"national_wanted.{y}"] - frame[f"national_shipped.{y}"]
        )
    none = frame["country.regime"] == "none"
    cols = [f"national_cap_binds.{y}" for y in doc["years"]]
    # the 'none' regime has no national caps (holders' own licences still hold: Microsoft's)
    assert not frame.loc[none, cols].to_numpy().any()
    held = [f"national_held_back.{y}" for y in doc["years"]]
    # grid point 1 ('none') takes the same samples as grid point 0: it holds back less, never more
    capped, free = frame.loc[~none, held].to_numpy(), frame.loc[none, held].to_numpy()
    assert (free <= capped).all() and (free < capped).any()
    # under the US-UAE caps the 5 GW wants more than the national cap allows
    binds = frame.loc[~none, cols].to_numpy().any(axis=1)
    assert binds.all()
    p = doc["probabilities"]["national_cap_binds"]
    assert p["probability"] == pytest.approx(binds.sum() / len(frame))
    assert p["over"] == "in some year"


def test_statistics_are_the_variants_percentiles(swept: tuple) -> None:
    _, doc, frame = swept
    y = doc["years"][-1]
    for name in ("national_shipped", f"held_back[{OTHER}]"):
        x = frame[f"{name}.{y}"].to_numpy(dtype=float)
        o = doc["outputs"][name]
        assert o["mean"][-1] == pytest.approx(x.mean())
        assert o["p50"][-1] == pytest.approx(np.median(x))
        assert o["p5"][-1] <= o["p50"][-1] <= o["p95"][-1]


def test_same_seed_same_numbers(swept: tuple, tmp_path: Path) -> None:
    spec, _, frame = swept
    again = prepare_country_sweep(FIVE_GW, samples=3, seed=11, vary=VARY, grid=GRID)
    run_country_sweep(again, tmp_path / "a")
    pd.testing.assert_frame_equal(_variants(tmp_path / "a"), frame)
    other = prepare_country_sweep(FIVE_GW, samples=3, seed=12, vary=VARY, grid=GRID)
    assert country_variant_sets(other) != country_variant_sets(spec)


def test_set_reaches_a_campus_from_its_own_file() -> None:
    base = run_country_file(FIVE_GW).summary
    later = run_country_file(FIVE_GW, overrides=["campus[Stargate UAE].phase[1].online_year=2030"]).summary
    t = base["scenario"]["years"].index(2028)
    shipped = {c["campus"]: c["shipped"] for c in base["years"][t]["campuses"]}
    shipped_later = {c["campus"]: c["shipped"] for c in later["years"][t]["campuses"]}
    assert shipped_later["Stargate UAE"] < shipped["Stargate UAE"]
    with pytest.raises(InputError) as err:
        run_country_file(FIVE_GW, overrides=["campus[Stargate UA].site.pue=1.2"])
    assert "campus[Stargate UA]" in str(err.value) and "Stargate UAE" in str(err.value)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--vary", "campus[Stargate UAE].site.puee=uniform(1.2, 1.4)"], "campus[Stargate UAE].site.puee"),
        (["--vary", "campus[Nowhere].site.pue=uniform(1.2, 1.4)"], "campus[Nowhere].site.pue"),
        (["--vary", "site.pue=uniform(1.2, 1.4)"], "campus[<campus name>]"),
        (["--vary", "country.regime=uniform(1, 2)"], "country.regime"),
        (["--grid", "campus[Stargate UAE].site.puee=1.2,1.3"], "campus[Stargate UAE].site.puee"),
        (["--vary", f"campus[{OTHER}].site.pue=uniform(1.2, 1.4)", "--samples", "300"], "--samples"),
    ],
)
def test_bad_input_exits_2_naming_the_key(args: list[str], needle: str) -> None:
    res = runner.invoke(app, ["sweep", str(FIVE_GW), *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output.replace("\n", ""), res.output
    if needle == "--samples":
        assert str(MAX_COUNTRY_VARIANTS) in res.output


def test_an_uncertainty_section_is_refused(tmp_path: Path) -> None:
    for name in ("uae-5gw.toml", "stargate-uae.toml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    path = tmp_path / "uae-5gw.toml"
    path.write_text(path.read_text() + "\n[uncertainty]\nsamples = 8\n")
    res = runner.invoke(app, ["sweep", str(path), "--vary", f"campus[{OTHER}].site.pue=uniform(1.2, 1.4)"])
    assert res.exit_code == 2 and "takes no [uncertainty]" in res.output, res.output


def test_cli_writes_sweep_json_and_variants(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(FIVE_GW), "--grid", GRID[0], "--seed", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "P(cap binds)" in res.output and "P(national_cap_binds in some year) = 50.0%" in res.output
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["kind"] == "country" and doc["variants"] == 2
    assert {"national_wanted", "national_shipped", "national_held_back", "national_cap_binds"} <= set(doc["outputs"])
    assert f"shipped[{MICROSOFT}]" in doc["outputs"]
    res = runner.invoke(app, ["query", str(out), "SELECT count(*) AS n FROM variants", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["n"] == 2
