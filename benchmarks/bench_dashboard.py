"""Benchmark: the dashboard's map with 100,000 finds in headless Chromium, vector tiles next to GeoJSON.

Writes the tiny simulated scenario (its districts and context layers are the basemap) and N simulated finds
spread over the districts' extent (every record says "simulated") into a GeoPackage store, or a PostGIS one
with ``--postgis`` (a throwaway server), serves it with ``mineaction serve`` on 127.0.0.1 and, in the same
run and the same browser (Debian's chromium, SwiftShader's WebGL, no GPU), for R cold page loads each (a new
browser context, so nothing is cached):

- **tiles** (the dashboard as built): from the start of navigation to the first frame with finds drawn, and
  to the map's first ``idle`` (every visible tile fetched, decoded and drawn); the server's tile cache is
  filled by a first load after the server starts, reported apart (``first_load_after_start``: every tile
  made from the store, on a server just started);
- **geojson** (the obvious alternative: a dashboard without a tile server): the same page asks for every find
  as GeoJSON through ``/collections/finds/items`` (pages of the server's maximum limit), adds them as one
  GeoJSON source and waits for the map's ``idle``; the time from the first request to that frame.

Target (issue 12): the first rendered map frame within 2 s. Writes ``<out>/dashboard.json``::

    python benchmarks/bench_dashboard.py [--n 100000] [--repeat 3] [--postgis] [--out bench-out]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
PASSWORD = "SIMULATED horse battery staple 7"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
# Runs in the page after the dashboard's map is idle: every find as GeoJSON, page by page, one source.
GEOJSON_RUN = """async () => {
  const map = window.mineactionMap;
  map.setLayoutProperty('finds-circle', 'visibility', 'none');
  const started = performance.now();
  const features = [];
  let next = '/collections/finds/items?limit=10000';
  while (next) {
    const page = await (await fetch(next, {headers: {Accept: 'application/geo+json'}})).json();
    features.push(...page.features);
    const link = (page.links || []).find((l) => l.rel === 'next');
    next = link ? link.href : null;
  }
  const fetched = performance.now();
  map.addSource('all-finds', {type: 'geojson', data: {type: 'FeatureCollection', features}});
  map.addLayer({id: 'all-finds', type: 'circle', source: 'all-finds',
    paint: {'circle-radius': 2, 'circle-color': '#5d4037'}});
  await new Promise((done) => map.once('idle', done));
  return {features: features.length, fetch_ms: fetched - started, total_ms: performance.now() - started};
}"""


def build_store(path: str, n: int) -> None:
    """The tiny scenario and ``n`` simulated finds over its districts' extent, with a viewer account."""
    from bench_import import simulated_finds

    from mineaction.access import add_organisation, add_user
    from mineaction.io import import_file
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import IMPORTS, write_scenario
    from mineaction.store import init_store

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
        write_scenario(simulate(scale="tiny", seed=0), Path(folder))
        with init_store(path) as store:
            store.set_setting("simulated", True)
            for kind, name in IMPORTS:
                if kind != "finds":
                    import_file(
                        store,
                        Path(folder) / name,
                        kind=kind,
                        author="bench",
                        reason="SIMULATED",
                        skip_invalid=True,
                    )
            west, south, east, north = store.read("admin_areas").total_bounds
            finds = simulated_finds(n, 7)
            rng = np.random.default_rng(7)
            finds["geometry"] = shapely.points(rng.uniform(west, east, n), rng.uniform(south, north, n))
            store.write("finds", finds, author="bench", reason="SIMULATED benchmark data")
            add_organisation(store, "BENCH", kind="other", name="benchmark")
            add_user(store, "analyst", role="viewer", organisation="BENCH", password=PASSWORD)


