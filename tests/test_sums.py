"""sum_last against numpy's sum over the last axis, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gigacampus.model.sums import per_distinct, sum_last

_SPECIAL = st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1.0, -1.0, 1e-16])
_VALUES = st.one_of(_SPECIAL, st.floats(allow_nan=True, allow_infinity=True, width=64))


@settings(max_examples=300, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=9), elements=_VALUES),
    st.sampled_from(["plain", "transposed", "strided", "flipped"]),
)
def test_sum_last_is_numpys_sum_bit_for_bit(x: np.ndarray, layout: str) -> None:
    if layout == "transposed":
        x = x.T  # the last axis not contiguous
    elif layout == "strided":
        x = x[..., ::2]
    elif layout == "flipped":
        x = x[..., ::-1]
    with np.errstate(all="ignore"):
        expected = np.sum(x, axis=-1)
        got = sum_last(x)
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == expected.dtype
    assert np.array_equal(np.asarray(got).view(np.uint64), np.asarray(expected).view(np.uint64))


def test_sum_last_of_other_arrays_is_numpys() -> None:
    ints = np.arange(12).reshape(3, 4)
    assert np.array_equal(sum_last(ints), ints.sum(axis=-1))
    flags = np.array([[True, False, True]])
    assert np.array_equal(sum_last(flags), flags.sum(axis=-1))
    long = np.linspace(0.1, 3.3, 33).reshape(3, 11)
    assert np.array_equal(sum_last(long), long.sum(axis=-1))


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
        elements=st.sampled_from([0.0, -0.0, np.nan, np.inf, 1.5, 2.0, -3.25]),
    )
)
def test_per_distinct_is_the_elementwise_function_bit_for_bit(x: np.ndarray) -> None:
    def fn(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            return np.copysign(1.0, v) / (1.0 + v), np.repeat(v[..., None], 2, axis=-1) * 3.0  # a trailing axis too

    got, expected = per_distinct(fn, x), fn(x)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape and np.array_equal(g.view(np.uint64), e.view(np.uint64))
    single = per_distinct(lambda v: v * 2.0, x)  # one array, not a tuple
    assert np.array_equal(single.view(np.uint64), (x * 2.0).view(np.uint64))
