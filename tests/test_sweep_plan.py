"""The sweep plan's vectorised comparisons say what the one-pair comparison says."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gigacampus.sweep.plan import RTOL, _disagreeing, _equal, _equal_rows, _identical, _unchanged, _unit

_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-10, 1.0 + 1e-8, 1e-13, 3e-12, 1e12, 1e12 * (1 + 2e-9)]),
)


@st.composite
def _mapped_and_exact(draw: st.DrawFn) -> tuple[np.ndarray, list[int], list[np.ndarray], float]:
    n, t = draw(st.integers(1, 6)), draw(st.integers(0, 5))
    dtype, elements = draw(
        st.sampled_from([(np.float64, _VALUES), (np.int64, st.integers(-(10**6), 10**6)), (np.bool_, st.booleans())])
    )
    col = draw(hnp.arrays(dtype, (n, t), elements=elements))
    rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    exact = []
    for i in rows:
        # a near copy of the mapped row (some elements nudged by about the tolerance), else a fresh row
        if draw(st.booleans()):
            nudge = draw(hnp.arrays(np.float64, (t,), elements=st.sampled_from([0.0, 0.3 * RTOL, 3 * RTOL, 1.0])))
            with np.errstate(over="ignore"):  # a nudge that takes the largest doubles to inf: a fresh row
                exact.append(col[i] * (1 + nudge) if dtype == np.float64 else col[i].copy())
        else:
            exact.append(draw(hnp.arrays(dtype, (t,), elements=elements)))
    return col, rows, exact, draw(st.sampled_from([0.0, 1.0, 1e9, 1e300]))


@settings(max_examples=300, deadline=None)
@given(_mapped_and_exact())
def test_equal_rows_is_equal_row_by_row(case: tuple[np.ndarray, list[int], list[np.ndarray], float]) -> None:
    col, rows, exact, scale = case
    assert _equal_rows(col, rows, exact, scale) == [_equal(col[i], e, scale) for i, e in zip(rows, exact, strict=True)]


def test_equal_rows_of_text_and_of_rows_of_another_shape_compare_row_by_row() -> None:
    text = np.array([["a", "b"], ["a", "c"]], dtype=object)
    assert _equal_rows(text, [0, 1], [np.array(["a", "b"], dtype=object)] * 2, 0.0) == [True, False]
    col = np.arange(6.0).reshape(2, 3)
    assert _equal_rows(col, [1], [np.array([3.0, 4.0, 5.0])], 0.0) == [True]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_disagreeing_names_what_the_pairwise_check_names(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 5))
    names = ["capex_usd", "opex_usd", "accelerators", "pue"]
    mapped = {name: data.draw(hnp.arrays(np.float64, (n, 3), elements=_VALUES)) for name in names}
    runs = []
    for i in range(n):
        have = data.draw(st.lists(st.sampled_from(names), unique=True))
        run = {}
        for name in have:
            row = (
                mapped[name][i]
                if data.draw(st.booleans())
                else data.draw(hnp.arrays(np.float64, (3,), elements=_VALUES))
            )
            run[name] = row[None, :]
        runs.append(run)
    scale = {_unit(name): data.draw(st.sampled_from([0.0, 10.0, 1e15])) for name in names}
    expected = [
        [name for name, col in exact.items() if not _equal(mapped[name][i], col[0], scale.get(_unit(name), 0.0))]
        for i, exact in enumerate(runs)
    ]
    assert _disagreeing(mapped, runs, scale) == expected


_ARRAYS = st.one_of(
    hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
        elements=st.sampled_from([0.0, -0.0, 1.0, np.nan, -np.nan, np.inf, 2.5]),
    ),
    hnp.arrays(
        st.sampled_from([np.int64, np.int32, np.bool_]),
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
        elements=st.integers(0, 1),
    ),
)


@settings(max_examples=400, deadline=None)
@given(_ARRAYS, _ARRAYS, st.booleans())
def test_unchanged_is_array_equal(a: np.ndarray, b: np.ndarray, copy: bool) -> None:
    if copy:
        b = a.copy()  # the same bits: the shortcut's case
    floating = np.issubdtype(a.dtype, np.floating)
    assert _unchanged(a, b) == bool(np.array_equal(a, b, equal_nan=floating))
    if _identical(a, b):
        assert np.array_equal(a, b, equal_nan=True)
