"""What a store is made of, read from the database's own catalog: its tables, their columns, the kind of value
each column holds, primary and foreign keys and id sequences, for SQLite (GeoPackage, memory) and PostGIS.

Copying, backing up and checking a whole store work from this and never from a fixed list of tables: the
store's tables are those the migrations create in a new store (``store_tables``), so a table a new migration
adds is carried with the rest without changes here. Tables of the container are not the store's:
GeoPackage's ``gpkg_*`` and ``rtree_*`` (rebuilt from the geometries), SQLite's ``sqlite_*`` and PostGIS's
own (extension-owned) tables.

A column's **kind** says how its values travel between back ends:

========  ======================================  ============================================
kind      SQLite (GeoPackage, memory) declared     PostgreSQL type
========  ======================================  ============================================
int       INTEGER, BIGINT, ...                     integer, bigint, smallint
float     REAL, DOUBLE, FLOAT, NUMERIC             double precision, real, numeric
bool      BOOLEAN                                  boolean
text      TEXT, VARCHAR, JSON, ...                 text, varchar, uuid, json, jsonb
date      DATE                                     date
instant   DATETIME, TIMESTAMP                      timestamp with(out) time zone
blob      BLOB                                     bytea
geometry  POINT, GEOMETRY, ... (gpkg_geometry_    geometry(...)
          columns)
========  ======================================  ============================================

A GeoPackage history table keeps its geometries as GeoPackage blobs in a ``BLOB`` column where PostGIS has a
geometry column: a pair of ``blob`` and ``geometry`` travels as a geometry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mineaction.errors import SchemaError
from mineaction.store import migrations
from mineaction.store.migrations import VERSION_TABLE, migrate
from mineaction.store.postgis import PostGISStore
from mineaction.store.sql import SQLStore

__all__ = [
    "BOOKKEEPING",
    "NOT_COPIED",
    "Column",
    "Table",
    "describe_tables",
    "is_postgres",
    "list_tables",
    "present_tables",
    "sequence_positions",
    "set_sequence_position",
    "store_tables",
    "tables_with_rows",
]

# Tables whose rows alone do not make a store hold data: what ``init`` writes beyond the migrations' own rows
# (the schema version, settings such as the area of interest, and the audit log's entries saying so). A
# store whose other tables are empty, or hold only the rows the migrations wrote, holds no data.
BOOKKEEPING = frozenset({VERSION_TABLE, "mineaction_settings", "mineaction_audit"})

# Tables of the store that a whole-store copy leaves behind, each with the reason (shown in the copy's
# report). Every other table a migration creates is copied row for row; a test fails for a table that is
# neither copied nor named here.
NOT_COPIED: Mapping[str, str] = MappingProxyType({})

_CONTAINER = re.compile(r"^(sqlite_|gpkg_|gpkgext_|rtree_)", re.IGNORECASE)
_GEOMETRY_TYPES = frozenset(
    {
        "GEOMETRY",
        "POINT",
        "LINESTRING",
        "POLYGON",
        "MULTIPOINT",
        "MULTILINESTRING",
        "MULTIPOLYGON",
        "GEOMETRYCOLLECTION",
        "CIRCULARSTRING",
        "COMPOUNDCURVE",
        "CURVEPOLYGON",
        "MULTICURVE",
        "MULTISURFACE",
        "CURVE",
        "SURFACE",
    }
)


@dataclass(frozen=True)
class Column:
    """One column: its name, the kind of value it holds (see the module docstring), the type the database
    declares, and for geometries the spatial reference id (None where the database does not say)."""

    name: str
    kind: str
    declared: str
    srid: int | None = None


@dataclass(frozen=True)
class Table:
    """One table of a store: columns in order, primary-key columns, the tables its foreign keys point to, and
    the column an id sequence fills (SQLite AUTOINCREMENT, PostgreSQL serial or identity), if any."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    serial: str | None = None

    def column(self, name: str) -> Column:
        """The column ``name``; KeyError if the table has none."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def is_postgres(store: SQLStore) -> bool:
    """Whether ``store`` is a PostgreSQL database (else SQLite: a GeoPackage file or memory)."""
    return isinstance(store, PostGISStore)


def list_tables(store: SQLStore) -> list[str]:
    """Every table in the store's database that is not the container's, in name order."""
    if is_postgres(store):
        rows = store.query(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1"
        )
    else:
        rows = store.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "ORDER BY name"
        )
    return [str(r[0]) for r in rows if not _CONTAINER.match(str(r[0]))]


@functools.lru_cache(maxsize=4)
def _scratch(steps: tuple[Any, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """Tables of a store of the current schema, and those its migrations fill (``steps`` keys the cache)."""
    from mineaction.store.gpkg import MemoryStore  # the one dialect that needs no server

    scratch = MemoryStore()
    try:
        migrate(scratch)
        tables = tuple(list_tables(scratch))
        filled = frozenset(t for t in tables if scratch.query(f"SELECT 1 FROM {_quote(t)} LIMIT 1"))
        return tables, filled
    finally:
        scratch.close()


def store_tables() -> tuple[str, ...]:
    """The tables of the current schema: those the migrations create in a new store (a scratch store in
    memory is migrated to see). A store at an older version has some of them (migrations only add)."""
    return _scratch(migrations.MIGRATIONS)[0]


def present_tables(store: SQLStore) -> list[str]:
    """The tables of the current schema that ``store`` has, in name order."""
    schema = set(store_tables())
    return [t for t in list_tables(store) if t in schema]


def tables_with_rows(store: SQLStore) -> list[str]:
    """The store's tables that hold data: rows other than those the migrations write themselves (a counter
    per kind, the audit log's head) and than the ``BOOKKEEPING`` tables'."""
    filled = _scratch(migrations.MIGRATIONS)[1]
    return [
        t
        for t in present_tables(store)
        if t not in BOOKKEEPING and t not in filled and store.query(f"SELECT 1 FROM {_quote(t)} LIMIT 1")
    ]


def describe_tables(store: SQLStore, tables: Sequence[str]) -> list[Table]:
    """The description of each of ``tables`` (SchemaError naming a table the store lacks)."""
    present = set(list_tables(store))
    missing = [t for t in tables if t not in present]
    if missing:
        raise SchemaError(
            f"{store.url} has no table {', '.join(missing)} although its schema version says it should; "
            "the store is damaged or was changed by hand"
        )
    describe = _describe_postgres if is_postgres(store) else _describe_sqlite
    serials = _serial_columns(store)
    return [describe(store, t, serials.get(t)) for t in tables]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite ------------------------------------------------------------------------------------------------


def _sqlite_kind(declared: str) -> str | None:
    """The kind of a SQLite declared type, by SQLite's own affinity rules where the name says nothing more."""
    text = declared.upper().split("(")[0].strip()
    if text in _GEOMETRY_TYPES:
        return "geometry"
    if text in ("BOOLEAN", "BOOL"):
        return "bool"
    if text == "DATE":
        return "date"
    if text == "DATETIME" or text.startswith("TIMESTAMP"):
        return "instant"
    if "INT" in text:
        return "int"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT", "JSON", "UUID")):
        return "text"
    if text in ("", "BLOB"):
        return "blob"
    if any(word in text for word in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "float"
    return None


def _describe_sqlite(store: SQLStore, table: str, serial: str | None) -> Table:
    srids: dict[str, int] = {}
    if store.table_exists("gpkg_geometry_columns"):
        srids = {
            str(r[0]): int(r[1])
            for r in store.query(
                "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", [table]
            )
        }
    info = store.query(f"PRAGMA table_info({_quote(table)})")
    columns = []
    for _, name, declared, *_rest in info:
        kind = "geometry" if name in srids else _sqlite_kind(str(declared or ""))
        columns.append(_column(store, table, str(name), kind, str(declared or ""), srids.get(name)))
    key = tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    references = tuple(sorted({str(r[2]) for r in store.query(f"PRAGMA foreign_key_list({_quote(table)})")}))
    return Table(table, tuple(columns), key, references, serial)


# --- PostgreSQL --------------------------------------------------------------------------------------------

_PG_KINDS = {
    "smallint": "int",
    "integer": "int",
    "bigint": "int",
    "boolean": "bool",
    "real": "float",
    "double precision": "float",
    "numeric": "float",
    "date": "date",
    "timestamp with time zone": "instant",
    "timestamp without time zone": "instant",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "uuid": "text",
    "json": "text",
    "jsonb": "text",
    "bytea": "blob",
    "geometry": "geometry",
}


def _describe_postgres(store: SQLStore, table: str, serial: str | None) -> Table:
    srids = {
        str(r[0]): int(r[1])
        for r in store.query(
            "SELECT f_geometry_column, srid FROM geometry_columns "
            "WHERE f_table_schema = current_schema() AND f_table_name = ?",
            [table],
        )
    }
    rows = store.query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), format_type(a.atttypid, NULL) "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [table],
    )
    columns = [
        _column(
            store, table, str(name), _PG_KINDS.get(str(base)), str(declared), srids.get(str(name)) or None
        )
        for name, declared, base in rows
    ]
    key = tuple(
        str(r[0])
        for r in store.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            [table],
        )
    )
    references = tuple(
        sorted(
            str(r[0])
            for r in store.query(
                "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint "
                "WHERE conrelid = to_regclass(?) AND contype = 'f'",
                [table],
            )
        )
    )
    return Table(table, tuple(columns), key, references, serial)


