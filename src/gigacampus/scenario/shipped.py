"""The scenarios shipped with gigacampus (package data under ``gigacampus/scenarios/``)."""

from __future__ import annotations

import functools
import importlib.resources

__all__ = ["shipped_scenarios"]


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


def shipped_scenarios() -> dict[str, str]:
    """``{id: TOML text}`` of every shipped scenario; the id is the file name without ``.toml``."""
    return dict(_read())
