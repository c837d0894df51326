"""The column reference (``docs/columns.md``), generated from the one column table.

A test checks the committed file equals :func:`markdown_columns`, so the documentation cannot
drift from the code. Regenerate with ``gigacampus columns > docs/columns.md``.
"""

from __future__ import annotations

from typing import Any

from gigacampus.model.columns import ColumnTable
from gigacampus.pipeline import COLUMNS

__all__ = ["columns_json", "markdown_columns"]

_TABLES = {
    "year": ("Per year", "`timeline.csv` and each entry of `years[]` in summary.json (one row per year)."),
    "phase_year": ("Per year and phase", "`phases.csv` (one row per year and phase)."),
    "phase": ("Per phase", "`phases[]` in summary.json (one row per phase)."),
}


def columns_json(table: ColumnTable = COLUMNS) -> list[dict[str, Any]]:
    """Every column as a JSON-ready dict (for the web API)."""
    return [
        {
            "name": c.name,
            "key": c.key,
            "table": c.table,
            "unit": c.unit,
            "dtype": c.dtype,
            "description": c.description,
            "analysis": table.owner(c.name, c.table),
        }
        for c in table
    ]


def markdown_columns(table: ColumnTable = COLUMNS) -> str:
    """Markdown tables of every column of a run: name, unit, type, which analysis writes it, meaning."""
    lines = [
        "# Result columns",
        "",
        "Generated from the column table by `gigacampus columns`; do not edit by hand.",
        "Every column a run writes, with its unit (also in summary.json's `units` map), its type and the",
        "analysis that provides it (`core` for the campus model). An analysis's columns appear when it",
        "applies to the scenario (its section is given, or it always runs).",
        "",
    ]
    for key, (title, where) in _TABLES.items():
        lines += [
            f"## {title}",
            "",
            f"In {where}",
            "",
            "| column | unit | type | from | meaning |",
            "|---|---|---|---|---|",
        ]
        for c in table.table(key):
            name = f"`{c.name}`" if c.json_key is None else f"`{c.name}` (JSON: `{c.json_key}`)"
            owner = table.owner(c.name, c.table) or "core"
            lines.append(f"| {name} | {c.unit or '-'} | {c.dtype} | {owner} | {c.description} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
