"""The pipeline's shortcuts for a sweep's fixed cost give exactly what the long way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigacampus.catalog import Catalog
from gigacampus.errors import InputError
from gigacampus.model.batch import Batch
from gigacampus.pipeline import analysis_inputs, batched_inputs, campus_inputs, run_batch
from gigacampus.scenario import load_scenario
from tests.conftest import SCENARIOS, campus_files


def _leaves(obj: Batch, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name in type(obj).batch_fields():
        value = getattr(obj, name)
        if isinstance(value, Batch):
            out.update(_leaves(value, f"{prefix}{name}."))
        elif isinstance(value, np.ndarray):
            out[prefix + name] = value
    return out


def _assert_same(a: Batch, b: Batch) -> None:
    _assert_same_columns(_leaves(a), _leaves(b))


@pytest.mark.parametrize("path", campus_files(), ids=lambda p: p.stem)
def test_batched_inputs_are_campus_inputs_and_analysis_inputs(path: Path, catalog: Catalog) -> None:
    scn = load_scenario(path, catalog=catalog)
    together = batched_inputs(scn, catalog)
    apart = {"campus": campus_inputs(scn, catalog), **analysis_inputs(scn, catalog)}
    assert list(together) == list(apart)
    for name, batch in apart.items():
        _assert_same(together[name], batch)


def _assert_same_columns(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name, col in a.items():
        assert col.dtype == b[name].dtype, name
        assert np.array_equal(col, b[name], equal_nan=col.dtype.kind == "f"), name


@pytest.mark.parametrize("path", campus_files(), ids=lambda p: p.stem)
def test_a_run_without_payloads_has_the_same_columns(path: Path, catalog: Catalog) -> None:
    scn = load_scenario(path, catalog=catalog)
    for options in (None, {"reliability": {"expected_only": True}}):
        full = run_batch(scn, catalog=catalog, options=options)
        bare = run_batch(scn, catalog=catalog, options=options, payloads=False)
        _assert_same_columns(bare.columns, full.columns)
        assert [r.path for r in bare.provenance] == [r.path for r in full.provenance]
        assert set(bare.blocks) == set(full.blocks)
        # the analyses whose block costs more than their columns leave it out
        assert all(bare.blocks[name].payload is None for name in ("policy", "finance") if name in bare.blocks)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pue=st.floats(1.05, 1.8),
    share=st.floats(0.01, 1.0),
    price=st.floats(5.0, 400.0),
    online=st.sampled_from([2026, 2027, 2028, 2029, 2031]),
    mw=st.floats(10.0, 3000.0),
)
def test_without_payloads_the_columns_are_the_same_for_any_flagship_variant(
    pue: float, share: float, price: float, online: int, mw: float, catalog: Catalog
) -> None:
    sets = [
        f"site.pue={pue!r}",
        f"policy.campus_share={share!r}",
        f"site.electricity_usd_per_mwh={price!r}",
        f"phase[1].online_year={online}",
        f"phase[1].power_mw={mw!r}",
    ]
    try:
        scn = load_scenario(SCENARIOS / "stargate-uae.toml", overrides=sets, catalog=catalog)
    except InputError:
        return  # an override the schema refuses says nothing about the columns
    opts = {"reliability": {"expected_only": True}}
    full = run_batch(scn, catalog=catalog, options=opts)
    bare = run_batch(scn, catalog=catalog, options=opts, payloads=False)
    _assert_same_columns(bare.columns, full.columns)
