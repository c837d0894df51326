"""The README and docs say what the code does: the TOML example, the bad-input count, the folders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import DATA, ROOT, SCENARIOS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_readme_toml_example_is_an_excerpt_of_the_shipped_flagship() -> None:
    (block,) = _blocks(README, "toml")
    shipped = (SCENARIOS / "stargate-uae.toml").read_text(encoding="utf-8").splitlines()
    lines = [line for line in block.splitlines() if line.strip() and not line.startswith("# ...")]
    pos = 0
    for line in lines:  # each line of the example stands, in the same order, in the shipped file
        assert line in shipped[pos:], f"not in scenarios/stargate-uae.toml (after line {pos}): {line!r}"
        pos = shipped.index(line, pos) + 1


def test_readme_counts_the_bad_input_corpus() -> None:
    corpus = [p for p in (DATA / "bad").glob("*.toml") if p.name != "expected.toml"]
    assert f"`tests/data/bad/` holds {len(corpus)} such files" in README


def test_scenarios_folder_is_real_so_cp_r_copies_files(tmp_path: Path) -> None:
    assert SCENARIOS.is_dir() and not SCENARIOS.is_symlink()
    package = ROOT / "src" / "gigacampus" / "scenarios"
    assert package.resolve() == SCENARIOS.resolve()  # the package's data is the same folder
    copy = tmp_path / "mine"
    subprocess.run(["cp", "-r", str(SCENARIOS), str(copy)], check=True)
    copied = sorted(p.name for p in copy.iterdir())
    assert copied == sorted(p.name for p in SCENARIOS.glob("*.toml"))
    assert all(p.is_file() and not p.is_symlink() for p in copy.iterdir())
    shutil.rmtree(copy)


def test_training_doc_shows_the_reliability_goodput() -> None:
    text = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    assert "will come" not in text
    assert "goodput from the reliability model, per year" in text


def test_api_reference_builds_from_the_docstrings(tmp_path: Path) -> None:
    """`make api` runs pdoc; here on the results package alone (the whole reference takes longer)."""
    import sys

    out = tmp_path / "api"
    cmd = [sys.executable, "-m", "pdoc", "--docformat", "numpy", "-o", str(out), "gigacampus.results"]
    subprocess.run(cmd, check=True, capture_output=True)
    page = (out / "gigacampus" / "results.html").read_text(encoding="utf-8")
    assert "to_xarray" in page and "dimensions" in page  # the method and its docstring
    assert "headline_sentences" in page
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pdoc --docformat numpy -o docs/api" in makefile
    assert "docs/api/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
