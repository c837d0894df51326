"""Saved runs and comparisons on disk, and redrawing their reports without recomputing.

A run folder holds ``summary.json`` (and ``report.html``); a comparison folder holds
``comparison.json``, ``report.html`` and one run folder per scenario.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gigacampus._version import __version__
from gigacampus.errors import InputError, Problem
from gigacampus.report.atomic import write_text
from gigacampus.report.compare import differences, input_differences, render_comparison
from gigacampus.report.files import staged, write_run
from gigacampus.report.html import render_report, write_html
from gigacampus.report.summary import MAX_SUMMARY_BYTES, load_summary, parse_json
from gigacampus.results import Result
from gigacampus.scenario.load import check_depth
from gigacampus.scenario.load import short_value as _short

__all__ = ["folder_names", "load_comparison", "render_folder", "write_comparison"]


def folder_names(stems: Sequence[str]) -> list[str]:
    """Safe, unique folder names from scenario file names (``stargate-uae``, ``stargate-uae-2``)."""
    out: list[str] = []
    for stem in stems:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "run"
        name, n = base, 1
        while name in out:
            n += 1
            name = f"{base}-{n}"
        out.append(name)
    return out


def write_comparison(
    results: Sequence[Result], labels: Sequence[str], files: Sequence[str], out_dir: str | Path, *, step=None
) -> list[Path]:
    """Write each run into its own folder, then ``comparison.json`` and the comparison ``report.html``.

    ``step(description)`` is called after each file written (for a progress bar).
    """
    out = Path(out_dir)
    advance = step or (lambda _next="": None)
    folders = folder_names([Path(f).stem for f in files])
    summaries = []
    with staged(out) as tmp:  # every run, the index and the report move into place together
        for result, folder in zip(results, folders, strict=True):
            paths = write_run(result, tmp / folder)
            summaries.append(load_summary(paths[0]))  # draw from what is on disk, as `report` will
            advance(f"wrote {folder}")
        doc = {
            "gigacampus_version": __version__,
            "runs": [
                {"label": label, "file": str(file), "folder": folder}
                for label, file, folder in zip(labels, files, folders, strict=True)
            ],
            "input_differences": input_differences(summaries),
            "differences": differences(summaries, labels),
        }
        write_text(tmp / "comparison.json", json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        links = [f"{folder}/report.html" for folder in folders]
        write_html(render_comparison(summaries, labels, links), tmp / "report.html")
    advance("done")
    return [out / "report.html", out / "comparison.json", *(out / folder / "report.html" for folder in folders)]


def load_comparison(folder: Path) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(summaries, labels, links) of a saved comparison, with clear errors for a damaged one."""
    index = folder / "comparison.json"
    src = str(index)
    try:
        if index.stat().st_size > MAX_SUMMARY_BYTES:
            raise InputError([Problem(src, "", f"file is larger than {MAX_SUMMARY_BYTES:,} bytes")])
        text = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(src, "", f"cannot be read as JSON: {exc}")]) from None
    doc = parse_json(text, src)
    check_depth(doc, src)
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, list) or len(runs) < 2:
        raise InputError([Problem(src, "runs", "missing or fewer than 2 runs; allowed: a list written by compare")])
    summaries, labels, links = [], [], []
    for i, item in enumerate(runs):
        name = item.get("folder") if isinstance(item, dict) else None
        # a run folder is a plain name inside the comparison folder, never a path elsewhere
        if not isinstance(name, str) or name != Path(name).name or name in ("", ".", ".."):
            raise InputError([Problem(src, f"runs[{i}].folder", f"found {_short(name)}; allowed: a folder name")])
        summaries.append(load_summary(folder / name / "summary.json"))
        labels.append(str(item.get("label") or summaries[-1]["scenario"]["name"]))
        links.append(f"{name}/report.html")
    return summaries, labels, links


#: What a renderer raises on a value of the wrong shape deep inside an analysis block.
_DAMAGE = (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError, OverflowError)
_BLOCK_FILE = re.compile(r"gigacampus[/\\](?:analyses[/\\](\w+)[/\\]|report[/\\](\w+)\.py)")


def _drawn(draw: Any, source: str, *args: Any) -> str:
    """``draw(*args)``; a saved summary damaged where :func:`check_summary` does not look (inside
    an analysis block) is an :class:`InputError` naming the block being drawn and the key."""
    try:
        return draw(*args)
    except _DAMAGE as exc:
        block = ""
        tb = exc.__traceback__
        while tb is not None:  # the innermost analysis (or report module) frame names the block
            m = _BLOCK_FILE.search(tb.tb_frame.f_code.co_filename)
            if m and (m.group(1) or m.group(2) not in ("html", "charts", "folders", "summary", "compare")):
                block = m.group(1) or m.group(2)
            tb = tb.tb_next
        what = f"missing key {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else _short(str(exc), 100)
        message = f"damaged ({what}); allowed: a block as written by gigacampus run --out"
        raise InputError([Problem(source, block, message)]) from None


def render_folder(folder: str | Path) -> str:
    """The report of a saved run or comparison folder, drawn from its saved files."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "no such folder" if not folder.exists() else "is not a folder"
        raise InputError(
            [Problem(str(folder), "", f"{what}; allowed: a folder written by gigacampus run --out or compare --out")]
        )
    if (folder / "comparison.json").is_file():
        return _drawn(render_comparison, str(folder / "comparison.json"), *load_comparison(folder))
    if not (folder / "summary.json").is_file():
        raise InputError(
            [
                Problem(
                    str(folder),
                    "",
                    "has no summary.json or comparison.json; allowed: a folder written by "
                    "gigacampus run --out or compare --out",
                )
            ]
        )
    return _drawn(render_report, str(folder / "summary.json"), load_summary(folder / "summary.json"))
