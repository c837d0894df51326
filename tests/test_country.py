"""Country files (issue #17): one national allocation over several campuses.

Independent figures: one GB300 NVL72 rack (72 GB300) takes 135 kW x 1.25 x PUE 1.3 = 219.375 kW
of grid power and campuses receive whole racks, so 200 MW of facility power holds 911 racks =
65,592 GB300 and 1,000 MW 4,558 racks = 328,176; read as IT power (the flagship, 135 kW x 1.25 =
168.75 kW a rack) 200 MW holds 1,185 racks = 85,320 and 800 MW 4,740 racks = 341,280.
Microsoft's 60,400 A100-equivalents counted by TPP are 60,400 x 4,992 / 60,000 = 5,025.3 GB300,
69 whole racks = 4,968.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gigacampus as gc
from gigacampus.cli import app
from gigacampus.country import country_inputs, national_inputs, run_country, run_country_file
from gigacampus.errors import InputError
from gigacampus.model import simulate
from gigacampus.scenario.country import load_country
from tests.conftest import SCENARIOS

UAE = SCENARIOS / "stargate-uae.toml"
FIVE_GW = SCENARIOS / "uae-5gw.toml"
FLAGSHIP_HOLDERS = """
[[policy.holder]]
name = "G42"
headquarters = "AE"
status = "conditional"
approval_year = 2025
caps = [{amount = 35000, unit = "gb300-equivalents", per = "cumulative"}]
[[policy.holder]]
name = "OpenAI/Oracle"
headquarters = "US"
status = "approved"
approval_year = 2025
[[policy.holder]]
name = "Microsoft"
headquarters = "US"
status = "approved"
approval_year = 2025
caps = [{amount = 60400, unit = "a100-equivalents", per = "cumulative"}]
phases = []
[[policy.holder]]
name = "xAI"
headquarters = "US"
status = "conditional"
approval_year = 2025
phases = []
"""


def inline_campus(name: str, priority: int, power_mw: float, online: int = 2028) -> str:
    return f"""
[[campus]]
name = "{name}"
priority = {priority}
[campus.site]
name = "{name} site"
pue = 1.3
[[campus.phase]]
name = "Only phase"
online_year = {online}
power_mw = {power_mw}
accelerator = "gb300"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def one_campus(tmp_path: Path) -> Path:
    shutil.copy(UAE, tmp_path / "stargate-uae.toml")
    head = '[country]\nname = "One"\nstart_year = 2026\nend_year = 2032\nregime = "us-uae-2025"\n'
    return write(tmp_path, "one.toml", head + FLAGSHIP_HOLDERS + '\n[[campus]]\nfile = "stargate-uae.toml"\n')


def test_a_country_of_one_campus_gives_the_campus_answer(one_campus: Path) -> None:
    country = run_country_file(one_campus)
    alone = gc.run_file(UAE)
    mine = country.campuses["Stargate UAE"]
    pd.testing.assert_frame_equal(mine.timeline[alone.timeline.columns], alone.timeline)
    national, own = country.summary["policy"], alone.blocks["policy"]
    for a, b in zip(national["years"], own["years"], strict=True):
        assert [h["shipped"] for h in a["holders"]] == [h["shipped"] for h in b["holders"]]
        assert [h["allocated"] for h in a["holders"]] == [h["allocated"] for h in b["holders"]]
        assert a["binding_constraint"] == b["binding_constraint"]
    # every analysis of the campus gives the same block (the policy one is national)
    assert set(mine.blocks) == set(alone.blocks) - {"policy"}
    for name in mine.blocks:
        assert mine.blocks[name] == alone.blocks[name], name


def two_campuses(tmp_path: Path, cap: float, first: str = "A", second: str = "B") -> Path:
    head = (
        '[country]\nname = "Two"\nstart_year = 2027\nend_year = 2029\n\n[policy]\n'
        f'rules = {{name = "test", cap = [{{cap = "national", scope = "national", unit = "units", '
        f"amount = {cap}, first_year = 2025}}]}}\n"
    )
    # each campus wants 65,592 GB300 (200 MW, 911 racks) in 2028
    return write(tmp_path, "two.toml", head + inline_campus(first, 1, 200) + inline_campus(second, 2, 200))


