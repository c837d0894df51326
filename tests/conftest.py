"""Shared fixtures. Golden files are rewritten with ``pytest --update-golden``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigacampus.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def campus_files() -> list[Path]:
    """The shipped campus scenario files (country files, which name several campuses, left out)."""
    return sorted(p for p in SCENARIOS.glob("*.toml") if "\n[country]" not in "\n" + p.read_text(encoding="utf-8"))


DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current code")
    parser.addoption("--update-screenshots", action="store_true", help="rewrite the screenshots in docs/img/")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def update_screenshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-screenshots"))


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def scenario_text(
    *,
    phases: str | None = None,
    extra: str = "",
    start: int = 2026,
    end: int = 2030,
    pue: float = 1.25,
    overhead: float = 0.0,
) -> str:
    """A small valid scenario as TOML text, for tests to vary."""
    if phases is None:
        phases = '[[phase]]\nname = "P1"\nonline_year = 2026\npower_mw = 100\naccelerator = "h100-sxm"\n'
    return (
        f'[scenario]\nname = "Test"\nstart_year = {start}\nend_year = {end}\n'
        f"[site]\npue = {pue}\noverhead_fraction = {overhead}\n{phases}{extra}"
    )


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flagship without its [uncertainty] section: only what a sweep test varies is varied."""
    text = (SCENARIOS / "stargate-uae.toml").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("plain") / "stargate-uae.toml"
    path.write_text(text[: text.index("\n[uncertainty]")] + "\n", encoding="utf-8")
    return path
