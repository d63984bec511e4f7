"""CQL2 filters as parameterised SQL: a CQL2 text or JSON expression becomes a WHERE clause and parameters.

``parse_filter`` reads CQL2 text or CQL2 JSON (with the ``cql2`` parser) into the canonical CQL2 JSON form;
``compile_filter`` walks that form and writes SQL with ``?`` placeholders. Property names are looked up in the
kind's schema (the queryables) and only the schema's own column names ever reach the SQL text; every literal
travels as a parameter. What is supported:

- logical ``and``, ``or``, ``not``; comparisons ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``like``,
  ``between``, ``in``, ``isNull``; ``casei`` (case-insensitive comparison);
- spatial ``s_intersects``, ``s_disjoint``, ``s_equals``, ``s_touches``, ``s_crosses``, ``s_within``,
  ``s_contains``, ``s_overlaps`` between the ``geometry`` property and a geometry or ``bbox`` literal (WGS84
  longitude/latitude unless the caller transforms them);
- temporal ``t_after``, ``t_before``, ``t_contains``, ``t_disjoint``, ``t_during``, ``t_equals``,
  ``t_finishedBy``, ``t_finishes``, ``t_intersects``, ``t_meets``, ``t_metBy``, ``t_overlappedBy``,
  ``t_overlaps``, ``t_startedBy``, ``t_starts`` between a date or instant property and a date, timestamp or
  interval literal. Date fields compare at day granularity (an instant is taken as its UTC day).

Anything else (arithmetic, other functions, accent-insensitive comparison) is refused with an ``InputError``
that names it. The dialect (``store.dialects``) supplies typed placeholders and spatial predicates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from mineaction.domain.schema import EntitySchema, Field
from mineaction.errors import InputError
from mineaction.store.dialects import Dialect, Predicate

__all__ = ["FILTER_LANGUAGES", "GEOMETRY_PROPERTY", "compile_filter", "parse_filter", "queryable_fields"]

FILTER_LANGUAGES = ("cql2-text", "cql2-json")
GEOMETRY_PROPERTY = "geometry"
_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SPATIAL = {
    "s_intersects",
    "s_disjoint",
    "s_equals",
    "s_touches",
    "s_crosses",
    "s_within",
    "s_contains",
    "s_overlaps",
}
_MIRRORED = {"s_within": "s_contains", "s_contains": "s_within"}  # when the literal comes first
_TRUE, _FALSE = Predicate("1 = 1"), Predicate("1 = 0")

GeometryHook = Callable[[BaseGeometry], BaseGeometry]


def parse_filter(text: str, *, lang: str = "cql2-text") -> dict[str, Any] | bool:
    """The CQL2 JSON form of a filter given as CQL2 text or CQL2 JSON; InputError naming the problem."""
    import cql2

    if lang not in FILTER_LANGUAGES:
        raise InputError(f"filter-lang {lang!r} is not supported; use one of {', '.join(FILTER_LANGUAGES)}")
    if not text.strip():
        raise InputError("filter is empty; give a CQL2 expression, e.g. category = 'AP'")
    try:
        expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
        parsed = expr.to_json()
    except Exception as exc:  # the parser raises its own error types (and ValueError for bad JSON)
        reason = " ".join(str(exc).split())[:300]
        raise InputError(f"filter is not valid {lang}: {reason}") from None
    if not isinstance(parsed, (dict, bool)):
        raise InputError(f"filter is not a CQL2 expression but {type(parsed).__name__}")
    return parsed


def queryable_fields(schema: EntitySchema) -> dict[str, Field]:
    """Fields a filter may name (everything but personal data), by name."""
    return {f.name: f for f in schema.fields if not f.personal}


@dataclass(frozen=True)
class _Bound:
    """One end of a temporal value: SQL with parameters, or an open end (``..``)."""

    sql: str | None
    params: tuple[Any, ...] = ()

    @property
    def open(self) -> bool:
        return self.sql is None


class _Compiler:
    """Walks one CQL2 JSON expression for one kind and dialect."""

    def __init__(
        self, schema: EntitySchema, dialect: Dialect, *, history: bool, geometry_hook: GeometryHook | None
    ) -> None:
        self.schema = schema
        self.dialect = dialect
        self.history = history
        self.hook = geometry_hook
        self.fields = queryable_fields(schema)

    # --- predicates ----------------------------------------------------------------------------------

    def predicate(self, node: Any) -> Predicate:
        if isinstance(node, bool):
            return _TRUE if node else _FALSE
        if not isinstance(node, dict) or "op" not in node:
            raise InputError(f"filter: {_show(node)} is not a condition; compare a property with a value")
        op, args = str(node["op"]), list(node.get("args", []))
        if op in ("and", "or"):
            parts = [self.predicate(a) for a in args]
            return Predicate(
                "(" + f" {op.upper()} ".join(p.sql for p in parts) + ")",
                tuple(v for p in parts for v in p.params),
            )
        if op == "not":
            inner = self.predicate(_one(op, args))
            return Predicate(f"(NOT {inner.sql})", inner.params)
        if op in _COMPARISONS:
            return self.comparison(op, args)
        handlers: dict[str, Callable[[list[Any]], Predicate]] = {
            "like": self.like,
            "between": self.between,
            "in": self.in_list,
            "isNull": self.is_null,
        }
        if op in handlers:
            return handlers[op](args)
        if op in _SPATIAL:
            return self.spatial(op, args)
        if op.lower().startswith("t_"):
            return self.temporal(op, args)
        raise InputError(
            f"filter: {op!r} is not supported here; use comparisons, LIKE, BETWEEN, IN, IS NULL, "
            "AND/OR/NOT, S_* spatial and T_* temporal functions"
        )

    def comparison(self, op: str, args: list[Any]) -> Predicate:
        left, right = _two(op, args)
        field = self.field_of(left) or self.field_of(right)
        lhs, rhs = self.scalar(left, field), self.scalar(right, field)
        return Predicate(f"({lhs.sql} {_COMPARISONS[op]} {rhs.sql})", lhs.params + rhs.params)

    def like(self, args: list[Any]) -> Predicate:
        left, pattern = _two("like", args)
        field = self.field_of(left)
        if field is not None and field.type != "str":
            raise InputError(f"filter: LIKE needs a text property but {field.name} is {field.type}")
        target = self.scalar(left, field)
        folded = isinstance(pattern, dict) and pattern.get("op") == "casei"
        text = _one("casei", pattern.get("args", [])) if folded else pattern
        if not isinstance(text, str):
            raise InputError(f"filter: LIKE needs a text pattern, got {_show(pattern)}")
        return self.dialect.like(target, text.lower() if folded else text)

    def between(self, args: list[Any]) -> Predicate:
        if len(args) != 3:
            raise InputError("filter: BETWEEN needs a property, a low and a high value")
        field = self.field_of(args[0])
        a, low, high = (self.scalar(v, field) for v in args)
        return Predicate(f"({a.sql} BETWEEN {low.sql} AND {high.sql})", a.params + low.params + high.params)

    def in_list(self, args: list[Any]) -> Predicate:
        left, values = _two("in", args)
        if not isinstance(values, list) or not values:
            raise InputError("filter: IN needs a non-empty list of values, e.g. category IN ('AP', 'AT')")
        field = self.field_of(left)
        target = self.scalar(left, field)
        items = [self.scalar(v, field) for v in values]
        sql = f"({target.sql} IN ({', '.join(i.sql for i in items)}))"
        return Predicate(sql, target.params + tuple(p for i in items for p in i.params))

    def is_null(self, args: list[Any]) -> Predicate:
        node = _one("isNull", args)
        if _property(node) == GEOMETRY_PROPERTY:
            return Predicate("(geom IS NULL)") if self.schema.geometry else _TRUE
        value = self.scalar(node, self.field_of(node))
        return Predicate(f"({value.sql} IS NULL)", value.params)

    # --- values --------------------------------------------------------------------------------------

    def field_of(self, node: Any) -> Field | None:
        """The field a node names (through casei), or None for a literal."""
        if isinstance(node, dict) and node.get("op") == "casei":
            return self.field_of(_one("casei", node.get("args", [])))
        name = _property(node)
        if name is None:
            return None
        if name == GEOMETRY_PROPERTY:
            raise InputError("filter: the geometry can only be used in S_* spatial functions or IS NULL")
        if name not in self.fields:
            raise InputError(
                f"filter: {name!r} is not a queryable of {self.schema.kind}; use one of "
                f"{', '.join([*self.fields, GEOMETRY_PROPERTY])}"
            )
        return self.fields[name]

    def scalar(self, node: Any, field: Field | None) -> Predicate:
        """SQL of a property or a literal (typed like ``field`` when one is compared)."""
        if isinstance(node, dict) and node.get("op") == "casei":
            inner = self.scalar(_one("casei", node.get("args", [])), field)
            if field is not None and field.type != "str":
                raise InputError(f"filter: CASEI needs text but {field.name} is {field.type}")
            return Predicate(f"LOWER({inner.sql})", inner.params)
        name = _property(node)
        if name is not None:
            own = self.field_of(node)
            assert own is not None
            return Predicate(self.dialect.column(own))
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            return self.instant_literal(node, field)
        if isinstance(node, dict) and "op" in node:
            raise InputError(
                f"filter: {node['op']!r} is not supported in a comparison (no arithmetic or functions); "
                "compare a property with a value"
            )
        if isinstance(node, (dict, list)):
            raise InputError(f"filter: {_show(node)} cannot be compared here")
        return self.dialect.value(_check_literal(node, field), field)

    def instant_literal(self, node: dict[str, Any], field: Field | None) -> Predicate:
        moment = _instant(node)
        if field is not None and field.type not in ("date", "datetime"):
            raise InputError(
                f"filter: {field.name} is {field.type}, not a date; compare it with a {field.type}"
            )
        if field is not None and field.type == "date" or (field is None and isinstance(moment, date)):
            day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
            return self.dialect.date_value(day)
        instant = moment if isinstance(moment, datetime) else datetime(moment.year, moment.month, moment.day)
        return self.dialect.instant_value(instant)

    # --- spatial and temporal ------------------------------------------------------------------------

    def spatial(self, op: str, args: list[Any]) -> Predicate:
        left, right = _two(op, args)
        if _property(right) == GEOMETRY_PROPERTY and _property(left) != GEOMETRY_PROPERTY:
            left, right, op = right, left, _MIRRORED.get(op, op)
        if _property(left) != GEOMETRY_PROPERTY:
            raise InputError(f"filter: {op.upper()} compares the property 'geometry' with a geometry literal")
        if self.schema.geometry is None:
            raise InputError(f"filter: {self.schema.kind} have no geometry; drop the {op.upper()} condition")
        shape = _geometry_literal(right, op)
        if self.hook is not None:
            shape = self.hook(shape)
        _check_lonlat(shape, op)
        return self.dialect.spatial(op, shape, table=self.schema.table, history=self.history)

    def temporal(self, op: str, args: list[Any]) -> Predicate:
        name = op[2:].lower()
        left, right = _two(op, args)
        if _property(left) is None and _property(right) is not None:
            raise InputError(
                f"filter: {op.upper()} takes the property first, e.g. {op.upper()}(found_on, ...)"
            )
        field = self.field_of(left)
        if field is None or field.type not in ("date", "datetime"):
            raise InputError(f"filter: {op.upper()} needs a date or instant property first")
        column = _Bound(self.dialect.column(field))
        start, end = self.interval(right, field)
        return _temporal(name, (column, column), (start, end), op)

    def interval(self, node: Any, field: Field) -> tuple[_Bound, _Bound]:
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise InputError("filter: an INTERVAL has a start and an end ('..' when open)")
            bounds = []
            for end in ends:
                if end == "..":
                    bounds.append(_Bound(None))
                    continue
                value = (
                    end if isinstance(end, dict) else {"date" if len(str(end)) == 10 else "timestamp": end}
                )
                literal = self.instant_literal(value, field)
                bounds.append(_Bound(literal.sql, literal.params))
            return bounds[0], bounds[1]
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            literal = self.instant_literal(node, field)
            bound = _Bound(literal.sql, literal.params)
            return bound, bound
        other = self.field_of(node)
        if other is not None and other.type in ("date", "datetime"):
            bound = _Bound(self.dialect.column(other))
            return bound, bound
        raise InputError(f"filter: {_show(node)} is not a date, timestamp or interval")


def _compare(a: _Bound, op: str, b: _Bound, *, a_start: bool, b_start: bool) -> Predicate:
    """``a op b`` where open ends are minus infinity (a start) or plus infinity (an end)."""
    if a.open or b.open:
        inf_a = -math.inf if a_start else math.inf
        inf_b = -math.inf if b_start else math.inf
        x = inf_a if a.open else 0.0
        y = inf_b if b.open else 0.0
        if a.open and b.open:
            truth = {"<": x < y, ">": x > y, "=": x == y, "<=": x <= y, ">=": x >= y}[op]
        else:  # one open end decides by its sign alone
            truth = {"<": x < y, ">": x > y, "=": False, "<=": x <= y, ">=": x >= y}[op]
        return _TRUE if truth else _FALSE
    return Predicate(f"({a.sql} {op} {b.sql})", a.params + b.params)


def _all(*parts: Predicate) -> Predicate:
    live = [p for p in parts if p is not _TRUE]
    if any(p is _FALSE for p in live):
        return _FALSE
    if not live:
        return _TRUE
    return Predicate("(" + " AND ".join(p.sql for p in live) + ")", tuple(v for p in live for v in p.params))


# Allen's relations as CQL2 defines them: (a's end, comparison, b's end), "s" start and "e" end.
_TEMPORAL: dict[str, tuple[tuple[str, str, str], ...]] = {
    "after": (("s", ">", "e"),),
    "before": (("e", "<", "s"),),
    "contains": (("s", "<", "s"), ("e", ">", "e")),
    "during": (("s", ">", "s"), ("e", "<", "e")),
    "equals": (("s", "=", "s"), ("e", "=", "e")),
    "finishedby": (("s", "<", "s"), ("e", "=", "e")),
    "finishes": (("s", ">", "s"), ("e", "=", "e")),
    "intersects": (("s", "<=", "e"), ("e", ">=", "s")),
    "meets": (("e", "=", "s"),),
    "metby": (("s", "=", "e"),),
    "overlappedby": (("s", ">", "s"), ("s", "<", "e"), ("e", ">", "e")),
    "overlaps": (("s", "<", "s"), ("e", ">", "s"), ("e", "<", "e")),
    "startedby": (("s", "=", "s"), ("e", ">", "e")),
    "starts": (("s", "=", "s"), ("e", "<", "e")),
}


def _temporal(name: str, a: tuple[_Bound, _Bound], b: tuple[_Bound, _Bound], op: str) -> Predicate:
    if name == "disjoint":
        inner = _temporal("intersects", a, b, op)
        return (
            _FALSE
            if inner is _TRUE
            else _TRUE
            if inner is _FALSE
            else Predicate(f"(NOT {inner.sql})", inner.params)
        )
    if name not in _TEMPORAL:
        raise InputError(f"filter: {op!r} is not a CQL2 temporal function")
    parts = [
        _compare(
            a[0] if x == "s" else a[1], cmp, b[0] if y == "s" else b[1], a_start=x == "s", b_start=y == "s"
        )
        for x, cmp, y in _TEMPORAL[name]
    ]
    return _all(*parts)


def compile_filter(
    expr: dict[str, Any] | bool,
    schema: EntitySchema,
    dialect: Dialect,
    *,
    history: bool = False,
    geometry_hook: GeometryHook | None = None,
) -> Predicate:
    """SQL (``?`` placeholders) and parameters of a CQL2 JSON expression over one kind's table.

    Parameters
    ----------
    expr
        The CQL2 JSON form (``parse_filter``'s result).
    schema
        The kind queried; its non-personal fields are the queryables, plus ``geometry``.
    dialect
        The back end's SQL pieces (``store.dialects.dialect_of(store)``).
    history
        True when the rows come from the history table (no spatial index there).
    geometry_hook
        Applied to every geometry literal first, e.g. a transformation from ``filter-crs`` to WGS84
        longitude/latitude.
    """
    return _Compiler(schema, dialect, history=history, geometry_hook=geometry_hook).predicate(expr)


# --- small readers -------------------------------------------------------------------------------------


def _show(node: Any) -> str:
    return json.dumps(node, default=str)[:120]


def _property(node: Any) -> str | None:
    if isinstance(node, dict) and set(node) == {"property"}:
        return str(node["property"])
    return None


def _one(op: str, args: Sequence[Any]) -> Any:
    if len(args) != 1:
        raise InputError(f"filter: {op.upper()} takes one argument, got {len(args)}")
    return args[0]


def _two(op: str, args: Sequence[Any]) -> tuple[Any, Any]:
    if len(args) != 2:
        raise InputError(f"filter: {op.upper()} takes two arguments, got {len(args)}")
    return args[0], args[1]


def _check_literal(value: Any, field: Field | None) -> Any:
    if field is None or value is None:
        return value
    kind = field.type
    if kind in ("int", "float") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise InputError(f"filter: {field.name} is a number; compare it with a number, not {_show(value)}")
    if kind in ("int", "float") and not math.isfinite(float(value)):
        raise InputError(f"filter: {field.name} cannot be compared with {value}")
    if kind == "bool" and not isinstance(value, bool):
        raise InputError(f"filter: {field.name} is true or false; compare it with TRUE or FALSE")
    if kind in ("str", "json") and not isinstance(value, str):
        raise InputError(f"filter: {field.name} is text; put the value in quotes, e.g. '{value}'")
    if kind in ("date", "datetime"):
        raise InputError(f"filter: {field.name} is a date; write DATE('2022-05-01') or TIMESTAMP('...Z')")
    return value


def _instant(node: dict[str, Any]) -> date | datetime:
    text = str(node.get("date") or node.get("timestamp"))
    try:
        if "date" in node:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"filter: {text!r} is not a date (YYYY-MM-DD) or an instant (RFC 3339)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _geometry_literal(node: Any, op: str) -> BaseGeometry:
    if isinstance(node, dict) and "bbox" in node:
        box = [float(v) for v in node["bbox"]]
        if len(box) == 6:
            box = [box[0], box[1], box[3], box[4]]
        if len(box) != 4 or box[0] > box[2] or box[1] > box[3]:
            raise InputError(f"filter: {op.upper()} bbox must be west,south,east,north with west <= east")
        return shapely.box(*box)
    if isinstance(node, dict) and "type" in node:
        try:
            shape = shapely.from_geojson(json.dumps(node))
        except shapely.errors.GEOSException as exc:
            raise InputError(f"filter: {op.upper()} has a geometry GEOS cannot read ({exc})") from None
        if shape is None or shape.is_empty:
            raise InputError(f"filter: {op.upper()} has an empty geometry")
        return shape
    raise InputError(f"filter: {op.upper()} needs a geometry literal (POINT(...), POLYGON(...), BBOX(...))")


def _check_lonlat(shape: BaseGeometry, op: str) -> None:
    minx, miny, maxx, maxy = shape.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InputError(f"filter: {op.upper()} geometry has coordinates that are not finite numbers")
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InputError(
            f"filter: {op.upper()} geometry lies outside longitude -180..180 / latitude -90..90 "
            f"(bounds {minx:g}, {miny:g}, {maxx:g}, {maxy:g}); give WGS84 longitude/latitude or set "
            "filter-crs"
        )
