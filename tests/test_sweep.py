"""Sweeps: variant k equals `gigacampus run --set` with variant k's values (every analysis), the
statistics equal numpy's over the stored variants, the Parquet store and `gigacampus query`,
engines give the same numbers, bad input exits 2 and leaves no folder behind."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigacampus.analyses.reliability.expected import MONTE_CARLO_COLUMNS
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.pipeline import run_file
from gigacampus.sweep import prepare_sweep, run_sweep
from gigacampus.sweep.plan import set_literal
from gigacampus.sweep.store import query

ROOT = Path(__file__).resolve().parents[1]
UAE = ROOT / "scenarios" / "stargate-uae.toml"
US = ROOT / "scenarios" / "stargate-us.toml"

VARY = (
    "site.pue=triangular(1.1, 1.3, 1.5)",
    "policy.campus_share=uniform(0.2, 1.0)",
    "phase[1].online_year=choice(2027, 2028, 2029)",
    "phase[0].system_power_kw=uniform(120, 140)",
    "finance.system_price_usd.gb300-nvl72=uniform(3.5e6, 4.0e6)",
    "site.electricity_usd_per_mwh=uniform(40, 80)",
    "reliability.restart_s=loguniform(300, 1800)",
    "training.mfu=uniform(0.3, 0.5)",
)


def _rows(folder: Path) -> tuple[list[str], list[tuple]]:
    names, rows, _ = query(folder, "SELECT * FROM variants ORDER BY variant")
    return names, rows


def _check_variants_equal_runs(path: Path, folder: Path, spec, variants, sets=()) -> int:
    """Each chosen variant's every stored output equals a run of the file with its values as --set."""
    names, rows = _rows(folder)
    paths = [u.path for u in spec.inputs] + [a.path for a in spec.grid]
    checked = 0
    for k in variants:
        row = dict(zip(names, rows[k], strict=True))
        overrides = [*sets, *(f"{p}={set_literal(row[p])}" for p in paths)]
        result = run_file(path, overrides=overrides)
        timeline = result.timeline
        for col in timeline.columns:
            if col in MONTE_CARLO_COLUMNS or f"{col}.{spec.years[0]}" not in row:
                continue
            for year, expected in zip(spec.years, timeline[col], strict=True):
                got = row[f"{col}.{year}"]
                if isinstance(expected, str):
                    assert got == expected, (k, col, year)
                elif expected is None or (isinstance(expected, float) and np.isnan(expected)):
                    assert got is None or np.isnan(got), (k, col, year)
                else:
                    assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-9), (k, col, year, overrides)
                checked += 1
    return checked


def test_variants_equal_run_with_set_for_every_analysis(tmp_path: Path) -> None:
    # policy, carbon, reliability (exact renewal expectation), finance, training, and a clos fabric
    sets = ("network.model=clos", "network.switch_power_w=1500", "network.other_overhead_fraction=0.1")
    spec = prepare_sweep(UAE, samples=8, vary=VARY, sets=sets, sensitivity=False, seed=3)
    doc = run_sweep(spec, tmp_path, chunk_size=3)
    assert doc["variants"] == 8
    checked = _check_variants_equal_runs(UAE, tmp_path, spec, [0, 3, 5, 7], sets)
    names, _ = _rows(tmp_path)
    # every analysis's columns were recorded and compared
    for col in ("accelerators", "accelerators_cut_by_approval", "network_power_mw", "emissions_tco2"):
        assert f"{col}.2032" in names
    for col in ("campus_job_goodput", "capex_usd", "funding_gap_usd", "training_flop"):
        assert f"{col}.2032" in names
    assert checked > 4 * 40 * len(spec.years)


def test_grid_and_lhs_variants_equal_runs(tmp_path: Path) -> None:
    spec = prepare_sweep(
        US,
        samples=4,
        method="lhs",
        vary=["finance.facility_usd_per_mw=uniform(8e6, 12e6)", "site.pue=uniform(1.15, 1.35)"],
        grid=["phase[0].online_year=2025,2026"],
        sensitivity=False,
    )
    run_sweep(spec, tmp_path)
    names, rows = _rows(tmp_path)
    assert len(rows) == 8
    assert [r[names.index("phase[0].online_year")] for r in rows] == [2025] * 4 + [2026] * 4
    _check_variants_equal_runs(US, tmp_path, spec, [1, 6])


