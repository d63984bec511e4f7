"""CQL2 to SQL (``store.cql``): parameters for every value, the schema's names only, one clear error for
what cannot be compiled."""

from __future__ import annotations

import pytest
import shapely

from mineaction.domain.schema import entity
from mineaction.errors import InputError
from mineaction.store.cql import compile_filter, parse_filter
from mineaction.store.dialects import PostgisDialect


def _sql(text: str, kind: str = "finds") -> tuple[str, tuple[object, ...]]:
    predicate = compile_filter(parse_filter(text), entity(kind), PostgisDialect())
    return predicate.sql, predicate.params


def test_values_are_parameters_and_names_come_from_the_schema() -> None:
    sql, params = _sql("model = 'x''; DROP TABLE finds; --' AND depth_cm > 3")
    assert "DROP" not in sql and params == ("x'; DROP TABLE finds; --", 3.0)
    assert sql.count("?") == 2 and "model" in sql and "depth_cm" in sql


def test_temporal_relations_with_open_ends() -> None:
    sql, params = _sql("T_INTERSECTS(found_on, INTERVAL('2022-01-01', '..'))")
    assert params == ("2022-01-01",) and ">=" in sql
    sql, params = _sql("T_BEFORE(found_on, INTERVAL('..', '2022-01-01'))")
    assert sql == "1 = 0" and params == ()  # nothing lies before an open start


def test_spatial_literals_are_wkb_parameters() -> None:
    sql, params = _sql("S_WITHIN(geometry, BBOX(46, 39, 47, 40))")
    assert sql.startswith("ST_Within(geom") and shapely.from_wkb(params[0]).equals(
        shapely.box(46, 39, 47, 40)
    )
    sql, _ = _sql("S_WITHIN(POINT(46.5 39.5), geometry)")
    assert sql.startswith("ST_Contains(geom")  # the literal first: the relation turns round


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("nonsense = 1", "nonsense"),
        ("depth_cm = 'deep'", "number"),
        ("geometry = 1", "geometry"),
        ("depth_cm + 1 > 2", "not supported"),
        ("S_INTERSECTS(geometry, BBOX(1000, 1000, 2000, 2000))", "longitude"),
        ("category LIKE 3", "pattern"),
    ],
)
def test_refusals_name_the_problem(text: str, named: str) -> None:
    with pytest.raises(InputError, match=named):
        _sql(text)


def test_kinds_without_geometry_refuse_spatial_filters() -> None:
    with pytest.raises(InputError, match="no geometry"):
        _sql("S_INTERSECTS(geometry, BBOX(46, 39, 47, 40))", kind="operators")


@pytest.mark.parametrize(("text", "lang"), [("category = ", "cql2-text"), ("{", "cql2-json"), ("x", "ecql")])
def test_unparseable_filters(text: str, lang: str) -> None:
    with pytest.raises(InputError):
        parse_filter(text, lang=lang)
