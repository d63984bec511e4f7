"""Query parameters of the feature endpoints, read strictly: an unknown, repeated or invalid parameter is an
``InputError`` naming it (the server answers 400), as OGC API Features requires.

``parse_items`` reads ``/collections/{id}/items``: ``limit`` (clamped to the maximum, never an error),
``offset``, ``bbox`` and ``bbox-crs``, ``datetime``, ``crs``, ``filter``, ``filter-lang``, ``filter-crs``,
``as_of`` (our extension: the collection as known at the end of that day) and one parameter per simple
queryable (``district=Fuzuli``), plus ``f`` (json or html). ``parse_item`` reads a single feature's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from mineaction.api.crs import CrsSet, OgcCrs
from mineaction.domain.schema import EntitySchema, Field
from mineaction.errors import InputError
from mineaction.store.cql import parse_filter, queryable_fields

__all__ = [
    "ITEMS_PARAMETERS",
    "ITEM_PARAMETERS",
    "ItemsParams",
    "parse_as_of",
    "parse_format",
    "parse_item",
    "parse_items",
    "reject_unknown",
    "simple_queryables",
]

ITEMS_PARAMETERS = (
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "datetime",
    "crs",
    "filter",
    "filter-lang",
    "filter-crs",
    "as_of",
)
ITEM_PARAMETERS = ("f", "crs", "as_of")
FORMATS = ("json", "html")
_SIMPLE = ("str", "int", "float", "bool", "date")


def simple_queryables(schema: EntitySchema) -> dict[str, Field]:
    """Queryables that may also be given as a query parameter (``district=Fuzuli``): simple values only."""
    return {n: f for n, f in queryable_fields(schema).items() if f.type in _SIMPLE}


def reject_unknown(query: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
    """InputError naming the first unknown or repeated parameter."""
    for name, values in query.items():
        if name not in allowed:
            raise InputError(f"unknown query parameter {name!r}; this resource takes {', '.join(allowed)}")
        if len(values) > 1:
            raise InputError(f"query parameter {name!r} is given {len(values)} times; give it once")


def _one(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def parse_format(query: Mapping[str, Sequence[str]], accept: str | None) -> str:
    """``json`` or ``html``: the ``f`` parameter, else the Accept header (a browser gets HTML)."""
    given = _one(query, "f")
    if given is not None:
        if given not in (*FORMATS, "geojson"):
            raise InputError(f"f {given!r} is not offered; use f=json or f=html")
        return "html" if given == "html" else "json"
    if accept and "text/html" in accept and "json" not in accept.split(",")[0]:
        return "html"
    return "json"


def _integer(text: str, name: str, *, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{name} {text!r} is not a whole number") from None
    if value < minimum:
        raise InputError(f"{name} {value} must be at least {minimum}")
    return value


def _numbers(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"{name} {text!r} must be numbers separated by commas") from None
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"{name} {text!r} must hold finite numbers (no NaN or infinity)")
    return values


def _parse_bbox(text: str, crs: OgcCrs, crs_set: CrsSet) -> BaseGeometry:
    values = _numbers(text, "bbox")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise InputError(f"bbox {text!r} needs 4 numbers (min x, min y, max x, max y) or 6 with heights")
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise InputError(
            f"bbox {text!r}: the minimum exceeds the maximum; give lower-left then upper-right corner "
            "(boxes across the antimeridian are not served)"
        )
    if crs.is_crs84 or crs.epsg == 4326:
        lon = (minx, maxx) if crs.is_crs84 else (miny, maxy)
        lat = (miny, maxy) if crs.is_crs84 else (minx, maxx)
        if lon[0] < -180 or lon[1] > 180 or lat[0] < -90 or lat[1] > 90:
            raise InputError(
                f"bbox {text!r} lies outside longitude -180..180 / latitude -90..90; check the axis order "
                f"of {crs.uri}"
            )
    return crs_set.box(values, crs, parameter="bbox")


def _moment(text: str, name: str) -> date | datetime | None:
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{name} {text!r} is not an RFC 3339 date-time or date (e.g. 2022-05-01T00:00:00Z)"
        ) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_datetime(text: str) -> tuple[date | datetime | None, date | datetime | None]:
    if "/" not in text:
        moment = _moment(text, "datetime")
        if moment is None:
            raise InputError("datetime '..' needs an interval, e.g. 2022-01-01T00:00:00Z/..")
        return moment, moment
    start_text, _, end_text = text.partition("/")
    start, end = _moment(start_text, "datetime"), _moment(end_text, "datetime")
    if start is None and end is None:
        raise InputError("datetime interval has no start and no end; give at least one")
    if start is not None and end is not None and _as_instant(start) > _as_instant(end):
        raise InputError(f"datetime {text!r}: the start is after the end")
    return start, end


def _as_instant(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day, tzinfo=UTC)


def parse_as_of(text: str | None) -> date | datetime | None:
    """The ``as_of`` parameter: a date (the end of that day, UTC) or an instant."""
    if text is None:
        return None
    moment = _moment(text, "as_of")
    if moment is None:
        raise InputError("as_of needs a date, e.g. as_of=2022-06-30")
    return moment


def _queryable_value(field: Field, text: str) -> Any:
    try:
        if field.type == "int":
            return int(text)
        if field.type == "float":
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
            return value
        if field.type == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if field.type == "date":
            return {"date": date.fromisoformat(text).isoformat()}
    except ValueError:
        raise InputError(f"{field.name} {text!r} is not a valid {field.type}") from None
    return text


@dataclass(frozen=True)
class ItemsParams:
    """A features request, read and checked."""

    limit: int
    offset: int = 0
    area: BaseGeometry | None = None
    interval: tuple[date | datetime | None, date | datetime | None] | None = None
    crs: OgcCrs | None = None
    filter: dict[str, Any] | bool | None = None
    filter_crs: OgcCrs | None = None
    as_of: date | datetime | None = None
    format: str = "json"
    echo: dict[str, str] = field(default_factory=dict)  # parameters to repeat in paging links


def _combine(parts: list[dict[str, Any] | bool]) -> dict[str, Any] | bool | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"op": "and", "args": parts}


def parse_items(
    query: Mapping[str, Sequence[str]],
    schema: EntitySchema,
    crs_set: CrsSet,
    *,
    default_limit: int,
    max_limit: int,
    accept: str | None = None,
) -> ItemsParams:
    """Read an items request; InputError names the first wrong parameter."""
    simple = simple_queryables(schema)
    reject_unknown(query, [*ITEMS_PARAMETERS, *simple])
    one: dict[str, str] = {name: _one(query, name) or "" for name in query}
    limit = (
        min(_integer(one["limit"], "limit", minimum=1), max_limit)
        if one.get("limit") is not None
        else default_limit
    )
    offset = _integer(one["offset"], "offset", minimum=0) if one.get("offset") is not None else 0
    crs = crs_set.get(one.get("crs"), parameter="crs")
    bbox_crs = crs_set.get(one.get("bbox-crs"), parameter="bbox-crs")
    if one.get("bbox-crs") is not None and one.get("bbox") is None:
        raise InputError("bbox-crs is given without bbox; add bbox or drop bbox-crs")
    area = _parse_bbox(one["bbox"], bbox_crs, crs_set) if one.get("bbox") is not None else None
    interval = _parse_datetime(one["datetime"]) if one.get("datetime") is not None else None
    lang = one.get("filter-lang") or "cql2-text"
    filter_crs = crs_set.get(one.get("filter-crs"), parameter="filter-crs")
    parts: list[dict[str, Any] | bool] = []
    if one.get("filter") is not None:
        parts.append(parse_filter(one["filter"] or "", lang=lang))
    elif one.get("filter-lang") is not None or one.get("filter-crs") is not None:
        raise InputError("filter-lang and filter-crs need a filter; add filter or drop them")
    for name, spec in simple.items():
        if one.get(name) is not None:
            parts.append({"op": "=", "args": [{"property": name}, _queryable_value(spec, one[name] or "")]})
    echo = {k: v for k, v in one.items() if k not in ("limit", "offset", "f") and v is not None}
    return ItemsParams(
        limit=limit,
        offset=offset,
        area=area,
        interval=interval,
        crs=crs,
        filter=_combine(parts),
        filter_crs=filter_crs,
        as_of=parse_as_of(one.get("as_of")),
        format=parse_format(query, accept),
        echo=echo,
    )


def parse_item(
    query: Mapping[str, Sequence[str]], crs_set: CrsSet, *, accept: str | None = None
) -> tuple[OgcCrs, date | datetime | None, str]:
    """Read a single-feature request: (crs, as_of, format)."""
    reject_unknown(query, ITEM_PARAMETERS)
    crs = crs_set.get(_one(query, "crs"), parameter="crs")
    return crs, parse_as_of(_one(query, "as_of")), parse_format(query, accept)
