"""Fixtures of the server tests: the tiny simulated scenario in a GeoPackage store and in PostGIS, each served
by a real ``mineaction serve`` process (uvicorn) on a free port of 127.0.0.1.

The stores mark every collection but those about people public, so the read tests need no token; the
write tests make stores of their own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mineaction.domain.schema import ENTITIES

PUBLIC = [k for k in ENTITIES if k not in ("victims", "survivor_needs", "survivor_services")]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``mineaction serve STORE`` in a child process; ``url`` is its base URL."""

    def __init__(self, store: str, *, env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.store = store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "mineaction"), "serve", store, "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server stopped: {self.process.stderr.read() if self.process.stderr else ''}"
                )
            try:
                if httpx.get(f"{self.url}/conformance", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within 60 s")

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err or ""


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
        store.set_setting("public_collections", PUBLIC)
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
        target.set_setting("public_collections", PUBLIC)
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def served(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A live server over the tiny store, once per back end."""
    store = str(request.getfixturevalue("tiny_store" if request.param == "gpkg" else "tiny_postgis"))
    server = LiveServer(store)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(served: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60) as c:
        yield c
