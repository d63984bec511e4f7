"""Finds as counts per cell in the vector tiles of the national view: one point per cell with how many finds
lie in it.

Below zoom ``COUNT_BELOW_ZOOM`` a tile of the kinds in ``COUNTED`` (finds, which come by the hundred thousand)
holds one point per cell of ``COUNT_CELL`` tile units (4 screen pixels) that has any: at the cell's grid
point, with ``count`` (the number of records in the cell) and the cell's most common value of the kind's
colour property (ties: the first in sort order). No record's id or other field is read, so the tile is made
from the points alone, and the map can draw the density of 100,000 finds as circles sized by their count.

PostGIS groups in the database: the points in tile units (Web Mercator, rounded to the unit), rounded to the
cell grid, ``count(*)`` and ``mode()`` per cell. The GeoPackage and memory stores read
the points' coordinates and the colour property through the R-tree and group them with numpy in the same
cells (rounded half to even, as PostGIS rounds). Every point of the tile's box, its buffer of ``BUFFER``
units included, is counted once, so the counts of a tile sum to the number of its points.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np
import shapely

from mineaction.store.mvt import EXTENT, encode_layer

__all__ = ["COUNTED", "COUNT_BELOW_ZOOM", "COUNT_CELL", "counted", "postgis_counts", "python_counts"]

#: Kinds drawn as counts per cell at low zoom, each with the property a cell carries (its most common value).
COUNTED = MappingProxyType({"finds": "category"})
COUNT_BELOW_ZOOM = 10
COUNT_CELL = 32  # tile units (a tile of 4,096 units is drawn 512 pixels wide)
_HALF_WORLD_M = 20037508.342789244  # half the Web Mercator world's width, m
_EARTH_RADIUS_M = 6378137.0  # the sphere of Web Mercator, m
_SPAN = 1 << 20  # cells a tile's grid can hold along each axis, its buffer included, with room to spare
_POINT_BLOB = 29  # a GeoPackage point: 8 bytes of header (no envelope), then WKB: order, type, x, y


def counted(kind: str, z: int) -> bool:
    """Whether the tiles of ``kind`` at zoom ``z`` hold counts per cell rather than the records."""
    return kind in COUNTED and z < COUNT_BELOW_ZOOM


def postgis_counts(
    store: Any,
    query: Any,
    source: str,
    params: tuple[Any, ...],
    *,
    box: tuple[float, float, float, float],
    origin: tuple[float, float],
    scale: float,
    buffer: int,
) -> bytes:
    """The counts tile of ``query`` made in PostGIS from ``source`` (the table, or its history at as_of).

    ``box`` (west, south, east, north, degrees) chooses the rows through the GiST index; each point goes to
    tile units by the spherical Mercator formulas (EPSG:3857, as ``python_counts`` does with pyproj) from
    ``origin`` (the tile's west and north edges, m) at ``scale`` (units per m): plain arithmetic per point,
    several times faster than ``ST_AsMVTGeom`` over 100,000 of them.
    """
    prop = COUNTED[query.kind]
    live = " AND rn = 1 AND op <> 'delete'" if query.as_of is not None else ""
    low, high = -buffer, EXTENT + buffer
    sql = (
        f"WITH units AS (SELECT {prop} AS value, round((ST_X(geom) * {_HALF_WORLD_M} / 180 - ?) * ?) AS ux, "
        f"round((? - ln(tan(radians(90 + ST_Y(geom)) / 2)) * {_EARTH_RADIUS_M}) * ?) AS uy FROM {source} "
        f"WHERE geom && ST_MakeEnvelope(?, ?, ?, ?, 4326){live}), "
        f"cells AS (SELECT round(ux / {COUNT_CELL}) AS cx, round(uy / {COUNT_CELL}) AS cy, "
        "count(*) AS count, mode() WITHIN GROUP (ORDER BY value) AS value FROM units "
        f"WHERE ux BETWEEN {low} AND {high} AND uy BETWEEN {low} AND {high} GROUP BY 1, 2) "
        f"SELECT ST_AsMVT(c, ?, {EXTENT}, 'g') FROM (SELECT count, value AS {prop}, "
        f"ST_MakePoint(cx * {COUNT_CELL}, cy * {COUNT_CELL}) AS g FROM cells) c"
    )
    west, north = origin
    rows = store.query(sql, [west, scale, north, scale, *params, *box, query.kind])
    found = rows[0][0] if rows else None
    return bytes(found) if found else b""


def python_counts(
    rows: list[tuple[Any, ...]], kind: str, to_units: Any, *, buffer: int, decode: Any
) -> bytes:
    """The counts tile made from ``rows`` of (GeoPackage geometry, colour value).

    ``to_units`` maps longitude and latitude arrays (degrees) to tile units (x right, y down); ``decode``
    turns GeoPackage geometries into shapely ones (the slow way, for blobs that are not plain points).
    """
    if not rows:
        return b""
    blobs, values = zip(*rows, strict=True)
    lon, lat = _coordinates(blobs, decode)
    units = np.rint(np.column_stack(to_units(lon, lat)))  # to the unit, half to even, as PostGIS rounds
    inside = np.all((units >= -buffer) & (units <= EXTENT + buffer), axis=1)
    if not inside.any():
        return b""
    cells = np.rint(units[inside] / COUNT_CELL).astype(np.int64) + _SPAN // 2  # 0 <= cell < _SPAN
    keys, where, counts = np.unique(
        cells[:, 0] * _SPAN + cells[:, 1], return_inverse=True, return_counts=True
    )
    names = sorted({v or "" for v in values})
    number = {name: i for i, name in enumerate(names)}
    codes = np.fromiter((number[v or ""] for v in values), dtype=np.int64, count=len(values))[inside]
    tally = np.bincount(where.ravel() * len(names) + codes, minlength=len(keys) * len(names))
    common = [names[i] for i in tally.reshape(len(keys), len(names)).argmax(axis=1)]
    grid = np.column_stack([keys // _SPAN, keys % _SPAN]) - _SPAN // 2
    points = shapely.points(grid * COUNT_CELL)
    return encode_layer(
        kind,
        list(points),
        ids=list(range(1, len(keys) + 1)),
        properties={"count": counts.tolist(), COUNTED[kind]: [v or None for v in common]},
    )


def _coordinates(blobs: tuple[Any, ...], decode: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of GeoPackage points: read straight from the bytes when every blob is a
    little-endian 2D point without envelope, else through shapely."""
    if all(b is not None and len(b) == _POINT_BLOB for b in blobs):
        raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), _POINT_BLOB)
        point = np.array([1, 1, 0, 0, 0], dtype=np.uint8)  # little-endian WKB, geometry type 1 (Point)
        if (raw[:, 3] == 1).all() and (raw[:, 8:13] == point).all():
            xy = raw[:, 13:29].copy().view("<f8")
            return xy[:, 0], xy[:, 1]
    geoms = decode(list(blobs))
    coords = shapely.get_coordinates(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))])
    return coords[:, 0], coords[:, 1]
