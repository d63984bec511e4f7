"""Copy a whole store between back ends (GeoPackage, PostGIS, memory) with everything it knows: every current
record, every history revision as it was written (revision numbers, ``changed_at``, author, reason, source
document), every version of every document, the settings, the id counters and the id sequences.

The tables copied are those the store's migrations create (``catalog.store_tables``), found in the database's
catalog, so a table a new migration adds travels without changes here (``catalog.NOT_COPIED`` names the
exceptions, each with its reason). The source is read in one snapshot (a GeoPackage is first copied with
SQLite's online backup, so the source stays writable while the copy runs; PostgreSQL is read in one
``REPEATABLE READ`` transaction). A source at an older schema version is upgraded where it is read and
never changed: a GeoPackage's scratch copy is migrated; a PostgreSQL source is migrated inside the
transaction that reads it, which is then rolled back. The destination is written in
one transaction: its tables are filled, their id sequences moved past the copied ids, and every table's row
count and checksum (``transfer.Checksum``) compared with the source's before it commits. A GeoPackage
destination is built under a temporary name in its folder and put in place at the end, so a failed copy
leaves the destination as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mineaction.errors import ConfigError, NotFoundError, SchemaError, StoreError
from mineaction.store.catalog import (
    NOT_COPIED,
    Table,
    describe_tables,
    is_postgres,
    list_tables,
    sequence_positions,
    set_sequence_position,
    store_tables,
    tables_with_rows,
)
from mineaction.store.gpkg import GeoPackageStore
from mineaction.store.migrations import latest_version, migrate, schema_version
from mineaction.store.places import (
    check_replaceable,
    gpkg_path,
    install_file,
    is_sqlite_file,
    open_unmigrated,
    partial_path,
    require_version,
    same_place,
    sqlite_backup,
    sqlite_path,
)
from mineaction.store.postgis import redact_url
from mineaction.store.sql import SQLStore
from mineaction.store.transfer import (
    Checksum,
    copy_rows,
    plan_columns,
    rebuild_rtrees,
    snapshot,
    table_checksum,
)

__all__ = ["CopyResult", "TableCopy", "copy_between", "copy_store"]

OnTable = Callable[[str, int], None]


@dataclass(frozen=True)
class TableCopy:
    """One table copied: its rows and checksum, equal in the source and the destination."""

    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopyResult:
    """What a copy did: where from and to, the schema version, each table's rows and checksum, what was
    left behind and why, and how long it took (s)."""

    source: str
    destination: str
    schema_version: int
    source_version: int
    tables: tuple[TableCopy, ...]
    sequences: dict[str, int] = field(default_factory=dict)
    left_behind: dict[str, str] = field(default_factory=dict)
    replaced: bool = False
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows copied, all tables together."""
        return sum(t.rows for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON types (the ``--json`` of ``mineaction copy``)."""
        return {
            "source": self.source,
            "destination": self.destination,
            "schema_version": self.schema_version,
            "source_version": self.source_version,
            "replaced": self.replaced,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows / self.seconds, 1) if self.seconds > 0 else None,
            "verified": True,
            "tables": [{"table": t.table, "rows": t.rows, "checksum": t.checksum} for t in self.tables],
            "sequences": dict(self.sequences),
            "left_behind": dict(self.left_behind),
        }


# --- reading ---------------------------------------------------------------------------------------------


# --- the copy itself ---------------------------------------------------------------------------------------


def copy_between(
    source: SQLStore, destination: SQLStore, *, replace: bool = False, on_table: OnTable | None = None
) -> CopyResult:
    """Copy every table of the open store ``source`` into ``destination`` in one transaction, and check it.

    Parameters
    ----------
    source
        The store to copy, read in one snapshot and never changed.
    destination
        A store without a mineaction schema (it is created at the source's version), or one at the same or
        (when the source is current) an older version, which is migrated.
    replace
        Replace a destination that holds data; without it such a destination is refused.
    on_table
        Called with each table's name and rows once it is copied (for progress).

    Raises
    ------
    StoreError
        The destination holds data and ``replace`` is false, or a table's count or checksum differs after
        the copy (nothing is kept).
    SchemaError
        The versions cannot be matched, or a column cannot travel between the back ends.
    """
    started = time.perf_counter()
    with snapshot(source):
        version = require_version(source, "the source")
        if version < latest_version():
            raise SchemaError(
                f"{source.url} is at schema version {version} and this mineaction writes "
                f"{latest_version()}; copy it with copy_store (it upgrades a copy) or open it once with "
                "open_store (it upgrades it)"
            )
        schema_tables = store_tables()
        tables = [t for t in schema_tables if t not in NOT_COPIED]
        left = {t: NOT_COPIED[t] for t in schema_tables if t in NOT_COPIED}
        outside = sorted(set(list_tables(source)) - set(schema_tables))
        left.update({t: "not part of the mineaction schema" for t in outside})
        with destination.transaction():
            held = _prepare_destination(destination, replace=replace)
            copied, sequences = _fill(source, destination, tables, schema_tables, on_table)
    return CopyResult(
        source=source.url,
        destination=destination.url,
        schema_version=version,
        source_version=version,
        tables=tuple(copied),
        sequences=sequences,
        left_behind=left,
        replaced=held,
        seconds=time.perf_counter() - started,
    )


def _prepare_destination(destination: SQLStore, *, replace: bool) -> bool:
    """Bring the destination to the current schema (inside its transaction); returns whether it held
    data."""
    current = schema_version(destination)
    holding: list[str] = []
    if current is not None:
        if current > latest_version():
            raise SchemaError(
                f"{destination.url} has schema version {current}, newer than this mineaction "
                f"({latest_version()}); upgrade mineaction first"
            )
        holding = tables_with_rows(destination)
        if holding and not replace:
            raise StoreError(
                f"{destination.url} already holds data (tables {', '.join(holding[:5])}); copy into a new or "
                "empty store, or add --replace to replace everything in it"
            )
    migrate(destination)
    return bool(holding)


def _empty(store: SQLStore, tables: tuple[str, ...]) -> None:
    quoted = [_quote(t) for t in tables]
    if is_postgres(store):
        store.execute(f"TRUNCATE {', '.join(quoted)}")
        return
    for t in quoted:
        store.execute(f"DELETE FROM {t}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _in_reference_order(tables: list[Table]) -> list[Table]:
    """Tables ordered so that each comes after those its foreign keys point to."""
    by_name = {t.name: t for t in tables}
    ordered: list[Table] = []
    placed: set[str] = set()

    def place(table: Table, path: tuple[str, ...]) -> None:
        if table.name in placed or table.name in path:
            return
        for ref in table.references:
            if ref in by_name:
                place(by_name[ref], (*path, table.name))
        placed.add(table.name)
        ordered.append(table)

    for t in tables:
        place(t, ())
    return ordered


def _fill(
    source: SQLStore,
    destination: SQLStore,
    tables: list[str],
    schema_tables: tuple[str, ...],
    on_table: OnTable | None,
) -> tuple[list[TableCopy], dict[str, int]]:
    """Empty the destination's tables, copy the rows, carry the id sequences, and check every table (inside
    the destination's transaction)."""
    described = describe_tables(source, tables)
    targets = {t.name: t for t in describe_tables(destination, tables)}
    plans = {t.name: plan_columns(t, targets[t.name]) for t in described}
    ordered = _in_reference_order([targets[t] for t in tables])
    read: dict[str, Checksum] = {}
    with _writes_without_triggers(destination, list(schema_tables)):
        _empty(destination, schema_tables)  # append-only tables too: their triggers are off
        for table in ordered:
            read[table.name] = copy_rows(source, destination, plans[table.name])
            if on_table is not None:
                on_table(table.name, read[table.name].rows)
    positions = sequence_positions(source, described)
    sequences = {t.name: set_sequence_position(destination, t, positions.get(t.name, 0)) for t in ordered}
    copied = []
    for name in tables:
        written = table_checksum(destination, plans[name])
        if written != read[name]:
            raise StoreError(
                f"copy of table {name} does not match: {read[name].rows:,} rows read, {written.rows:,} in "
                f"{destination.url} (checksums {read[name].hexdigest} and {written.hexdigest}); nothing was "
                "kept"
            )
        copied.append(TableCopy(name, written.rows, written.hexdigest))
    return copied, {k: v for k, v in sequences.items() if targets[k].serial is not None}


@contextlib.contextmanager
def _writes_without_triggers(store: SQLStore, tables: list[str]) -> Iterator[None]:
    """Rows go in as they are: user triggers are off while the tables are filled (PostgreSQL) or dropped
    and created again after (SQLite; the GeoPackage R-trees are then filled anew from the geometries)."""
    if is_postgres(store):
        for t in tables:
            store.execute(f"ALTER TABLE {_quote(t)} DISABLE TRIGGER USER")
        yield
        for t in tables:
            store.execute(f"ALTER TABLE {_quote(t)} ENABLE TRIGGER USER")
        return
    marks = ", ".join("?" for _ in tables)
    triggers = store.query(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", tables
    )
    for name, _ in triggers:
        store.execute(f"DROP TRIGGER {_quote(name)}")
    yield
    for _, sql in triggers:
        store.execute(sql)
    rebuild_rtrees(store)


# --- by URL ------------------------------------------------------------------------------------------------


class _Undone(Exception):
    """Ends the transaction in which an older PostgreSQL source was upgraded and copied, undoing the
    upgrade."""


@contextlib.contextmanager
def _current_source(url: str, scratch: Path) -> Iterator[tuple[SQLStore, int]]:
    """The source, upgraded to the current schema if it is older, and its own version; the source itself is
    never changed. A GeoPackage is read from an online backup in ``scratch`` (upgraded there); a PostgreSQL
    source is upgraded inside the transaction that reads it, which ``copy_store`` then rolls back."""
    path = sqlite_path(url)
    if path is not None:
        if not is_sqlite_file(path):
            raise NotFoundError(f"no GeoPackage store at {path}; check the path")
        sqlite_backup(path, scratch / "source.gpkg")
        store: SQLStore = open_unmigrated(scratch / "source.gpkg", check=True)
        store.url = url
    else:
        store = open_unmigrated(url)
    try:
        version = require_version(store, "the source")
        if version < latest_version() and not is_postgres(store):
            migrate(store)  # the scratch copy, never the source
        yield store, version
    finally:
        store.close()


def _copy_upgraded(source: SQLStore, copy: Callable[[SQLStore], CopyResult]) -> CopyResult:
    """Run ``copy`` on a PostgreSQL source at an older version upgraded inside one transaction that is then
    rolled back (PostgreSQL's DDL is transactional), so the source is read at the current schema and left
    as it was. The upgrade's locks keep the source's other users waiting until the copy ends."""
    result: CopyResult | None = None
    try:
        with source.transaction():
            source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            migrate(source)
            result = copy(source)
            raise _Undone
    except _Undone:
        pass
    assert result is not None
    return result


def copy_store(
    source: str | Path, destination: str | Path, *, replace: bool = False, on_table: OnTable | None = None
) -> CopyResult:
    """Copy the whole store at ``source`` into ``destination`` (GeoPackage paths or PostGIS URLs).

    A GeoPackage destination is written under a temporary name in its folder and put in place when the copy
    has been checked; a PostGIS destination is written in one transaction. See ``copy_between`` for the
    parameters and errors; a source at an older schema version arrives migrated to the current one.
    """
    src, dst = str(source), str(destination)
    if same_place(src, dst):
        raise ConfigError(f"source and destination are the same store ({redact_url(src)})")
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="mineaction-copy-") as scratch,
        _current_source(src, Path(scratch)) as (store, version),
    ):

        def copy(current: SQLStore) -> CopyResult:
            path = gpkg_path(dst)
            if path is not None:
                return _copy_to_file(current, path, replace=replace, on_table=on_table)
            with contextlib.closing(open_unmigrated(dst)) as target:
                return copy_between(current, target, replace=replace, on_table=on_table)

        older = version < latest_version() and is_postgres(store)
        result = _copy_upgraded(store, copy) if older else copy(store)
    return dataclasses.replace(
        result,
        source=redact_url(src),
        destination=redact_url(dst),
        source_version=version,
        seconds=time.perf_counter() - started,
    )


def _copy_to_file(source: SQLStore, path: Path, *, replace: bool, on_table: OnTable | None) -> CopyResult:
    held = check_replaceable(path, replace=replace)  # refused now, before any work, when it holds data
    with partial_path(path) as partial:
        with contextlib.closing(GeoPackageStore(partial, url=str(path))) as target:
            result = copy_between(source, target, on_table=on_table)
        install_file(partial, path)
    return dataclasses.replace(result, replaced=held)
