"""The SQL pieces that differ between back ends when records are queried: typed placeholders, LIKE, spatial
predicates and the JSON of a record's properties.

``dialect_of(store)`` gives the dialect of an open store: ``PostgisDialect`` (PostGIS functions, typed
casts) or ``SqliteDialect`` (GeoPackage and memory stores: dates and instants as ISO text, LIKE through GLOB
so that it is case-sensitive as CQL2 wants, spatial predicates as SQLite functions over shapely with an
R-tree prefilter on the current tables). Every value travels as a parameter; SQL text holds only the
schema's own column names.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from mineaction.domain.schema import EntitySchema, Field
from mineaction.store.codec import format_instant

__all__ = ["Dialect", "PostgisDialect", "Predicate", "SqliteDialect", "dialect_of"]


@dataclass(frozen=True)
class Predicate:
    """A piece of SQL with ``?`` placeholders and the parameters they take, in order."""

    sql: str
    params: tuple[Any, ...] = ()


_PG_FUNCTIONS = {
    "s_intersects": "ST_Intersects",
    "s_disjoint": "ST_Disjoint",
    "s_equals": "ST_Equals",
    "s_touches": "ST_Touches",
    "s_crosses": "ST_Crosses",
    "s_within": "ST_Within",
    "s_contains": "ST_Contains",
    "s_overlaps": "ST_Overlaps",
}
# shapely function f(literal, row) equal to the CQL2 predicate op(row, literal): the literal comes first so
# that its prepared form serves every row.
_SHAPELY = {
    "s_intersects": shapely.intersects,
    "s_disjoint": shapely.disjoint,
    "s_equals": shapely.equals,
    "s_touches": shapely.touches,
    "s_crosses": shapely.crosses,
    "s_within": shapely.contains,
    "s_contains": shapely.within,
    "s_overlaps": shapely.overlaps,
}
_INSTANT_TEXT = '\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\''


class Dialect(ABC):
    """SQL pieces of one back end for queries over a kind's current or history table."""

    def column(self, field: Field) -> str:
        """SQL naming a field's column (the schema's own name, never user text)."""
        return field.name

    def value(self, value: Any, field: Field | None) -> Predicate:
        """A literal compared with ``field``."""
        return Predicate("?", (value,))

    @abstractmethod
    def date_value(self, day: date) -> Predicate:
        """A date literal."""

    @abstractmethod
    def instant_value(self, moment: datetime) -> Predicate:
        """An instant literal (UTC)."""

    @abstractmethod
    def like(self, target: Predicate, pattern: str) -> Predicate:
        """Case-sensitive ``target LIKE pattern`` (``%`` any run, ``_`` one character, ``\\`` escapes)."""

    @abstractmethod
    def spatial(self, op: str, shape: BaseGeometry, *, table: str, history: bool) -> Predicate:
        """The CQL2 spatial predicate ``op(geom, shape)``; ``shape`` in WGS84 longitude/latitude."""

    @abstractmethod
    def properties_json(self, schema: EntitySchema) -> str:
        """SQL giving one JSON text per row: every non-personal field but ``id``, in schema order."""

    @abstractmethod
    def geometry_wkb(self) -> str:
        """SQL selecting ``geom`` in the form ``wkb_of`` reads."""

    @abstractmethod
    def wkb_of(self, value: Any) -> bytes | None:
        """ISO WKB (EPSG:4326, lon/lat) of one selected geometry value; None when missing."""

    def extent_sql(self, schema: EntitySchema) -> str:
        """SQL giving one row (min lon, min lat, max lon, max lat) of the current table's geometries."""
        return (
            f"SELECT MIN(ST_XMin(geom)), MIN(ST_YMin(geom)), MAX(ST_XMax(geom)), MAX(ST_YMax(geom)) "
            f"FROM {schema.table}"
        )


