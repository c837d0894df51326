"""The pipeline's shortcuts for a sweep's fixed cost give exactly what the long way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigacampus.catalog import Catalog
from gigacampus.model.batch import Batch
from gigacampus.pipeline import analysis_inputs, batched_inputs, campus_inputs
from gigacampus.scenario import load_scenario
from tests.conftest import campus_files


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
    la, lb = _leaves(a), _leaves(b)
    assert la.keys() == lb.keys()
    for key, value in la.items():
        assert value.dtype == lb[key].dtype, key
        assert np.array_equal(value, lb[key], equal_nan=value.dtype.kind == "f"), key


@pytest.mark.parametrize("path", campus_files(), ids=lambda p: p.stem)
def test_batched_inputs_are_campus_inputs_and_analysis_inputs(path: Path, catalog: Catalog) -> None:
    scn = load_scenario(path, catalog=catalog)
    together = batched_inputs(scn, catalog)
    apart = {"campus": campus_inputs(scn, catalog), **analysis_inputs(scn, catalog)}
    assert list(together) == list(apart)
    for name, batch in apart.items():
        _assert_same(together[name], batch)
