"""The dashboard's server side through a real client: the page and its assets with a CSP that allows this
origin only, browser sign-in (secure cookie, CSRF token, second factor, sign-out), tiles and histories under
the access rules, and the figures endpoints (casualty counts under 5 hidden without the personal-data
permission)."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from dashboard_accounts import PASSWORD, Accounts

from mineaction.access import COOKIE_NAME

pytestmark = pytest.mark.slow


def _sign_in(url: str, name: str, code: str | None = None) -> tuple[dict[str, str], str]:
    """(headers carrying the session cookie, CSRF token) after a browser sign-in."""
    form = {"name": name, "password": PASSWORD, **({"code": code} if code else {})}
    answer = httpx.post(f"{url}/dashboard/session", json=form, timeout=60)
    assert answer.status_code == 200, answer.text
    cookie = SimpleCookie(answer.headers["set-cookie"])[COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/" and not cookie["domain"]
    return {"Cookie": f"{COOKIE_NAME}={cookie.value}"}, answer.json()["csrf"]


def test_page_and_assets_allow_this_origin_only(dashboard: tuple[object, Accounts]) -> None:
    server, _ = dashboard
    url = server.url  # type: ignore[attr-defined]
    page = httpx.get(f"{url}/dashboard/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "http" not in csp and "*" not in csp  # no other origin, no wildcard
    assert page.headers["x-frame-options"] == "DENY"
    assert httpx.get(f"{url}/dashboard", timeout=30).status_code == 308
    script = httpx.get(f"{url}/dashboard/static/dashboard.js", timeout=30)
    assert script.headers["content-type"].startswith("text/javascript") and len(script.content) > 100_000
    again = httpx.get(
        f"{url}/dashboard/static/dashboard.js", headers={"If-None-Match": script.headers["etag"]}, timeout=30
    )
    assert again.status_code == 304
    assert script.headers["content-encoding"] == "gzip"  # httpx accepts gzip and reads it back
    static = Path(__file__).resolve().parents[2] / "src/mineaction/web/static"
    chunk = next(p.name for p in static.glob("views-*.js"))  # a chunk named by its content's hash
    kept = httpx.get(f"{url}/dashboard/static/{chunk}", timeout=30)
    assert kept.status_code == 200 and "immutable" in kept.headers["cache-control"]
    worker = httpx.get(f"{url}/dashboard/static/maplibre-gl-worker.mjs", timeout=30)
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    for sneaky in ("../api/app.py", "..%2F..%2Fsettings.py", "nothing.js"):
        assert httpx.get(f"{url}/dashboard/static/{sneaky}", timeout=30).status_code == 404
    for remote in ("https://", "http://", "//fonts.", "cdn"):
        assert remote not in page.text


def test_sign_in_with_second_factor_and_sign_out(dashboard: tuple[object, Accounts]) -> None:
    server, accounts = dashboard
    url = server.url  # type: ignore[attr-defined]
    anonymous = httpx.get(f"{url}/dashboard/session", timeout=30).json()
    assert anonymous["user"] is None and anonymous["csrf"] is None and anonymous["simulated"] is True
    no_code = httpx.post(f"{url}/dashboard/session", json={"name": "vera", "password": PASSWORD}, timeout=60)
    assert no_code.status_code == 401 and "set-cookie" not in no_code.headers
    wrong = httpx.post(
        f"{url}/dashboard/session", json={"name": "ana", "password": "not it at all"}, timeout=60
    )
    assert wrong.status_code == 401
    assert httpx.post(f"{url}/dashboard/session", content=b"name=ana", timeout=30).status_code == 415
    extra = httpx.post(
        f"{url}/dashboard/session", json={"name": "a", "password": "b", "role": "admin"}, timeout=30
    )
    assert extra.status_code == 400
    headers, csrf = _sign_in(url, "vera", accounts.code())
    me = httpx.get(f"{url}/dashboard/session", headers=headers, timeout=30).json()
    assert me["user"]["name"] == "vera" and me["user"]["role"] == "verifier" and me["csrf"] == csrf
    # a change without the CSRF token is refused and the session lives on
    assert httpx.delete(f"{url}/dashboard/session", headers=headers, timeout=30).status_code == 403
    assert httpx.get(f"{url}/dashboard/session", headers=headers, timeout=30).json()["user"]["name"] == "vera"
    out = httpx.delete(f"{url}/dashboard/session", headers={**headers, "X-CSRF-Token": csrf}, timeout=30)
    assert out.status_code == 204
    assert httpx.get(f"{url}/dashboard/session", headers=headers, timeout=30).status_code == 401


def test_tiles_and_history_follow_the_access_rules(dashboard: tuple[object, Accounts]) -> None:
    server, _ = dashboard
    url = server.url  # type: ignore[attr-defined]
    tile = f"{url}/collections/{{kind}}/tiles/WebMercatorQuad/8/97/161"
    public = httpx.get(tile.format(kind="hazardous_areas"), timeout=60)
    assert (
        public.status_code == 200 and public.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    )
    assert httpx.get(tile.format(kind="finds"), timeout=60).status_code == 401
    assert httpx.get(tile.format(kind="victims"), timeout=60).status_code == 404
    assert (
        httpx.get(f"{url}/collections/hazardous_areas/tiles/WebMercatorQuad/8/999/0", timeout=60).status_code
        == 400
    )
    headers, _ = _sign_in(url, "ana")
    finds = httpx.get(tile.format(kind="finds"), headers=headers, timeout=60)
    assert finds.status_code == 200 and len(finds.content) > 1000
    unchanged = httpx.get(
        tile.format(kind="finds"), headers={**headers, "If-None-Match": finds.headers["etag"]}, timeout=60
    )
    assert unchanged.status_code == 304
    before = httpx.get(tile.format(kind="finds") + "?as_of=2020-01-01", headers=headers, timeout=60)
    assert before.status_code == 204  # nothing had been found before the first survey
    assert (
        httpx.get(tile.format(kind="finds") + "?as_of=yesterday", headers=headers, timeout=60).status_code
        == 400
    )
    history = httpx.get(f"{url}/collections/hazardous_areas/items/HA-000001/history", timeout=60).json()
    assert history["revisions"][0]["op"] == "insert" and history["revisions"][0]["author"] == "test"
    assert "geometry" not in history["revisions"][0]
    assert httpx.get(f"{url}/collections/finds/items/EO-000001/history", timeout=60).status_code == 401
    assert (
        httpx.get(f"{url}/collections/hazardous_areas/items/HA-999999/history", timeout=60).status_code == 404
    )
    span = httpx.get(f"{url}/history-span", timeout=60).json()
    assert span["first"] < span["last"]


def _count_cells(payload: object) -> list[object]:
    text = json.dumps(payload)
    return [token for token in ('"<5"',) if token in text]


def test_figures_with_small_counts_hidden_unless_permitted(dashboard: tuple[object, Accounts]) -> None:
    server, accounts = dashboard
    url = server.url  # type: ignore[attr-defined]
    public = httpx.get(f"{url}/casualties", timeout=60).json()
    assert public["small_counts_hidden"] is True and _count_cells(public["by"])
    small = [
        row[name]
        for rows in public["by"].values()
        for row in rows
        for name in ("casualties", "killed", "injured")
        if isinstance(row[name], int)
    ]
    assert all(value == 0 or value >= 5 for value in small)
    assert not any(key in json.dumps(public) for key in ('"name"', '"age"', "date_of_birth"))
    headers, _ = _sign_in(url, "vera", accounts.code())
    permitted = httpx.get(f"{url}/casualties", headers=headers, timeout=60).json()
    assert permitted["small_counts_hidden"] is False and not _count_cells(permitted["by"])
    release = httpx.get(f"{url}/land-release", timeout=60).json()
    assert release["totals"]["released_m2"] > 0 and release["simulated"] is True
    assert [row["year"] for row in release["by"]["year"]] == sorted(
        row["year"] for row in release["by"]["year"]
    )
    funding = httpx.get(f"{url}/funding", timeout=60).json()
    share = funding["foreign_share_interval"]
    assert share["low"] <= funding["totals"]["foreign_share"] <= share["high"]
    assert httpx.get(f"{url}/funding?year=2022", timeout=60).status_code == 400


def test_bundle_is_built_from_the_sources_in_the_repository() -> None:
    """The committed bundle is rebuilt (`make web`) whenever a source, a catalogue or the lock changes."""
    import hashlib

    root = Path(__file__).resolve().parents[2]
    manifest = json.loads((root / "src/mineaction/web/static/build.json").read_text())
    stale = [
        name
        for name, digest in manifest["inputs"].items()
        if hashlib.sha256((root / "web" / name).read_bytes()).hexdigest() != digest
    ]
    assert not stale, f"rebuild the dashboard with `make web`: changed since the bundle was built: {stale}"
    sources = {f"src/{p.name}" for p in (root / "web/src").iterdir()} | {
        f"messages/{p.name}" for p in (root / "web/messages").iterdir()
    }
    assert sources <= set(manifest["inputs"]), "a new source file is not part of the bundle"
    static = root / "src/mineaction/web/static"
    assert all(p.stat().st_size < 5_000_000 for p in static.iterdir())
