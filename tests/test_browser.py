"""End to end in headless Chromium (Debian's package), driven by Playwright for Python.

The dashboard is served by ``gigacampus serve`` in a process this module starts and stops;
reports are opened from disk. ``make test`` installs Chromium when it is missing.
``pytest --update-screenshots`` also rewrites the screenshots under ``docs/img/``.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, expect, sync_playwright
from typer.testing import CliRunner

from gigacampus.cli import app
from gigacampus.report.charts import sections_for
from tests.conftest import ROOT, SCENARIOS, campus_files

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_IMG = ROOT / "docs" / "img"
runner = CliRunner()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install -y chromium)"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``gigacampus serve --port 0`` in its own process; yields its base URL."""
    log = tmp_path_factory.mktemp("server") / "stderr.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from gigacampus.cli import main; main()", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=30)
        assert first.startswith("gigacampus dashboard on http://127.0.0.1:"), first
        url = first.split(" on ", 1)[1].split()[0].rstrip("/")
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                    assert json.load(response)["status"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert "Traceback" not in log.read_text(), log.read_text()


class Watch:
    """Console errors, page errors and every request a page makes."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.posts: list[dict] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        if request.method == "POST":
            self.posts.append(json.loads(request.post_data or "null"))


def plotted(page: Page, chart_id: str) -> list:
    """The y values of a drawn chart's first trace (Plotly keeps the figure on its div)."""
    return page.evaluate(f"document.getElementById('chart-{chart_id}').data[0].y")


def set_control(page: Page, path: str, old: str, new: str) -> None:
    """Change the dashboard's control for ``path`` from ``old`` to ``new`` and wait for the re-run."""
    control = page.locator("#ctl-" + path.replace(".", "\\.").replace("[", "\\[").replace("]", "\\]"))
    expect(control).to_have_value(old)
    control.fill(new)
    control.dispatch_event("change")
    # a run with the reliability Monte Carlo takes a few seconds on a loaded 2-core machine
    expect(page.locator("#status")).to_contain_text(f"{path}={new}", timeout=60_000)


def screenshot(page: Page, tmp_path: Path, name: str, update: bool, height: int) -> None:
    """The top ``height`` pixels of the page; also into docs/img/ with ``--update-screenshots``."""
    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height}
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True, clip=clip)
    assert path.stat().st_size > 20_000  # a drawn page, not a blank one
    if update:
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        (DOCS_IMG / name).write_bytes(path.read_bytes())


def uae_chart_count() -> int:
    """Charts the report has for the flagship: the core sections plus each of its blocks'."""
    import gigacampus as gc
    from gigacampus.report.charts import sections_for

    summary = gc.run_file(SCENARIOS / "stargate-uae.toml").to_summary()
    count = sum(len(charts) for _, charts in sections_for(summary))
    assert count >= 6 + 8  # core charts, plus policy, finance, reliability and training
    return count


def test_dashboard_follows_an_input_change(
    browser: BrowserContext, server: str, tmp_path: Path, update_screenshots: bool
) -> None:
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    page.wait_for_selector("#chart-accelerators .main-svg")
    expect(page.locator("#title")).to_have_text("Stargate UAE (2026-2032)")
    assert page.locator("div.chart.js-plotly-plot").count() == uae_chart_count()
    before = plotted(page, "accelerators")
    headline = page.inner_text("#headline")
    pue = page.locator("#ctl-site\\.pue")
    set_control(page, "site.pue", "1.3", "1.6")
    # the flagship's power is IT power (power_basis = "it"): a higher PUE keeps the fleet and
    # needs more facility power, 1,000 MW x 1.6 by 2032
    expect(page.locator("#headline")).to_contain_text("1,600 MW")
    after = plotted(page, "accelerators")
    assert after == before
    assert page.inner_text("#headline") != headline
    screenshot(page, tmp_path, "dashboard.png", update_screenshots, height=1250)

    # an out-of-range value: a clear message, the last valid charts stay
    pue.fill("0.5")
    pue.dispatch_event("change")
    expect(page.locator("#message")).to_contain_text("stargate-uae.toml: site.pue: found 0.5; allowed: a number >= 1")
    expect(page.locator(".control.invalid")).to_have_attribute("data-path", "site.pue")
    expect(page.locator("#status")).to_contain_text("last valid inputs")
    assert plotted(page, "accelerators") == after

    # another shipped scenario replaces the charts and the form
    page.select_option("#scenario-select", "colossus")
    expect(page.locator("#title")).to_have_text("xAI Colossus (2024-2030)")
    expect(page.locator("#message")).to_be_hidden()
    assert page.evaluate("document.getElementById('chart-accelerators').data.length") == 4  # four models
    expect(page.locator("#ctl-phase\\[3\\]\\.accelerator")).to_have_value("gb300")
    # the old form's PUE of 0.5 did not leak into the new scenario's run
    assert watch.posts[-1] == {"scenario_id": "colossus"}

    # the only console error is the browser noting the refused (422) request
    assert [e for e in watch.errors if "422" not in e] == []
    assert all(url.startswith(server) for url in watch.requests), watch.requests
    page.close()


