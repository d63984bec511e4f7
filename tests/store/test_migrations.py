"""Schema migrations: recorded in the store, applied in order and in one transaction, never downgraded."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pytest

from mineaction.errors import SchemaError
from mineaction.store import MemoryStore, init_store, latest_version, migrations, open_store, schema_version


def test_a_new_store_records_every_step(tmp_path: Path) -> None:
    with init_store(tmp_path / "s.gpkg") as store:
        assert schema_version(store) == latest_version() == migrations.MIGRATIONS[-1].version
        rows = store.query("SELECT version, description FROM mineaction_schema_version ORDER BY version")
    assert [r[0] for r in rows] == [m.version for m in migrations.MIGRATIONS]
    with init_store(tmp_path / "s.gpkg") as again:  # init on an existing store keeps it
        assert again.query("SELECT COUNT(*) FROM mineaction_schema_version")[0][0] == len(rows)


def _add_step(monkeypatch: pytest.MonkeyPatch, apply) -> None:
    step = migrations.Migration(latest_version() + 1, "test step", apply)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step))


def test_opening_an_older_store_applies_the_missing_steps(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.gpkg"
    init_store(path).close()
    _add_step(
        monkeypatch, lambda store: store.execute("CREATE TABLE extra (fid INTEGER PRIMARY KEY, x TEXT)")
    )
    with open_store(path) as store:
        assert schema_version(store) == latest_version()
        assert store.table_exists("extra")


def test_a_failing_step_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.gpkg"
    init_store(path).close()
    before = path.read_bytes()

    def broken(store) -> None:
        store.execute("CREATE TABLE half_done (x TEXT)")
        raise RuntimeError("step failed")

    _add_step(monkeypatch, broken)
    with pytest.raises(RuntimeError, match="step failed"):
        open_store(path)
    assert path.read_bytes() == before


def test_memory_store_opens_ready_and_a_bare_database_is_refused() -> None:
    with open_store("memory://") as store:
        assert schema_version(store) == latest_version()
    bare = MemoryStore()  # a connection without the schema
    with pytest.raises(SchemaError, match="no mineaction schema; run `mineaction init memory://`"):
        migrations.require_current(bare)
    bare.close()


# --- step 2: risk education, survivors' needs and services, victims' date of birth -------------------------

_PEOPLE_KINDS = ("risk_education", "survivor_needs", "survivor_services")


def _version_1_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this code define the schema of version 1 (without the kinds and fields of step 2)."""
    from mineaction.domain import schema
    from mineaction.store import sql

    victims = schema.ENTITIES["victims"]
    old_victims = dataclasses.replace(
        victims, fields=tuple(f for f in victims.fields if f.name != "date_of_birth")
    )
    v1 = {
        k: (old_victims if k == "victims" else s)
        for k, s in schema.ENTITIES.items()
        if k not in _PEOPLE_KINDS
    }
    monkeypatch.setattr(schema, "ENTITIES", MappingProxyType(v1))
    monkeypatch.setattr(sql, "ENTITIES", MappingProxyType(v1))
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])


def _victims() -> pd.DataFrame:
    # two identical reports (a repeat within one write) and one more
    return pd.DataFrame(
        {
            "accident": ["AC-000001", "AC-000001", "AC-000002"],
            "age": [34, 34, 12],
            "sex": ["male", "male", "female"],
            "outcome": ["injured", "injured", "killed"],
            "name": [None, None, "SIMULATED name"],
        }
    )


@pytest.fixture
def bare_postgis_url(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (no mineaction schema), dropped after the test."""
    psycopg = pytest.importorskip("psycopg")
    name = f"t_v1_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("url", ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_a_version_1_store_gains_the_new_kinds_and_keeps_its_keys(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    target = str(tmp_path / "v1.gpkg") if url == "gpkg" else request.getfixturevalue("bare_postgis_url")
    with monkeypatch.context() as patch:
        _version_1_schema(patch)
        with init_store(target) as old:
            assert schema_version(old) == 1
            assert not old.table_exists("risk_education")
            first = old.write("victims", _victims(), author="t", reason="v1 register")
            assert len(first.inserted) == 3
    with open_store(target) as store:
        assert schema_version(store) == latest_version()
        for kind in _PEOPLE_KINDS:
            assert store.table_exists(kind) and store.table_exists(f"{kind}_history")
            assert store.counts()[kind] == 0
        assert "date_of_birth" in store.column_names("victims_personal_history")
        again = store.write("victims", _victims(), author="t", reason="same register after the upgrade")
        assert (again.inserted, again.updated, again.unchanged) == ((), (), 3)
        dated = _victims().iloc[[2]].assign(id=first.inserted[2], date_of_birth="2011-04-02")
        assert store.write("victims", dated, author="t", reason="date of birth").updated == (
            first.inserted[2],
        )
        session = pd.DataFrame(
            {
                "delivered_on": ["2024-03-01"],
                "organisation": ["ANAMA"],
                "method": ["face_to_face"],
                "girls": [9],
            }
        )
        assert store.write("risk_education", session, author="t", reason="EORE").inserted == ("RE-000001",)
        assert store.get("victims", first.inserted[2])["date_of_birth"] is None  # personal: not unless asked


# --- step 8: source references ----------------------------------------------------------------------------


_SOURCE_REFS = next(m.version for m in migrations.MIGRATIONS if "source_ref" in m.description)


def _before_source_refs(store) -> None:
    """Turn a new store into one made before source references (the schema version before that step)."""
    from mineaction.domain.schema import ENTITIES

    for kind in ENTITIES:
        store.execute(f"DROP INDEX {kind}_source_ref")
        for table in (kind, f"{kind}_history"):
            store.execute(f"ALTER TABLE {table} DROP COLUMN source_ref")
    store.execute(f"DELETE FROM mineaction_schema_version WHERE version >= {_SOURCE_REFS}")


def test_a_store_made_before_source_references_gains_them_and_keeps_its_records(store_url: str) -> None:
    import geopandas as gpd
    import shapely

    if store_url == "memory://":
        pytest.skip("a memory store cannot be reopened")
    finds = gpd.GeoDataFrame(
        {"category": ["AP"], "found_on": ["2022-05-01"]}, geometry=[shapely.Point(46.5, 40.0)], crs=4326
    )
    with open_store(store_url) as store:
        store.write("finds", finds, author="tester", reason="before the upgrade")
        _before_source_refs(store)
        assert schema_version(store) == _SOURCE_REFS - 1 and "source_ref" not in store.column_names("finds")
        assert store.read("finds")["source_ref"].isna().all()  # read as missing until the step runs
    with open_store(store_url) as store:  # opening applies the missing step
        assert schema_version(store) == latest_version()
        assert {"source_ref"} <= store.column_names("finds") & store.column_names("finds_history")
        assert store.read("finds")["id"].tolist() == ["EO-000001"]
        assert store.write("finds", finds, author="tester", reason="again").unchanged == 1  # keys kept
        tagged = finds.assign(source="Operator ABC", source_ref="OP-ABC-17")
        assert store.write("finds", tagged, author="tester", reason="with a reference").inserted
        again = tagged.assign(condition="damaged")
        assert store.write("finds", again, author="tester", reason="later report").updated == ("EO-000002",)
