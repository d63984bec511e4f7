"""The shared SQL store: every piece of store logic, written once over DB-API; dialects fill in the rest.

Tables (``K`` is a kind of ``mineaction.domain.schema.ENTITIES``):

- ``K``: current state, one row per live record: ``fid`` (integer key), the schema's fields, ``content_key``
  and, for kinds with a geometry, ``geom``;
- ``K_history``: append-only revisions: ``revision`` (serial), ``op`` (insert, update, delete),
  ``changed_at``,
  ``author``, ``reason``, ``revision_source_doc``, then the fields, ``content_key`` and ``geom`` as they were
  after that revision;
- ``mineaction_settings`` (key, JSON value), ``mineaction_documents`` (collection, key, version, saved_at,
  author, reason, JSON payload), ``mineaction_counters`` (next id number per kind) and the schema version
  table.

SQL here uses ``?`` placeholders; a dialect (``GeoPackageStore``, ``PostGISStore``) overrides only the pieces
that differ: connection, DDL types, geometry encoding and decoding, bulk insert and placeholder style.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from mineaction.domain.schema import ENTITIES, EntitySchema, Field, entity
from mineaction.errors import NotFoundError
from mineaction.store.audit import audit_change, audit_personal_read
from mineaction.store.base import Store, WriteResult
from mineaction.store.codec import EncodedFrame, decode_columns, encode_frame, format_instant, parse_cutoff
from mineaction.store.files import StoredFiles
from mineaction.store.guard import checked_frame
from mineaction.store.inlists import in_lists
from mineaction.store.keys import KeySet, RepeatNumbers, SpooledRepeatNumbers
from mineaction.store.migrations import VERSION_TABLE
from mineaction.store.ownership import confine_delete, confine_write
from mineaction.store.personal import (
    create_personal_tables,
    delete_personal,
    personal_fields,
    personal_source,
    record_personal_history,
    split_personal,
    stored_fields,
    write_personal,
)
from mineaction.store.writes import IdLog, KnownRecords, WritePlan, plan_write

__all__ = ["REVISION_FIELDS", "SQLStore"]

REVISION_FIELDS = ("op", "changed_at", "author", "reason", "revision_source_doc")
CHUNK_ROWS = 50_000  # rows encoded and written at a time: bounds the memory of large writes
_LOOKUP_ROWS = 20_000  # above this, live ids and keys are loaded whole rather than looked up
_REVISION_LEAD = (
    Field("revision", "int"),
    Field("op"),
    Field("changed_at", "datetime"),
    Field("author"),
    Field("reason"),
    Field("revision_source_doc"),
)  # ids per IN (...) query: below SQLite's variable limit


class SQLStore(StoredFiles, Store):
    """A store over one DB-API connection (autocommit, explicit BEGIN/COMMIT); subclasses are dialects."""

    def __init__(self, url: str, connection: Any) -> None:
        self.url = url
        self._conn = connection
        self._depth = 0
        self._batched: dict[str, SpooledRepeatNumbers] | None = None  # per kind, inside batched_writes()

    # --- dialect hooks -----------------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders rewritten for the driver (identity for sqlite3)."""
        return text

    @abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether a table ``name`` exists."""

    @abstractmethod
    def column_type(self, field_type: str) -> str:
        """SQL column type of a schema field type (str, int, float, bool, date, datetime, json)."""

    @abstractmethod
    def serial_key(self) -> str:
        """Column definition of an auto-incrementing integer primary key."""

    @abstractmethod
    def geometry_column(self, schema: EntitySchema, *, history: bool) -> str:
        """Column definition of ``geom`` for the current (or history) table of a kind."""

    def bytes_type(self) -> str:
        """SQL column type of raw bytes (files)."""
        return "BLOB"

    @abstractmethod
    def prepare_container(self) -> None:
        """Create what must exist before any table (GeoPackage core tables, the PostGIS extension)."""

    def finish_batched(self) -> None:
        """End a write in batches (``batched_writes``) inside its transaction: dialects complete what they
        deferred to its end (a spatial index); default nothing."""

    def discard_batched(self) -> None:
        """Forget what a write in batches deferred (after its end, whether it landed or not)."""

    def register_table(self, table: str, schema: EntitySchema | None, *, history: bool = False) -> None:
        """Declare a new table to the container (GeoPackage contents, spatial index); default nothing."""

    @abstractmethod
    def forbid_changes(self, table: str) -> None:
        """Make ``table`` append-only: a trigger refuses every UPDATE and DELETE of its rows."""

    @abstractmethod
    def geometry_params(self, encoded: EncodedFrame) -> list[Any]:
        """Geometry of each row as the parameter the driver stores in ``geom``."""

    @abstractmethod
    def decode_geometry(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        """Shapely geometries (None where missing) from the selected ``geom`` values."""

    def geometry_select(self) -> str:
        """Expression selecting ``geom`` for ``decode_geometry``."""
        return "geom"

    def instant_placeholder(self) -> str:
        """Placeholder for an instant (ISO text) where the driver cannot infer the type."""
        return "?"

    def field_select(self, field: Field) -> str:
        """Expression selecting a field in the form ``codec.decode_columns`` reads (ISO text for dates)."""
        return field.name

    def bulk_load(self, schema: EntitySchema, rows: int) -> contextlib.AbstractContextManager[None]:
        """Context of one write of ``rows`` rows of ``schema`` (in chunks); dialects may defer index upkeep
        to its end. Runs inside the write's transaction."""
        return contextlib.nullcontext()

    def insert_rows(
        self,
        table: str,
        names: Sequence[str],
        columns: Sequence[list[Any]],
        *,
        geometry: np.ndarray | None = None,
    ) -> None:
        """Insert many rows given column by column (rows are built lazily, never all at once).

        ``geometry`` (shapely, aligned with the rows) is given when ``table`` is the current table of a kind
        with a geometry, for dialects that maintain a spatial index by hand.
        """
        placeholders = ", ".join("?" for _ in names)
        self.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})", zip(*columns, strict=True)
        )

    # --- plumbing ----------------------------------------------------------------------------------------

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(self.sql(text), tuple(params))

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run ``text`` for every row (a list or a lazy iterable); nothing happens for no rows."""
        self._conn.cursor().executemany(self.sql(text), rows)

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(text, params).fetchall())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: they land together on success and not at all on an exception (nesting joins)."""
        if self._depth == 0:
            self.execute("BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self.execute("COMMIT")
            except BaseException:
                # a refused COMMIT (SQLite: the database is locked) must not leave the transaction open
                with contextlib.suppress(Exception):
                    self.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def batched_writes(self) -> Iterator[None]:
        """One transaction over many writes; repeats of identical content are numbered across them (with
        their counts on disk) and no write loads every live content key: memory stays bounded by a write."""
        if self._batched is not None:  # nested: joins the outer one
            yield
            return
        self._batched = {}
        try:
            with self.transaction():
                yield
                self.finish_batched()
        finally:
            for repeats in self._batched.values():
                repeats.__exit__()
            self._batched = None
            self.discard_batched()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- schema ------------------------------------------------------------------------------------------

    def create_version_table(self) -> None:
        self.execute(
            f"CREATE TABLE {VERSION_TABLE} ({self.serial_key()}, version INTEGER NOT NULL, "
            "description TEXT, applied_at TEXT NOT NULL)"
        )
        self.register_table(VERSION_TABLE, None)

    def _field_columns(self, schema: EntitySchema) -> list[str]:
        return [f"{f.name} {self.column_type(f.type)}" for f in stored_fields(schema)]

    def _create_kind(self, schema: EntitySchema) -> None:
        k = schema.table
        geom = [self.geometry_column(schema, history=False)] if schema.geometry else []
        fields = self._field_columns(schema)
        fields[0] = "id TEXT NOT NULL UNIQUE"
        self.execute(
            f"CREATE TABLE {k} "
            f"({', '.join([self.serial_key(), *fields, 'content_key TEXT NOT NULL', *geom])})"
        )
        self.execute(f"CREATE INDEX {k}_content_key ON {k} (content_key)")
        self.register_table(k, schema)
        hgeom = [self.geometry_column(schema, history=True)] if schema.geometry else []
        revision = [
            "op TEXT NOT NULL",
            f"changed_at {self.column_type('datetime')} NOT NULL",
            "author TEXT",
            "reason TEXT",
            "revision_source_doc TEXT",
        ]
        cols = [
            self.serial_key().replace("fid", "revision", 1),
            *revision,
            *self._field_columns(schema),
            "content_key TEXT",
            *hgeom,
        ]
        self.execute(f"CREATE TABLE {k}_history ({', '.join(cols)})")
        self.execute(f"CREATE INDEX {k}_history_id ON {k}_history (id, changed_at)")
        self.register_table(f"{k}_history", schema, history=True)
        create_personal_tables(self, schema)

    def column_names(self, table: str) -> set[str]:
        """Names of the columns of ``table``."""
        return {d[0] for d in self.execute(f"SELECT * FROM {table} WHERE 1 = 0").description}

    def create_kind(self, schema: EntitySchema) -> None:
        """The tables and id counter of a kind added to the schema after the store was made (a migration)."""
        self._create_kind(schema)
        self.execute("INSERT INTO mineaction_counters (kind, next_number) VALUES (?, ?)", (schema.kind, 1))

    def add_field_columns(self, schema: EntitySchema, names: Sequence[str]) -> list[str]:
        """Add the columns of fields ``names`` of a kind to its current and history tables where they are
        missing (a migration); returns the names added to the current table. Personal fields go to the
        kind's restricted tables (``store.personal``), moved there first if an older store kept them inline.
        """
        k = schema.table
        had = self.column_names(k) | (
            self.column_names(f"{k}_personal") if self.table_exists(f"{k}_personal") else set()
        )
        split_personal(self, schema)
        added = [n for n in names if schema.field(n).personal and n not in had]
        for table in (schema.table, f"{schema.table}_history"):
            present = self.column_names(table)
            for name in (n for n in names if not schema.field(n).personal):
                if name not in present:
                    self.execute(
                        f"ALTER TABLE {table} ADD COLUMN {name} {self.column_type(schema.field(name).type)}"
                    )
                    if table == schema.table:
                        added.append(name)
        return added

    def create_initial_schema(self) -> None:
        """The first migration: every kind's tables plus settings, documents and counters."""
        self.prepare_container()
        for schema in ENTITIES.values():
            self._create_kind(schema)
        tables = self.create_settings_and_documents(self.serial_key())
        self.execute(
            f"CREATE TABLE mineaction_counters ({self.serial_key()}, kind TEXT NOT NULL UNIQUE, "
            "next_number INTEGER NOT NULL)"
        )
        for table in (*tables, "mineaction_counters"):
            self.register_table(table, None)
        self.executemany(
            "INSERT INTO mineaction_counters (kind, next_number) VALUES (?, ?)",
            [(kind, 1) for kind in ENTITIES],
        )

    def add_source_refs(self) -> None:
        """A ``source_ref`` column on every kind's tables (kept where it exists, as in a store made by this
        code), and a unique index of (source, source_ref) over the live records that have one."""
        for schema in ENTITIES.values():
            k = schema.table
            self.add_field_columns(schema, ["source_ref"])
            self.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {k}_source_ref ON {k} "
                "((COALESCE(source, '')), source_ref) WHERE source_ref IS NOT NULL"
            )

    # --- reading -----------------------------------------------------------------------------------------

    def _select_list(
        self,
        fields: Sequence[Field],
        schema: EntitySchema,
        *,
        include_personal: bool,
        empty: frozenset[str] = frozenset(),
    ) -> tuple[str, list[Field]]:
        """SELECT expressions and the fields they fetch: personal fields (unless asked) and columns known to
        be
        empty everywhere are not fetched at all but decoded as missing."""
        fetched = [f for f in fields if f.name not in empty and not (f.personal and not include_personal)]
        exprs = [self.field_select(f) for f in fetched]
        if schema.geometry:
            exprs.append(self.geometry_select())
        return ", ".join(exprs), fetched

    def _absent_columns(self, table: str, schema: EntitySchema) -> frozenset[str]:
        """Fields of ``schema`` without a column in ``table`` (read as missing: a store between two steps of
        its migration, when a step reads records before a later step adds a field)."""
        existing = self.column_names(table)
        return frozenset(f.name for f in stored_fields(schema) if f.name not in existing)

    def _empty_columns(self, table: str, schema: EntitySchema) -> frozenset[str]:
        """Fields with no value in any row of ``table`` (or no column): one cheap scan saves fetching them row
        by row."""
        absent = self._absent_columns(table, schema)
        fields = [f for f in stored_fields(schema) if f.name not in absent]
        counts = self.query(f"SELECT {', '.join(f'COUNT({f.name})' for f in fields)} FROM {table}")[0]
        return absent | frozenset(
            f.name for f, count in zip(fields, counts, strict=True) if not count and f.name != "id"
        )

    def _frame(
        self, fields: Sequence[Field], fetched: Sequence[Field], rows: list[tuple[Any, ...]], geometry: bool
    ) -> pd.DataFrame:
        """Decode fetched rows (``fetched`` fields, then the geometry if ``geometry``) into a frame of
        ``fields``."""
        n = len(rows)
        table = np.array(rows, dtype=object) if rows else np.empty((0, len(fetched) + geometry), dtype=object)
        table = table.reshape(n, len(fetched) + geometry)
        by_name = {f.name: table[:, j] for j, f in enumerate(fetched)}
        shapes = self.decode_geometry(table[:, -1]) if geometry else None
        return decode_columns(fields, [by_name.get(f.name) for f in fields], shapes, n=n)

    def _select(
        self, schema: EntitySchema, *, as_of: Any, include_personal: bool, record_id: str | None
    ) -> pd.DataFrame:
        table = schema.table if as_of is None else f"{schema.table}_history"
        empty = (
            self._empty_columns(table, schema) if record_id is None else self._absent_columns(table, schema)
        )
        select, fetched = self._select_list(
            schema.fields, schema, include_personal=include_personal, empty=empty
        )
        params: list[Any] = []
        where = ""
        if record_id is not None:
            where, params = " AND id = ?", [record_id]
        personal = include_personal and bool(personal_fields(schema))
        if as_of is None:
            source = f"{personal_source(schema, history=False)} t" if personal else schema.table
            sql = f"SELECT {select} FROM {source} WHERE 1 = 1{where} ORDER BY id"
        else:
            source = personal_source(schema, history=True) if personal else f"{schema.table}_history"
            sql = (
                f"SELECT {select} FROM (SELECT h.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY changed_at "
                f"DESC, revision DESC) AS rn FROM {source} h WHERE changed_at <= ?{where}) s "
                "WHERE rn = 1 AND op <> 'delete' ORDER BY id"
            )
            params = [parse_cutoff(as_of), *params]
        frame = self._frame(schema.fields, fetched, self.query(sql, params), schema.geometry is not None)
        if personal:
            audit_personal_read(self, schema.kind, frame["id"].tolist())
        return frame

    def read(
        self, kind: str, *, as_of: date | datetime | None = None, include_personal: bool = False
    ) -> pd.DataFrame:
        return self._select(entity(kind), as_of=as_of, include_personal=include_personal, record_id=None)

    def get(
        self,
        kind: str,
        record_id: str,
        *,
        as_of: date | datetime | None = None,
        include_personal: bool = False,
    ) -> dict[str, Any]:
        """One record as a dict (geometry as a shapely object, missing values None); NotFoundError if
        absent."""
        frame = self._select(
            entity(kind), as_of=as_of, include_personal=include_personal, record_id=record_id
        )
        if frame.empty:
            when = "" if as_of is None else f" as of {as_of}"
            raise NotFoundError(f"{kind}: no record {record_id!r}{when}; list the ids with read({kind!r})")
        record = frame.iloc[0].to_dict()
        return {
            str(k): (None if not isinstance(v, (list, dict)) and v is not None and pd.isna(v) is True else v)
            for k, v in record.items()
        }

    def counts(self) -> dict[str, int]:
        return {kind: int(self.query(f"SELECT COUNT(*) FROM {kind}")[0][0]) for kind in ENTITIES}

    def history(
        self, kind: str, record_id: str | None = None, *, include_personal: bool = False
    ) -> pd.DataFrame:
        schema = entity(kind)
        fields = [*_REVISION_LEAD, *schema.fields]
        absent = self._absent_columns(f"{schema.table}_history", schema)
        select, fetched = self._select_list(fields, schema, include_personal=include_personal, empty=absent)
        where, params = ("WHERE id = ?", [record_id]) if record_id is not None else ("", [])
        personal = include_personal and bool(personal_fields(schema))
        source = f"{personal_source(schema, history=True)} h" if personal else f"{schema.table}_history"
        rows = self.query(f"SELECT {select} FROM {source} {where} ORDER BY revision", params)
        frame = self._frame(fields, fetched, rows, schema.geometry is not None)
        frame["revision"] = frame["revision"].astype("int64")
        if personal:
            audit_personal_read(self, schema.kind, list(dict.fromkeys(frame["id"].tolist())))
        return frame

    # --- writing -----------------------------------------------------------------------------------------

    def _live_keys(self, schema: EntitySchema) -> KeySet:
        """Every live content key of a kind, fetched a slice at a time into a compact ``KeySet``."""
        keys = KeySet()
        cursor = self.execute(f"SELECT content_key FROM {schema.table}")
        while batch := cursor.fetchmany(CHUNK_ROWS):
            keys.add([r[0] for r in batch])
        return keys

    def _known(self, schema: EntitySchema, encoded: EncodedFrame, live_keys: KeySet | None) -> KnownRecords:
        """Live records a chunk may touch: those with its ids, and the live content keys (``live_keys`` when a
        large write keeps them all in memory, else those among the chunk's keys)."""
        recorded = self.field_select(schema.field("recorded_at"))
        select = f"SELECT id, content_key, {recorded}, source, source_ref FROM {schema.table}"
        ids = [i for i in encoded.columns["id"] if i is not None]
        rows = self._query_in(select, "id", ids)
        rows += self._query_in(
            select, "source_ref", [r for r in encoded.columns["source_ref"] if r is not None]
        )
        if live_keys is not None:
            return KnownRecords.from_rows(rows, live_keys)
        rows += self._query_in(select, "content_key", encoded.content_keys)
        return KnownRecords.from_rows(rows)

    def _query_in(self, select: str, column: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for marks, chunk in in_lists(values):
            rows += self.query(f"{select} WHERE {column} IN ({marks})", chunk)
        return rows

    def _next_number(self, kind: str) -> int:
        return int(self.query("SELECT next_number FROM mineaction_counters WHERE kind = ?", [kind])[0][0])

    def write(
        self, kind: str, frame: pd.DataFrame, *, author: str, reason: str, source_doc: str | None = None
    ) -> WriteResult:
        schema = entity(kind)
        if frame.empty:
            return WriteResult(kind)
        frame = checked_frame(self, schema, frame).reset_index(drop=True)
        now = format_instant(datetime.now(UTC))
        with self.transaction():
            frame = confine_write(self, schema, frame)
            result = self._write_chunks(schema, frame, now, author, reason, source_doc)
            audit_change(self, kind, result.inserted, result.updated, (), author, reason, source_doc)
        return result

    def _write_chunks(
        self,
        schema: EntitySchema,
        frame: pd.DataFrame,
        now: str,
        author: str,
        reason: str,
        source_doc: str | None,
    ) -> WriteResult:
        kind = schema.kind
        inserted, updated = IdLog(), IdLog()
        unchanged = 0
        with self.bulk_load(schema, len(frame)):
            # Large frames: the live content keys are loaded once and kept current across chunks.
            live_keys = None
            if len(frame) > _LOOKUP_ROWS and self._batched is None:
                live_keys = self._live_keys(schema)
            repeats = self._repeats(kind)  # identical rows of one frame are distinct records
            for start in range(0, len(frame), CHUNK_ROWS):
                encoded = encode_frame(schema, frame.iloc[start : start + CHUNK_ROWS], first_row=start)
                encoded.content_keys = _numbered_repeats(repeats, encoded)
                known = self._known(schema, encoded, live_keys)
                plan = plan_write(
                    schema, encoded, known, self._next_number(kind), now=now, source_doc=source_doc
                )
                self._apply(schema, encoded, plan, author=author, reason=reason, source_doc=source_doc)
                known.remember(encoded, plan)
                inserted.extend(plan.inserted_ids)
                updated.extend(plan.updated_ids)
                unchanged += plan.unchanged
            del encoded, known, plan, live_keys, repeats  # freed before the ids are made
        return WriteResult(
            kind, inserted=inserted.to_tuple(), updated=updated.to_tuple(), unchanged=unchanged
        )

    def _repeats(self, kind: str) -> RepeatNumbers:
        """The repeat counter of a write: its own, or the one of the batched write it belongs to."""
        if self._batched is None:
            return RepeatNumbers()
        if kind not in self._batched:
            self._batched[kind] = SpooledRepeatNumbers()
        return self._batched[kind]

    def _apply(
        self,
        schema: EntitySchema,
        encoded: EncodedFrame,
        plan: WritePlan,
        *,
        author: str,
        reason: str,
        source_doc: str | None,
    ) -> None:
        k = schema.table
        kept = stored_fields(schema)
        names = [*(f.name for f in kept), "content_key", *(["geom"] if schema.geometry else [])]
        columns = [encoded.columns[f.name] for f in kept] + [encoded.content_keys]
        if schema.geometry:
            columns.append(self.geometry_params(encoded))
        last_revision = self._last_revision(schema)
        if plan.insert_rows:
            # Columns empty in every row are left to their default (NULL): less to bind, same result.
            filled = [j for j, column in enumerate(columns) if j == 0 or column.count(None) != len(column)]
            inserts = _take([columns[j] for j in filled], plan.insert_rows)
            before = int(self.query(f"SELECT COALESCE(MAX(fid), 0) FROM {k}")[0][0])
            geometry = None if encoded.geometry is None else encoded.geometry[np.asarray(plan.insert_rows)]
            self.insert_rows(k, [names[j] for j in filled], inserts, geometry=geometry)
            # The history of new rows is copied inside the database: no second round of parameter binding.
            self.execute(
                self._revision_sql(schema, "insert", "fid > ?"), (author, reason, source_doc, before)
            )
        updates = list(zip(*_take(columns, plan.update_rows), strict=True)) if plan.update_rows else []
        if updates:
            assignments = ", ".join(f"{n} = ?" for n in names[1:])
            self.executemany(
                f"UPDATE {k} SET {assignments} WHERE id = ?", [(*row[1:], row[0]) for row in updates]
            )
            self.executemany(
                self._revision_sql(schema, "update", "id = ?"),
                [(author, reason, source_doc, row[0]) for row in updates],
            )
        if last_revision is not None:
            self._apply_personal(schema, encoded, [*plan.insert_rows, *plan.update_rows], last_revision)
        if plan.next_number is not None:
            self.execute(
                "UPDATE mineaction_counters SET next_number = ? WHERE kind = ?", (plan.next_number, k)
            )

    def last_change(self, kind: str) -> int | None:
        """The latest revision of the kind's history (append-only, one revision per change; the key's
        index answers without a scan)."""
        table = entity(kind).table
        return int(self.query(f"SELECT COALESCE(MAX(revision), 0) FROM {table}_history")[0][0])

    def _last_revision(self, schema: EntitySchema) -> int | None:
        """The latest revision of a kind with personal fields (None for the other kinds)."""
        if not personal_fields(schema):
            return None
        return int(self.query(f"SELECT COALESCE(MAX(revision), 0) FROM {schema.table}_history")[0][0])

    def _apply_personal(
        self, schema: EntitySchema, encoded: EncodedFrame, rows: Sequence[int], last_revision: int
    ) -> None:
        """Store the personal values of the rows just inserted or updated, and keep them with the revisions
        written after ``last_revision``."""
        if not rows:
            return
        ids = np.asarray(encoded.columns["id"], dtype=object)[np.asarray(rows)].tolist()
        values = {
            f.name: np.asarray(encoded.columns[f.name], dtype=object)[np.asarray(rows)].tolist()
            for f in personal_fields(schema)
        }
        write_personal(self, schema, ids, values)
        record_personal_history(self, schema, last_revision, ids)

    def _revision_sql(self, schema: EntitySchema, op: str, where: str) -> str:
        """SQL appending revisions ``op`` of the live rows matching ``where``.

        Parameters in order: (for deletes: the deletion time,) author, reason, the write's source document
        (else the row's), then those of ``where``. Inserts and updates are dated by the row's ``recorded_at``.
        """
        names = [
            *(f.name for f in stored_fields(schema)),
            "content_key",
            *(["geom"] if schema.geometry else []),
        ]
        when = "recorded_at" if op != "delete" else self.instant_placeholder()
        return (
            f"INSERT INTO {schema.table}_history ({', '.join([*REVISION_FIELDS, *names])}) "
            f"SELECT '{op}', {when}, ?, ?, COALESCE(?, source_doc), {', '.join(names)} FROM {schema.table} "
            f"WHERE {where} ORDER BY fid"
        )

    def delete(
        self, kind: str, ids: Sequence[str], *, author: str, reason: str, source_doc: str | None = None
    ) -> int:
        schema = entity(kind)
        wanted = list(dict.fromkeys(ids))
        with self.transaction():
            confine_delete(self, kind, wanted)
            present: set[str] = set()
            for marks, chunk in in_lists(wanted):
                present.update(
                    r[0] for r in self.query(f"SELECT id FROM {kind} WHERE id IN ({marks})", chunk)
                )
            missing = [i for i in wanted if i not in present]
            if missing:
                raise NotFoundError(
                    f"{kind}: cannot delete {missing[:5]}: no such live records; nothing was "
                    f"deleted; check the ids with read({kind!r})"
                )
            now = format_instant(datetime.now(UTC))
            last_revision = self._last_revision(schema)
            self.executemany(
                self._revision_sql(schema, "delete", "id = ?"),
                [(now, author, reason, source_doc, i) for i in wanted],
            )
            if last_revision is not None:  # the delete revisions keep the last personal values too
                record_personal_history(self, schema, last_revision, wanted)
                delete_personal(self, schema, wanted)
            self.executemany(f"DELETE FROM {kind} WHERE id = ?", [(i,) for i in wanted])
            audit_change(self, kind, (), (), wanted, author, reason, source_doc)
        return len(wanted)


def _numbered_repeats(repeats: RepeatNumbers, encoded: EncodedFrame) -> list[str]:
    """Content keys with the repeats of identical content numbered, except on rows with a source reference:
    those are told apart by it, whatever their order."""
    refs = encoded.columns["source_ref"]
    plain = [i for i, ref in enumerate(refs) if ref is None]
    if len(plain) == len(refs):
        return repeats.number(encoded.content_keys)
    keys = list(encoded.content_keys)
    for i, key in zip(plain, repeats.number([keys[i] for i in plain]), strict=True):
        keys[i] = key
    return keys


def _take(columns: Sequence[list[Any]], index: Sequence[int]) -> list[list[Any]]:
    """The rows ``index`` of each column (the columns themselves when every row is taken)."""
    if len(index) == len(columns[0]):
        return list(columns)
    pick = np.asarray(index, dtype=np.int64)
    return [np.asarray(column, dtype=object)[pick].tolist() for column in columns]