def _column(
    store: SQLStore, table: str, name: str, kind: str | None, declared: str, srid: int | None
) -> Column:
    if kind is None:
        raise SchemaError(
            f"{store.url}: table {table} column {name} has type {declared!r}, which mineaction cannot carry "
            "between back ends; use TEXT, INTEGER, REAL, BOOLEAN, DATE, DATETIME, BLOB or a geometry (the "
            "store's column_type() gives the right one for each back end)"
        )
    return Column(name, kind, declared, srid)


# --- id sequences ------------------------------------------------------------------------------------------


def _serial_columns(store: SQLStore) -> dict[str, str]:
    """Table -> the column its id sequence fills."""
    if not is_postgres(store):
        return {t.name: t.key[0] for t in _autoincrement_tables(store)}
    rows = store.query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() "
        "AND (starts_with(column_default, 'nextval(') OR is_identity = 'YES') "
        "ORDER BY table_name, ordinal_position"
    )
    serials: dict[str, str] = {}
    for table, column in rows:
        serials.setdefault(str(table), str(column))
    return serials


@dataclass(frozen=True)
class _Keyed:
    name: str
    key: tuple[str, ...]


def _autoincrement_tables(store: SQLStore) -> list[_Keyed]:
    rows = store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
    out = []
    for (name,) in rows:
        key = [str(r[1]) for r in store.query(f"PRAGMA table_info({_quote(str(name))})") if r[5]]
        if len(key) == 1:
            out.append(_Keyed(str(name), tuple(key)))
    return out