class PostgisDialect(Dialect):
    """PostGIS: typed casts for dates and instants, ``ST_*`` functions (they use the GiST index)."""

    def date_value(self, day: date) -> Predicate:
        return Predicate("CAST(? AS DATE)", (day.isoformat(),))

    def instant_value(self, moment: datetime) -> Predicate:
        return Predicate("CAST(? AS TIMESTAMPTZ)", (format_instant(moment),))

    def like(self, target: Predicate, pattern: str) -> Predicate:
        return Predicate(f"({target.sql} LIKE ?)", (*target.params, pattern))

    def spatial(self, op: str, shape: BaseGeometry, *, table: str, history: bool) -> Predicate:
        wkb = shapely.to_wkb(shape, flavor="iso", output_dimension=2)
        return Predicate(f"{_PG_FUNCTIONS[op]}(geom, ST_GeomFromWKB(?, 4326))", (wkb,))

    def properties_json(self, schema: EntitySchema) -> str:
        pairs = []
        for f in schema.fields:
            if f.name == "id" or f.personal:
                continue
            if f.type == "date":
                expr = f"to_char({f.name}, 'YYYY-MM-DD')"
            elif f.type == "datetime":
                expr = f"to_char({f.name} AT TIME ZONE 'UTC', {_INSTANT_TEXT})"
            elif f.type == "json":
                expr = f"CAST({f.name} AS json)"
            else:
                expr = f.name
            pairs.append(f"'{f.name}', {expr}")
        return f"CAST(json_build_object({', '.join(pairs)}) AS text)"

    def geometry_wkb(self) -> str:
        return "ST_AsBinary(geom)"

    def wkb_of(self, value: Any) -> bytes | None:
        return None if value is None else bytes(value)

    def extent_sql(self, schema: EntitySchema) -> str:
        return (
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent(geom) AS e FROM {schema.table}) x"
        )


class SqliteDialect(Dialect):
    """GeoPackage and memory stores: ISO text dates, GLOB for LIKE, shapely behind SQLite functions."""

    def __init__(self, connection: Any) -> None:
        connection.create_function("mineaction_spatial", 3, _spatial_function, deterministic=True)
        connection.create_function("mineaction_wkb", 1, _wkb_function, deterministic=True)

    def date_value(self, day: date) -> Predicate:
        return Predicate("?", (day.isoformat(),))

    def instant_value(self, moment: datetime) -> Predicate:
        return Predicate("?", (format_instant(moment),))

    def like(self, target: Predicate, pattern: str) -> Predicate:
        return Predicate(f"({target.sql} GLOB ?)", (*target.params, _like_to_glob(pattern)))

    def spatial(self, op: str, shape: BaseGeometry, *, table: str, history: bool) -> Predicate:
        wkb = shapely.to_wkb(shape, flavor="iso", output_dimension=2)
        exact = Predicate("mineaction_spatial(?, geom, ?)", (op, wkb))
        if history or op == "s_disjoint":
            return exact
        minx, miny, maxx, maxy = shape.bounds
        return Predicate(
            f"(fid IN (SELECT id FROM rtree_{table}_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? "
            f"AND maxy >= ?) AND {exact.sql})",
            (maxx, minx, maxy, miny, *exact.params),
        )

    def properties_json(self, schema: EntitySchema) -> str:
        pairs = []
        for f in schema.fields:
            if f.name == "id" or f.personal:
                continue
            if f.type == "bool":
                expr = (
                    f"CASE WHEN {f.name} IS NULL THEN NULL WHEN {f.name} THEN json('true') "
                    "ELSE json('false') END"
                )
            elif f.type == "json":
                expr = f"json({f.name})"
            else:
                expr = f.name
            pairs.append(f"'{f.name}', {expr}")
        return f"json_object({', '.join(pairs)})"

    def geometry_wkb(self) -> str:
        return "geom"

    def wkb_of(self, value: Any) -> bytes | None:
        from mineaction.store.gpkg import wkb_from_gpkg

        return wkb_from_gpkg(value)

    def extent_sql(self, schema: EntitySchema) -> str:
        return f"SELECT MIN(minx), MIN(miny), MAX(maxx), MAX(maxy) FROM rtree_{schema.table}_geom"


def _like_to_glob(pattern: str) -> str:
    """A CQL2 LIKE pattern as a SQLite GLOB pattern (GLOB is case-sensitive, LIKE is not)."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(f"[{char}]" if char in "*?[" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


@functools.lru_cache(maxsize=64)
def _literal(wkb: bytes) -> BaseGeometry:
    shape = shapely.from_wkb(wkb)
    shapely.prepare(shape)
    return shape


def _spatial_function(op: str, blob: bytes | None, literal: bytes) -> int | None:
    from mineaction.store.gpkg import wkb_from_gpkg

    wkb = wkb_from_gpkg(blob)
    if wkb is None:
        return None
    return int(bool(_SHAPELY[op](_literal(literal), shapely.from_wkb(wkb))))


def _wkb_function(blob: bytes | None) -> bytes | None:
    from mineaction.store.gpkg import wkb_from_gpkg

    return wkb_from_gpkg(blob)


def dialect_of(store: Any) -> Dialect:
    """The query dialect of an open SQL store (PostGIS, or SQLite for GeoPackage and memory)."""
    from mineaction.store.postgis import PostGISStore

    if isinstance(store, PostGISStore):
        return PostgisDialect()
    return SqliteDialect(store._conn)
