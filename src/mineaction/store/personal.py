"""People's personal data kept apart: the restricted tables of every kind that has personal fields.

A field marked ``personal=True`` in the domain schema (victims' names, contacts and dates of birth; the
medical details of survivors' needs and services) is not a column of the kind's tables. Its values live in
two restricted tables beside them:

- ``K_personal``: ``id`` of the record, then the personal fields (current values; a record without any
  personal value has no row);
- ``K_personal_history``: ``record_revision`` (the ``K_history`` revision it belongs to), ``id``, then the
  personal fields as they were at that revision.

So the record tables, their history, every export and every GIS client that opens them hold no personal
data; a PostgreSQL role can be denied the ``*_personal`` tables alone; and reading them is a separate, audited
act (``read(..., include_personal=True)`` joins them and logs a ``read_personal`` entry). Content keys still
cover every field, so a changed name is a new revision like any other change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mineaction.domain.schema import EntitySchema, Field
from mineaction.store.inlists import in_lists

if TYPE_CHECKING:
    from mineaction.store.sql import SQLStore

__all__ = [
    "create_personal_tables",
    "delete_personal",
    "personal_fields",
    "personal_source",
    "record_personal_history",
    "split_personal",
    "stored_fields",
    "write_personal",
]


def personal_fields(schema: EntitySchema) -> tuple[Field, ...]:
    """The kind's personal fields (kept in the restricted tables)."""
    return tuple(f for f in schema.fields if f.personal)


def stored_fields(schema: EntitySchema) -> tuple[Field, ...]:
    """The kind's other fields: the columns of its record and history tables."""
    return tuple(f for f in schema.fields if not f.personal)


def create_personal_tables(store: SQLStore, schema: EntitySchema) -> None:
    """Create ``K_personal`` and ``K_personal_history`` (with every personal field) where missing."""
    fields = personal_fields(schema)
    if not fields:
        return
    columns = [f"{f.name} {store.column_type(f.type)}" for f in fields]
    k = schema.table
    if not store.table_exists(f"{k}_personal"):
        lead = ["id TEXT NOT NULL UNIQUE"]
        store.execute(f"CREATE TABLE {k}_personal ({', '.join([store.serial_key(), *lead, *columns])})")
    if not store.table_exists(f"{k}_personal_history"):
        lead = ["record_revision BIGINT NOT NULL UNIQUE", "id TEXT NOT NULL"]
        store.execute(
            f"CREATE TABLE {k}_personal_history ({', '.join([store.serial_key(), *lead, *columns])})"
        )
    for table in (f"{k}_personal", f"{k}_personal_history"):
        present = store.column_names(table)
        for field, column in zip(fields, columns, strict=True):
            if field.name not in present:
                store.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def split_personal(store: SQLStore, schema: EntitySchema) -> None:
    """Move personal columns still in a kind's record and history tables (stores made before the split)
    into the restricted tables, then drop them there (a migration step; does nothing when already split)."""
    create_personal_tables(store, schema)
    k = schema.table
    for table, target, key in ((k, f"{k}_personal", "id"), (f"{k}_history", f"{k}_personal_history", None)):
        moved = [f.name for f in personal_fields(schema) if f.name in store.column_names(table)]
        if not moved:
            continue
        filled = " OR ".join(f"{name} IS NOT NULL" for name in moved)
        lead, source = ("id", "id") if key else ("record_revision, id", "revision, id")
        store.execute(
            f"INSERT INTO {target} ({lead}, {', '.join(moved)}) "
            f"SELECT {source}, {', '.join(moved)} FROM {table} WHERE {filled}"
        )
        for name in moved:
            store.execute(f"ALTER TABLE {table} DROP COLUMN {name}")


def write_personal(
    store: SQLStore, schema: EntitySchema, ids: Sequence[str], values: dict[str, list[Any]]
) -> None:
    """Replace the current personal values of records ``ids`` (``values``: field name -> one value per id);
    records whose values are all empty keep no row."""
    fields = [f.name for f in personal_fields(schema)]
    if not fields or not len(ids):
        return
    k = schema.table
    for marks, chunk in in_lists(ids):
        store.execute(f"DELETE FROM {k}_personal WHERE id IN ({marks})", chunk)
    rows = [
        (rid, *(values[name][j] for name in fields))
        for j, rid in enumerate(ids)
        if any(values[name][j] is not None for name in fields)
    ]
    marks = ", ".join("?" for _ in range(len(fields) + 1))
    store.executemany(f"INSERT INTO {k}_personal (id, {', '.join(fields)}) VALUES ({marks})", rows)


def record_personal_history(
    store: SQLStore, schema: EntitySchema, after_revision: int, ids: Sequence[str]
) -> None:
    """Keep, for each revision of records ``ids`` in ``K_history`` newer than ``after_revision``, the
    record's personal values at that revision (those of ``K_personal`` now: call it right after the
    revisions and the personal values are written)."""
    fields = [f.name for f in personal_fields(schema)]
    if not fields:
        return
    k = schema.table
    picked = ", ".join(f"p.{name}" for name in fields)
    for marks, chunk in in_lists(ids):
        store.execute(
            f"INSERT INTO {k}_personal_history (record_revision, id, {', '.join(fields)}) "
            f"SELECT h.revision, h.id, {picked} FROM {k}_history h JOIN {k}_personal p ON p.id = h.id "
            f"WHERE h.revision > ? AND h.id IN ({marks}) ORDER BY h.revision",
            (after_revision, *chunk),
        )


def delete_personal(store: SQLStore, schema: EntitySchema, ids: Sequence[str]) -> None:
    """Drop the current personal values of deleted records (their history stays, restricted)."""
    if not personal_fields(schema):
        return
    store.executemany(f"DELETE FROM {schema.table}_personal WHERE id = ?", [(i,) for i in ids])


def personal_source(schema: EntitySchema, *, history: bool) -> str:
    """A FROM source that is the record (or history) table with its personal fields joined as columns of
    the same names (for reads that include personal data)."""
    k = schema.table
    picked = ", ".join(f"p.{f.name}" for f in personal_fields(schema))
    if history:
        return (
            f"(SELECT h.*, {picked} FROM {k}_history h "
            f"LEFT JOIN {k}_personal_history p ON p.record_revision = h.revision)"
        )
    return f"(SELECT r.*, {picked} FROM {k} r LEFT JOIN {k}_personal p ON p.id = r.id)"
