"""The GeoPackage dialect (the embedded default) and the in-memory store, both over sqlite3.

The file is a real OGC GeoPackage 1.3 that GDAL and QGIS open as layers: ``application_id`` 'GPKG' and
``user_version`` 10300, ``gpkg_spatial_ref_sys`` (EPSG:4326 and the two undefined systems), ``gpkg_contents``
(each kind with a geometry as ``features``, everything else as ``attributes``), ``gpkg_geometry_columns``,
GeoPackage binary geometries (a ``GP`` header with an envelope, then ISO WKB) and one R-tree spatial index per
feature table with the triggers of the specification, registered in ``gpkg_extensions``. The ``ST_MinX``...
and ``ST_IsEmpty`` functions those triggers call are registered on every connection this module opens.

Bulk inserts drop the R-tree insert trigger, insert, fill the R-tree from vectorised bounds kept on disk
(packing it anew with ``store.rtree.load_rtree_from_file`` when the new rows are many) and recreate the
trigger, all inside the write's transaction; a write in batches fills it once, at its end.
``journal_mode=DELETE`` means a failed write leaves the file byte-for-byte unchanged.

``MemoryStore`` is the same store on SQLite ``:memory:``: for tests and scratch work; it vanishes on close.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from mineaction.domain.schema import EntitySchema
from mineaction.errors import StoreError
from mineaction.store.codec import EncodedFrame
from mineaction.store.recordfile import RecordFile
from mineaction.store.rtree import CELL_RECORD, cell_records, load_rtree_from_file, outward_float32
from mineaction.store.sql import SQLStore

__all__ = ["GeoPackageStore", "MemoryStore", "gpkg_blobs", "wkb_from_gpkg"]

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0
SRS_ID = 4326
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)
_POINT_HEADER = b"GP\x00\x01" + struct.pack("<i", SRS_ID)  # little-endian, no envelope
_BOX_HEADER = b"GP\x00\x03" + struct.pack("<i", SRS_ID)  # little-endian, envelope [minx, maxx, miny, maxy]
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",'
    '0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)
_CACHE_KIB = 65536  # page cache, KiB: holds the content-key index of a large store during updates
_LOAD_CACHE_KIB = 4096  # page cache, KiB, while a load rebuilds the indexes (appends need few pages)
# An R-tree holding more than this many times the new boxes takes them one by one (about 35 us a box on the
# development machine); else it is packed anew with them (about 3 us a box, more cells than memory included)
_REPACK_RATIO = 10
_APPEND_SLICE = 65_536  # boxes appended to an R-tree per slice of Python rows
_RTREE_EXTENSION = ("gpkg_rtree_index", "http://www.geopackage.org/spec120/#extension_rtree", "write-only")
_TYPES = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "REAL",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "DATETIME",
    "json": "TEXT",
}


def gpkg_blobs(geometry: np.ndarray, wkb: Sequence[bytes | None]) -> list[bytes | None]:
    """GeoPackage binary geometries (EPSG:4326) from shapely geometries and their ISO WKB."""
    types = shapely.get_type_id(geometry)
    if np.all((types == 0) | (types == -1)):  # points only: no envelope needed
        return [None if w is None else _POINT_HEADER + w for w in wkb]
    bounds = shapely.bounds(geometry)[:, [0, 2, 1, 3]].astype("<f8")
    boxes = [_BOX_HEADER + b for b in map(bytes, bounds)]
    return [None if w is None else box + w for box, w in zip(boxes, wkb, strict=True)]


def wkb_from_gpkg(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage binary geometry (None for a missing or empty one)."""
    if blob is None or len(blob) < 8:
        return None
    flags = blob[3]
    if flags & 0x10:
        return None
    return blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 7] :]


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    wkb = wkb_from_gpkg(blob)
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    return minx, maxx, miny, maxy


def _register_functions(conn: sqlite3.Connection) -> None:
    def pick(i: int) -> Any:
        return lambda blob: None if (b := _bounds(blob)) is None else b[i]

    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, pick(i), deterministic=True)
    conn.create_function("ST_IsEmpty", 1, lambda blob: int(_bounds(blob) is None), deterministic=True)


