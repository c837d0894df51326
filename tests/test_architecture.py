"""The architecture's promises: analyses as data in a checked order, one column table, one batch
axis, one provenance shape, and a whole batch of variants carried through every analysis in one call."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import pkgutil
from dataclasses import replace
from html import escape as html_escape

import numpy as np
import pytest

import gigacampus as gc
import gigacampus.pipeline as pipeline
from gigacampus.analyses.contract import Analysis, Block
from gigacampus.analyses.finance.inputs import FinanceInputs, finance_inputs
from gigacampus.model import CampusInputs
from gigacampus.model.allocation import PolicyInputs
from gigacampus.model.batch import Batch, batched
from gigacampus.model.columns import Column, ColumnTable
from gigacampus.pipeline import ANALYSES, COLUMNS, PipelineError, campus_inputs, check_order, run_batch
from gigacampus.report.columns import markdown_columns
from gigacampus.report.files import summary_json
from gigacampus.report.html import render_report
from gigacampus.scenario import ORIGINS, Scenario, load_scenario
from tests.conftest import ROOT, SCENARIOS, campus_files

SHIPPED = [p.stem for p in campus_files()]


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict]:
    return {stem: json.loads(summary_json(gc.run_file(SCENARIOS / f"{stem}.toml"))) for stem in SHIPPED}


# --- analyses as data ------------------------------------------------------------------------


def _probe(name: str, provides: tuple[str, ...] = (), requires: tuple[str, ...] = (), uses: tuple[str, ...] = ()):
    columns = tuple(Column(c, "-", "float", "probe") for c in provides)
    return Analysis(name=name, title=name, provides=columns, run=lambda ctx: Block(), requires=requires, uses=uses)


def test_the_shipped_order_is_checked_and_every_column_has_one_provider() -> None:
    check_order(ANALYSES, [c.name for c in COLUMNS.table("year") if COLUMNS.owner(c.name) is None])
    names = [c.name for a in ANALYSES for c in a.provides]
    assert len(names) == len(set(names))
    # the two dependencies that used to be hidden in the call order are declared
    assert "campus_job_goodput" in pipeline.analysis("training").uses
    assert "network_capex_usd" in pipeline.analysis("finance").uses
    order = [a.name for a in ANALYSES]
    assert order.index("reliability") < order.index("training")
    assert order.index("network") < order.index("finance")


def test_an_order_mistake_is_an_error_naming_both_analyses() -> None:
    reliability = _probe("reliability", provides=("campus_job_goodput",))
    training = _probe("training", uses=("campus_job_goodput",))
    check_order([reliability, training])
    with pytest.raises(PipelineError, match="'training' reads 'campus_job_goodput', provided by 'reliability'"):
        check_order([training, reliability])


def test_a_requirement_nothing_provides_is_an_error() -> None:
    with pytest.raises(PipelineError, match="requires 'energy_twh', which nothing provides"):
        check_order([_probe("carbon", requires=("energy_twh",))], core=("energy_mwh",))


def test_a_column_read_when_present_but_provided_by_nothing_is_a_typo() -> None:
    with pytest.raises(PipelineError, match="'training' uses 'campus_job_goodputt', which nothing provides"):
        check_order(
            [_probe("reliability", provides=("campus_job_goodput",)), _probe("training", uses=("campus_job_goodputt",))]
        )


def test_an_int_column_holding_nan_is_refused(monkeypatch) -> None:
    # an analysis that declared a count but wrote NaN would otherwise be cast to a huge integer
    columns = (Column("probe_count", "accelerators", "int", "probe"),)
    nan = Analysis(
        name="nan",
        title="nan",
        provides=columns,
        run=lambda ctx: Block(columns={"probe_count": np.full((1, ctx.years.size), np.nan)}),
    )
    monkeypatch.setattr(pipeline, "ANALYSES", (*ANALYSES, nan))
    monkeypatch.setattr(pipeline, "COLUMNS", ColumnTable([*COLUMNS, *columns]))
    monkeypatch.setattr(pipeline, "_options", lambda options: {a.name: {} for a in pipeline.ANALYSES})
    with pytest.raises(ValueError, match="'probe_count' is declared int but holds NaN"):
        gc.run(load_scenario(SCENARIOS / "stargate-us.toml"))


def test_a_column_provided_twice_is_an_error() -> None:
    with pytest.raises(PipelineError, match="provided twice"):
        check_order([_probe("a", provides=("x",)), _probe("b", provides=("x",))])


def test_run_checks_requirements_before_running_an_analysis(monkeypatch) -> None:
    ran = []
    late = Analysis(
        name="late",
        title="late",
        provides=(),
        run=lambda ctx: ran.append(1) or Block(),
        requires=("block:nowhere",),
    )
    monkeypatch.setattr(pipeline, "ANALYSES", (*ANALYSES, late))
    monkeypatch.setattr(pipeline, "_options", lambda options: {a.name: {} for a in pipeline.ANALYSES})
    with pytest.raises(PipelineError, match="'late' needs block:nowhere"):
        run_batch(load_scenario(SCENARIOS / "colossus.toml"))
    assert ran == []


def test_an_analysis_may_only_return_the_columns_it_declares(monkeypatch) -> None:
    rogue = Analysis(name="rogue", title="rogue", provides=(), run=lambda ctx: Block(columns={"x": np.zeros((1, 1))}))
    monkeypatch.setattr(pipeline, "ANALYSES", (*ANALYSES, rogue))
    monkeypatch.setattr(pipeline, "_options", lambda options: {a.name: {} for a in pipeline.ANALYSES})
    with pytest.raises(PipelineError, match="does not declare: x"):
        run_batch(load_scenario(SCENARIOS / "colossus.toml"))


def test_every_analysis_with_a_section_has_its_field_in_the_scenario_document() -> None:
    for a in ANALYSES:
        folder = importlib.import_module(f"gigacampus.analyses.{a.name}")
        has_section = any(m.name == "section" for m in pkgutil.iter_modules(folder.__path__))
        assert has_section == (a.name in Scenario.model_fields), a.name


def test_unknown_run_options_are_refused() -> None:
    scn = load_scenario(SCENARIOS / "colossus.toml")
    with pytest.raises(TypeError, match="unknown training option"):
        gc.run(scn, mfuu=0.5)
    with pytest.raises(TypeError, match="unknown analysis 'trainer'"):
        gc.run(scn, options={"trainer": {}})


# --- one batch axis ----------------------------------------------------------------------------


def _batch_classes() -> list[type]:
    for mod in pkgutil.walk_packages(gc.__path__, "gigacampus."):
        importlib.import_module(mod.name)
    out, todo = [], list(Batch.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo += cls.__subclasses__()
    return out


def test_every_inputs_class_declares_the_axis_of_every_field() -> None:
    classes = _batch_classes()
    assert {CampusInputs, PolicyInputs, FinanceInputs} <= set(classes)
    for cls in classes:
        cls.batch_fields()  # raises TypeError for a field declared neither batched() nor shared()


def test_a_field_without_an_axis_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Sloppy(Batch):
        a: np.ndarray = batched()
        b: np.ndarray = dataclasses.field(default=None)

    with pytest.raises(TypeError, match="Sloppy.b is declared neither batched"):
        Sloppy(np.zeros(2)).take([0])


def test_take_repeat_and_stack_cover_every_batched_field_of_the_flagship(catalog) -> None:
    scn = load_scenario(SCENARIOS / "stargate-uae.toml")
    campus = campus_inputs(scn, catalog)
    assert campus.policy is not None
    finance = finance_inputs(scn, catalog, campus)[0]
    for batch in (campus, finance, campus.policy):
        three = batch.repeat(3)
        assert three.n_variants == 3
        for name in batch.batch_fields():
            value, repeated = getattr(batch, name), getattr(three, name)
            if isinstance(value, Batch):
                assert repeated.n_variants == 3
                continue
            assert repeated.shape == (3, *value.shape[1:]), name
            np.testing.assert_array_equal(repeated[2], value[0])
        joined = type(batch).stack([three, batch])
        assert joined.n_variants == 4
    # structure must match to stack
    other = campus_inputs(load_scenario(SCENARIOS / "colossus.toml"), catalog)
    with pytest.raises(ValueError, match="cannot be stacked"):
        CampusInputs.stack([replace(campus, policy=None), other])


def test_stacking_is_refused_when_only_one_batch_has_a_nested_batch(catalog) -> None:
    campus = campus_inputs(load_scenario(SCENARIOS / "stargate-uae.toml"), catalog)
    with pytest.raises(ValueError, match="whether they have CampusInputs.policy"):
        CampusInputs.stack([campus, replace(campus, policy=None)])


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind in "OUSb" or b.dtype.kind in "OUSb":
        return bool(np.array_equal(a, b))
    return bool(np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True))


#: A sized and priced clos fabric: its overhead depends on each variant's PUE (the prepare step must
#: run per variant), and its capex replaces finance's networking share (an input derived from a column).
CLOS = [
    "network.model=clos",
    "network.other_overhead_fraction=0.1",
    "network.switch_power_w=1500",
    "network.switch_price_usd=30000",
    "network.transceiver_price_usd=900",
]


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [[], CLOS], ids=["flagship", "flagship-with-clos"])
def test_a_batch_of_variants_through_every_analysis_equals_separate_runs(catalog, overrides) -> None:
    """One call carries three PUE variants of the flagship through the model and every analysis
    (policy, carbon, reliability, finance, training; with the clos fabric, network too)."""
    path = SCENARIOS / "stargate-uae.toml"
    scn = load_scenario(path, overrides=overrides)
    pues = [1.2, 1.3, 1.45]
    batch = campus_inputs(scn, catalog).repeat(3)
    batch = replace(batch, pue=np.asarray(pues))
    together = run_batch(scn, batch, catalog=catalog, variant=2)
    assert set(together.blocks) >= {"policy", "carbon", "reliability", "finance", "training"}
    for v, pue in enumerate(pues):
        alone = run_batch(load_scenario(path, overrides=[*overrides, f"site.pue={pue}"]), catalog=catalog)
        assert set(alone.columns) == set(together.columns)
        for name, values in alone.columns.items():
            assert _close(together.columns[name][v], values[0]), (pue, name)
        if v == 2:  # the payloads are built for the chosen variant
            assert together.blocks["finance"].payload == alone.blocks["finance"].payload
            assert json.dumps(together.blocks["policy"].payload) == json.dumps(alone.blocks["policy"].payload)
    # the variants really differ: the flagship's power is IT power (power_basis = "it"), so a
    # higher PUE needs more facility power and energy for the same fleet
    fac = together.columns["facility_power_mw"][:, -1]
    assert fac[0] < fac[1] < fac[2]
    energy = together.columns["energy_mwh"][:, -1]
    assert energy[0] < energy[1] < energy[2]
    if overrides:
        assert np.isfinite(together.columns["network_capex_usd"]).all()
        paths = [r.path for r in together.provenance]
        assert len(paths) == len(set(paths))  # one row per key path
        rows = {r.path: r for r in together.provenance}
        assert rows["finance.network_capex_usd"].origin == "derived"
        assert rows["site.overhead_fraction"].origin == "derived"  # the clos row replaces the catalog default


def test_the_campus_model_is_called_once_per_batch(monkeypatch, catalog) -> None:
    calls = []
    real = pipeline.simulate_fast
    monkeypatch.setattr(pipeline, "simulate_fast", lambda inputs: calls.append(inputs.n_variants) or real(inputs))
    scn = load_scenario(SCENARIOS / "stargate-abilene.toml")
    run_batch(scn, campus_inputs(scn, catalog).repeat(5), catalog=catalog)
    assert calls == [5]


# --- one column table --------------------------------------------------------------------------


def test_every_per_year_and_phase_key_of_every_shipped_summary_has_a_unit(summaries) -> None:
    for stem, summary in summaries.items():
        keys = {k for rec in summary["years"] for k in rec} | {k for p in summary["phases"] for k in p}
        assert keys <= set(summary["units"]), (stem, sorted(keys - set(summary["units"])))
        for key in keys:
            col = COLUMNS.get(key) or COLUMNS.get(key, "phase") or next(c for c in COLUMNS if c.key == key)
            assert summary["units"][key] == col.unit, (stem, key)


def test_the_column_table_refuses_a_name_with_two_units() -> None:
    with pytest.raises(ValueError, match="two units"):
        ColumnTable([Column("x_mw", "MW", "float", "a"), Column("x_mw", "kW", "float", "b", "phase")])
    with pytest.raises(ValueError, match="declared twice"):
        ColumnTable([Column("x_mw", "MW", "float", "a"), Column("x_mw", "MW", "float", "b")])


def test_timeline_columns_follow_the_table_dtypes(summaries) -> None:
    result = gc.run_file(SCENARIOS / "stargate-uae.toml")
    for name in result.timeline.columns:
        col = COLUMNS.get(name) or COLUMNS.get("accelerators_<accelerator id>")
        kind = result.timeline[name].dtype.kind
        expected = {"int": "i", "float": "f", "bool": "b", "str": "O"}[col.dtype]
        assert kind == expected, (name, kind, col.dtype)


def test_docs_columns_is_generated_from_the_table() -> None:
    assert (ROOT / "docs" / "columns.md").read_text(encoding="utf-8") == markdown_columns()


# --- one provenance shape ----------------------------------------------------------------------


def test_every_input_of_every_analysis_is_one_row_with_an_origin(summaries) -> None:
    for stem, summary in summaries.items():
        paths = [row["path"] for row in summary["inputs"]]
        assert len(paths) == len(set(paths)), stem
        for row in summary["inputs"]:
            assert set(row) == {"path", "value", "unit", "origin", "source"}, (stem, row)
            assert row["origin"].startswith(ORIGINS), (stem, row)
            if row["origin"].startswith("catalog:"):
                assert row["source"], (stem, row)


def test_the_report_shows_the_inputs_of_every_analysis(summaries) -> None:
    summary = summaries["stargate-uae"]
    paths = {r["path"] for r in summary["inputs"]}
    for path in (
        "reliability.checkpoint_s",
        "reliability.restart_s",
        "training.mfu",
        "training.days",
        "finance.facility_usd_per_mw",
        "policy.regime",
    ):
        assert path in paths, path
    html = render_report(summary)
    inputs = html[html.index('<section id="inputs">') : html.index('<section id="sources">')]
    for path in ("reliability.checkpoint_s", "training.mfu", "finance.facility_usd_per_mw"):
        assert f"<code>{path}</code>" in inputs, path


# --- import order ------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_analysis_module_imports_first_in_a_fresh_interpreter() -> None:
    """A module imported before anything else must not hit a partly initialised one (the scenario
    document imports the sections, which build on gigacampus.scenario.base)."""
    import subprocess
    import sys

    names = [f"gigacampus.analyses.{a.name}.{part}" for a in ANALYSES for part in ("section", "analysis")]
    names = [n for n in names if importlib.util.find_spec(n) is not None]
    names += ["gigacampus.scenario.core", "gigacampus.scenario.document", "gigacampus.pipeline", "gigacampus.cli"]
    for name in names:
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stderr[-500:])


def test_every_benchmark_module_imports(monkeypatch) -> None:
    """Benchmarks are not run by the tests (speed lives in benchmarks/), but they must import."""
    folder = ROOT / "benchmarks"
    monkeypatch.syspath_prepend(str(folder))
    for path in sorted(folder.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(module.run), path.name


def test_the_independence_contract_lists_every_analysis() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = {c["type"]: c for c in config["contracts"]}
    assert set(contracts["independence"]["modules"]) == {f"gigacampus.analyses.{a.name}" for a in ANALYSES}
    assert contracts["forbidden"]["source_modules"] == ["gigacampus.analyses.*.section"]


def test_each_analysis_explains_itself_in_the_result_and_its_report_section(summaries) -> None:
    result = gc.run_file(SCENARIOS / "stargate-uae.toml")
    assert set(result.analysis_explanations) == {"policy", "carbon", "reliability", "finance"}
    html = render_report(summaries["stargate-uae"])
    for name, lines in result.analysis_explanations.items():
        section = html[html.index(f'<section id="{name}">') :]
        section = section[: section.index("</section>")]
        assert f"<li>{html_escape(lines[0])}</li>" in section, name


def test_an_analysis_s_own_inputs_can_vary_per_variant_in_one_batch(catalog) -> None:
    """Finance and carbon inputs varied per variant (what a sweep does) equal separate runs."""
    path = SCENARIOS / "stargate-us.toml"
    scn = load_scenario(path)
    costs = [10e6, 15e6, 22e6]  # finance.facility_usd_per_mw
    grids = [0.1, 0.336, 0.6]  # site.grid_kgco2_per_kwh, through the carbon intensity
    own = pipeline.analysis_inputs(scn, catalog)
    assert set(own) == {"carbon", "finance", "training"}  # reliability's only with [reliability]
    fin = replace(own["finance"].repeat(3), facility_usd_per_mw=np.asarray(costs))
    carbon = replace(own["carbon"].repeat(3), intensity_kgco2_per_kwh=np.asarray(grids))
    batch = campus_inputs(scn, catalog).repeat(3)
    together = run_batch(scn, batch, catalog=catalog, analysis_inputs={"finance": fin, "carbon": carbon}, variant=1)
    for v, (cost, grid) in enumerate(zip(costs, grids, strict=True)):
        sets = [f"finance.facility_usd_per_mw={cost}", f"site.grid_kgco2_per_kwh={grid}"]
        alone = run_batch(load_scenario(path, overrides=sets), catalog=catalog)
        for name in ("capex_usd", "tco_usd_per_accelerator_hour", "funding_gap_usd", "emissions_tco2"):
            assert _close(together.columns[name][v], alone.columns[name][0]), (v, name)
        if v == 1:
            assert together.blocks["carbon"].payload["intensity_kgco2_per_kwh"] == grid
    assert together.columns["capex_usd"][0].sum() < together.columns["capex_usd"][2].sum()
    with pytest.raises(ValueError, match="has 1 variants; the campus batch has 3"):
        run_batch(scn, batch, catalog=catalog, analysis_inputs={"finance": own["finance"]})
    with pytest.raises(TypeError, match="without batched inputs: policy"):
        run_batch(scn, batch, catalog=catalog, analysis_inputs={"policy": own["finance"]})
