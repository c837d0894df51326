"""Chart primitives shared by the report and every analysis's charts: one look, drawn from a
saved summary document alone.

Figures are plain data (:class:`Figure`: a list of trace dicts and a layout dict, the JSON that
plotly.js draws), not plotly.py figure objects: building and validating plotly.py objects cost
more than the rest of a report (issue 12), and plotly.js renders the same JSON. Nothing here
imports plotly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BINDING_COLORS",
    "BINDING_LABELS",
    "INK",
    "PALETTE",
    "Chart",
    "Figure",
    "Trace",
    "any_value",
    "bar",
    "billions",
    "binding_bar",
    "block_years",
    "figure",
    "figure_dict",
    "figure_json",
    "figure_to_json",
    "line",
    "palette_color",
    "reference_line",
    "scaled",
    "series",
    "style_figure",
    "summary_years",
]

BINDING_COLORS = {"power": "#2a9d8f", "quota": "#d62828", "supply": "#f4a261", "none": "#adb5bd"}
BINDING_LABELS = {
    "power": "power (full)",
    "quota": "export quota",
    "supply": "vendor supply",
    "none": "nothing online",
}
INK = "#1d2a33"
"""The colour of text, and of a series set apart from the palette's."""
PALETTE = ("#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#457b9d", "#8ab17d", "#b56576")


class Trace(dict):
    """One plotly.js trace as a dict (``type``, ``x``, ``y``, ``name``, ...), whose keys also read
    as attributes (``trace.name``, ``trace.y``) like plotly.py's; keys left at ``None`` are unset."""

    def __getattr__(self, key: str) -> Any:
        value = self.get(key)
        return Trace(value) if isinstance(value, dict) and not isinstance(value, Trace) else value