def _rtree_triggers(t: str) -> dict[str, str]:
    """The R-tree triggers of the GeoPackage 1.3 specification for table ``t``, column ``geom``, key fid."""
    r = f"rtree_{t}_geom"
    box = "NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    filled, blank = (
        "(NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))",
        "(NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))",
    )
    return {
        f"{r}_insert": f"AFTER INSERT ON {t} WHEN {filled} "
        f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        f"{r}_update1": f"AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND {filled} "
        f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        f"{r}_update2": f"AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND {blank} "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; END",
        f"{r}_update3": f"AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND {filled} "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        f"{r}_update4": f"AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND {blank} "
        f"BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END",
        f"{r}_delete": f"AFTER DELETE ON {t} WHEN OLD.geom NOT NULL "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.fid; END",
    }


_CORE_TABLES = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
    "organization TEXT "
    "NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier "
    "TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id "
    "INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
    "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE "
    "(table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), "
    "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, "
    "definition "
    "TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
)
_SRS_ROWS = (
    (
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ),
    (
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ),
    (
        "WGS 84 geodetic",
        SRS_ID,
        "EPSG",
        4326,
        _WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees",
    ),
)


class GeoPackageStore(SQLStore):
    """A store in one GeoPackage file (``path.gpkg``); open it with ``mineaction.store.open_store``."""

    busy_timeout_s = 30.0  # how long a write waits for another program's lock on the file, s

    def __init__(self, path: str | Path, *, url: str | None = None) -> None:
        self.path = str(path)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=self.busy_timeout_s
        )
        _register_functions(conn)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        super().__init__(url or self.path, conn)
        self._bulk: dict[str, RecordFile] = {}  # boxes of the rows of a bulk write, per table
        self._deferred: dict[str, RecordFile] = {}  # boxes of a write in batches, per table, for its end

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        try:
            return super().execute(text, params)
        except sqlite3.OperationalError as exc:
            raise self._locked(exc) from exc

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            super().executemany(text, rows)
        except sqlite3.OperationalError as exc:
            raise self._locked(exc) from exc

    def _locked(self, exc: sqlite3.OperationalError) -> Exception:
        if "locked" not in str(exc):
            return exc
        return StoreError(
            f"{self.path} is locked by another program (a QGIS editing session, another import?); "
            "save or close it there and try again"
        )

    # --- dialect hooks -----------------------------------------------------------------------------------

    def table_exists(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]))

    def column_type(self, field_type: str) -> str:
        return _TYPES[field_type]

    def serial_key(self) -> str:
        return "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"

    def geometry_column(self, schema: EntitySchema, *, history: bool) -> str:
        return "geom BLOB" if history else f"geom {self._geometry_type(schema)}"

    @staticmethod
    def _geometry_type(schema: EntitySchema) -> str:
        # Polygon kinds hold polygons and multipolygons, so only GEOMETRY is a truthful declared type.
        return "POINT" if schema.geometry == "point" else "GEOMETRY"

    def prepare_container(self) -> None:
        self.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self.execute(f"PRAGMA user_version = {USER_VERSION}")
        if self.table_exists("gpkg_contents"):
            return
        for ddl in _CORE_TABLES:
            self.execute(ddl)
        self.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SRS_ROWS)

    def register_table(self, table: str, schema: EntitySchema | None, *, history: bool = False) -> None:
        if not self.table_exists("gpkg_contents"):
            self.prepare_container()
        spatial = schema is not None and schema.geometry is not None and not history
        label = (schema.label if schema else table.replace("_", " ")) + (" history" if history else "")
        self.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (table, "features" if spatial else "attributes", table, label, SRS_ID if spatial else None),
        )
        if not spatial:
            return
        assert schema is not None
        self.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
            (table, self._geometry_type(schema), SRS_ID),
        )
        self.execute(f"CREATE VIRTUAL TABLE rtree_{table}_geom USING rtree(id, minx, maxx, miny, maxy)")
        for name, body in _rtree_triggers(table).items():
            self.execute(f"CREATE TRIGGER {name} {body}")
        self.execute("INSERT INTO gpkg_extensions VALUES (?, 'geom', ?, ?, ?)", (table, *_RTREE_EXTENSION))

    def forbid_changes(self, table: str) -> None:
        for op in ("UPDATE", "DELETE"):
            self.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )

    def geometry_params(self, encoded: EncodedFrame) -> list[Any]:
        assert encoded.geometry is not None and encoded.wkb is not None
        return gpkg_blobs(encoded.geometry, encoded.wkb)

    def decode_geometry(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        return np.asarray(shapely.from_wkb([wkb_from_gpkg(v) for v in values]), dtype=object)

    @contextlib.contextmanager
    def bulk_load(self, schema: EntitySchema, rows: int) -> Iterator[None]:
        """Large writes: the R-tree insert trigger (and, when the table at least doubles, the content-key
        index) are dropped for the write; the new rows' boxes go to a file on disk and fill the R-tree at
        the write's end (at the end of a write in batches, for all its writes at once), instead of one
        Python trigger call per row."""
        table = schema.table
        if schema.geometry is None or rows < 64:
            yield
            return
        existing = int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])
        trigger = f"rtree_{table}_geom_insert"
        self.execute(f"DROP TRIGGER {trigger}")
        rebuild_keys = rows > existing
        if rebuild_keys:  # appends only: a small page cache keeps the peak memory down at no cost in time
            self.execute(f"DROP INDEX {table}_content_key")
        if rebuild_keys or self._batched is not None:
            self._set_cache(_LOAD_CACHE_KIB)
        cells = self._deferred.get(table)
        if cells is None:
            cells = RecordFile(CELL_RECORD)
            if self._batched is not None:
                self._deferred[table] = cells
        self._bulk[table] = cells
        try:
            yield
            if rebuild_keys:
                self.execute(f"CREATE INDEX {table}_content_key ON {table} (content_key)")
            if self._batched is None:
                self._index_cells(table, cells)
            self.execute(f"CREATE TRIGGER {trigger} {_rtree_triggers(table)[trigger]}")
        finally:  # a failed write is rolled back with its whole transaction, trigger and index included
            self._bulk.pop(table, None)
            if self._batched is None:
                cells.close()
            self._set_cache(_LOAD_CACHE_KIB if self._batched is not None else _CACHE_KIB)

    def _index_cells(self, table: str, cells: RecordFile) -> None:
        """Add the boxes of new rows (``cells``) to the R-tree of ``table``: appended when they are few next
        to the stored ones, else packed anew with them (in memory bounded whatever their number)."""
        rtree = f"rtree_{table}_geom"
        if not len(cells):
            return
        stored = int(self.query(f"SELECT COUNT(*) FROM {rtree}")[0][0])
        if stored > _REPACK_RATIO * len(cells):
            for _, part in cells.chunks(size=_APPEND_SLICE):
                rows = np.column_stack([part["id"].astype(float), part["box"].astype(float)]).tolist()
                self.executemany(f"INSERT INTO {rtree} VALUES (?, ?, ?, ?, ?)", rows)
            return
        cursor = self.execute(f"SELECT id, minx, maxx, miny, maxy FROM {rtree}")
        while stored_rows := cursor.fetchmany(_APPEND_SLICE):  # stored boxes are float32 already: exact
            boxes = np.array(stored_rows, dtype=np.float64)
            cells.append(cell_records(boxes[:, 0].astype(np.int64), boxes[:, 1:].astype(np.float32)))
        load_rtree_from_file(self._conn, rtree, cells)

    def finish_batched(self) -> None:
        """Fill the R-trees with the boxes of a write in batches (inside its transaction)."""
        for table, cells in self._deferred.items():
            self._index_cells(table, cells)

    def discard_batched(self) -> None:
        for cells in self._deferred.values():
            cells.close()
        self._deferred.clear()
        self._set_cache(_CACHE_KIB)

    def _set_cache(self, kib: int) -> None:
        if self.path != ":memory:":  # an in-memory database is its page cache
            self.execute(f"PRAGMA cache_size=-{kib}")

    def insert_rows(
        self,
        table: str,
        names: Sequence[str],
        columns: Sequence[list[Any]],
        *,
        geometry: np.ndarray | None = None,
    ) -> None:
        if table not in self._bulk or geometry is None:
            super().insert_rows(table, names, columns)
            return
        first = int(self.query(f"SELECT COALESCE(MAX(fid), 0) + 1 FROM {table}")[0][0])
        fids = np.arange(first, first + len(geometry), dtype=np.int64)
        super().insert_rows(table, ["fid", *names], [fids.tolist(), *columns])
        present = ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
        # float32 rounded outwards, as the R-tree stores them
        boxes = outward_float32(shapely.bounds(geometry[present])[:, [0, 2, 1, 3]])
        self._bulk[table].append(cell_records(fids[present], boxes))


class MemoryStore(GeoPackageStore):
    """The same store in SQLite ``:memory:``, for tests and scratch work; everything is lost on close."""

    def __init__(self) -> None:
        super().__init__(":memory:", url="memory://")
