"""Fabric sizing against hand counts and NVIDIA's DGX SuperPOD tables; the clos power fixed point."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.analyses.network.sizing import fabric, max_endpoints, plan, size_clos, solve_accelerators
from gigacampus.cli import app
from gigacampus.errors import InputError
from gigacampus.model import simulate
from gigacampus.pipeline import campus_inputs
from gigacampus.scenario import scenario_from_text
from tests.conftest import SCENARIOS, scenario_text


def test_two_tier_radix_64_holds_k2_over_2_endpoints_at_full_bisection() -> None:
    # 64 leaves x 32 down = 2,048 endpoints; 64 leaves x 32 up / 64 ports = 32 spines
    assert max_endpoints(64, 2) == 64 * 64 / 2
    f = size_clos(2048, 64)
    assert int(f.tiers) == 2
    assert f.switches[:2].tolist() == [64, 32]
    assert f.cables[:2].tolist() == [2048, 2048]
    assert int(size_clos(2049, 64).tiers) == 3


def test_three_tier_radix_64_holds_k3_over_4_endpoints() -> None:
    assert max_endpoints(64, 3) == 64**3 / 4
    f = size_clos(64**3 // 4, 64)
    assert int(f.tiers) == 3
    # every leaf and spine has 32 ports up and down, every core 64 ports down
    assert f.switches[:3].tolist() == [2048, 2048, 1024]
    assert int(size_clos(64**3 // 4 + 1, 64).tiers) == 4


def test_one_switch_holds_up_to_its_radix() -> None:
    assert int(size_clos(64, 64).tiers) == 1 and int(size_clos(64, 64).total_switches) == 1
    assert int(size_clos(0, 64).total_switches) == 0


def test_leaf_oversubscription_three_to_one() -> None:
    # 48 ports down, 16 up: 64 leaves hold 3,072 endpoints in two tiers, 64 x 16 / 64 = 16 spines
    assert max_endpoints(64, 2, 3.0) == 48 * 64
    f = size_clos(3072, 64, 3.0)
    assert int(f.tiers) == 2 and f.switches[:2].tolist() == [64, 16]
    assert f.cables[:2].tolist() == [3072, 1024]


# NVIDIA DGX SuperPOD with DGX B200, "Larger DGX SuperPOD component counts": GPUs, InfiniBand
# leaf / spine / core switches (Quantum-2 QM9700, 64 ports of 400G) and node-leaf, leaf-spine,
# spine-core cables, 8 rails (one leaf per GPU position per SU). Exact counts, no tolerance.
# https://docs.nvidia.com/dgx-superpod/reference-architecture-scalable-infrastructure-b200/latest/dgx-superpod-architecture.html
SUPERPOD_B200 = [
    (512, (16, 8, 0), (512, 512, 0)),
    (1024, (32, 16, 0), (1024, 1024, 0)),
    (2048, (64, 32, 0), (2048, 2048, 0)),
    (4096, (128, 128, 64), (4096, 4096, 4096)),
    (8192, (256, 256, 128), (8192, 8192, 8192)),
    (16384, (512, 512, 256), (16384, 16384, 16384)),
]


@pytest.mark.parametrize(("gpus", "switches", "cables"), SUPERPOD_B200)
def test_dgx_superpod_b200_component_counts(gpus: int, switches: tuple, cables: tuple) -> None:
    f = size_clos(gpus, 64, 1.0, 8)
    assert tuple(int(x) for x in f.switches[:3]) == switches
    assert tuple(int(x) for x in f.cables[:3]) == cables


def test_superpod_counts_through_the_scenario_path() -> None:
    # the same numbers from a DGX B200 phase (catalog: 400G ConnectX-7, 8 rails) on QM9700
    scn = scenario_from_text(scenario_text(phases=_phase("b200"), extra='[network]\nswitch = "nvidia-qm9700"\n'))
    p = plan(scn, gc.load_catalog())
    rep = fabric(p, np.asarray([4096.0]))
    assert rep.size.switches[0, :3].tolist() == [128, 128, 64]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(0, 1_000_000),
    k=st.sampled_from([32, 64, 128, 144]),
    r=st.sampled_from([1.0, 2.0, 3.0]),
    rails=st.sampled_from([1, 4, 8]),
)
def test_fabric_invariants(n: int, k: int, r: float, rails: int) -> None:
    f = size_clos(n, k, r, rails)
    g = size_clos(n + 1, k, r, rails)
    assert g.total_switches >= f.total_switches  # more endpoints never need fewer switches
    if n > k:
        down = np.clip(np.floor(k * r / (1 + r)), 1, k - 1)
        assert f.switches[0] * down >= n  # every endpoint has a leaf port
        t = int(f.tiers)
        assert f.switches[t - 1] * k >= f.cables[t - 1]  # the top tier has a port per uplink
        for level in range(1, t - 1):
            assert f.switches[level] * k / 2 >= f.cables[level]


def test_a_fabric_beyond_the_deepest_tier_count_is_refused() -> None:
    with pytest.raises(ValueError, match="5-tier"):
        size_clos(2 * 4**5 + 1, 8)  # radix 8: at most 2 x 4^5 endpoints in 5 tiers


def _phase(acc: str, power: float = 50.0) -> str:
    return f'[[phase]]\nname = "P1"\nonline_year = 2026\npower_mw = {power}\naccelerator = "{acc}"\n'


CLOS = '[network]\nmodel = "clos"\nswitch_power_w = {w}\nother_overhead_fraction = 0.05\n'


def _clos(acc: str = "h100-sxm", w: float = 1000.0, power: float = 50.0):
    return scenario_from_text(scenario_text(phases=_phase(acc, power), pue=1.25, extra=CLOS.format(w=w)))


def test_clos_fixed_point_fills_the_phase_with_accelerators_and_their_fabric() -> None:
    scn = _clos()
    cat = gc.load_catalog()
    inputs = campus_inputs(scn, cat)
    slots = int(simulate(inputs).slots[0, -1, 0])
    p = plan(scn, cat)
    it_w = 50e6 / 1.25
    w = 10_200 / 8  # HGX H100 system power per GPU
    used = lambda n: n * w * 1.05 + float(fabric(p, np.asarray([float(n)])).power_w[0])  # noqa: E731
    assert used(slots) <= it_w < used(slots + 1)
    assert slots == int(solve_accelerators(p, np.asarray([it_w]), np.asarray([w]), 0.05)[0])
    # the solved phase equals the campus model's slots, and the run reports the fabric's power
    result = gc.run(scn)
    assert result.blocks["network"]["phases_at_capacity"][0]["accelerators"] == slots


def test_a_hungrier_fabric_leaves_room_for_fewer_accelerators() -> None:
    counts = [gc.run(_clos(w=w)).headline["accelerators"] for w in (100.0, 1000.0, 5000.0)]
    assert counts[0] > counts[1] > counts[2]


def test_fraction_model_reports_without_changing_the_campus() -> None:
    base = gc.run(scenario_from_text(scenario_text(phases=_phase("h100-sxm"))))
    net = gc.run(scenario_from_text(scenario_text(phases=_phase("h100-sxm"), extra="[network]\n")))
    assert net.headline["accelerators"] == base.headline["accelerators"]
    assert "network" in net.to_summary() and "network" not in base.to_summary()
    years = net.to_summary()["years"]
    assert years[-1]["network_switches"] > 0 and years[-1]["network_power_mw"] is None  # no power given


def test_network_capex_needs_prices_and_counts_the_year_it_is_built() -> None:
    extra = CLOS.format(w=1000.0) + "switch_price_usd = 20000\ntransceiver_price_usd = 1000\n"
    res = gc.run(scenario_from_text(scenario_text(phases=_phase("h100-sxm"), extra=extra)))
    capex = res.timeline["network_capex_usd"]
    assert capex.iloc[0] > 0 and (capex.iloc[1:] == 0).all()  # built once, in the year it fills
    f = res.blocks["network"]["phases_at_capacity"][0]
    expected = sum(f["switches_by_tier"]) * 20000 + sum(f["transceivers_by_boundary"]) * 1000
    assert capex.iloc[0] == pytest.approx(expected)


def test_shipped_scenario_with_clos_network() -> None:
    res = gc.run(
        gc.load_scenario(
            SCENARIOS / "stargate-uae.toml",
            overrides=['network.model="clos"', "network.switch_power_w=1500", "network.other_overhead_fraction=0.1"],
        )
    )
    base = gc.run(gc.load_scenario(SCENARIOS / "stargate-uae.toml"))
    assert 0 < res.headline["accelerators"] < base.headline["accelerators"] * 1.2
    assert res.timeline["network_power_mw"].iloc[-1] > 0


@pytest.mark.parametrize(
    ("extra", "path", "fragment"),
    [
        ('[network]\nmodel = "clos"\nother_overhead_fraction = 0.1\n', "network.switch_power_w", "give switch_power_w"),
        ('[network]\nmodel = "clos"\nswitch_power_w = 900\n', "network.other_overhead_fraction", "missing"),
        ('[network]\nswitch = "sn5600"\n', "network.switch", "unknown switch 'sn5600'"),
        ('[network]\nreach = ["multimode"]\n', "network.reach[0]", "no catalog optics of class 'multimode'"),
        ("[network]\noversubscription = 0.5\n", "network.oversubscription", "found 0.5; allowed: a number >= 1"),
        ("[network]\nlink_gbps = 300\n", "network.link_gbps", "do not split"),
    ],
)
def test_bad_network_sections_name_the_key(extra: str, path: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_text(scenario_text(phases=_phase("h100-sxm"), extra=extra))
    assert any(p.path == path and fragment in p.message for p in info.value.problems), [
        str(p) for p in info.value.problems
    ]


def test_unknown_switch_suggests_the_closest_id() -> None:
    with pytest.raises(InputError) as info:
        scenario_from_text(scenario_text(phases=_phase("h100-sxm"), extra='[network]\nswitch = "nvidia-sn560"\n'))
    assert info.value.problems[0].suggestion == "nvidia-sn5600"


def test_run_prints_the_network_line() -> None:
    out = CliRunner().invoke(app, ["run", str(SCENARIOS / "stargate-uae.toml"), "--set", "network.switch=nvidia-q3400"])
    assert out.exit_code == 0, out.output
    assert "Network in 2032 (nvidia-q3400, fraction)" in out.output


def test_priced_fabric_capex_replaces_the_networking_share_in_finance() -> None:
    import gigacampus as gc
    from tests.conftest import SCENARIOS

    path = SCENARIOS / "stargate-uae.toml"
    shared = gc.run_file(path)
    priced = gc.run_file(
        path,
        overrides=["network.switch_price_usd=40000", "network.transceiver_price_usd=1000"],
    )
    fabric = priced.timeline["network_capex_usd"]
    assert fabric.sum() > 0
    by_category = priced.blocks["finance"]["capex_by_category_usd"]
    assert by_category["networking"] == pytest.approx(fabric.sum())
    assert shared.blocks["finance"]["capex_by_category_usd"]["networking"] != pytest.approx(fabric.sum())
