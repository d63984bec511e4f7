"""OGC API Features Part 4 on each back end: create, replace, update and delete through the domain validation
and the store's history (the author is the token's user), ETag/If-Match, and every write refused without
a token (401) or without the right (403), changing nothing; bad bodies get one clear 4xx."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_live import LiveServer, add_accounts

from mineaction.store import init_store, open_store

GEOJSON = {"Content-Type": "application/geo+json"}


def _feature(lon: float = 46.95, lat: float = 39.55, **props: object) -> dict:
    base = {"category": "AP", "model": "PMN-2", "found_on": "2023-05-01", "depth_cm": 8.0, "source": "test"}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {**base, **props},
    }


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def writable(
    request: pytest.FixtureRequest, tiny_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A small store of its own (200 finds of the tiny scenario) served live."""
    if request.param == "gpkg":
        url = str(tmp_path_factory.mktemp("writes") / "writes.gpkg")
        init_store(url).close()
    else:
        import psycopg

        admin = request.getfixturevalue("postgres_url")
        template = request.getfixturevalue("postgis_template")
        name = f"w_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        url = f"{admin.rpartition('/')[0]}/{name}"
    with open_store(tiny_store) as source, open_store(url) as target:
        target.write("finds", source.read("finds").head(200), author="test", reason="copy")
    server = LiveServer(url, tokens=add_accounts(url))
    yield server
    server.stop()


def _client(server: LiveServer, user: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.tokens[user]}"} if user else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


def _state(server: LiveServer) -> tuple[int, int]:
    with open_store(server.store) as store:
        return store.counts()["finds"], len(store.history("finds"))


def test_writes_without_a_token_get_401_and_change_nothing(writable: LiveServer) -> None:
    before = _state(writable)
    with _client(writable, None) as c:
        fid = c.get("/collections/finds/items", params={"limit": 1}).status_code  # finds are not public
        assert fid == 401
        body = json.dumps(_feature())
        for method, path in (
            ("POST", "/collections/finds/items"),
            ("PUT", "/collections/finds/items/EO-000001"),
            ("PATCH", "/collections/finds/items/EO-000001"),
            ("DELETE", "/collections/finds/items/EO-000001"),
        ):
            response = c.request(method, path, content=body, headers=GEOJSON)
            assert response.status_code == 401, method
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _state(writable) == before


def test_a_viewer_may_not_write(writable: LiveServer) -> None:
    before = _state(writable)
    with _client(writable, "analyst") as c:
        assert (
            c.post("/collections/finds/items", content=json.dumps(_feature()), headers=GEOJSON).status_code
            == 403
        )
        assert c.delete("/collections/finds/items/EO-000001").status_code == 403
    assert _state(writable) == before


def test_create_replace_update_delete_with_history_and_etags(writable: LiveServer) -> None:
    with _client(writable, "officer") as c:
        created = c.post(
            "/collections/finds/items", content=json.dumps(_feature(depth_cm=9.5)), headers=GEOJSON
        )
        assert created.status_code == 201, created.text
        location, etag = created.headers["Location"], created.headers["ETag"]
        fid = location.rsplit("/", 1)[1]
        read = c.get(location)
        assert read.json()["properties"]["depth_cm"] == 9.5 and read.headers["ETag"] == etag

        stale = c.put(
            location, content=json.dumps(_feature(depth_cm=11.0)), headers={**GEOJSON, "If-Match": '"0000"'}
        )
        assert stale.status_code == 412
        replaced = c.put(
            location, content=json.dumps(_feature(depth_cm=11.0)), headers={**GEOJSON, "If-Match": etag}
        )
        assert replaced.status_code == 204 and replaced.headers["ETag"] != etag
        patched = c.patch(
            location,
            content=json.dumps({"properties": {"model": "PMN-4"}}),
            headers={"Content-Type": "application/merge-patch+json", "If-Match": replaced.headers["ETag"]},
        )
        assert patched.status_code == 204
        after = c.get(location).json()["properties"]
        assert after["model"] == "PMN-4" and after["depth_cm"] == 11.0

        assert c.delete(location, headers={"If-Match": '"0000"'}).status_code == 412
        assert c.delete(location).status_code == 204
        assert c.get(location).status_code == 404
    with open_store(writable.store) as store:
        history = store.history("finds", fid)
    assert list(history["op"]) == ["insert", "update", "update", "delete"]
    assert set(history["author"]) == {"officer"}


@pytest.mark.parametrize(
    ("body", "headers", "status", "names"),
    [
        ("{not json", GEOJSON, 400, "JSON"),
        (
            '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 39.5]}, '
            '"properties": {}}',
            GEOJSON,
            400,
            "NaN",
        ),
        (json.dumps(_feature(lon=146.9)), GEOJSON, 422, "area of interest"),
        (json.dumps(_feature(bogus=1)), GEOJSON, 422, "bogus"),
        (json.dumps(_feature(depth_cm="deep")), GEOJSON, 422, "depth_cm"),
        (json.dumps(_feature(category=None)), GEOJSON, 422, "category"),
        (json.dumps(_feature()), {"Content-Type": "text/plain"}, 415, "application/geo+json"),
        (json.dumps({**_feature(), "id": "EO-999999"}), GEOJSON, 400, "PUT"),
        ("[1, 2]", GEOJSON, 400, "object"),
        ("x" * 11_000_000, GEOJSON, 413, "bytes"),
    ],
)
def test_bad_bodies_get_one_clear_4xx(
    writable: LiveServer, body: str, headers: dict, status: int, names: str
) -> None:
    before = _state(writable)
    with _client(writable, "officer") as c:
        response = c.post("/collections/finds/items", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert names in response.json()["description"]
    assert _state(writable) == before


def test_unknown_collection_and_feature(writable: LiveServer) -> None:
    with _client(writable, "officer") as c:
        assert (
            c.post("/collections/nope/items", content=json.dumps(_feature()), headers=GEOJSON).status_code
            == 404
        )
        assert (
            c.put(
                "/collections/finds/items/EO-999999", content=json.dumps(_feature()), headers=GEOJSON
            ).status_code
            == 404
        )
        assert c.delete("/collections/finds/items/EO-999999").status_code == 404
