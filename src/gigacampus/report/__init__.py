"""Renderers: terminal tables and files. They format results; they never compute them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gigacampus.report.files import write_run
    from gigacampus.report.terminal import catalog_table, run_table

__all__ = ["catalog_table", "run_table", "write_run"]

#: Where each name lives, imported on first use: importing any ``gigacampus.report.*`` module (a
#: sweep's report) runs this file, and a run's table and files bring in ``gigacampus.results``.
_LAZY = {"catalog_table": "terminal", "run_table": "terminal", "write_run": "files"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
