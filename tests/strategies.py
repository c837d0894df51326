"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gigacampus.model import CampusInputs
from tests.modelkit import make_inputs

finite_or_none = st.one_of(st.just(np.inf), st.floats(0, 200_000))


@st.composite
def campus(
    draw: st.DrawFn, single_model: bool = False, retire: bool = True, unlimited_supply: bool = False
) -> CampusInputs:
    """A random campus of one variant: 1-8 years, 1-4 phases of models ``a`` and ``b``.

    single_model: every phase holds the same model ``a``; retire: accelerators retire after 1-6
    years (else they never do); unlimited_supply: no model's supply ever runs out.
    """
    n_years = draw(st.integers(1, 8))
    years = range(2026, 2026 + n_years)
    phases = []
    for _ in range(draw(st.integers(1, 4))):
        phases.append(
            {
                "power_mw": draw(st.floats(0.1, 500)),
                "online_year": draw(st.integers(2026, 2026 + n_years - 1)),
                "model": "a" if single_model else draw(st.sampled_from(["a", "b"])),
                "power_w": draw(st.floats(300, 3000)),
                "h100e": 1.5 if single_model else draw(st.floats(0.1, 3)),
                "tpp": 20_000.0 if single_model else draw(st.floats(1000, 60_000)),
                "util": draw(st.floats(0.05, 1)),
                "per_system": draw(st.sampled_from([1, 1, 4, 8, 72])),
            }
        )
    return make_inputs(
        years=years,
        phases=phases,
        pue=draw(st.floats(1.0, 2.0)),
        overhead=draw(st.floats(0, 0.5)),
        lifetime=draw(st.integers(1, 6)) if retire else 100,
        quota_units=draw(finite_or_none),
        quota_h100e=draw(finite_or_none),
        quota_tpp=draw(st.one_of(st.just(np.inf), st.floats(0, 5e9))),
        supply=(
            {"a": np.inf, "b": np.inf} if unlimited_supply else {"a": draw(finite_or_none), "b": draw(finite_or_none)}
        ),
    )