def test_two_campuses_with_the_cap_halved_are_held_back_in_priority_order(tmp_path: Path) -> None:
    want = 65_592
    full = run_country_file(two_campuses(tmp_path, 2 * want)).summary
    rec = next(r for r in full["years"] if r["year"] == 2028)
    assert [c["shipped"] for c in rec["campuses"]] == [want, want]
    halved = run_country_file(two_campuses(tmp_path, want)).summary
    rec = next(r for r in halved["years"] if r["year"] == 2028)
    a, b = rec["campuses"]
    assert (a["campus"], a["shipped"], a["held_back"]) == ("A", want, 0)
    assert (b["campus"], b["shipped"], b["held_back"], b["binding_constraint"]) == ("B", 0, want, "quota")
    assert halved["headline"]["national_cap_first_binds"] == 2028
    assert halved["headline"]["campus_first_held_back"] == {"B": 2028}
    # the held-back campus gets the next year's room
    nxt = next(r for r in halved["years"] if r["year"] == 2029)
    assert [c["shipped"] for c in nxt["campuses"]] == [0, want]
    # the other priority order holds the other campus back
    swapped = run_country_file(two_campuses(tmp_path, want, first="B", second="A")).summary
    rec = next(r for r in swapped["years"] if r["year"] == 2028)
    assert [(c["campus"], c["held_back"]) for c in rec["campuses"]] == [("B", 0), ("A", want)]


