"""Whole-store copies between back ends: every table arrives as it was (history, documents, settings,
counters, sequences), checked; a table added by a migration travels too; bad sources and busy destinations
are refused and leave the destination as it was."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner
from pandas.testing import assert_frame_equal
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_scenes import small_store  # noqa: E402

from mineaction.cli.main import cli
from mineaction.domain.schema import ENTITIES
from mineaction.errors import ConfigError, InputError, SchemaError, StoreError
from mineaction.store import PostGISStore, copy_store, latest_version, migrations, open_store, schema_version
from mineaction.store.catalog import NOT_COPIED, Table, describe_tables, list_tables, store_tables
from mineaction.store.copy import copy_between
from mineaction.store.gpkg import GeoPackageStore, gpkg_blobs
from mineaction.store.sql import SQLStore
from mineaction.store.transfer import store_checksums

# Rows for a table whose constraints refuse the generic sample values below: {table: [row, ...]}, each row
# a {column: value} for every column, in the SQLite form (GeoPackage blobs for geometries).
SAMPLE_ROWS: dict[str, list[dict[str, Any]]] = {}


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _assess(url: str) -> dict[str, Any]:
    return dict(json.loads(_run("records", "assess", url, "--json")))


def _documents(store: Any) -> list[tuple[Any, ...]]:
    return store.query(
        "SELECT fid, collection, key, version, saved_at, author, reason, payload FROM mineaction_documents "
        "ORDER BY fid"
    )


@pytest.mark.slow
@pytest.mark.postgis
def test_the_demo_store_goes_to_postgis_and_back_with_its_history(
    demo_gpkg: Path, postgis_url: str, tmp_path: Path
) -> None:
    before = _assess(str(demo_gpkg))
    there = json.loads(_run("copy", str(demo_gpkg), postgis_url, "--json"))
    assert there["verified"] and there["rows"] == sum(t["rows"] for t in there["tables"]) > 5000
    assert there["left_behind"] == {}  # every table the demo's store holds is the schema's
    assert _assess(postgis_url) == before
    back = tmp_path / "back.gpkg"
    assert "counts and checksums match" in _run("copy", postgis_url, str(back))
    assert _assess(str(back)) == before

    with open_store(demo_gpkg) as a, open_store(postgis_url) as p, open_store(back) as b:
        for kind in ENTITIES:
            history = a.history(kind, include_personal=True)
            assert_frame_equal(history, p.history(kind, include_personal=True))
            assert_frame_equal(history, b.history(kind, include_personal=True))
            assert_frame_equal(a.read(kind, as_of=date(2023, 6, 30)), p.read(kind, as_of=date(2023, 6, 30)))
        assert len(a.history("hazardous_areas")) > len(a.read("hazardous_areas"))  # updates were kept
        assert _documents(a) == _documents(p) == _documents(b)  # type: ignore[arg-type]
        assert store_checksums(a) == store_checksums(b)  # type: ignore[arg-type]
        assert store_checksums(a, like=p) == store_checksums(p, like=a)  # type: ignore[arg-type]
        assert b.get_setting("simulated") is True and b.list_documents("plans") == ["PL-test"]
        n_finds = len(b.read("finds"))
    # the copy is a GeoPackage GDAL reads, with sound spatial indexes
    assert len(pyogrio.read_dataframe(back, layer="finds")) == n_finds
    with sqlite3.connect(back) as conn:
        for (table,) in conn.execute("SELECT table_name FROM gpkg_geometry_columns"):
            assert conn.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone()[0] == "ok"
            count = conn.execute(f"SELECT COUNT(*) FROM rtree_{table}_geom").fetchone()[0]
            assert count == conn.execute(f"SELECT COUNT(geom) FROM {table}").fetchone()[0]


# --- every table, whoever added it -------------------------------------------------------------------------


def _sample_value(table: Table, column: str, i: int) -> Any:
    kind = table.column(column).kind
    samples = {
        "int": 1000 + i,
        "float": i + 0.25,
        "bool": i % 2 == 0,
        "text": f"{table.name}.{column}.{i}",
        "date": f"2023-0{i + 1}-1{i}",
        "instant": f"2023-0{i + 1}-1{i}T10:0{i}:00.{i}25Z",
        "blob": gpkg_blobs(*_point(i))[0],  # a GeoPackage blob also stands for a geometry kept as a BLOB
        "geometry": gpkg_blobs(*_point(i))[0],
    }
    return samples[kind]


def _point(i: int) -> tuple[Any, list[bytes]]:
    import numpy as np
    import shapely

    shapes = np.array([Point(46.5 + i / 100, 39.5 - i / 100)], dtype=object)
    return shapes, list(shapely.to_wkb(shapes, byte_order=1, flavor="iso").tolist())


def _fill_every_table(store: SQLStore) -> list[str]:
    """Add three sample rows to every empty table of the store (foreign keys pointing at sample rows); the
    tables a new store fills (schema version, counters) keep their rows."""
    tables = {t.name: t for t in describe_tables(store, store_tables())}
    done: list[str] = []

    def fill(table: Table) -> None:
        if table.name in done:
            return
        if store.query(f'SELECT 1 FROM "{table.name}" LIMIT 1'):
            done.append(table.name)
            return
        refs = {r[3]: (r[2], r[4]) for r in store.query(f'PRAGMA foreign_key_list("{table.name}")')}
        for target, _ in refs.values():
            if target in tables and target != table.name:
                fill(tables[target])
        rows = SAMPLE_ROWS.get(table.name) or [
            {
                c.name: _sample_value(
                    tables[refs[c.name][0]] if c.name in refs else table,
                    (refs[c.name][1] or tables[refs[c.name][0]].key[0]) if c.name in refs else c.name,
                    i,
                )
                for c in table.columns
            }
            for i in range(3)
        ]
        names = list(rows[0])
        try:
            store.executemany(
                f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})',
                [[row[n] for n in names] for row in rows],
            )
        except sqlite3.Error as exc:
            pytest.fail(
                f"table {table.name} refuses the sample rows ({exc}); add rows to SAMPLE_ROWS in {__file__}"
            )
        done.append(table.name)

    for table in tables.values():
        fill(table)
    return done


@pytest.mark.parametrize("through", ["memory", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_every_table_of_the_schema_is_carried(through: str, request: pytest.FixtureRequest) -> None:
    with open_store("memory://") as source, open_store("memory://") as final:
        filled = _fill_every_table(source)  # type: ignore[arg-type]
        if through == "postgis":
            url = request.getfixturevalue("postgis_url")
            with open_store(url) as middle:
                copy_between(source, middle)  # type: ignore[arg-type]
                result = copy_between(middle, final)  # type: ignore[arg-type]
        else:
            result = copy_between(source, final)  # type: ignore[arg-type]
        carried = {t.table for t in result.tables}
        assert carried == set(store_tables()) - set(NOT_COPIED) == set(filled) - set(NOT_COPIED)
        assert all(t.rows >= 1 for t in result.tables)
        assert all(NOT_COPIED.values()), "every table left out of copies says why"
        assert store_checksums(source) == store_checksums(final)  # type: ignore[arg-type]
        assert set(list_tables(final)) >= carried  # type: ignore[arg-type]


def _add_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that adds a table of every column type and one row in it."""

    def add_jobs(store: SQLStore) -> None:
        t = store.column_type
        store.execute(
            f"CREATE TABLE test_jobs ({store.serial_key()}, name TEXT NOT NULL, due {t('date')}, "
            f"started {t('datetime')}, done {t('bool')}, tries {t('int')}, load {t('float')}, "
            f"spec {t('json')})"
        )
        store.register_table("test_jobs", None)
        store.execute(
            "INSERT INTO test_jobs (name, due, started, done, tries, load, spec) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("risk fit", "2024-01-02", "2024-01-02T03:04:05.678Z", True, 3, 0.5, '{"a": [1, 2]}'),
        )

    step = migrations.Migration(latest_version() + 1, "test jobs table", add_jobs)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step))


