"""Schema migrations: recorded in the store, applied in order and in one transaction, never downgraded."""

from __future__ import annotations

from pathlib import Path

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
