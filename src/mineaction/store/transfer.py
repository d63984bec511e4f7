"""Move the rows of one table between two stores a chunk at a time, and fingerprint a table, in one form of
values whatever the back ends.

Values travel in a **canonical form** by column kind (``store.catalog``): int, float, bool and text as
Python values; dates as ``YYYY-MM-DD`` text; instants as ``YYYY-MM-DDTHH:MM:SS.sssZ`` text (UTC; six
decimals where the instant has microseconds); blobs as bytes; geometries as shapely objects (missing or empty:
None). Each reader turns its back end's values into that form (GeoPackage blobs are unwrapped, PostGIS
geometries selected as WKB, dates and instants selected as text) and each writer turns it back (GeoPackage
blobs with an envelope, EWKB with the column's SRID, COPY on PostgreSQL).

A table's **checksum** is the number of rows and the sum, modulo 2^64 in each of two lanes, of a BLAKE2b-128
digest of every row's canonical values: it does not depend on row order, so two back ends that sort text
differently agree, and any changed, lost or added row changes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mineaction.errors import InputError, SchemaError
from mineaction.store.catalog import Table, describe_tables, is_postgres, present_tables
from mineaction.store.gpkg import gpkg_blobs, wkb_from_gpkg
from mineaction.store.rtree import load_rtree, outward_float32
from mineaction.store.sql import SQLStore

__all__ = [
    "CHUNK_ROWS",
    "Checksum",
    "Plan",
    "copy_rows",
    "plan_columns",
    "read_chunks",
    "rebuild_rtrees",
    "snapshot",
    "store_checksums",
    "table_checksum",
]

CHUNK_ROWS = 20_000  # rows read, fingerprinted and written at a time: bounds the memory of a copy
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(\d{3})?Z$")
_PG_INSTANT = '\'YYYY-MM-DD"T"HH24:MI:SS.{}"Z"\''


@dataclass(frozen=True)
class Plan:
    """How one table travels: its name on each side, the columns (in order) and the kind of each, the key
    to read it in (may be empty) and the SRID geometries are written with on the destination."""

    table: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    key: tuple[str, ...]
    srids: tuple[int | None, ...]


def plan_columns(source: Table, destination: Table) -> Plan:
    """Pair the columns of a table as the source and the destination declare them (SchemaError naming
    the column where they cannot be paired)."""
    names = [c.name for c in source.columns]
    if sorted(names) != sorted(c.name for c in destination.columns):
        raise SchemaError(
            f"table {source.name} has columns {sorted(names)} in the source but "
            f"{sorted(c.name for c in destination.columns)} in the destination; both must be at one schema "
            "version"
        )
    kinds, srids = [], []
    for name in names:
        a, b = source.column(name), destination.column(name)
        kinds.append(_pair_kind(source.name, name, a.kind, b.kind))
        if a.srid and b.srid and a.srid != b.srid:
            raise SchemaError(
                f"table {source.name} column {name}: geometries are in EPSG:{a.srid} in the source but "
                f"EPSG:{b.srid} in the destination"
            )
        srids.append(b.srid or a.srid or (4326 if kinds[-1] == "geometry" else None))
    return Plan(source.name, tuple(names), tuple(kinds), source.key, tuple(srids))


def _pair_kind(table: str, column: str, a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"geometry", "blob"}:  # a GeoPackage history table keeps geometries in a BLOB column
        return "geometry"
    raise SchemaError(
        f"table {table} column {column} holds {a} values in the source but {b} in the destination; "
        "they cannot be copied one into the other"
    )


# --- reading -----------------------------------------------------------------------------------------------


def _in_transaction(store: SQLStore) -> bool:
    if is_postgres(store):
        from psycopg.pq import TransactionStatus

        return bool(store._conn.info.transaction_status != TransactionStatus.IDLE)
    return bool(store._conn.in_transaction)


@contextlib.contextmanager
def snapshot(store: SQLStore) -> Iterator[None]:
    """Read ``store`` in one consistent snapshot: a read-only REPEATABLE READ transaction on PostgreSQL; on
    SQLite a transaction whose shared lock holds writers back until it ends. Inside a transaction already
    open, that transaction is the snapshot."""
    if _in_transaction(store):
        yield
        return
    if is_postgres(store):
        store.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        store.execute("BEGIN")
        store.query("SELECT COUNT(*) FROM sqlite_master")  # takes the shared lock now
    try:
        yield
    finally:
        store.execute("COMMIT")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_select(name: str, kind: str) -> str:
    column = _quote(name)
    if kind == "date":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if kind == "instant":
        utc = f"({column} AT TIME ZONE 'UTC')"
        micro = f"mod(date_part('microseconds', {column})::bigint, 1000) = 0"
        return (
            f"CASE WHEN {micro} THEN to_char({utc}, {_PG_INSTANT.format('MS')}) "
            f"ELSE to_char({utc}, {_PG_INSTANT.format('US')}) END"
        )
    if kind == "geometry":
        return f"ST_AsBinary({column})"
    if kind == "text":
        return f"{column}::text"
    return column


def _select(store: SQLStore, plan: Plan) -> str:
    if is_postgres(store):
        exprs = [_pg_select(n, k) for n, k in zip(plan.columns, plan.kinds, strict=True)]
    else:
        exprs = [_quote(n) for n in plan.columns]
    order = f" ORDER BY {', '.join(_quote(k) for k in plan.key)}" if plan.key else ""
    return f"SELECT {', '.join(exprs)} FROM {_quote(plan.table)}{order}"


def _row_batches(store: SQLStore, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``sql`` a chunk at a time (a server-side cursor on PostgreSQL, inside the caller's
    transaction)."""
    if is_postgres(store):
        with store._conn.cursor(name="mineaction_transfer") as cursor:
            cursor.itersize = CHUNK_ROWS
            cursor.execute(sql)
            while batch := cursor.fetchmany(CHUNK_ROWS):
                yield batch
        return
    cursor = store.execute(sql)
    while batch := cursor.fetchmany(CHUNK_ROWS):
        yield batch