def test_statistics_equal_numpy_over_the_stored_variants(plain: Path, tmp_path: Path) -> None:
    spec = prepare_sweep(plain, samples=64, vary=VARY[:3], sensitivity=False)
    doc = run_sweep(spec, tmp_path)
    _, rows, _ = query(
        tmp_path, 'SELECT "accelerators.2028", "binding_constraint.2027", "binding_constraint.2028" FROM variants'
    )
    x = np.asarray([r[0] for r in rows], dtype=float)
    out = doc["outputs"]["accelerators"]
    t = spec.years.index(2028)
    assert out["mean"][t] == pytest.approx(x.mean(), rel=1e-12)
    for q, key in ((5, "p5"), (50, "p50"), (95, "p95")):
        assert out[key][t] == pytest.approx(np.percentile(x, q), rel=1e-12)
    quota = doc["probabilities"]["quota_binds"]
    assert quota["by_year"]["2028"] == pytest.approx(np.mean([r[2] == "quota" for r in rows]))
    assert quota["probability"] >= max(quota["by_year"].values())
    assert 0 < quota["probability"] < 1  # a campus share down to 0.2 makes the quota bind sometimes


def test_sobol_indices_of_a_known_function_through_the_sweep(plain: Path, tmp_path: Path) -> None:
    # read as facility power, accelerators at full build-out are facility power / (per-accelerator power
    # x (1 + overhead) x PUE), in whole racks: with the PUE the only input that reaches the last year's
    # count, its indices are ~1, the others' ~0
    spec = prepare_sweep(
        plain,
        sets=["site.power_basis=facility"],
        samples=16,
        vary=["site.pue=uniform(1.2, 1.4)", "training.mfu=uniform(0.3, 0.5)"],
        sensitivity_samples=64,
    )
    doc = run_sweep(spec, tmp_path)
    s = doc["sensitivity"]["accelerators"]
    assert s["site.pue"]["first_order"] == pytest.approx(1.0, abs=0.05)
    assert s["site.pue"]["total_order"] == pytest.approx(1.0, abs=0.05)
    assert s["training.mfu"]["total_order"] == pytest.approx(0.0, abs=1e-9)
    flop = doc["sensitivity"]["training_flop"]
    assert flop["training.mfu"]["total_order"] > flop["site.pue"]["total_order"]


def test_same_seed_same_numbers_whatever_the_chunks(plain: Path, tmp_path: Path) -> None:
    spec = prepare_sweep(plain, samples=12, vary=VARY[:4], sensitivity=False, seed=11)
    a = run_sweep(spec, tmp_path / "a", chunk_size=5)
    again = run_sweep(spec, tmp_path / "again", chunk_size=5)
    assert a["outputs"] == again["outputs"] and _rows(tmp_path / "a") == _rows(tmp_path / "again")
    # other chunks: the vectorised root-finding of the optimal checkpoint interval iterates over the
    # whole batch, so other batch compositions may differ in the last bit (never more than 1e-12)
    b = run_sweep(spec, tmp_path / "b", chunk_size=12)
    assert a["probabilities"] == b["probabilities"]
    for name, col in a["outputs"].items():
        for key in ("mean", "p5", "p50", "p95"):
            for x, y in zip(col[key], b["outputs"][name][key], strict=True):
                assert (x is None and y is None) or x == pytest.approx(y, rel=1e-12), name
    c = run_sweep(prepare_sweep(plain, samples=12, vary=VARY[:4], sensitivity=False, seed=12), tmp_path / "c")
    assert c["outputs"]["accelerators"] != a["outputs"]["accelerators"]


def test_the_local_engine_gives_the_same_numbers_on_one_thread_or_several(plain: Path, tmp_path: Path) -> None:
    # VARY[2] (the expansion's online year) splits every chunk into up to three groups, which
    # several threads then carry side by side; with sensitivity on, the Sobol design runs so too
    spec = prepare_sweep(plain, samples=24, vary=VARY[:4], seed=3, sensitivity_samples=8)
    one = run_sweep(spec, tmp_path / "one", workers=1, chunk_size=10)
    three = run_sweep(spec, tmp_path / "three", workers=3, chunk_size=10)
    assert one["engine"] == {"engine": "local", "workers": 1, "chunk_size": 10}
    assert three["engine"] == {"engine": "local", "workers": 3, "chunk_size": 10}
    assert {k: v for k, v in one.items() if k != "engine"} == {k: v for k, v in three.items() if k != "engine"}
    assert one["sensitivity"] and _rows(tmp_path / "one") == _rows(tmp_path / "three")
    names, rows = _rows(tmp_path / "one")
    years = {r[names.index("phase[1].online_year")] for r in rows}
    assert len(years) == 3  # the groups were there to share out