def test_dashboard_has_controls_for_every_analysis_and_readable_charts(browser: BrowserContext, server: str) -> None:
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    page.wait_for_selector("#chart-reliability-goodput .main-svg")
    groups = page.locator("#controls h3.control-group").all_inner_texts()
    assert groups == ["Campus", "Phases", "Export quota", "Holders", "Finance", "Reliability"]
    # the binding band says what bound on the band itself
    expect(page.locator("#chart-binding .main-svg text.bartext").first).to_have_text("power (full)")
    # headline cards: thousands separators, cost and goodput
    cards = page.locator("#kpis .kpi").all_inner_texts()
    assert any(c.startswith("426,600") for c in cards) and any("TCO per accelerator-hour" in c for c in cards)
    goodput_before = plotted(page, "reliability-goodput")
    set_control(page, "reliability.checkpoint_s", "32", "10")
    goodput_after = plotted(page, "reliability-goodput")
    assert all(a > b for a, b in zip(goodput_after, goodput_before, strict=True))  # cheaper checkpoints: more goodput
    capex_before = sum(plotted(page, "finance-capex"))
    set_control(page, "finance.system_price_usd.gb300-nvl72", "4000000", "3000000")
    assert sum(plotted(page, "finance-capex")) < capex_before
    assert watch.errors == []
    page.close()


def test_dashboard_runs_an_uploaded_file_and_explains_a_bad_one(
    browser: BrowserContext, server: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    page.wait_for_selector("#chart-power .main-svg")
    page.click("#paste-box summary")
    text = (SCENARIOS / "stargate-uae.toml").read_text(encoding="utf-8").replace('"Stargate UAE"', '"My campus"')
    page.set_input_files(
        "#file-input", files=[{"name": "mine.toml", "mimeType": "text/plain", "buffer": text.encode()}]
    )
    expect(page.locator("#title")).to_have_text("My campus (2026-2032)")
    with page.expect_download() as download:
        page.click("#download-report")
    saved = tmp_path / "downloaded.html"
    download.value.save_as(saved)
    assert "<h1>My campus</h1>" in saved.read_text(encoding="utf-8")

    page.fill("#toml-input", "[scenario]\nname = 'x'\nstart_year = 2026\nend_year = 2020\n")
    page.click("#run-pasted")
    message = page.locator("#message")
    expect(message).to_contain_text("pasted scenario: scenario.end_year: found 2020; allowed: >= start_year (2026)")
    expect(message).to_contain_text("pasted scenario: site: missing")
    expect(page.locator("#title")).to_have_text("My campus (2026-2032)")  # the page is never left blank
    assert [e for e in watch.errors if "422" not in e] == []
    page.close()


def test_report_renders_offline_from_disk(browser: BrowserContext, tmp_path: Path, update_screenshots: bool) -> None:
    out = tmp_path / "uae"
    result = runner.invoke(
        app,
        [
            "run",
            str(SCENARIOS / "stargate-uae.toml"),
            "--out",
            str(out),
            "--set",
            "policy.campus_share=0.2",
            "--set",
            "phase[1].online_year=2027",
        ],
    )
    assert result.exit_code == 0, result.output
    page = browser.new_page()
    watch = Watch(page)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto((out / "report.html").as_uri())
    charts = page.locator("div.chart")
    saved = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert charts.count() == sum(len(c) for _, c in sections_for(saved))
    for i in range(charts.count()):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
    # the binding band has the years the quota bound, in the quota's colour
    band = page.evaluate("document.getElementById('chart-binding').data.map(t => [t.name, t.x])")
    assert ["export quota", [2027, 2028, 2029, 2030, 2031, 2032]] in band
    assert watch.errors == []
    assert watch.requests == [(out / "report.html").as_uri()]  # nothing fetched, not even from the disk
    # the navigation bar wraps: every link is inside the window, none clipped at its right edge
    width = page.viewport_size["width"]
    links = page.locator("nav.toc a")
    assert links.count() >= 12
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, links.nth(i).inner_text()
    expect(page.locator("nav.toc a").last).to_have_text("Sources")
    headline = page.inner_text("#headline")
    assert "of capex" in headline and "goodput" in headline and "largest training run" in headline
    screenshot(page, tmp_path, "report.png", update_screenshots, height=1900)
    page.close()


def test_comparison_report_renders_offline(browser: BrowserContext, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    files = [str(p) for p in campus_files()]
    assert runner.invoke(app, ["compare", *files, "--out", str(out), "--quiet"]).exit_code == 0
    page = browser.new_page()
    watch = Watch(page)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto((out / "report.html").as_uri())
    page.wait_for_selector("#chart-cmp-energy .main-svg")
    assert page.evaluate("document.getElementById('chart-cmp-accelerators').data.length") == len(files)
    assert watch.errors == []
    assert len(watch.requests) == 1
    page.close()


def test_a_name_made_of_markup_is_drawn_as_text(browser: BrowserContext, tmp_path: Path) -> None:
    evil = '<a href="https://evil.example/">G42</a>'
    out = tmp_path / "evil"
    result = runner.invoke(
        app,
        ["run", str(SCENARIOS / "stargate-uae.toml"), "--out", str(out), "--set", f"policy.holder[0].name='{evil}'"],
    )
    assert result.exit_code == 0, result.output
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto((out / "report.html").as_uri())
    expect(page.locator("div.chart .main-svg").first).to_be_attached()
    legends = page.evaluate("Array.from(document.querySelectorAll('div.chart .legendtext')).map(e => e.textContent)")
    assert evil in legends  # the legend shows the name's characters
    assert page.locator("div.chart a").count() == 0  # and no chart holds a live link
    assert page.locator('a[href="https://evil.example/"]').count() == 0
    page.close()