def read_chunks(store: SQLStore, plan: Plan) -> Iterator[list[list[Any]]]:
    """The rows of ``plan.table`` in ``store``, as lists of canonical values per column, a chunk at a time."""
    postgres = is_postgres(store)
    for batch in _row_batches(store, _select(store, plan)):
        columns = [list(c) for c in zip(*batch, strict=True)]
        for j, kind in enumerate(plan.kinds):
            columns[j] = _canonical(plan, j, kind, columns[j], postgres=postgres)
        yield columns


def _canonical(plan: Plan, j: int, kind: str, values: list[Any], *, postgres: bool) -> Any:
    if kind == "geometry":
        return _geometries(values, postgres=postgres)
    if kind == "bool":
        return [None if v is None else bool(v) for v in values]
    if kind == "float":
        return [None if v is None else float(v) for v in values]
    if kind == "blob":
        return [None if v is None else bytes(v) for v in values]
    if kind in ("date", "instant") and not postgres:
        return _normalise_times(plan, j, kind, values)
    return values


def _geometries(values: list[Any], *, postgres: bool) -> np.ndarray:
    wkb: list[bytes | None] = []
    for v in values:
        if v is None:
            wkb.append(None)
        elif not postgres and bytes(v[:2]) == b"GP":
            wkb.append(wkb_from_gpkg(bytes(v)))
        else:
            wkb.append(bytes(v))
    shapes = np.asarray(shapely.from_wkb(wkb), dtype=object)
    shapes[shapely.is_missing(shapes) | shapely.is_empty(shapes)] = None
    return shapes


def _normalise_times(plan: Plan, j: int, kind: str, values: list[Any]) -> list[Any]:
    """Dates and instants as the canonical text; text another program wrote in another ISO 8601 form is
    rewritten, text that is no date at all is refused naming the table, column and value."""
    pattern = _DATE if kind == "date" else _INSTANT
    with contextlib.suppress(pa.ArrowException):  # not all text: checked value by value below
        texts = pa.array(values, type=pa.string())
        if pc.all(pc.match_substring_regex(texts, pattern.pattern)).as_py() is not False:
            return values
    out = list(values)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and pattern.match(v)):
            continue
        try:
            stamp = pd.Timestamp(v)
        except (ValueError, TypeError):
            raise InputError(
                f"table {plan.table} column {plan.columns[j]}: {v!r} is not a "
                f"{'date' if kind == 'date' else 'date and time'}; correct it in the source first"
            ) from None
        if kind == "date":
            out[i] = stamp.strftime("%Y-%m-%d")
            continue
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        micro = stamp.microsecond
        fraction = f"{micro // 1000:03d}" if micro % 1000 == 0 else f"{micro:06d}"
        out[i] = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"
    return out


# --- fingerprints ------------------------------------------------------------------------------------------


class Checksum:
    """Count and order-independent digest of rows given a chunk at a time (see the module docstring)."""

    def __init__(self) -> None:
        self.rows = 0
        self._lanes = np.zeros(2, dtype=np.uint64)

    def add(self, plan: Plan, columns: Sequence[Any]) -> None:
        """Fold in one chunk of canonical columns."""
        if not len(columns) or not len(columns[0]):
            return
        prepared = [_hashable(kind, column) for kind, column in zip(plan.kinds, columns, strict=True)]
        blake2b, dumps = hashlib.blake2b, pickle.dumps
        digests = b"".join(
            blake2b(dumps(row, 5), digest_size=16).digest() for row in zip(*prepared, strict=True)
        )
        lanes = np.frombuffer(digests, dtype="<u8").reshape(-1, 2)
        with np.errstate(over="ignore"):
            self._lanes += lanes.sum(axis=0, dtype=np.uint64)
        self.rows += len(lanes)

    @property
    def hexdigest(self) -> str:
        """32 hex digits (the two lanes)."""
        return self._lanes.astype("<u8").tobytes().hex()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Checksum) and self.rows == other.rows and self.hexdigest == other.hexdigest

    __hash__ = None  # type: ignore[assignment]


