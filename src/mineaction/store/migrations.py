"""Schema versions of a store: the table that records them and the ordered migration steps that reach them.

A store records every migration applied in ``mineaction_schema_version`` (version, description, applied_at).
``migrate`` applies, in one transaction, the steps newer than the store's version; a store whose version is
newer than this code knows raises SchemaError (upgrade mineaction), as does a database that has no mineaction
schema at all (run ``mineaction init URL``).

The steps call back into the store's dialect for DDL, so one list of steps serves GeoPackage, PostGIS and
memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mineaction.errors import SchemaError
from mineaction.store.codec import format_instant

if TYPE_CHECKING:
    from mineaction.store.sql import SQLStore

__all__ = ["MIGRATIONS", "VERSION_TABLE", "Migration", "latest_version", "migrate", "schema_version"]

VERSION_TABLE = "mineaction_schema_version"


@dataclass(frozen=True)
class Migration:
    """One schema step: its version number, what it does, and the function that does it on a store."""

    version: int
    description: str
    apply: Callable[[SQLStore], None]


def _initial(store: SQLStore) -> None:
    store.create_initial_schema()


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "current-state and history tables for every kind; settings, documents, id counters", _initial
    ),
)


def latest_version() -> int:
    """The schema version this code writes."""
    return MIGRATIONS[-1].version


def schema_version(store: SQLStore) -> int | None:
    """The store's schema version, or None when it has no mineaction schema."""
    if not store.table_exists(VERSION_TABLE):
        return None
    row = store.query(f"SELECT MAX(version) FROM {VERSION_TABLE}")[0]
    return None if row[0] is None else int(row[0])


def _check_not_newer(store: SQLStore, version: int | None) -> None:
    if version is not None and version > latest_version():
        raise SchemaError(
            f"{store.url}: the store has schema version {version} but this mineaction knows up to "
            f"{latest_version()}; upgrade mineaction to open it"
        )


def migrate(store: SQLStore) -> list[int]:
    """Bring ``store`` to the latest schema in one transaction; returns the versions applied (oldest
    first)."""
    applied: list[int] = []
    with store.transaction():
        version = schema_version(store)
        _check_not_newer(store, version)
        if version is None:
            store.create_version_table()
        for step in MIGRATIONS:
            if version is None or step.version > version:
                step.apply(store)
                store.execute(
                    f"INSERT INTO {VERSION_TABLE} (version, description, applied_at) VALUES (?, ?, ?)",
                    (step.version, step.description, format_instant(datetime.now(UTC))),
                )
                applied.append(step.version)
    return applied


def require_current(store: SQLStore) -> None:
    """Raise SchemaError unless the store has a mineaction schema this code can use; apply older steps."""
    version = schema_version(store)
    if version is None:
        raise SchemaError(f"{store.url} has no mineaction schema; run `mineaction init {store.url}` first")
    _check_not_newer(store, version)
    if version < latest_version():
        migrate(store)