def test_a_table_a_new_migration_adds_is_carried_and_an_older_source_arrives_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "old.gpkg"
    with open_store(source, create=True) as store:
        store.set_setting("aoi", [44.5, 38.3, 50.9, 41.95])
    before = source.read_bytes()
    _add_step(monkeypatch)
    result = copy_store(source, tmp_path / "new.gpkg")
    assert (result.source_version, result.schema_version) == (latest_version() - 1, latest_version())
    assert "test_jobs" in {t.table for t in result.tables}
    assert source.read_bytes() == before  # the source itself was not migrated
    with open_store(tmp_path / "new.gpkg") as copied:
        row = copied.query("SELECT name, due, started, done FROM test_jobs")  # type: ignore[attr-defined]
        assert row == [("risk fit", "2024-01-02", "2024-01-02T03:04:05.678Z", 1)]
        assert copied.get_setting("aoi") == [44.5, 38.3, 50.9, 41.95]


@pytest.mark.postgis
def test_an_older_postgis_store_and_a_new_table_travel_to_a_geopackage(
    postgis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(postgis_url) as store:
        store.write("finds", _finds(4), author="a", reason="r")
        store.execute("CREATE TABLE field_notes (note TEXT)")  # type: ignore[attr-defined]
    _add_step(monkeypatch)  # the database is now one version behind
    result = copy_store(postgis_url, tmp_path / "new.gpkg")
    rows = {t.table: t.rows for t in result.tables}
    assert result.source_version == latest_version() - 1 and rows["test_jobs"] == 1 and rows["finds"] == 4
    assert result.left_behind == {"field_notes": "not part of the mineaction schema"}
    with contextlib.closing(PostGISStore(postgis_url)) as untouched:  # upgraded only for the copy
        assert schema_version(untouched) == latest_version() - 1 and not untouched.table_exists("test_jobs")
    with open_store(postgis_url) as store:  # opening migrates it (on PostGIS); now it copies as it is
        again = copy_store(postgis_url, tmp_path / "again.gpkg")
        assert again.source_version == latest_version()
        with open_store(tmp_path / "again.gpkg") as copied:
            assert store_checksums(store, like=copied) == store_checksums(copied, like=store)  # type: ignore[arg-type]


# --- counters and sequences --------------------------------------------------------------------------------


def _finds(n: int, start: int = 0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "category": ["AP"] * n,
            "found_on": ["2023-04-05"] * n,
            "depth_cm": [float(start + i) for i in range(n)],
        },
        geometry=[Point(46.5 + (start + i) / 1000, 39.6) for i in range(n)],
        crs=4326,
    )


