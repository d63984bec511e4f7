"""The dashboard in headless Chromium (Debian's, never a downloaded browser) against a real server: every
view opens with no request leaving 127.0.0.1 (a route handler counts and blocks them) and no console error,
axe-core finds no serious or critical accessibility violation, the map draws the record and shows a record's
history, the risk surface and survey candidates switch on with their legend over the DEM's hillshade, an
area's laying pattern shows with its residual map, and in Azerbaijani or Russian no English string of the
interface is left (the computed layers and an area's pattern included)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dashboard_accounts import PASSWORD, Accounts

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
MESSAGES = HERE.parents[1] / "web" / "messages"
VIEWS = (
    "map",
    "briefing",
    "accuracy",
    "patterns",
    "outside",
    "alerts",
    "release",
    "casualties",
    "funding",
    "plan",
    "quality",
    "approvals",
)
# A fresh profile and no background services: the page alone decides what is requested. SwiftShader draws
# the map's WebGL without a GPU.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


class Watched:
    """One browser page with every request, console error and page error it caused."""

    def __init__(self, page: Any, url: str) -> None:
        self.page, self.url = page, url
        self.remote: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.remote.append(route.request.url)
            route.abort()

    def until(self, script: str, *, timeout_s: float = 60) -> Any:
        """Poll ``script`` (a function body returning a value) until it is truthy (the page's CSP forbids
        Playwright's own string predicates)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.page.evaluate(f"() => {{ {script} }}")
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"the page never satisfied: {script}")

    def open(self, view: str) -> None:
        """Show ``view``: by the address's fragment when the dashboard is loaded already (as a person
        following the menu would; no reload of the bundle), else by loading the page."""
        page = f"{self.url}/dashboard/"
        if self.page.url.startswith(page) and self.page.url != f"{page}#/{view}":
            self.page.evaluate(f"() => {{ window.location.hash = '#/{view}'; }}")
        else:
            self.page.goto(f"{page}#/{view}")
        self.until(
            f"return document.body.dataset.view === '{view}' && document.body.dataset.ready === 'true';"
        )
        if view == "map":
            self.until("return Boolean(window.mineactionMap && window.mineactionFirstIdle);")

    def axe(self, source: str) -> list[str]:
        """axe-core's serious and critical violations on the page as it is (WCAG 2 A and AA rules)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(source)  # evaluated by the test harness, not a script tag the CSP would block
        found = self.page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']}))"
            ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
        )
        return list(found)


def _computed_layers(watched: Watched) -> str:
    """Open the map, switch on the risk surface and the survey candidates and wait until both are drawn
    (over the DEM's hillshade): the text of the risk panel."""
    watched.open("map")
    for layer in ("risk", "candidates"):
        if not watched.page.is_checked(f"#layer-{layer}"):
            watched.page.click(f"#layer-{layer}")
    watched.until(
        "const m = window.mineactionMap; return m.getLayer('risk-raster') && m.getLayer('hillshade-raster')"
        " && m.getLayoutProperty('risk-raster', 'visibility') === 'visible' && m.loaded()"
        " && m.queryRenderedFeatures({layers: ['candidates-fill']}).length > 0"
        " && document.querySelectorAll('#risk-panel h3').length === 2;",
        timeout_s=120,
    )
    return str(watched.page.inner_text("#risk-panel"))


def _pattern_area(watched: Watched) -> str:
    """From the list of areas' patterns, open the first flagged area: the text of its view once its residual
    map is drawn."""
    watched.open("patterns")
    link = watched.page.locator("main table a[data-flagged='true']").first
    link.click()
    watched.until(
        "const m = document.getElementById('pattern-map'); return m && m.dataset.drawn === 'true'"
        " && document.body.dataset.ready === 'true';",
        timeout_s=120,
    )
    return str(watched.page.inner_text("main"))


@pytest.fixture(scope="module")
def browser(dashboard: tuple[Any, Accounts], chromium: str) -> Iterator[tuple[Any, str, Accounts]]:
    executable = chromium
    from playwright.sync_api import sync_playwright

    server, accounts = dashboard
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            yield launched, server.url, accounts
        finally:
            launched.close()


def _watched(browser: Any, url: str, state: dict[str, Any] | None = None) -> Watched:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, storage_state=state)
    page = context.new_page()
    watched = Watched(page, url)
    context.route("**/*", watched.route)
    return watched