def _merge(into: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Merge ``update`` into ``into``, nested dicts key by key (plotly's update semantics)."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


class Figure:
    """A figure as plotly.js takes it: ``data`` (traces) and ``layout``, both plain data."""

    def __init__(self, data: Any = None) -> None:
        self.data: list[Trace] = []
        self.layout: dict[str, Any] = {}
        if isinstance(data, Mapping):
            data = [data]
        for trace in data or ():
            self.add_trace(trace)

    def add_trace(self, trace: Mapping[str, Any]) -> Figure:
        self.data.append(Trace(trace))
        return self

    def update_layout(self, **layout: Any) -> Figure:
        _merge(self.layout, layout)
        return self

    def update_yaxes(self, **axis: Any) -> Figure:
        """Merge ``axis`` into every y axis of the layout (``yaxis``, ``yaxis2``, ...)."""
        names = [k for k in self.layout if k.startswith("yaxis")] or ["yaxis"]
        for name in names:
            _merge(self.layout.setdefault(name, {}), axis)
        return self

    def update_xaxes(self, **axis: Any) -> Figure:
        """Merge ``axis`` into every x axis of the layout (``xaxis``, ``xaxis2``, ...)."""
        names = [k for k in self.layout if k.startswith("xaxis")] or ["xaxis"]
        for name in names:
            _merge(self.layout.setdefault(name, {}), axis)
        return self

    def to_dict(self) -> dict[str, Any]:
        """``{"data": [...], "layout": {...}}`` with unset (``None``) values left out."""
        return {"data": [_prune(t) for t in self.data], "layout": _prune(self.layout)}


def _prune(value: Any) -> Any:
    """Unset keys (``None``) out; non-finite numbers as ``null``; numpy values as Python's."""
    if isinstance(value, Mapping):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_prune(v) for v in value]
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _prune(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def figure_to_json(fig: Figure) -> str:
    """A figure's JSON, safe inside an HTML ``<script>``: ``<``, ``>`` and ``&`` are escaped (names
    from a scenario are text, never markup)."""
    text = json.dumps(figure_dict(fig), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Chart:
    """One figure with its title and a sentence saying how to read it."""

    id: str
    title: str
    caption: str
    figure: Figure


def series(summary: Mapping[str, Any], key: str) -> list[float | None]:
    """One per-year value for every year (``None`` where the summary has none)."""
    out: list[float | None] = []
    for rec in summary["years"]:
        value = rec.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(None)
        else:
            out.append(value if math.isfinite(value) else None)
    return out


def summary_years(summary: Mapping[str, Any]) -> list[int]:
    """The modelled years of a summary."""
    return [int(r["year"]) for r in summary["years"]]


def block_years(summary: Mapping[str, Any], name: str) -> tuple[Mapping[str, Any], list[Mapping[str, Any]], list[int]]:
    """The block of analysis ``name`` in a summary, the block's per-year records (its ``"years"``
    list) and the year of each."""
    block = summary[name]
    rows = list(block.get("years", []))
    return block, rows, [int(r["year"]) for r in rows]


_AXIS = {"gridcolor": "#e6eaee", "linecolor": "#c9d1d8", "zerolinecolor": "#c9d1d8", "automargin": True}


def style_figure(fig: Figure, y_title: str, *, height: int = 360, y2_title: str | None = None, **extra: Any) -> None:
    """The look shared by every chart: white, light grid, years on x, legend on top.

    The styling is spelled out (plotly.js has no template unless given one).
    """
    fig.update_layout(
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PALETTE),
        height=height,
        margin={"l": 70, "r": 70 if y2_title else 20, "t": 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hovermode="x unified",
        hoverlabel={"bgcolor": "white"},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": INK},
        xaxis={**_AXIS, "title": {"text": "year"}, "dtick": 1, "tickformat": "d"},
        yaxis={
            **_AXIS,
            "title": {"text": y_title},
            "rangemode": "tozero",
            "separatethousands": True,
            "exponentformat": "none",  # 300,000 rather than 300k
        },
        **extra,
    )
    if y2_title:
        fig.update_layout(
            yaxis2={
                **_AXIS,
                "title": {"text": y2_title},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
                "separatethousands": True,
                "exponentformat": "none",
                "tickmode": "auto",
            }
        )


def scaled(values: Sequence[float | None], factor: float) -> list[float | None]:
    return [None if v is None else v / factor for v in values]


def any_value(values: Sequence[float | None]) -> bool:
    return any(v for v in values)


#: Keys whose text Plotly reads as a template written by gigacampus (kept as written).
_TEMPLATE_KEYS = frozenset({"hovertemplate", "texttemplate"})


def _inert(node: Any, key: str = "") -> Any:
    """``node`` with every text a chart shows (names, hover text, custom data, category labels,
    titles) escaped, so Plotly draws it as text: Plotly renders ``<a>``, ``<b>``, ``<br>``... in
    labels, and a scenario's names reach them."""
    if isinstance(node, str):
        return node if key in _TEMPLATE_KEYS else node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(node, dict):
        return {k: _inert(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_inert(v, key) for v in node]
    return node


def figure_dict(fig: Any) -> dict[str, Any]:
    """A Plotly figure as plain ``data`` and ``layout``, every shown text inert (see :func:`_inert`)."""
    return _inert(fig.to_dict())


def figure_json(chart: Chart) -> dict[str, Any]:
    """A chart as a plain dict (``data``, ``layout``, ``id``, ``title``, ``caption``) for JSON APIs."""
    fig = figure_dict(chart.figure)
    return {
        "id": chart.id,
        "title": chart.title,
        "caption": chart.caption,
        "data": fig["data"],
        "layout": fig["layout"],
    }


def billions(values: Sequence[float | None]) -> list[float | None]:
    return scaled(values, 1e9)


# --- traces ------------------------------------------------------------------------------
# Every chart draws its series with these, so that one kind of series looks the same everywhere.
# A keyword left at ``None`` leaves that Plotly property unset; ``extra`` goes to the trace as is
# (``yaxis="y2"`` for the right-hand axis, ``stackgroup``, ``legendgroup``, ``customdata``, ...).


def figure(*traces: Any) -> Figure:
    """A new figure holding ``traces``."""
    return Figure(list(traces))


def palette_color(i: int) -> str:
    """The ``i``-th colour of :data:`PALETTE`, starting over when there are more series than colours."""
    return PALETTE[i % len(PALETTE)]


def line(
    x: Sequence[Any],
    y: Sequence[Any],
    name: str,
    color: str,
    *,
    hover: str | None = None,
    mode: str = "lines+markers",
    dash: str | None = None,
    width: float | None = None,
    shape: str | None = None,
    **extra: Any,
) -> Trace:
    """A line of ``y`` over ``x``: markers at the points unless ``mode="lines"``; ``shape="hv"`` draws
    steps (a value holds until the next year); ``hover`` is the Plotly hover template."""
    return Trace(
        type="scatter",
        x=list(x),
        y=list(y),
        name=name,
        mode=mode,
        line={"color": color, "dash": dash, "width": width, "shape": shape},
        hovertemplate=hover,
        **extra,
    )


def reference_line(
    x: Sequence[Any], value: float, name: str, color: str, *, hover: str | None = None, **extra: Any
) -> Trace:
    """A constant drawn dotted across all of ``x``: a threshold, a price, a published figure to compare with."""
    return line(x, [value] * len(x), name, color, hover=hover, mode="lines", dash="dot", **extra)


def bar(
    x: Sequence[Any],
    y: Sequence[Any],
    name: str,
    color: str,
    *,
    hover: str | None = None,
    hatched: bool = False,
    **extra: Any,
) -> Trace:
    """Bars of ``y`` over ``x``, filled with ``color``; ``hatched``: outlined and hatched in it instead,
    with no fill (what could have been, such as accelerators held back)."""
    if hatched:
        marker = {
            "color": "rgba(0,0,0,0)",
            "line": {"color": color, "width": 2},
            "pattern": {"shape": "/", "fgcolor": color},
        }
    else:
        marker = {"color": color}
    return Trace(type="bar", x=list(x), y=list(y), name=name, marker=marker, hovertemplate=hover, **extra)


def binding_bar(kind: str, reasons: Sequence[str], **extra: Any) -> Trace:
    """The cells of a binding-constraint band where ``kind`` bound: named and coloured for it, each
    hovering its reason. ``extra`` places the cells (``x``, ``y``, ``base``, ``orientation``, ...)."""
    return Trace(
        type="bar",
        name=BINDING_LABELS.get(kind, kind),
        marker={"color": BINDING_COLORS.get(kind, PALETTE[5])},
        customdata=list(reasons),
        hovertemplate="%{customdata}<extra></extra>",
        **extra,
    )
