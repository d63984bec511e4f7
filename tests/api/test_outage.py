"""PostgreSQL stopped in the middle of a write load: requests get 503 with a clear message (never 500), the
server recovers by itself when the database is back, and every write it acknowledged is in the store."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from api_live import LiveServer, OwnPostgres, add_accounts

from mineaction.store import init_store, open_store


def _feature(i: int) -> str:
    return json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [46.9 + i * 1e-4, 39.5]},
            "properties": {
                "category": "UXO",
                "found_on": "2024-04-01",
                "depth_cm": float(i % 90),
                "source": "load",
            },
        }
    )


@pytest.mark.slow
@pytest.mark.postgis
def test_database_outage_gives_503_then_recovers_and_loses_no_acknowledged_write() -> None:
    pg = OwnPostgres()
    if pg.initdb is None or pg.pg_ctl is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl)")
    pg.init()
    pg.start()
    import psycopg

    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE outage")
    url = pg.url("outage")
    init_store(url).close()
    tokens = add_accounts(url)
    server = LiveServer(url, tokens=tokens)
    acknowledged: list[str] = []
    statuses: list[int] = []
    messages: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        headers = {"Authorization": f"Bearer {tokens['officer']}", "Content-Type": "application/geo+json"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    response = client.post("/collections/finds/items", content=_feature(i))
                except httpx.TransportError:
                    continue
                statuses.append(response.status_code)
                if response.status_code == 201:
                    acknowledged.append(response.headers["Location"].rsplit("/", 1)[1])
                elif response.status_code == 503:
                    messages.add(response.json()["description"])
                    assert response.headers["Retry-After"]

    worker = threading.Thread(target=load)
    try:
        worker.start()
        time.sleep(3)
        before = len(acknowledged)
        pg.stop()
        time.sleep(8)
        outage = list(statuses)
        pg.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(acknowledged) <= before + 5:
            time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=60)
        log = server.stop()
    assert before > 0 and len(acknowledged) > before + 5, "no recovery after the database came back"
    assert 503 in outage and 500 not in statuses, sorted(set(statuses))
    assert any("cannot be reached" in m for m in messages), messages
    assert "Traceback" not in log, log[-2000:]
    with open_store(url) as store:
        stored = set(store.read("finds")["id"])
    assert set(acknowledged) <= stored
    pg.stop()
    pg.remove()