def test_the_work_budget_in_force_holds_on_the_engines_threads(plain: Path) -> None:
    import dataclasses

    from gigacampus import limits

    spec = prepare_sweep(plain, samples=24, vary=VARY[:4], seed=3, sensitivity=False)
    # 7 admits the plans' verification batches (3 continuous inputs x 2 probes, built on this
    # thread) but not the groups the 24 variants split into (3 online years), run on the threads
    tight = dataclasses.replace(limits.CLI, variants=7)
    with limits.use_budget(tight), pytest.raises(InputError, match="at most 7 in one run"):
        run_sweep(spec, None, workers=2, chunk_size=24)


def test_a_key_an_analysis_reads_from_the_scenario_cannot_be_sampled_continuously(plain: Path) -> None:
    # the serving model's batch is read from [training] directly, not from the batched inputs
    spec = prepare_sweep(plain, samples=2, vary=["training.serve_parameters=uniform(1e11, 5e11)"], sensitivity=False)
    with pytest.raises(InputError, match="training.serve_parameters.*choice"):
        run_sweep(spec, Path("/nonexistent-never-written"))


def test_a_later_group_checked_at_one_joint_point_still_rejects_a_key_read_from_the_scenario(plain: Path) -> None:
    from gigacampus.catalog import load_catalog
    from gigacampus.sweep.plan import _flat, build_group

    cat = load_catalog()
    bad = prepare_sweep(plain, samples=2, vary=["training.serve_parameters=uniform(1e11, 5e11)"], sensitivity=False)
    with pytest.raises(InputError, match="training.serve_parameters.*choice"):
        build_group(bad.raw, bad.sets, [], list(bad.inputs), bad.source, cat, every_probe=False)
    good = prepare_sweep(plain, samples=2, vary=VARY[:4], sensitivity=False)
    continuous = [u for u in good.inputs if not u.discrete]
    assert len(continuous) >= 2
    full = build_group(good.raw, good.sets, [], continuous, good.source, cat)
    joint = build_group(good.raw, good.sets, [], continuous, good.source, cat, every_probe=False)
    x = np.stack([full.anchor * 0.97, full.anchor * 1.02])
    a, b = _flat(full.bundle(x)), _flat(joint.bundle(x))  # the same mapping whichever way it was checked
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)


runner = CliRunner()