def sequence_positions(store: SQLStore, tables: Sequence[Table]) -> dict[str, int]:
    """The last number each table's id sequence gave out (0 when none yet), for tables that have one.

    The sequence may be ahead of the largest id in the table (rows deleted, or on PostgreSQL numbers given
    out by transactions that rolled back), which is why it is carried on its own.
    """
    positions: dict[str, int] = {}
    if is_postgres(store):
        for t in tables:
            if t.serial is None:
                continue
            row = store.query(f"SELECT last_value, is_called FROM {_pg_sequence(store, t)}")[0]
            positions[t.name] = int(row[0]) if row[1] else int(row[0]) - 1
        return positions
    if not store.table_exists("sqlite_sequence"):
        return {t.name: 0 for t in tables if t.serial}
    known = {str(r[0]): int(r[1]) for r in store.query("SELECT name, seq FROM sqlite_sequence")}
    return {t.name: known.get(t.name, 0) for t in tables if t.serial}


def _pg_sequence(store: SQLStore, table: Table) -> str:
    name = store.query("SELECT pg_get_serial_sequence(?, ?)", [_quote(table.name), table.serial])[0][0]
    if name is None:
        raise SchemaError(f"{store.url}: table {table.name} column {table.serial} has no sequence")
    return str(name)


def set_sequence_position(store: SQLStore, table: Table, position: int) -> int:
    """Move ``table``'s id sequence so the next id is above both ``position`` and every id in the table;
    returns the position set."""
    if table.serial is None:
        return 0
    top = store.query(f"SELECT COALESCE(MAX({_quote(table.serial)}), 0) FROM {_quote(table.name)}")[0][0]
    position = max(int(position), int(top))
    if is_postgres(store):
        store.query("SELECT setval(?, ?, ?)", [_pg_sequence(store, table), max(position, 1), position > 0])
        return position
    if store.query("SELECT 1 FROM sqlite_sequence WHERE name = ?", [table.name]):
        store.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (position, table.name))
    else:
        store.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table.name, position))
    return position
