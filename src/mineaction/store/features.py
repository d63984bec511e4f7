"""The store's query side for feature services: one page of a kind's records that match an area, a time
interval and a CQL2 filter, now or as known on a past date, read with parameterised SQL.

``read_features(store, FeatureQuery(...))`` returns a ``FeaturePage``: the records' ids, their properties as
JSON text (every non-personal field but ``id``, built by the database), their geometries as WKB (WGS84
longitude/latitude), their content keys (a record's version, for ETags) and, when asked, how many records
match in all. Rows come ordered by ``id``; ``limit`` and ``offset`` page through them.

Every condition is SQL with ``?`` placeholders: the area is a geometry parameter, the interval dates are
parameters, a filter is compiled by ``store.cql``; only the schema's own table and column names are written
into the SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from mineaction.domain.schema import EntitySchema, entity
from mineaction.errors import InputError, NotFoundError
from mineaction.store.codec import parse_cutoff
from mineaction.store.cql import GeometryHook, compile_filter
from mineaction.store.dialects import Dialect, Predicate, dialect_of

__all__ = ["FeaturePage", "FeatureQuery", "collection_extent", "read_feature", "read_features"]

TimeBound = date | datetime | None


@dataclass(frozen=True)
class FeatureQuery:
    """What to read of one kind.

    Parameters
    ----------
    kind
        Kind of record (``mineaction.domain.schema.ENTITIES``).
    area
        Records whose geometry intersects this geometry (WGS84 longitude/latitude); records without a
        geometry never match. None: no spatial condition.
    interval
        (start, end), either open (None): records whose event date (the schema's ``date_field``) lies in
        it; kinds without an event date ignore it.
    filter
        A CQL2 JSON expression (``store.cql.parse_filter``).
    filter_hook
        Applied to the filter's geometry literals (e.g. from ``filter-crs`` to WGS84).
    ids
        Only these record ids.
    as_of
        The records as known at the end of that day (or that instant); None: now.
    limit, offset
        Page size and the number of matching records skipped (ordered by id).
    count
        Also count every matching record (``FeaturePage.number_matched``).
    """

    kind: str
    area: BaseGeometry | None = None
    interval: tuple[TimeBound, TimeBound] | None = None
    filter: dict[str, Any] | bool | None = None
    filter_hook: GeometryHook | None = None
    ids: tuple[str, ...] | None = None
    as_of: date | datetime | None = None
    limit: int = 10
    offset: int = 0
    count: bool = True


@dataclass(frozen=True)
class FeaturePage:
    """One page of records: parallel lists, in id order."""

    kind: str
    ids: list[str]
    properties: list[str]  # JSON object text per record
    geometries: list[bytes | None]  # ISO WKB, EPSG:4326 lon/lat; None without geometry
    content_keys: list[str]
    number_matched: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def _source(schema: EntitySchema, as_of: Any) -> tuple[str, tuple[Any, ...]]:
    """FROM clause: the current table, or the state rebuilt from the history at ``as_of``."""
    if as_of is None:
        return schema.table, ()
    sql = (
        f"(SELECT h.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY changed_at DESC, revision DESC) AS rn "
        f"FROM {schema.table}_history h WHERE changed_at <= ?) s"
    )
    return sql, (parse_cutoff(as_of),)


def _conditions(schema: EntitySchema, query: FeatureQuery, dialect: Dialect) -> list[Predicate]:
    history = query.as_of is not None
    found: list[Predicate] = []
    if history:
        found.append(Predicate("rn = 1 AND op <> 'delete'"))
    if query.area is not None:
        if schema.geometry is None:
            found.append(Predicate("1 = 0"))  # no geometry intersects anything
        else:
            found.append(dialect.spatial("s_intersects", query.area, table=schema.table, history=history))
    if query.interval is not None and schema.date_field is not None:
        found.extend(_interval(schema, query.interval, dialect))
    if query.filter is not None:
        found.append(
            compile_filter(query.filter, schema, dialect, history=history, geometry_hook=query.filter_hook)
        )
    if query.ids is not None:
        marks = ", ".join("?" for _ in query.ids) or "NULL"
        found.append(Predicate(f"id IN ({marks})", tuple(query.ids)))
    return found


def _interval(
    schema: EntitySchema, interval: tuple[TimeBound, TimeBound], dialect: Dialect
) -> list[Predicate]:
    assert schema.date_field is not None
    column = dialect.column(schema.field(schema.date_field))
    is_date = schema.field(schema.date_field).type == "date"
    found = []
    for bound, op in zip(interval, (">=", "<="), strict=True):
        if bound is None:
            continue
        if is_date:
            day = bound.date() if isinstance(bound, datetime) else bound
            value = dialect.date_value(day)
        else:
            moment = bound if isinstance(bound, datetime) else datetime(bound.year, bound.month, bound.day)
            value = dialect.instant_value(moment)
        found.append(Predicate(f"{column} {op} {value.sql}", value.params))
    return found


def _where(found: Sequence[Predicate]) -> Predicate:
    if not found:
        return Predicate("")
    return Predicate(
        " WHERE " + " AND ".join(f"({p.sql})" for p in found), tuple(v for p in found for v in p.params)
    )


def read_features(store: Any, query: FeatureQuery) -> FeaturePage:
    """One page of the records of ``query.kind`` matching ``query`` (see ``FeatureQuery``).

    Raises
    ------
    InputError
        A filter names an unknown property, compares values of the wrong type or uses an unsupported
        function; a limit or offset is negative.
    """
    if query.limit < 0 or query.offset < 0:
        raise InputError(f"limit {query.limit} and offset {query.offset} must not be negative")
    schema = entity(query.kind)
    dialect = dialect_of(store)
    source, source_params = _source(schema, query.as_of)
    where = _where(_conditions(schema, query, dialect))
    geometry = f", {dialect.geometry_wkb()}" if schema.geometry else ""
    # The page is chosen first and only its rows are turned into JSON: computing the JSON of every matching
    # row before the sort cost 45 ms a request on 1,500 matches, against 1 ms for the 100 kept.
    sql = (
        f"SELECT id, content_key, {dialect.properties_json(schema)}{geometry} FROM "
        f"(SELECT * FROM {source}{where.sql} ORDER BY id LIMIT ? OFFSET ?) page ORDER BY id"
    )
    rows = store.query(sql, [*source_params, *where.params, query.limit, query.offset])
    matched = None
    if query.count:
        if query.offset == 0 and len(rows) < query.limit:
            matched = len(rows)  # the page holds every match: no need to count again
        else:
            matched = int(
                store.query(f"SELECT COUNT(*) FROM {source}{where.sql}", [*source_params, *where.params])[0][
                    0
                ]
            )
    return FeaturePage(
        kind=schema.kind,
        ids=[r[0] for r in rows],
        content_keys=[r[1] for r in rows],
        properties=[r[2] for r in rows],
        geometries=[dialect.wkb_of(r[3]) for r in rows] if schema.geometry else [None] * len(rows),
        number_matched=matched,
    )


def read_feature(
    store: Any, kind: str, record_id: str, *, as_of: date | datetime | None = None
) -> FeaturePage:
    """The one record ``record_id`` of ``kind`` as a page of one; NotFoundError when absent (at ``as_of``)."""
    page = read_features(store, FeatureQuery(kind, ids=(record_id,), as_of=as_of, limit=1, count=False))
    if not page.ids:
        when = "" if as_of is None else f" as of {as_of}"
        raise NotFoundError(f"{kind}: no record {record_id!r}{when}")
    return page


def collection_extent(
    store: Any, kind: str
) -> tuple[tuple[float, float, float, float] | None, tuple[str | None, str | None]]:
    """The bounds (min lon, min lat, max lon, max lat; None when no geometry) of a kind's live records and
    the first and last of their event dates (ISO text; None when there are none)."""
    schema = entity(kind)
    dialect = dialect_of(store)
    bounds = None
    if schema.geometry is not None:
        row = store.query(dialect.extent_sql(schema))[0]
        if row[0] is not None:
            bounds = (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    times: tuple[str | None, str | None] = (None, None)
    if schema.date_field is not None:
        f = schema.field(schema.date_field)
        select = store.field_select(f) if hasattr(store, "field_select") else f.name
        low = store.query(f"SELECT MIN({select}), MAX({select}) FROM {schema.table}")[0]
        times = (low[0], low[1])
    return bounds, times
