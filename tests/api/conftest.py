"""Fixtures of the server tests: the tiny simulated scenario in a GeoPackage store and in PostGIS, each served
by a real ``mineaction serve`` process (uvicorn) on a free port of 127.0.0.1.

Each store has an authority (ANAMA) with a viewer (``analyst``) and a verifier (``officer``) and an API token
for each; ``client`` reads with the analyst's token, ``anonymous`` with none. The write tests make stores of
their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_live import LiveServer, add_accounts

from mineaction.domain.schema import ENTITIES


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny simulated scenario (seed 0) in a GeoPackage store, every kind but victims public."""
    from mineaction.io import import_file
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import IMPORTS, write_scenario
    from mineaction.store import init_store

    out = tmp_path_factory.mktemp("api-tiny")
    write_scenario(simulate(scale="tiny", seed=0), out)
    path = out / "tiny.gpkg"
    with init_store(path) as store:
        for kind, name in IMPORTS:
            import_file(store, out / name, kind=kind, author="test", reason="SIMULATED", skip_invalid=True)
    return path


@pytest.fixture(scope="session")
def tiny_postgis(tiny_store: Path, postgres_url: str, postgis_template: str) -> Iterator[str]:
    """The same records written into a PostGIS database of their own."""
    import psycopg

    from mineaction.store import open_store

    name = f"api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {postgis_template}")
    url = f"{postgres_url.rpartition('/')[0]}/{name}"
    with open_store(tiny_store) as source, open_store(url) as target:
        for kind in ENTITIES:
            target.write(kind, source.read(kind, include_personal=True), author="test", reason="copy")
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def served(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A live server over the tiny store, once per back end."""
    store = str(request.getfixturevalue("tiny_store" if request.param == "gpkg" else "tiny_postgis"))
    server = LiveServer(store, tokens=add_accounts(store))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(served: LiveServer) -> Iterator[httpx.Client]:
    """A client reading with the viewer's token."""
    headers = {"Authorization": f"Bearer {served.tokens['analyst']}"}
    with httpx.Client(base_url=served.url, timeout=60, headers=headers) as c:
        yield c


@pytest.fixture(scope="session")
def anonymous(served: LiveServer) -> Iterator[httpx.Client]:
    """A client without credentials (the public)."""
    with httpx.Client(base_url=served.url, timeout=60) as c:
        yield c
