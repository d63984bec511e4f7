"""Vector tiles of the store's records: one Mapbox Vector Tile per kind and Web Mercator tile, now or as known
on a past date.

``read_tile(store, TileQuery(kind, z, x, y, as_of=...))`` returns the tile's bytes (empty when no record lies
in it). The PostGIS store makes it in the database with ``ST_AsMVTGeom`` and ``ST_AsMVT`` (the GiST index
chooses the rows); the GeoPackage and memory stores read the rows in the tile's box through the R-tree and
encode them with ``store.mvt``. Both give the same features: the record's numeric id as the feature id, its
readable ``id`` and the few properties the map styles need (``TILE_PROPERTIES``; never a personal field),
geometries clipped to the tile with a buffer of ``BUFFER`` units. Below zoom ``THIN_BELOW_ZOOM`` points are
thinned: of the points in one cell of the tile only the first (by id) is drawn, at its own position; the cell
is one tile unit, and ``COARSE_CELL`` units (4 screen pixels, about the size of a find's circle there) below
zoom ``COARSE_BELOW_ZOOM``; below ``store.tilecounts.COUNT_BELOW_ZOOM`` finds are counts per cell instead
(``store.tilecounts``), so 100,000 finds make a light tile at the national view, made from their points alone.

Tiles read the current table, or the history rebuilt at ``as_of`` (as ``store.features`` does), so an
approved edit is in the next tile asked for. ``cached_tile`` keeps made tiles in a ``TileCache`` keyed by the
tile, ``as_of``, the caller's scope and the kind's last change (``Store.last_change``): a tile asked for again
costs a dictionary look-up, and any change to the kind's records makes a new key, so the next tile is made
afresh from the changed record.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from mineaction.domain.schema import EntitySchema, entity
from mineaction.errors import InputError, NotFoundError
from mineaction.store.codec import parse_cutoff
from mineaction.store.mvt import EXTENT, encode_layer
from mineaction.store.tilecounts import COUNTED, counted, postgis_counts, python_counts

__all__ = [
    "BUFFER",
    "COARSE_BELOW_ZOOM",
    "COARSE_CELL",
    "MAX_ZOOM",
    "THIN_BELOW_ZOOM",
    "TILE_PROPERTIES",
    "MadeTile",
    "TileCache",
    "TileQuery",
    "cached_tile",
    "history_span",
    "read_tile",
    "tile_bounds_lonlat",
]

BUFFER = 64  # tile units drawn beyond each edge, so lines and fills join across tiles
MAX_ZOOM = 20
THIN_BELOW_ZOOM = 14
COARSE_BELOW_ZOOM = 12
COARSE_CELL = 32  # tile units (a tile of 4,096 units is drawn 512 pixels wide)
_HALF_WORLD_M = 20037508.342789244

#: Properties each kind's tiles carry besides ``id`` (what the styles colour and the labels show).
TILE_PROPERTIES = MappingProxyType(
    {
        "hazardous_areas": ("hazard_kind", "status", "contamination", "district"),
        "minefield_records": ("district",),
        "activities": ("activity_kind", "method"),
        "finds": ("category", "manufacture_year"),
        "accidents": ("setting", "demining"),
        "risk_education": ("form",),
        "assets": ("asset_kind", "name"),
        "admin_areas": ("level", "name", "name_az", "name_ru"),
        "context_layers": ("layer_kind", "name"),
    }
)


@dataclass(frozen=True)
class TileQuery:
    """One tile of one kind: zoom ``z``, column ``x`` and row ``y`` of the Web Mercator grid (XYZ, row 0 at
    the north), as known at the end of the day ``as_of`` (None: now)."""

    kind: str
    z: int
    x: int
    y: int
    as_of: date | datetime | None = None

    def check(self) -> EntitySchema:
        if self.kind not in TILE_PROPERTIES:
            raise NotFoundError(f"no tiles of {self.kind!r}; tiles exist of {', '.join(TILE_PROPERTIES)}")
        if not 0 <= self.z <= MAX_ZOOM:
            raise InputError(f"zoom {self.z} must be from 0 to {MAX_ZOOM}")
        side = 1 << self.z
        if not (0 <= self.x < side and 0 <= self.y < side):
            raise InputError(f"tile {self.z}/{self.y}/{self.x}: row and column must be from 0 to {side - 1}")
        return entity(self.kind)


def _mercator_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * _HALF_WORLD_M / (1 << z)
    west = -_HALF_WORLD_M + x * size
    north = _HALF_WORLD_M - y * size
    return west, north - size, west + size, north


def tile_bounds_lonlat(z: int, x: int, y: int, *, buffer: int = 0) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of a tile grown by ``buffer`` tile units on each side."""
    west, south, east, north = _mercator_bounds(z, x, y)
    grow = (east - west) * buffer / EXTENT
    west, south, east, north = west - grow, south - grow, east + grow, north + grow

    def lat(m: float) -> float:
        m = max(-_HALF_WORLD_M, min(_HALF_WORLD_M, m))
        return math.degrees(2 * math.atan(math.exp(m / 6378137.0)) - math.pi / 2)

    return west / 6378137.0 * 180 / math.pi, lat(south), east / 6378137.0 * 180 / math.pi, lat(north)


