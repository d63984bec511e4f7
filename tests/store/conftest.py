"""Stores for the tests of whole-store copies and backups: the demo's store at the tiny scale (simulated once
a session), fresh empty PostgreSQL databases, and a writer that keeps changing a store."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import Point

SIMULATED = "SIMULATED test writer"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's GeoPackage store at the tiny scale (seed 0) with a history of updates and deletes, several
    versions of a document and settings; tests copy it before use."""
    from mineaction.io import import_file
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import IMPORTS, write_scenario
    from mineaction.store import init_store

    folder = tmp_path_factory.mktemp("demo")
    write_scenario(simulate(scale="tiny", seed=0), folder)
    path = folder / "demo.gpkg"
    with init_store(path) as store:
        store.set_setting("simulated", True)
        for kind, name in IMPORTS:
            import_file(store, folder / name, kind=kind, author="mineaction demo", reason="SIMULATED demo")
        hazards = store.read("hazardous_areas").head(3).copy()
        hazards["status"] = "released"
        hazards["recorded_at"] = "2024-05-01T09:30:00.250Z"
        store.write("hazardous_areas", hazards, author="qa.officer", reason="released", source_doc="QA-17")
        store.delete("finds", store.read("finds")["id"].tail(2).tolist(), author="qa.officer", reason="dup")
        for version in (1, 2):
            store.save_document("plans", "PL-test", {"v": version}, author="planner", reason=f"v{version}")
    return path


@pytest.fixture
def demo_gpkg(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny demo store."""
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Makes empty PostgreSQL databases (no extension, no schema) on the test server; all dropped after."""
    import psycopg

    made: list[str] = []
    base = postgres_url.rpartition("/")[0]

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return f"{base}/{name}"

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Writer(threading.Thread):
    """Keeps changing a store in its own connection, one transaction a step (a new find, a hazardous area
    updated, a document version, the ``writer_step`` setting), and after each step records the checksum of
    every table, so a backup can be compared with the store as it was after the step it holds."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.step = 0
        self.checksums: dict[int, dict[str, Any]] = {}
        self.error: BaseException | None = None
        self._stop_asked = threading.Event()

    def run(self) -> None:
        from mineaction.store import open_store
        from mineaction.store.transfer import store_checksums

        try:
            with open_store(self.url) as store:
                self.checksums[0] = store_checksums(store)  # type: ignore[arg-type]
                while not self._stop_asked.is_set():
                    self._change(store, self.step + 1)
                    self.checksums[self.step + 1] = store_checksums(store)  # type: ignore[arg-type]
                    self.step += 1
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _change(self, store: Any, k: int) -> None:
        find = gpd.GeoDataFrame(
            {"category": ["UXO"], "found_on": ["2024-06-01"], "source": [SIMULATED], "depth_cm": [float(k)]},
            geometry=[Point(46.5 + k * 1e-4, 39.5)],
            crs=4326,
        )
        with store.transaction():
            store.write("finds", find, author="writer", reason=f"step {k}")
            record = store.get("hazardous_areas", "HA-000001")
            record["status"] = "in_progress" if k % 2 else "open"
            hazard = gpd.GeoDataFrame([record], geometry="geometry", crs=4326)
            store.write("hazardous_areas", hazard, author="writer", reason=f"step {k}")
            store.save_document("notes", "writer", {"step": k}, author="writer", reason=f"step {k}")
            store.set_setting("writer_step", k)

    def wait_for(self, step: int, timeout_s: float = 120.0) -> None:
        """Block until the writer has finished ``step`` (or failed)."""
        waited = 0.0
        while self.step < step and self.error is None and waited < timeout_s:
            threading.Event().wait(0.05)
            waited += 0.05
        if self.error is not None:
            raise self.error
        assert self.step >= step, f"the writer reached step {self.step} only"

    def finish(self) -> None:
        """Stop after the current step and wait for the thread."""
        self._stop_asked.set()
        self.join(timeout=120)
        if self.error is not None:
            raise self.error


@pytest.fixture
def writer() -> Iterator[Callable[[str], Writer]]:
    """Starts a ``Writer`` on a store URL; every writer started is stopped after the test."""
    started: list[Writer] = []

    def start(url: str) -> Writer:
        thread = Writer(url)
        thread.start()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread._stop_asked.set()
        thread.join(timeout=120)
