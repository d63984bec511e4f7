"""The demo's report in headless Chromium: every chart and map renders and nothing is asked of the network."""

from __future__ import annotations

from pathlib import Path

import pytest

# A fresh profile and no background services: the page alone decides what is requested.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mineaction.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    run_demo(out, scale="tiny", seed=0)
    return out / "report" / "index.html"


@pytest.mark.slow
def test_report_renders_every_figure_offline(report_page: Path, tmp_path: Path, chromium: str) -> None:
    executable = chromium
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requested.append(request.url))
            page.goto(report_page.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.getAttribute('src'), w: e.naturalWidth}))"
            )
            text = page.inner_text("body")
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    remote = [url for url in requested if not url.startswith(("file://", "data:"))]
    assert not remote, f"the report asked the network for {remote}"
    assert sum(url.endswith(".png") for url in requested) >= 10  # the listener saw the figures load
    assert len(images) >= 10, f"only {len(images)} images in the report"
    broken = [image["src"] for image in images if not image["w"]]
    assert not broken, f"images that did not render: {broken}"
    assert "SIMULATED" in text
    for section in ("Briefing", "Minefield record accuracy", "Contamination risk", "Clearance plan"):
        assert section in headings
    assert not [h for h in headings if "could not be built" in h]
