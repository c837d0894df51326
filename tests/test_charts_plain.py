"""Report charts are plain figure dicts for plotly.js (issue 12, part 3); plotly.py checks them
here, in the tests, instead of on every report."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

import gigacampus as gc
from gigacampus.charting import Figure, figure_to_json, line
from gigacampus.report.charts import sections_for
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("name", ["stargate-uae", "colossus"])
def test_every_report_chart_is_a_valid_plotly_figure(name: str) -> None:
    summary = gc.run(gc.load_scenario(SCENARIOS / f"{name}.toml")).to_summary()
    charts = [c for _, cs in sections_for(summary) for c in cs]
    assert charts
    for chart in charts:
        data = json.loads(figure_to_json(chart.figure))
        go.Figure(data)  # raises on any property plotly.js does not know


def test_figure_json_escapes_markup_and_drops_unset_values() -> None:
    fig = Figure(line([2026], [float("nan")], "</script><b>", "#000", dash=None))
    fig.update_layout(title={"text": "a & b"}, yaxis={"title": {"text": "x"}})
    fig.update_layout(yaxis={"type": "log"})  # nested update keeps the title
    fig.update_yaxes(rangemode="normal")
    text = figure_to_json(fig)
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["data"][0]["y"] == [None] and "dash" not in data["data"][0]["line"]
    assert data["layout"]["yaxis"] == {"title": {"text": "x"}, "type": "log", "rangemode": "normal"}
    # shown text is inert for Plotly too (it renders <b>, <a> in labels): entities, drawn as the characters
    assert data["data"][0]["name"] == "&lt;/script&gt;&lt;b&gt;"
    assert data["layout"]["title"]["text"] == "a &amp; b"
