"""Shared fixtures: a throwaway PostgreSQL/PostGIS server for the session and a ``store`` over every back end.

The PostGIS server: ``MINEACTION_TEST_POSTGRES_URL`` (a server you run) if set; otherwise one started here
with
``initdb``/``pg_ctl`` (from PATH or /usr/lib/postgresql/*/bin; as the ``postgres`` user when running as
root) on
a unix socket in a temporary folder and a free TCP port on 127.0.0.1, stopped at the end. Each test gets a
fresh
database copied from a template that already has the postgis extension. Without PostgreSQL binaries the
PostGIS tests skip with the reason, unless ``MINEACTION_REQUIRE_POSTGIS=1`` (CI), which turns that into a
failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEMPLATE_DB = "mineaction_template"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("MINEACTION_REQUIRE_POSTGIS") == "1":
        pytest.fail(f"PostGIS is required (MINEACTION_REQUIRE_POSTGIS=1) but {reason}", pytrace=False)
    pytest.skip(f"PostGIS tests skipped: {reason}")


class _Server:
    """A PostgreSQL server started for the test session in its own temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.user = "postgres" if self.as_postgres else os.environ.get("USER", "postgres")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)

    def start(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            _unavailable(
                "no PostgreSQL binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin; "
                "install postgresql-15-postgis-3 or set MINEACTION_TEST_POSTGRES_URL"
            )
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self.run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        self.run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.pg_ctl = pg_ctl

    def stop(self) -> None:
        self.run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def _admin_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server with PostGIS available (maintenance database)."""
    given = os.environ.get("MINEACTION_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix="mineaction-pg-"))
    server = _Server(root)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"the test server did not start: {exc.stderr.strip()[-400:]}")
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgis_template(postgres_url: str) -> str:
    """Name of a template database that already has the postgis extension and the mineaction schema."""
    psycopg = pytest.importorskip("psycopg")
    from mineaction.store import init_store

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
        if not available:
            _unavailable("the PostgreSQL server has no postgis extension; install postgresql-15-postgis-3")
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    init_store(_admin_url(postgres_url, TEMPLATE_DB)).close()
    return TEMPLATE_DB


@pytest.fixture
def postgis_url(postgres_url: str, postgis_template: str) -> Iterator[str]:
    """A fresh database with the mineaction schema, dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {postgis_template}")
    yield _admin_url(postgres_url, name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["gpkg", "memory", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an initialised, empty store of each back end."""
    if request.param == "gpkg":
        from mineaction.store import init_store

        path = tmp_path / "store.gpkg"
        init_store(path).close()
        return str(path)
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("postgis_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    """An open, empty store of each back end (GeoPackage file, memory, PostGIS)."""
    from mineaction.store import open_store

    opened = open_store(store_url, create=store_url == "memory://")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store_of() -> Iterator[Any]:
    """A factory of memory stores holding given frames (by kind), closed at the end of the test.

    ``store_of(frames, simulated=True)`` writes every non-empty frame and marks the store simulated.
    """
    from mineaction.store import open_store

    opened: list[Any] = []

    def make(frames: dict[str, Any], *, simulated: bool = False) -> Any:
        store = open_store("memory://")
        opened.append(store)
        if simulated:
            store.set_setting("simulated", True)
        for kind, data in frames.items():
            if data is not None and len(data):
                store.write(kind, data, author="test", reason="test fixture")
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def people_store(tmp_path: Path) -> str:
    """A GeoPackage store holding the example risk education report and victim assistance register
    (examples/, illustrative), two settlements they name, two accidents and their two survivors."""
    return _people_store(tmp_path)


@pytest.fixture(scope="module")
def module_people_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``people_store`` shared by the tests of one module."""
    return _people_store(tmp_path_factory.mktemp("people"))


def _people_store(tmp_path: Path) -> str:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from mineaction.io import import_file
    from mineaction.store import init_store

    examples = Path(__file__).resolve().parents[1] / "examples"
    who = {"author": "test", "reason": "people test store"}
    settlements = gpd.GeoDataFrame(
        {
            "id": ["ST-000101", "ST-000102"],
            "asset_kind": "settlement",
            "name": ["Illustrative village", "Illustrative town"],
            "district": ["Fuzuli", "Aghdam"],
            "families_planned": [40, 120],
            "target_on": ["2024-04-01", "2024-06-01"],
        },
        geometry=[shapely.Point(47.1512, 39.6023), shapely.Point(46.9354, 39.9917)],
        crs="EPSG:4326",
    )
    accidents = gpd.GeoDataFrame(
        {"id": ["AC-000077", "AC-000078"], "occurred_on": ["2023-01-20", "2024-04-20"]},
        geometry=[shapely.Point(47.16, 39.60), shapely.Point(46.94, 39.99)],
        crs="EPSG:4326",
    )
    victims = pd.DataFrame(
        {
            "id": ["VI-000201", "VI-000202"],
            "accident": ["AC-000077", "AC-000078"],
            "age": [44, 15],
            "sex": ["male", "female"],
            "outcome": ["injured", "injured"],
            "victim_group": ["civilian", "civilian"],
            "date_of_birth": ["1978-05-02", "2009-01-09"],
        }
    )
    path = str(tmp_path / "people.gpkg")
    with init_store(path) as store:
        store.write("assets", settlements, **who)
        store.write("accidents", accidents, **who)
        store.write("victims", victims, **who)
        for name, mapping in (
            ("risk_education_illustrative.csv", "risk_education_report.yaml"),
            ("victim_assistance_illustrative.csv", "victim_assistance_register.yaml"),
        ):
            import_file(store, examples / name, mapping=examples / "mappings" / mapping, **who)
    return path


@pytest.fixture(scope="session")
def tiny_twin() -> Any:
    """The tiny simulated twin (seed 0; SIMULATED data), built once per session for the tests that need it."""
    from mineaction.simulate import simulate

    return simulate(scale="tiny", seed=0)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium for the Playwright tests (never a downloaded browser); the tests skip without it,
    or fail when MINEACTION_REQUIRE_BROWSER=1 (as in CI)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "the playwright package is not installed (make install installs it)"
    else:
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        if found:
            return found
        reason = "no chromium binary (Debian package chromium; .ci/run installs it)"
    if os.environ.get("MINEACTION_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)
