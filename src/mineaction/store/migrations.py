"""Schema versions of a store: the table that records them and the ordered migration steps that reach them.

A store records every migration applied in ``mineaction_schema_version`` (version, description, applied_at).
``migrate`` applies, in one transaction, the steps newer than the store's version; a store whose version is
newer than this code knows raises SchemaError (upgrade mineaction), as does a database that has no mineaction
schema at all (run ``mineaction init URL``).

The steps call back into the store's dialect for DDL, so one list of steps serves GeoPackage, PostGIS and
memory. The first step creates the tables of the schema as this code defines it, so a later step that adds a
kind or a field adds only what is missing (``add_kinds``, ``add_fields``): on a new store it finds everything
there and does nothing. Adding a field to a kind changes the content key of every stored record of that kind
(the key covers every field), so ``add_fields`` re-keys the live records, repeats included.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mineaction.domain.schema import ENTITIES, OWNER_FIELD, entity
from mineaction.errors import SchemaError
from mineaction.store.codec import encode_frame, format_instant
from mineaction.store.keys import CONTENT_KEY_EXCLUDED, content_keys
from mineaction.store.personal import split_personal
from mineaction.store.security import create_security_tables

if TYPE_CHECKING:
    from mineaction.store.sql import SQLStore

__all__ = [
    "MIGRATIONS",
    "VERSION_TABLE",
    "Migration",
    "add_fields",
    "add_kinds",
    "latest_version",
    "migrate",
    "schema_version",
]

VERSION_TABLE = "mineaction_schema_version"


@dataclass(frozen=True)
class Migration:
    """One schema step: its version number, what it does, and the function that does it on a store."""

    version: int
    description: str
    apply: Callable[[SQLStore], None]


def _initial(store: SQLStore) -> None:
    store.create_initial_schema()


def add_kinds(store: SQLStore, kinds: Sequence[str]) -> None:
    """Create the tables and id counters of ``kinds`` that the store does not have yet."""
    for kind in kinds:
        if not store.table_exists(kind):
            store.create_kind(entity(kind))


def add_fields(store: SQLStore, kind: str, names: Sequence[str]) -> None:
    """Add the columns of fields ``names`` to ``kind``'s tables where missing, then re-key its live records.

    A stored key that is the key of the record's content without the new fields becomes the key with them;
    the k-th repeat of a content within one write (key of ``"<key>#k"``) stays the k-th repeat. Keys that are
    neither (edited by hand) are left alone.
    """
    schema = entity(kind)
    # Every field the tables lack is added (a later step's field too): the stored keys are of the content
    # without any of them, and the new keys are of the schema as this code defines it.
    added = store.add_field_columns(schema, list(dict.fromkeys([*names, *schema.field_names])))
    if not added or not store.query(f"SELECT COUNT(*) FROM {kind}")[0][0]:
        return
    frame = store.read(kind, include_personal=True)
    stored = dict(store.query(f"SELECT id, content_key FROM {kind}"))
    encoded = encode_frame(schema, frame)
    before = [f for f in schema.fields if f.name not in CONTENT_KEY_EXCLUDED and f.name not in added]
    old_keys = content_keys(before, [encoded.columns[f.name] for f in before], encoded.wkb, len(frame))
    same = Counter(old_keys)  # a content repeated k times in one write was stored as k keys
    updates = []
    for rid, old, new in zip(encoded.columns["id"], old_keys, encoded.content_keys, strict=True):
        key = stored.get(rid)
        if key == old:
            updates.append((new, rid))
            continue
        for k in range(1, same[old]):
            if key == _repeat(old, k):
                updates.append((_repeat(new, k), rid))
                break
    store.executemany(f"UPDATE {kind} SET content_key = ? WHERE id = ?", updates)


def _repeat(key: str, k: int) -> str:
    """The key of the k-th repeat of a content within one write (as ``keys.RepeatNumbers`` makes it)."""
    return hashlib.blake2b(f"{key}#{k}".encode(), digest_size=16).hexdigest()


def _ownership(store: SQLStore) -> None:
    for kind in ENTITIES:
        add_fields(store, kind, (OWNER_FIELD.name,))


def _files(store: SQLStore) -> None:
    store.register_table(store.create_files_table(store.serial_key(), store.bytes_type()), None)


def _request_counts(store: SQLStore) -> None:
    store.execute(
        "CREATE TABLE mineaction_request_counts (subject TEXT NOT NULL, window_start TEXT NOT NULL, "
        "requests INTEGER NOT NULL, PRIMARY KEY (subject, window_start))"
    )
    store.register_table("mineaction_request_counts", None)


def _personal(store: SQLStore) -> None:
    for schema in ENTITIES.values():
        split_personal(store, schema)


def _people(store: SQLStore) -> None:
    add_kinds(store, ("risk_education", "survivor_needs", "survivor_services"))
    add_fields(store, "victims", ("date_of_birth",))


def _source_refs(store: SQLStore) -> None:
    store.add_source_refs()  # excluded from content keys: the stored keys stay as they are


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "current-state and history tables for every kind; settings, documents, id counters", _initial
    ),
    Migration(
        2,
        "risk education, survivors' needs and services to survivors; victims' date of birth",
        _people,
    ),
    Migration(
        3,
        "organisations, users, API tokens, browser sessions, login throttling, hash-chained audit log",
        create_security_tables,
    ),
    Migration(4, "owner_org: the organisation that owns each record", _ownership),
    Migration(5, "files kept with the data (attachments of field reports, results of server jobs)", _files),
    Migration(6, "request counters for the server's rate limits", _request_counts),
    Migration(7, "personal fields moved to restricted K_personal and K_personal_history tables", _personal),
    Migration(
        8,
        "source_ref on every kind (the source system's own id), unique per source among live records",
        _source_refs,
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