def _numeric_ids(ids: list[str]) -> np.ndarray:
    """The numeric part of readable ids (``EO-001234`` -> 1234), the MVT feature ids."""
    return np.array([int(text.rpartition("-")[2] or 0) if text else 0 for text in ids], dtype=np.int64)


def read_tile(store: Any, query: TileQuery) -> bytes:
    """The vector tile of ``query`` (see the module docstring); b"" when no record lies in the tile."""
    from mineaction.store.postgis import PostGISStore

    schema = query.check()
    if schema.geometry is None:
        return b""
    if schema.geometry == "point" and counted(query.kind, query.z):
        return _counts_tile(store, schema, query)
    if isinstance(store, PostGISStore):
        return _postgis_tile(store, schema, query)
    return _python_tile(store, schema, query)


def _counts_tile(store: Any, schema: EntitySchema, query: TileQuery) -> bytes:
    """Counts per cell (``store.tilecounts``) made in PostGIS, or from the points read here."""
    from mineaction.store.gpkg import wkb_from_gpkg
    from mineaction.store.postgis import PostGISStore

    west, _, east, north = _mercator_bounds(query.z, query.x, query.y)
    scale = EXTENT / (east - west)
    if isinstance(store, PostGISStore):
        lon_w, lat_s, lon_e, lat_n = tile_bounds_lonlat(query.z, query.x, query.y, buffer=BUFFER)
        box = (lon_w, max(lat_s, -85.06), lon_e, min(lat_n, 85.06))
        source, params = _source(schema, query.as_of)
        return postgis_counts(
            store, query, source, params, box=box, origin=(west, north), scale=scale, buffer=BUFFER
        )

    def to_units(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mx, my = _TO_MERCATOR.transform(lon, lat)
        return (np.asarray(mx) - west) * scale, (north - np.asarray(my)) * scale

    rows = _python_rows(store, schema, query, ("geom", COUNTED[query.kind]))
    return python_counts(
        rows,
        query.kind,
        to_units,
        buffer=BUFFER,
        decode=lambda blobs: shapely.from_wkb([wkb_from_gpkg(b) for b in blobs]),
    )


@dataclass(frozen=True)
class MadeTile:
    """A tile's bytes (b"" when no record lies in it) and its entity tag (a quoted hash of the bytes)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> MadeTile:
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


class TileCache:
    """Made tiles, the least recently used dropped first past ``budget_bytes``; safe across threads."""

    def __init__(self, *, budget_bytes: int = 64 * 2**20) -> None:
        self.budget_bytes = budget_bytes
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0
        self._tiles: OrderedDict[tuple[Any, ...], MadeTile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> MadeTile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return tile

    def put(self, key: tuple[Any, ...], tile: MadeTile) -> None:
        with self._lock:
            old = self._tiles.pop(key, None)
            self.size_bytes += len(tile.body) - (len(old.body) if old else 0)
            self._tiles[key] = tile
            while self.size_bytes > self.budget_bytes and self._tiles:
                _, dropped = self._tiles.popitem(last=False)
                self.size_bytes -= len(dropped.body)


def cached_tile(store: Any, query: TileQuery, cache: TileCache, *, scope: str = "") -> MadeTile:
    """The tile of ``query`` from ``cache``, or made by ``read_tile`` and kept there.

    The key holds ``scope`` (who may see what: the caller's role, so that no tile made for one kind of
    caller is given to another) and the kind's ``Store.last_change``, read before the tile is made: a change
    landing while the tile is made can only leave the newer tile under the older number, which nobody asks
    for again. Nothing is cached while the store cannot tell its last change (None).
    """
    query.check()
    change = store.last_change(query.kind)
    if change is None:
        return MadeTile.of(read_tile(store, query))
    as_of = None if query.as_of is None else query.as_of.isoformat()
    key = (query.kind, query.z, query.x, query.y, as_of, change, scope)
    tile = cache.get(key)
    if tile is None:
        tile = MadeTile.of(read_tile(store, query))
        cache.put(key, tile)
    return tile


# --- PostGIS: ST_AsMVT -----------------------------------------------------------------------------------


def _pg_column(schema: EntitySchema, name: str) -> str:
    kind = schema.field(name).type
    if kind == "date":
        return f"to_char({name}, 'YYYY-MM-DD') AS {name}"
    if kind == "datetime":
        return f"CAST({name} AS text) AS {name}"
    return name


def _postgis_tile(store: Any, schema: EntitySchema, query: TileQuery) -> bytes:
    source, params = _source(schema, query.as_of)
    columns = ", ".join(_pg_column(schema, name) for name in TILE_PROPERTIES[query.kind])
    point = schema.geometry == "point"
    thin = point and query.z < THIN_BELOW_ZOOM
    cell = _thinning_cell(query.z)
    cell_of = f"ST_AsBinary(ST_SnapToGrid(g, {cell}))" if cell > 1 else "ST_AsBinary(g)"
    distinct = f"DISTINCT ON ({cell_of}) " if thin else ""
    live = " AND rn = 1 AND op <> 'delete'" if query.as_of is not None else ""
    sql = (
        "WITH tile AS (SELECT ST_TileEnvelope(?, ?, ?) AS env, "
        "ST_Transform(ST_TileEnvelope(?, ?, ?, margin => ?), 4326) AS box), "
        f"rows AS (SELECT {distinct}* FROM (SELECT CAST(substring(id from '[0-9]+$') AS bigint) AS fid, id, "
        f"{columns}, ST_AsMVTGeom(ST_Transform(geom, 3857), tile.env, {EXTENT}, {BUFFER}, true) AS g "
        f"FROM {source}, tile WHERE geom && tile.box{live}) clipped WHERE g IS NOT NULL"
        f"{f' ORDER BY {cell_of}, id' if thin else ''}) "
        f"SELECT ST_AsMVT(rows, ?, {EXTENT}, 'g', 'fid') FROM rows"
    )
    z, x, y = query.z, query.x, query.y
    margin = BUFFER / EXTENT
    rows = store.query(sql, [z, x, y, z, x, y, margin, *params, query.kind])
    found = rows[0][0] if rows else None
    return bytes(found) if found else b""


def _source(schema: EntitySchema, as_of: Any) -> tuple[str, tuple[Any, ...]]:
    """FROM clause: the current table, or the rows of its history with their rank at ``as_of``."""
    if as_of is None:
        return schema.table, ()
    sql = (
        f"(SELECT h.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY changed_at DESC, revision DESC) AS rn "
        f"FROM {schema.table}_history h WHERE changed_at <= ?) s"
    )
    return sql, (parse_cutoff(as_of),)


# --- GeoPackage and memory: rows through the R-tree, encoded here -------------------------------------------

_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def _python_rows(
    store: Any, schema: EntitySchema, query: TileQuery, columns: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """Rows (``columns``, unordered, else the id, the tile's properties and the geometry, in id order) of the
    records whose box meets the tile's, buffer included."""
    west, south, east, north = tile_bounds_lonlat(query.z, query.x, query.y, buffer=BUFFER)
    south, north = max(south, -85.06), min(north, 85.06)
    names = ", ".join(columns or ("id", *TILE_PROPERTIES[query.kind], "geom"))
    order = "" if columns else " ORDER BY id"
    if query.as_of is None:
        # The R-tree holds float32 bounds rounded outwards, so the box test keeps every row that may touch.
        sql = (
            f"SELECT {names} FROM {schema.table} WHERE fid IN (SELECT id FROM rtree_{schema.table}_geom "
            f"WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?){order}"
        )
        return list(store.query(sql, [east, west, north, south]))
    source, params = _source(schema, query.as_of)
    sql = f"SELECT {names} FROM {source} WHERE rn = 1 AND op <> 'delete' AND geom IS NOT NULL{order}"
    return list(store.query(sql, list(params)))


def _python_tile(store: Any, schema: EntitySchema, query: TileQuery) -> bytes:
    from mineaction.store.gpkg import wkb_from_gpkg

    rows = _python_rows(store, schema, query)
    if not rows:
        return b""
    geoms = shapely.from_wkb([wkb_from_gpkg(row[-1]) for row in rows])
    west, south, east, north = _mercator_bounds(query.z, query.x, query.y)
    scale = EXTENT / (east - west)

    def to_tile(xy: np.ndarray) -> np.ndarray:
        mx, my = _TO_MERCATOR.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([(np.asarray(mx) - west) * scale, (north - np.asarray(my)) * scale])

    tiled = shapely.transform(geoms, to_tile)
    tiled = shapely.clip_by_rect(tiled, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    keep = ~(shapely.is_missing(tiled) | shapely.is_empty(tiled))
    if schema.geometry == "point":
        keep &= _first_per_unit(tiled, keep, _thinning_cell(query.z)) if query.z < THIN_BELOW_ZOOM else keep
    index = np.flatnonzero(keep)
    if not index.size:
        return b""
    ids = [rows[i][0] for i in index]
    properties: dict[str, list[Any]] = {"id": ids}
    for j, name in enumerate(TILE_PROPERTIES[query.kind]):
        flag = schema.field(name).type == "bool"
        properties[name] = [_plain(rows[i][1 + j], flag) for i in index]
    return encode_layer(query.kind, list(tiled[index]), ids=_numeric_ids(ids).tolist(), properties=properties)


def _thinning_cell(z: int) -> int:
    """The side of a thinning cell at zoom ``z``, tile units."""
    return COARSE_CELL if z < COARSE_BELOW_ZOOM else 1


def _first_per_unit(points: np.ndarray, keep: np.ndarray, cell: int = 1) -> np.ndarray:
    """True for the first point (rows come in id order) in each cell of ``cell`` tile units; the rest would
    draw little or nothing new."""
    xy = np.full((len(points), 2), np.iinfo(np.int64).min, dtype=np.int64)
    coords = shapely.get_coordinates(points[keep])
    if len(coords) == int(keep.sum()):  # single points (multi-points are kept whole)
        xy[keep] = np.rint(np.rint(coords) / cell).astype(np.int64)  # as ST_SnapToGrid rounds
    else:
        return keep
    first = np.zeros(len(points), dtype=bool)
    _, at = np.unique(xy[keep], axis=0, return_index=True)
    first[np.flatnonzero(keep)[at]] = True
    return first


def _plain(value: Any, flag: bool) -> Any:
    """A stored value as the tile carries it: dates as ISO text, SQLite's 0 and 1 of a flag as bool."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if flag and value is not None:
        return bool(value)
    return value


def history_span(store: Any, *, cache: TileCache | None = None) -> tuple[str | None, str | None]:
    """The first and last ``changed_at`` (ISO text, UTC) of the history of the kinds that have tiles.

    With a ``cache``, kept there under the last change of every such kind, as tiles are (the span needs a
    scan of every history; the last changes are read from their indexes).
    """
    changes = tuple(store.last_change(kind) for kind in TILE_PROPERTIES) if cache is not None else (None,)
    if cache is None or None in changes:
        return _history_span(store)
    key = ("history-span", *changes)
    made = cache.get(key)
    if made is None:
        made = MadeTile.of(json.dumps(_history_span(store)).encode())
        cache.put(key, made)
    first, last = json.loads(made.body)
    return first, last


def _history_span(store: Any) -> tuple[str | None, str | None]:
    parts = " UNION ALL ".join(
        f"SELECT MIN(changed_at) AS lo, MAX(changed_at) AS hi FROM {entity(kind).table}_history"
        for kind in TILE_PROPERTIES
    )
    row = store.query(f"SELECT MIN(lo), MAX(hi) FROM ({parts}) spans")[0]
    return tuple(None if v is None else _instant(v) for v in row)  # type: ignore[return-value]


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)