def test_cli_sweep_writes_the_folder_and_query_reads_it(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", str(plain), "--samples", "16", "--vary", VARY[0], "--vary", VARY[6], "--out", str(out)]
    res = runner.invoke(app, [*args, "--sensitivity-samples", "16"])
    assert res.exit_code == 0, res.output
    assert "accelerators" in res.output and "p95" in res.output
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["samples"] == 16 and doc["method"] == "sobol" and doc["inputs"][0]["path"] == "site.pue"
    html = (out / "report.html").read_text()
    assert "fan-accelerators" in html and "sobol-campus_job_goodput" in html and "<script src" not in html
    res = runner.invoke(app, ["query", str(out), "SELECT count(*) AS n FROM variants", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == [{"n": 16}]
    res = runner.invoke(app, ["query", str(out), 'SELECT variant, "site.pue" FROM variants LIMIT 2', "--format", "csv"])
    assert res.output.splitlines()[0] == "variant,site.pue"
    res = runner.invoke(app, ["query", str(out), "SELECT * FROM read_csv('/etc/passwd')"])
    assert res.exit_code == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--vary", "site.pue=triangular(1.5, 1.3, 1.1)"], "site.pue: triangular"),
        (["--vary", "site.pue=uniform(0.5, 1.5)"], "site.pue: uniform(0.5, 1.5) reaches outside the allowed range"),
        (["--vary", "site.peu=uniform(1.1, 1.2)"], "site.peu: no such key"),
        (["--vary", "site.pue=lognormal(1.4, 1.2)"], "p5 < p95"),
        (["--vary", "site.pue=gamma(1, 2)"], "unknown dist 'gamma'"),
        (["--vary", "site.pue"], "allowed: key.path=dist"),
        (["--vary", "phase[1].accelerator=uniform(1, 2)"], "use choice"),
        (["--grid", "phase[1].online_year=2027,x"], "choice value 'x'"),
        (["--grid", "site.pue"], "allowed: KEY=v1,v2"),
        (["--samples", "0"], "--samples"),
        (["--method", "halton"], "--method"),
        (["--engine", "spark"], "--engine"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(plain: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    out = tmp_path / "never"
    res = runner.invoke(
        app, ["sweep", str(plain), "--vary", "training.mfu=uniform(0.3, 0.5)", *extra, "--out", str(out)]
    )
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_dask_cluster_needs_a_folder_every_worker_can_write(plain: Path, tmp_path: Path) -> None:
    args = ["sweep", str(plain), "--vary", "training.mfu=uniform(0.3, 0.5)", "--samples", "4", "--engine", "dask"]
    res = runner.invoke(app, [*args, "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "--scheduler" in res.output and "needs --out" in res.output, res.output


def test_bad_uncertainty_section_and_query(plain: Path, tmp_path: Path) -> None:
    text = (
        plain.read_text()
        + '\n[uncertainty]\nsamples = 4\n[uncertainty.inputs]\n"site.pue" = { dist = "normal", mean = 1.3 }\n'
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    res = runner.invoke(app, ["sweep", str(bad)])
    assert res.exit_code == 2 and 'uncertainty.inputs."site.pue": normal needs sd' in res.output
    res = runner.invoke(app, ["query", str(tmp_path), "SELECT 1"])
    assert res.exit_code == 2 and "no variants.parquet" in res.output


def test_normal_is_truncated_to_the_key_range_and_says_so(plain: Path, tmp_path: Path) -> None:
    spec = prepare_sweep(plain, samples=32, vary=["site.pue=normal(1.05, 0.1)"], sensitivity=False)
    assert "truncated to a number >= 1 and <= 3" in spec.notes[0]
    run_sweep(spec, tmp_path)
    _, rows, _ = query(tmp_path, 'SELECT min("site.pue") FROM variants')
    assert rows[0][0] >= 1.0


def test_a_failed_sweep_leaves_no_folder(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    res = runner.invoke(
        app,
        [
            "sweep",
            str(plain),
            "--samples",
            "2",
            "--vary",
            "training.serve_parameters=uniform(1e11, 5e11)",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 2 and "training.serve_parameters" in res.output
    assert list(tmp_path.iterdir()) == []


_DASK_SWEEPS = """
import pickle, sys
from pathlib import Path
from gigacampus.sweep import prepare_sweep, run_sweep
if __name__ == "__main__":
    spec = prepare_sweep(sys.argv[1], samples=16, vary=sys.argv[4:], sensitivity=False, seed=5)
    out = run_sweep(spec, Path(sys.argv[2]), engine="dask", workers=2, chunk_size=6)
    bare = run_sweep(spec, None, engine="dask", workers=2, chunk_size=6)
    Path(sys.argv[3]).write_bytes(pickle.dumps((out, bare)))
"""


def test_dask_engine_gives_the_local_numbers(plain: Path, tmp_path: Path) -> None:
    import pickle
    import subprocess
    import sys

    # distributed is imported in that process only: importing it here would also install tblib's
    # pickling of exceptions in this one, which changes what the forked engine's tests see
    spec = prepare_sweep(plain, samples=16, vary=VARY[:4], sensitivity=False, seed=5)
    local = run_sweep(spec, tmp_path / "local", chunk_size=6)
    # dask in a process of its own: its client leaves a thread behind ("Dask-Offload"), and the
    # local engine does not fork in a process with other threads (the tests after this one do)
    script = tmp_path / "dask_sweeps.py"
    script.write_text(_DASK_SWEEPS, encoding="utf-8")
    got = tmp_path / "docs.pickle"
    subprocess.run([sys.executable, str(script), str(plain), str(tmp_path / "dask"), str(got), *VARY[:4]], check=True)
    dask, bare = pickle.loads(got.read_bytes())
    assert bare == dask
    assert dask["engine"] == {"engine": "dask", "workers": 2, "chunk_size": 6}
    assert local["outputs"] == dask["outputs"] and local["probabilities"] == dask["probabilities"]
    assert {k: v for k, v in local.items() if k != "engine"} == {k: v for k, v in dask.items() if k != "engine"}
    assert _rows(tmp_path / "local") == _rows(tmp_path / "dask")
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == ["variants.parquet"]


def test_a_sweep_held_in_memory_equals_one_through_parquet_parts_and_sql(
    plain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gigacampus.sweep as sweep

    spec = prepare_sweep(plain, samples=20, vary=VARY[:4], sensitivity=False, seed=9)
    scratch = tmp_path / "scratch"  # where a sweep without a folder keeps its parts for a while
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    memory = run_sweep(spec, tmp_path / "memory", chunk_size=7)
    assert run_sweep(spec, None, chunk_size=7) == memory  # no file at all
    monkeypatch.setattr(sweep, "MEMORY_BYTES", 0)  # every chunk appended to one file (parts without one), read back
    parts = run_sweep(spec, tmp_path / "parts", chunk_size=7)
    assert memory == parts
    assert run_sweep(spec, None, chunk_size=7) == memory  # read from the parts, never joined
    assert list(scratch.iterdir()) == []
    assert _rows(tmp_path / "memory") == _rows(tmp_path / "parts")
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["variants.parquet"]
    # against the file itself: numpy's percentiles of a column, the events as SQL over the variants
    last = spec.years[-1]
    names, rows = _rows(tmp_path / "memory")
    x = np.asarray([r[names.index(f"accelerators.{last}")] for r in rows], dtype=float)
    got = memory["outputs"]["accelerators"]
    assert got["p5"][-1] == np.percentile(x, 5) and got["p95"][-1] == np.percentile(x, 95)
    assert got["mean"][-1] == pytest.approx(x.mean(), rel=1e-12)
    events = {
        "funding_gap_above_zero": f'"funding_gap_usd.{last}" > 0',
        "campus_full": f'"accelerators.{last}" >= "accelerator_slots.{last}"',
        "quota_binds": " OR ".join(f"coalesce(\"binding_constraint.{y}\" = 'quota', false)" for y in spec.years),
    }
    for name, cond in events.items():
        _, [(sql,)], _ = query(tmp_path / "memory", f"SELECT avg(CASE WHEN {cond} THEN 1.0 ELSE 0.0 END) FROM variants")
        assert memory["probabilities"][name]["probability"] == sql, name


def test_a_grid_axis_of_whole_and_fractional_numbers_keeps_its_values_in_every_store(
    plain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each chunk holds one grid point: a part of only 1s once made the column BIGINT, and the join
    # then cast the 1.5s of the next part to 2
    import gigacampus.sweep as sweep

    spec = prepare_sweep(
        plain, samples=4, vary=["training.mfu=uniform(0.3, 0.5)"], grid=["site.pue=1,1.5"], sensitivity=False
    )
    memory = run_sweep(spec, tmp_path / "memory", chunk_size=4)
    monkeypatch.setattr(sweep, "MEMORY_BYTES", 0)
    parts = run_sweep(spec, tmp_path / "parts", chunk_size=4)
    assert memory == parts
    for folder in ("memory", "parts"):
        _, rows, _ = query(tmp_path / folder, 'SELECT "site.pue", typeof("site.pue") FROM variants ORDER BY variant')
        assert rows == [(1.0, "DOUBLE")] * 4 + [(1.5, "DOUBLE")] * 4, folder


def test_variants_are_grouped_by_their_discrete_values_in_order_of_first_appearance() -> None:
    from gigacampus.sweep.engine import _groups

    year = np.asarray([2028, 2027, 2028, 2029, 2027, 2028])
    kind = np.asarray(["a", "b", "a", "a", "b", "b"], dtype=object)
    got = _groups([year, kind], 6)
    # the reference: a dict of Python tuples filled variant by variant
    ref: dict[tuple, list[int]] = {}
    for i in range(6):
        ref.setdefault((int(year[i]), str(kind[i])), []).append(i)
    assert [k for k, _ in got] == list(ref) and [r.tolist() for _, r in got] == list(ref.values())
    assert all(type(v) in (int, str) for k, _ in got for v in k)
    assert [r.tolist() for _, r in _groups([], 3)] == [[0, 1, 2]]


def test_a_grid_over_the_regime_with_no_quota_runs_without_warnings(plain: Path) -> None:
    # under the regime "none" the quota leaves are infinite and unchanged by the sampled inputs:
    # the plan's slope there is 0 (inf - inf was computed and warned; pytest turns warnings into errors)
    spec = prepare_sweep(
        plain, samples=8, vary=VARY[:2], grid=["policy.regime=ai-diffusion-2025,none"], sensitivity=False, seed=2
    )
    doc = run_sweep(spec, None)
    assert doc["variants"] == 16
    quota = doc["probabilities"]["quota_binds"]["probability"]
    assert quota is not None and quota <= 0.5  # the 8 variants without a regime never meet a quota
