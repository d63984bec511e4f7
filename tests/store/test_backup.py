"""Backups of a store in use and their restores: a backup taken while a writer works restores to the store as
it was at the backup's moment, on both back ends; failed backups and restores leave nothing half-written and
the target as it was."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from click.testing import CliRunner
from pandas.testing import assert_frame_equal
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_scenes import small_store  # noqa: E402

from mineaction.cli.main import cli  # noqa: E402
from mineaction.errors import ConfigError, InputError, SchemaError, StoreError  # noqa: E402
from mineaction.store import backup_store, open_store, restore_store  # noqa: E402
from mineaction.store.transfer import store_checksums  # noqa: E402


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def _same_history_up_to_the_backup(source_url: str, restored_url: str) -> None:
    with open_store(source_url) as source, open_store(restored_url) as restored:
        for kind in ("finds", "hazardous_areas"):
            mine = restored.history(kind, include_personal=True)
            theirs = source.history(kind, include_personal=True)
            kept = theirs[theirs["revision"] <= mine["revision"].max()].reset_index(drop=True)
            assert_frame_equal(mine, kept)


@pytest.mark.slow
def test_a_geopackage_backup_taken_while_writing_restores_that_moment(
    demo_gpkg: Path, tmp_path: Path, writer: Any
) -> None:
    running = writer(str(demo_gpkg))
    running.wait_for(2)
    taken = _run("backup", str(demo_gpkg), str(tmp_path / "night.gpkg"))
    running.wait_for(running.step + 2)  # the writer went on after the backup
    running.finish()
    restored = tmp_path / "restored.gpkg"
    assert _run("restore", str(tmp_path / "night.gpkg"), str(restored))["method"] == "sqlite-backup"
    with open_store(restored) as store:
        step = store.get_setting("writer_step")
        assert 2 <= step < running.step
        assert store_checksums(store) == running.checksums[step]  # type: ignore[arg-type]
        assert taken["rows"] == {t: c.rows for t, c in running.checksums[step].items()}
    _same_history_up_to_the_backup(str(demo_gpkg), str(restored))
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.slow
@pytest.mark.postgis
def test_a_postgis_backup_taken_while_writing_restores_that_moment(
    postgis_url: str, empty_database: Any, tmp_path: Path, writer: Any
) -> None:
    small_store(postgis_url)
    running = writer(postgis_url)
    running.wait_for(2)
    archive = tmp_path / "night.pgdump"
    taken = backup_store(postgis_url, archive)
    running.wait_for(running.step + 2)
    running.finish()
    target = empty_database()
    result = restore_store(archive, target)
    assert (result.method, result.replaced) == ("pg_restore", False)
    with open_store(target) as store:
        step = store.get_setting("writer_step")
        assert 2 <= step < running.step
        assert store_checksums(store) == running.checksums[step]  # type: ignore[arg-type]
        assert taken.rows == result.rows == {t: c.rows for t, c in running.checksums[step].items()}
    _same_history_up_to_the_backup(postgis_url, target)
    with pytest.raises(ConfigError, match="restore it into a PostgreSQL database"):
        restore_store(archive, tmp_path / "x.gpkg")


@pytest.mark.postgis
def test_a_failed_postgis_restore_leaves_the_database_as_it_was(
    postgis_url: str, empty_database: Any, tmp_path: Path
) -> None:
    import psycopg

    small_store(postgis_url)
    with psycopg.connect(postgis_url, autocommit=True) as conn:  # a table of another program
        conn.execute("CREATE TABLE field_notes (note TEXT)")
    archive = tmp_path / "night.pgdump"
    backup_store(postgis_url, archive)
    target = empty_database()
    restore_store(archive, target)
    later = gpd.GeoDataFrame(
        {"category": ["UXO"], "found_on": ["2023-02-01"]}, geometry=[Point(46.6, 39.6)], crs=4326
    )
    with open_store(target) as store:
        store.write("finds", later, author="b", reason="later work")
        before = store_checksums(store)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="already holds data .*--replace"):
        restore_store(archive, target)
    cut = tmp_path / "cut.pgdump"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 3 // 4])
    with pytest.raises(InputError, match="cannot be read as a pg_dump archive"):
        restore_store(cut, target, replace=True)
    # the store's tables are dropped, then field_notes cannot be (another program's view needs it): all of it
    # is undone
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE VIEW recent_notes AS SELECT note FROM field_notes")
    with pytest.raises(StoreError, match="restore of .* failed, nothing was changed: .*other objects depend"):
        restore_store(archive, target, replace=True)
    with open_store(target) as store:
        assert store_checksums(store) == before  # type: ignore[arg-type]
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP VIEW recent_notes")
    replaced = restore_store(archive, target, replace=True)  # the whole archive replaces the later work
    assert replaced.replaced and replaced.rows["finds"] == 2  # as in the archive


@pytest.mark.postgis
def test_a_geopackage_backup_restores_into_postgis(tmp_path: Path, postgis_url: str) -> None:
    source = tmp_path / "field.gpkg"
    small_store(str(source))
    backup_store(source, tmp_path / "night.backup")  # any name: the content says what it is
    result = restore_store(tmp_path / "night.backup", postgis_url)
    assert result.method == "copy" and result.rows["hazardous_areas"] == 3
    with open_store(source) as a, open_store(postgis_url) as b:
        assert store_checksums(a, like=b) == store_checksums(b, like=a)  # type: ignore[arg-type]


def test_backups_never_leave_a_half_written_file(tmp_path: Path) -> None:
    source = tmp_path / "field.gpkg"
    small_store(str(source))
    night = tmp_path / "night.gpkg"
    night.write_text("last night's backup")
    with pytest.raises(StoreError, match="exists; choose another name or add --overwrite"):
        backup_store(source, night)
    assert night.read_text() == "last night's backup"
    backup_store(source, night, overwrite=True)
    assert night.stat().st_mode & 0o077 == 0  # personal data and account secrets: the owner's only
    with open_store(night) as copy, open_store(source) as store:
        assert store_checksums(copy) == store_checksums(store)  # type: ignore[arg-type]
    bare = tmp_path / "bare.gpkg"
    with sqlite3.connect(bare) as conn:  # an SQLite file of another program
        conn.execute("CREATE TABLE notes (x TEXT)")
    with pytest.raises(SchemaError, match="holds no mineaction store"):
        backup_store(bare, tmp_path / "bare-backup.gpkg")
    with pytest.raises(ConfigError, match="memory"):
        backup_store("memory://", tmp_path / "m.gpkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.gpkg", "field.gpkg", "night.gpkg"]


def test_restores_are_refused_over_data_and_from_files_that_are_no_backup(tmp_path: Path) -> None:
    source, target = tmp_path / "field.gpkg", tmp_path / "office.gpkg"
    small_store(str(source))
    small_store(str(target))
    backup_store(source, tmp_path / "night.gpkg")
    with open_store(target) as store:
        store.delete("finds", ["EO-000001"], author="b", reason="mistake")
    before = target.read_bytes()
    with pytest.raises(StoreError, match="already holds data"):
        restore_store(tmp_path / "night.gpkg", target)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup")
    with pytest.raises(InputError, match="neither a GeoPackage backup nor a pg_dump"):
        restore_store(notes, target, replace=True)
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes((tmp_path / "night.gpkg").read_bytes()[:8192])
    with pytest.raises((StoreError, SchemaError, sqlite3.DatabaseError)):
        restore_store(broken, target, replace=True)
    assert target.read_bytes() == before
    result = restore_store(tmp_path / "night.gpkg", target, replace=True)
    assert result.replaced and result.rows["finds"] == 2
    with open_store(target) as store:
        assert store.get("finds", "EO-000001")["category"] == "AP"  # the deleted record is back
    assert not list(tmp_path.glob(".*partial*"))


def test_a_geopackage_locked_for_long_is_not_backed_up_and_nothing_is_left(tmp_path: Path) -> None:
    source = Path(small_store(str(tmp_path / "field.gpkg")))
    editor = sqlite3.connect(source, isolation_level=None)  # another program in the middle of a long edit
    editor.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="stayed locked by another program for more than 0.5 s"):
            backup_store(source, tmp_path / "night.gpkg", lock_wait_s=0.5)
    finally:
        editor.execute("ROLLBACK")
        editor.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field.gpkg"]


@pytest.mark.postgis
def test_a_postgis_table_locked_for_long_is_not_backed_up_and_nothing_is_left(
    postgis_url: str, tmp_path: Path
) -> None:
    import psycopg

    small_store(postgis_url)
    with psycopg.connect(postgis_url) as migration:  # a session holding an exclusive lock
        migration.execute("LOCK TABLE finds IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(StoreError, match="stayed locked by another session for more than 0.5 s"):
            backup_store(postgis_url, tmp_path / "night.pgdump", lock_wait_s=0.5)
    assert not list(tmp_path.iterdir())
    assert backup_store(postgis_url, tmp_path / "night.pgdump").rows["finds"] == 2  # once the lock is gone
