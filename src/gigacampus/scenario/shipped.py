"""The scenarios shipped with gigacampus (package data under ``gigacampus/scenarios/``)."""

from __future__ import annotations

import functools
import importlib.resources
import tomllib

__all__ = ["shipped_countries", "shipped_scenarios"]


@functools.cache
def _read() -> tuple[tuple[str, str], ...]:
    folder = importlib.resources.files("gigacampus") / "scenarios"
    return tuple(
        sorted(
            (f.name.removesuffix(".toml"), f.read_text(encoding="utf-8"))
            for f in folder.iterdir()
            if f.name.endswith(".toml")
        )
    )


def _is_country(text: str) -> bool:
    return "country" in tomllib.loads(text)


def shipped_scenarios() -> dict[str, str]:
    """``{id: TOML text}`` of every shipped campus scenario; the id is the file name without ``.toml``
    (country files, which name other files, are in :func:`shipped_countries`)."""
    return {sid: text for sid, text in _read() if not _is_country(text)}


def shipped_countries() -> dict[str, str]:
    """``{id: TOML text}`` of every shipped country file (docs/country.md)."""
    return {sid: text for sid, text in _read() if _is_country(text)}