def sign_in(browser: Any, url: str) -> Any:
    """The viewer signed in through the page's form; the browser state with its session cookie."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/dashboard/#/approvals")
    _until(page, "ready")
    page.click("#signin")
    page.fill("#signin-name", "analyst")
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    _until(page, "signed")
    state = context.storage_state()
    context.close()
    return state


_CHECKS = {
    "ready": "return document.body.dataset.ready === 'true';",
    "signed": "return Boolean(document.getElementById('signout')) && document.body.dataset.ready === 'true';",
    "idle": "return window.mineactionFirstIdle || 0;",
    "finds": "return window.benchFirstFinds || 0;",
}
# Added to the page before its own scripts (by the browser's debugging protocol, not a script tag): the time
# of the first frame drawn after a tile of finds arrived.
FIRST_FINDS = """
const hook = setInterval(() => {
  const map = window.mineactionMap;
  if (!map) return;
  clearInterval(hook);
  let arrived = false;
  map.on('data', (e) => { if (e.sourceId === 'finds' && e.tile) arrived = true; });
  map.on('render', () => {
    if (arrived && !window.benchFirstFinds) window.benchFirstFinds = performance.now();
  });
}, 2);
"""


def _until(page: Any, check: str, timeout_s: float = 120) -> Any:
    """Poll a check (the page's CSP forbids Playwright's string predicates) every 20 ms."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(f"() => {{ {_CHECKS[check]} }}")
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"the page never satisfied {check!r}")


def one_load(browser: Any, url: str, state: Any) -> dict[str, Any]:
    """A cold load of the map view: tiles first, then the GeoJSON alternative in the same page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, storage_state=state)
    remote: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((url, "data:", "blob:"))
            else (remote.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    page.add_init_script(FIRST_FINDS)
    page.goto(f"{url}/dashboard/#/map")
    first_finds = _until(page, "finds")
    idle = _until(page, "idle")
    drawn = page.evaluate(
        "() => window.mineactionMap.queryRenderedFeatures({layers: ['finds-circle']}).length"
    )
    geojson = page.evaluate(GEOJSON_RUN)
    context.close()
    return {
        "tiles_first_finds_frame_ms": round(first_finds, 1),
        "tiles_first_idle_ms": round(idle, 1),
        "tiles_finds_drawn": drawn,
        "geojson_fetch_ms": round(geojson["fetch_ms"], 1),
        "geojson_idle_ms": round(geojson["total_ms"], 1),
        "geojson_features": geojson["features"],
        "requests_off_loopback": len(remote),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgis", action="store_true", help="a throwaway PostGIS store, not a GeoPackage")
    parser.add_argument("--out", type=Path, default=HERE.parent / "bench-out")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("no chromium binary: install the Debian package chromium")
    from bench_server import Postgres, Served, free_port
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    pg = Postgres() if args.postgis else None
    try:
        if pg:
            import psycopg

            with psycopg.connect(pg.admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
        store = pg.url if pg else str(folder / "dashboard.gpkg")
        started = time.perf_counter()
        build_store(store, args.n)
        load_s = time.perf_counter() - started
        port = free_port()
        command = [str(BIN / "mineaction"), "serve", store, "--port", str(port)]
        server = Served("mineaction", command, {}, port, "/", "/conformance")
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
                state = sign_in(browser, server.base)
                # The first load warms the server (imports, store caches) and fills its tile cache: kept apart
                # from the R counted loads, whose tiles come from that cache as a second viewer's would.
                first = one_load(browser, server.base, state)
                runs = [one_load(browser, server.base, state) for _ in range(args.repeat)]
                browser.close()
        finally:
            server.stop()
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    result = {
        "n_finds": args.n,
        "store": "postgis" if args.postgis else "geopackage",
        "store_load_s": round(load_s, 1),
        "repeat": args.repeat,
        "median": median,
        "runs": runs,
        "first_load_after_start": first,
        "target": "first rendered map frame with the finds under 2,000 ms",
        "note": "SIMULATED data; headless Debian chromium, SwiftShader (no GPU); cold cache each run",
    }
    (args.out / "dashboard.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