@pytest.fixture(scope="module")
def officer(browser: tuple[Any, str, Accounts]) -> dict[str, Any]:
    """The verifier signed in through the page's own form (password and TOTP code): the browser state with
    its session cookie, for the tests to start from (a TOTP code cannot be used twice)."""
    launched, url, accounts = browser
    watched = _watched(launched, url)
    page = watched.page
    watched.open("approvals")  # a light view: signing in is what this fixture is for
    page.click("#signin")
    page.fill("#signin-name", "vera")
    page.fill("#signin-password", PASSWORD)
    page.fill("#signin-code", accounts.code())
    page.click("#signin-submit")
    watched.until(
        "return Boolean(document.getElementById('signout')) && document.body.dataset.ready === 'true';"
    )
    assert watched.errors == [] and watched.remote == []
    state: dict[str, Any] = page.context.storage_state()
    page.context.close()
    return state


def test_every_view_offline_without_errors_and_accessible(
    browser: tuple[Any, str, Accounts], officer: dict[str, Any]
) -> None:
    launched, url, _ = browser
    axe = (HERE / "axe.min.js").read_text(encoding="utf-8")
    public = _watched(launched, url)
    for view in ("map", "briefing", "accuracy", "casualties", "approvals"):
        public.open(view)  # the public first: views it may not see say so, without failing requests
    assert public.axe(axe) == []
    public.page.context.close()
    signed = _watched(launched, url, officer)
    problems: dict[str, list[str]] = {}
    for view in VIEWS:
        signed.open(view)
        text = signed.page.inner_text("main")
        assert "SIMULATED" in text, f"{view} does not say the data are simulated"
        if found := signed.axe(axe):
            problems[view] = found
    panel = _computed_layers(signed)
    assert "Risk surface" in panel and "probability" in panel and "SIMULATED" in panel and " ha" in panel
    if found := signed.axe(axe):
        problems["map with the risk layers"] = found
    area = _pattern_area(signed)
    for figure in ("Mines expected", "interval", "Release check", "Residual mines map", "per m²"):
        assert figure in area, f"the pattern view lacks {figure!r}"
    if found := signed.axe(axe):
        problems["an area's pattern"] = found
    assert signed.page.locator("#field-link").get_attribute("href") == "/field/"
    assert signed.page.locator("#signout").is_visible()
    assert not problems, f"axe-core: {problems}"
    for watched in (public, signed):
        assert watched.remote == [], f"requests left 127.0.0.1: {watched.remote}"
        assert watched.errors == [], f"console errors: {watched.errors}"
    signed.page.context.close()


def test_map_draws_the_record_and_shows_a_history(
    browser: tuple[Any, str, Accounts], officer: dict[str, Any]
) -> None:
    launched, url, _ = browser
    watched = _watched(launched, url, officer)
    watched.open("map")
    drawn = watched.until(
        "const m = window.mineactionMap;"
        "const f = m.queryRenderedFeatures({layers: ['hazardous_areas-fill']});"
        "return f.length && m.queryRenderedFeatures({layers: ['finds-circle']}).length && f.length;"
    )
    assert drawn > 10
    page = watched.page
    page.fill("#find-record", "HA-000001")  # the keyboard's way to a record: type its id
    page.keyboard.press("Enter")
    watched.until("return document.getElementById('feature-title') !== null;")
    panel = page.inner_text(".feature-panel")
    assert "HA-000001" in panel and "History of revisions" in panel and "created" in panel
    # an early date: the map asks for the record as known then, and draws fewer hazardous areas
    first_day = page.get_attribute("#as-of", "min")
    page.eval_on_selector(
        "#as-of", "(el, v) => { el.value = v; el.dispatchEvent(new Event('change')); }", first_day
    )
    watched.until(
        "const m = window.mineactionMap; return m.getSource('hazardous_areas').tiles[0].includes('as_of=') "
        "&& m.loaded() && !m.isMoving();"
    )
    assert watched.remote == [] and watched.errors == []
    watched.page.context.close()