@pytest.mark.parametrize("target", ["memory", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_ids_and_revisions_continue_where_the_source_left_off(
    target: str, request: pytest.FixtureRequest
) -> None:
    url = "memory://" if target == "memory" else request.getfixturevalue("postgis_url")
    with open_store("memory://") as source, open_store(url) as copy:
        written = source.write("finds", _finds(5), author="a", reason="r")
        source.delete("finds", list(written.inserted[-2:]), author="a", reason="wrong")
        result = copy_between(source, copy)  # type: ignore[arg-type]
        assert result.sequences["finds"] >= 5 and result.sequences["finds_history"] == 7
        ids = [s.write("finds", _finds(1, start=9), author="a", reason="r").inserted for s in (source, copy)]
        assert ids[0] == ids[1] == ("EO-000006",)  # the counter moved past the deleted ids in both
        revisions = [s.history("finds")["revision"].max() for s in (source, copy)]
        assert revisions[0] == revisions[1] == 8


@pytest.fixture
def field_gpkg(tmp_path: Path) -> Path:
    """A small hand-made store with a history of an update and a delete."""
    return Path(small_store(str(tmp_path / "field.gpkg")))


# --- refusals ----------------------------------------------------------------------------------------------


def test_a_destination_holding_data_is_refused_unless_replaced(field_gpkg: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.gpkg"
    with open_store(other, create=True) as store:
        store.write("finds", _finds(3), author="a", reason="r")
    before = other.read_bytes()
    with pytest.raises(StoreError, match="already holds data .*add --replace"):
        copy_store(field_gpkg, other)
    assert other.read_bytes() == before
    result = copy_store(field_gpkg, other, replace=True)
    assert result.replaced
    with open_store(field_gpkg) as a, open_store(other) as b:
        assert store_checksums(a) == store_checksums(b)  # type: ignore[arg-type]
    assert not list(tmp_path.glob(".*.partial*"))


def test_an_empty_new_store_is_filled_without_asking(field_gpkg: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.gpkg"
    _run("init", str(fresh), "--aoi", "44.5,38.3,50.9,41.95")
    assert not copy_store(field_gpkg, fresh).replaced


def test_bad_sources_and_destinations_are_refused_with_the_fix(field_gpkg: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="same store"):
        copy_store(field_gpkg, str(field_gpkg))
    with pytest.raises(ConfigError, match="memory:// store lives inside one program"):
        copy_store(field_gpkg, "memory://")
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database")
    with pytest.raises(StoreError, match="not a GeoPackage; choose another path or add --replace"):
        copy_store(field_gpkg, text)
    with sqlite3.connect(field_gpkg) as conn:
        conn.execute(
            "INSERT INTO mineaction_schema_version (version, description, applied_at) VALUES (99, 'x', 'y')"
        )
    with pytest.raises(SchemaError, match="schema version 99 but this mineaction knows up to"):
        copy_store(field_gpkg, tmp_path / "copy.gpkg")
    assert not (tmp_path / "copy.gpkg").exists()


def _break_a_date(path: Path) -> None:
    """Another program wrote text that is no date into a date column."""
    with GeoPackageStore(path) as store:  # its R-tree triggers need the GeoPackage functions
        store.execute("UPDATE finds SET found_on = 'last spring' WHERE fid = (SELECT MIN(fid) FROM finds)")


def test_a_failed_copy_leaves_the_destination_file_as_it_was(field_gpkg: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.gpkg"
    with open_store(other, create=True) as store:
        store.write("finds", _finds(3), author="a", reason="r")
    before = other.read_bytes()
    _break_a_date(field_gpkg)
    with pytest.raises(InputError, match="table finds column found_on: 'last spring' is not a date"):
        copy_store(field_gpkg, other, replace=True)
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field.gpkg", "other.gpkg"]


@pytest.mark.postgis
def test_a_failed_copy_leaves_the_postgis_destination_as_it_was(field_gpkg: Path, postgis_url: str) -> None:
    with open_store(postgis_url) as store:
        store.write("finds", _finds(3), author="a", reason="r")
        before = store_checksums(store)  # type: ignore[arg-type]
    _break_a_date(field_gpkg)
    with pytest.raises(InputError, match="found_on"):
        copy_store(field_gpkg, postgis_url, replace=True)
    with open_store(postgis_url) as store:
        assert store_checksums(store) == before  # type: ignore[arg-type]


@pytest.mark.postgis
def test_a_new_database_gets_the_schema_and_passwords_stay_out_of_reports(
    field_gpkg: Path, empty_database: Any
) -> None:
    url = empty_database().replace("postgres@", "postgres:s3cret-pw@")
    output = _run("copy", str(field_gpkg), url)
    assert "s3cret-pw" not in output and "postgres:***@" in output
    other = empty_database()  # and from one server's database to another made with `mineaction init`
    _run("init", other)
    assert "s3cret-pw" not in json.dumps(copy_store(url, other).to_dict())
    with open_store(url) as store, open_store(field_gpkg) as source, open_store(other) as again:
        assert store.counts() == source.counts()
        assert store_checksums(store) == store_checksums(again)  # type: ignore[arg-type]