def _hashable(kind: str, column: Any) -> list[Any]:
    if kind == "geometry":
        return list(shapely.to_wkb(column, byte_order=1, flavor="iso", output_dimension=3).tolist())
    if kind == "bool":
        return [None if v is None else int(v) for v in column]
    if kind == "float":
        return ["NaN" if v is not None and v != v else v for v in column]
    return list(column)


def table_checksum(store: SQLStore, plan: Plan) -> Checksum:
    """Count and checksum of ``plan.table`` as ``store`` holds it now (in the caller's transaction)."""
    checksum = Checksum()
    for columns in read_chunks(store, plan):
        checksum.add(plan, columns)
    return checksum


# --- writing -----------------------------------------------------------------------------------------------


def _written(store: SQLStore, plan: Plan, columns: list[Any]) -> list[list[Any]]:
    """Canonical columns as the parameters ``store`` takes."""
    out: list[list[Any]] = []
    for kind, srid, column in zip(plan.kinds, plan.srids, columns, strict=True):
        if kind != "geometry":
            out.append(list(column))
        elif is_postgres(store):
            shaped = shapely.set_srid(column, srid or 0)
            out.append(list(shapely.to_wkb(shaped, hex=True, include_srid=True, output_dimension=3).tolist()))
        else:
            wkb = list(shapely.to_wkb(column, byte_order=1, flavor="iso", output_dimension=3).tolist())
            out.append(gpkg_blobs(column, wkb))
    return out


def copy_rows(source: SQLStore, destination: SQLStore, plan: Plan) -> Checksum:
    """Append every row of ``plan.table`` from ``source`` to ``destination``; returns the checksum of what
    was read. Both run in their callers' transactions; the destination table takes the rows as they are
    (keys included)."""
    checksum = Checksum()
    names = ", ".join(_quote(n) for n in plan.columns)
    if is_postgres(destination):
        with (
            destination._conn.cursor() as cursor,
            cursor.copy(f"COPY {_quote(plan.table)} ({names}) FROM STDIN") as copy,
        ):
            for columns in read_chunks(source, plan):
                checksum.add(plan, columns)
                for row in zip(*_written(destination, plan, columns), strict=True):
                    copy.write_row(row)
        return checksum
    marks = ", ".join("?" for _ in plan.columns)
    for columns in read_chunks(source, plan):
        checksum.add(plan, columns)
        destination.executemany(
            f"INSERT INTO {_quote(plan.table)} ({names}) VALUES ({marks})",
            zip(*_written(destination, plan, columns), strict=True),
        )
    return checksum


def rebuild_rtrees(store: SQLStore) -> list[str]:
    """Fill every GeoPackage R-tree spatial index anew from its table's geometries (after rows were added
    with the index's triggers dropped); returns the indexed tables."""
    if is_postgres(store) or not store.table_exists("gpkg_extensions"):
        return []
    rows = store.query(
        "SELECT table_name, column_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'"
    )
    for table, column in rows:
        key = [r[1] for r in store.query(f"PRAGMA table_info({_quote(table)})") if r[5]][0]
        fids: list[int] = []
        blobs: list[bytes | None] = []
        cursor = store.execute(f"SELECT {_quote(key)}, {_quote(column)} FROM {_quote(table)}")
        while batch := cursor.fetchmany(CHUNK_ROWS):
            fids.extend(r[0] for r in batch)
            blobs.extend(r[1] for r in batch)
        shapes = _geometries(blobs, postgres=False)
        present = ~shapely.is_missing(shapes)
        ids = np.asarray(fids, dtype=np.int64)[present]
        boxes = outward_float32(shapely.bounds(shapes[present]).reshape(-1, 4)[:, [0, 2, 1, 3]])
        load_rtree(store._conn, f"rtree_{table}_{column}", ids, boxes)
    return [str(r[0]) for r in rows]


def store_checksums(store: SQLStore, *, like: SQLStore | None = None) -> dict[str, Checksum]:
    """Count and checksum of every table of the store, by table name.

    Values are fingerprinted in the canonical form of the pair (``store``, ``like``): give ``like`` to
    compare with a store of another back end (a GeoPackage history geometry is then read as a geometry).
    """
    with snapshot(store):
        tables = present_tables(store)
        mine = describe_tables(store, tables)
        theirs = describe_tables(like, tables) if like is not None else mine
        return {a.name: table_checksum(store, plan_columns(a, b)) for a, b in zip(mine, theirs, strict=True)}