def _english_left(watched: Watched, code: str) -> list[str]:
    """Interface text of the page that is an English message (or a raw vocabulary code) where the language
    ``code`` has its own words."""
    english = json.loads((MESSAGES / "en.json").read_text(encoding="utf-8"))
    other = json.loads((MESSAGES / f"{code}.json").read_text(encoding="utf-8"))
    templates = [text for key, text in english.items() if other[key] != text]
    codes = sorted(
        {key.split(".")[-1] for key in english if key.startswith("vocab.") and len(key.split(".")[-1]) > 3}
    )
    found = watched.page.evaluate(
        """([templates, codes]) => {
          const escape = (s) => s.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');
          const pattern = (t) => new RegExp('^' + t.split(/\\{\\w+\\}/).map(escape).join('.+?') + '$');
          const patterns = templates.map(pattern);
          const texts = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const text = walker.currentNode.textContent.trim();
            if (text && walker.currentNode.parentElement.closest('option') === null) texts.push(text);
          }
          for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
            for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
              const value = el.getAttribute(name);
              if (value) texts.push(value.trim());
            }
          }
          return texts.filter((t) => codes.includes(t) || patterns.some((p) => p.test(t)));
        }""",
        [templates, codes],
    )
    return sorted(set(found))


@pytest.mark.parametrize("code", ["az", "ru"])
def test_no_english_left_in_azerbaijani_or_russian(
    browser: tuple[Any, str, Accounts], officer: dict[str, Any], code: str
) -> None:
    launched, url, _ = browser
    watched = _watched(launched, url, officer)
    watched.open("map")
    watched.page.select_option("#language", code)
    watched.until(
        f"return document.documentElement.lang === '{code}' && document.body.dataset.ready === 'true';"
    )
    left: dict[str, list[str]] = {}
    for view in VIEWS:
        watched.open(view)
        if found := _english_left(watched, code):
            left[view] = found
    _computed_layers(watched)
    if found := _english_left(watched, code):
        left["map with the risk layers"] = found
    _pattern_area(watched)
    if found := _english_left(watched, code):
        left["an area's pattern"] = found
    assert not left, f"English left in the {code} interface: {left}"
    watched.page.reload()  # the choice is remembered
    watched.until("return document.body.dataset.ready === 'true';")
    assert watched.page.evaluate("() => document.documentElement.lang") == code
    assert watched.remote == [] and watched.errors == []
    watched.page.context.close()


def test_approve_a_report_then_see_it_on_the_map_and_gone_before(
    browser: tuple[Any, str, Accounts], officer: dict[str, Any]
) -> None:
    """The click path of a verifier: approve an operator's report in the queue, follow the link to the new
    find on the map, see its revision (approved by the verifier) in the history panel, then move the time
    slider to the day before and see the find gone."""
    launched, url, accounts = browser
    watched = _watched(launched, url, officer)
    page = watched.page
    watched.open("approvals")
    page.click(f"button[data-decision='approve'][data-report='{accounts.report}']")
    watched.until("return document.querySelector('#approval-status a') !== null;")
    assert "approved" in page.inner_text("#approval-status")
    record = page.get_attribute("#approval-status a", "href").rsplit("/", 1)[-1]  # type: ignore[union-attr]
    page.click("#approval-status a")
    watched.until(
        "return document.body.dataset.view === 'map' && document.getElementById('feature-title') !== null;"
    )
    panel = page.inner_text(".feature-panel")
    assert record in panel and "approved by vera" in panel and accounts.report in panel
    rendered = (
        "const m = window.mineactionMap; if (!m || !m.loaded() || m.isMoving()) return null;"
        "return m.queryRenderedFeatures({layers: ['finds-circle'], "
        f"filter: ['==', ['get', 'id'], '{record}']}}).length;"
    )
    watched.until(f"const n = (() => {{ {rendered} }})(); return n > 0;")
    # the day before the approval: the map asks for the record as known then, and the find is not in it
    page.eval_on_selector(
        "#as-of", "(el) => { el.value = Number(el.max) - 1; el.dispatchEvent(new Event('change')); }"
    )
    watched.until(
        "const m = window.mineactionMap; if (!m.getSource('finds').tiles[0].includes('as_of=')) return false;"
        f"const n = (() => {{ {rendered} }})(); return n === 0;"
    )
    assert watched.remote == [] and watched.errors == []
    page.context.close()