@pytest.fixture(scope="module")
def two_country(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("prop")
    return load_country(two_campuses(folder, 100_000))


@settings(max_examples=30, deadline=None)
@given(
    cap=st.floats(0, 400_000),
    powers=st.lists(st.floats(1, 2000), min_size=2, max_size=2),
    online=st.lists(st.integers(2027, 2029), min_size=2, max_size=2),
)
def test_shipments_never_exceed_the_national_cap(
    two_country, cap: float, powers: list[float], online: list[int]
) -> None:
    rules = two_country.policy.rules
    policy = two_country.policy.model_copy(
        update={"rules": rules.model_copy(update={"cap": (rules.cap[0].model_copy(update={"amount": cap}),)})}
    )
    country = replace(two_country, policy=policy)
    batches = {
        name: replace(b, phase_power_mw=np.array([[p]]), phase_online_year=np.array([[y]]))
        for (name, b), p, y in zip(country_inputs(country).items(), powers, online, strict=True)
    }
    inputs, _ = national_inputs(country, batches)
    out = simulate(inputs)
    shipped = out.accelerators_added.sum(axis=2)[0]
    # the allocator counts whole accelerators with a relative margin of 1e-12 (so that a TPP room
    # divided back into accelerators does not lose one to rounding): a cap of 58.99999999994 is 59
    room = np.floor(cap * (1 + 1e-12))
    assert np.all(shipped <= room)
    wanted = out.demand.sum(axis=2)[0]
    # one importer: the cap or the demand binds, in whole racks of 72 (both campuses hold GB300 NVL72)
    assert (inputs.accelerators_per_system == 72).all()
    assert np.all(shipped == np.floor(np.minimum(wanted, room) / 72) * 72)


def test_the_uae_country_answers(tmp_path: Path) -> None:
    result = run_country_file(FIVE_GW)
    s = result.summary
    for rec in s["years"]:
        for cap in rec["national_caps"]:
            assert rec["accelerators_shipped"] <= cap["available"]
    y2030 = {c["campus"]: c["accelerators"] for c in next(r for r in s["years"] if r["year"] == 2030)["campuses"]}
    assert y2030["Stargate UAE"] == (1_185 + 4_740) * 72  # its file reads 200 + 800 MW as IT power
    assert y2030["UAE-US AI Campus: other 4 GW"] == 2 * 4_558 * 72
    assert y2030["Microsoft UAE (Khazna 200 MW)"] == int(60_400 * 4_992 / 60_000 / 72) * 72
    # 1 GW a year stays under the US holders' 400,000 until 2031, when Stargate UAE also replaces
    # its 2026 racks (85,320, its file read as IT power): 85,320 + 328,176 > 400,000
    assert s["headline"]["national_cap_first_binds"] == 2031
    y2031 = next(r for r in s["years"] if r["year"] == 2031)
    assert y2031["accelerators_shipped"] == 400_000 // 72 * 72
    assert next(iter(s["headline"]["holder_first_short_of_own_licence"])) == "G42"
    faster = run_country_file(
        FIVE_GW, overrides=["campus[2].phase[1].online_year=2029", "campus[2].phase[3].online_year=2031"]
    ).summary
    assert faster["headline"]["national_cap_first_binds"] == 2029
    assert next(iter(faster["headline"]["holder_first_short"])) == "US hyperscalers (not yet named)"
    # every campus keeps its own analyses
    assert "finance" in result.campuses["Stargate UAE"].blocks


# --- bad country files ---------------------------------------------------------------------

HEAD = '[country]\nname = "Bad"\nstart_year = 2026\nend_year = 2028\nregime = "us-uae-2025"\n'


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_country(path)
    return [str(p) for p in err.value.problems]


def test_a_missing_campus_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", HEAD + '[[campus]]\nfile = "nowhere.toml"\n')
    [text] = problems(path)
    assert "c.toml: campus[0].file" in text and "no such file" in text


def test_an_invalid_campus_file(tmp_path: Path) -> None:
    bad = UAE.read_text(encoding="utf-8").replace("pue = 1.3", "pue = 0.5")
    write(tmp_path, "bad-campus.toml", bad)
    path = write(tmp_path, "c.toml", HEAD + '[[campus]]\nfile = "bad-campus.toml"\n')
    texts = problems(path)
    assert any("bad-campus.toml: site.pue" in t for t in texts), texts


def test_duplicate_campus_names(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", HEAD + inline_campus("Same", 1, 100) + inline_campus("Same", 2, 100))
    texts = problems(path)
    assert any("campus[1].name" in t and "unique" in t for t in texts), texts


def test_files_that_include_each_other(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", HEAD + '[[campus]]\nfile = "b.toml"\n')
    path = write(tmp_path, "b.toml", HEAD + '[[campus]]\nfile = "a.toml"\n')
    texts = problems(path)
    assert any("a.toml: campus[0].file" in t and "b.toml -> a.toml -> b.toml" in t for t in texts), texts


def test_a_holder_naming_an_unknown_campus(tmp_path: Path) -> None:
    holder = '\n[[policy.holder]]\nname = "X"\nstatus = "approved"\napproval_year = 2025\ncampuses = ["Nope"]\n'
    path = write(tmp_path, "c.toml", HEAD + holder + inline_campus("Real", 1, 100))
    texts = problems(path)
    assert any("policy.holder[0].campuses[0]" in t and "Real" in t for t in texts), texts


def test_the_cli_on_a_country(tmp_path: Path, one_campus: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["run", str(one_campus), "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "national allocation" in out.output
    assert (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "stargate-uae" / "summary.json").is_file()
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "national cap" in html and "Campuses and binding years" in html
    quota = runner.invoke(app, ["quota", str(one_campus)], env={"COLUMNS": "200"})
    assert quota.exit_code == 0 and "Chips by holder" in quota.output
    assert runner.invoke(app, ["validate", str(one_campus)]).exit_code == 0
    compare = runner.invoke(app, ["compare", str(one_campus), str(UAE), "--format", "json"])
    assert compare.exit_code == 0, compare.output
    train = runner.invoke(app, ["train", str(one_campus)])
    assert train.exit_code == 2
    assert "country file" in train.output
    bad = write(tmp_path, "c.toml", HEAD + '[[campus]]\nfile = "nowhere.toml"\n')
    result = runner.invoke(app, ["run", str(bad)])
    assert result.exit_code == 2 and "campus[0].file" in result.output


def test_the_batched_entry_point_matches_separate_runs(one_campus: Path) -> None:
    from gigacampus.country import run_country_batch

    country = load_country(one_campus)
    base = country_inputs(country)["Stargate UAE"]
    batch = base.repeat(2)
    batch = replace(batch, pue=np.array([1.3, 1.1]))
    run = run_country_batch(country, {"Stargate UAE": batch})
    alone = gc.run_file(UAE, overrides=["site.pue=1.1"])
    assert run.shipped[1, :, 0].tolist() == alone.timeline["accelerators_added"].tolist()
    first = run_country(country).summary["years"]
    assert run.shipped[0, :, 0].tolist() == [r["accelerators_shipped"] for r in first]


def test_the_shipped_country_cites_its_sources_and_marks_assumptions() -> None:
    country = load_country(FIVE_GW)
    assert country.info.sources and all(s.startswith("https://") for s in country.info.sources)
    text = FIVE_GW.read_text(encoding="utf-8")
    assert text.count("assumption") >= 5
    from gigacampus.scenario.shipped import shipped_countries, shipped_scenarios

    assert "uae-5gw" in shipped_countries() and "uae-5gw" not in shipped_scenarios()
