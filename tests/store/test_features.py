"""The store's query side (``store.features``) on every back end: areas, intervals, CQL2 filters, ids,
paging with counts, ``as_of`` and the JSON of properties."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pytest
import shapely

from mineaction.errors import InputError, NotFoundError
from mineaction.store.cql import parse_filter
from mineaction.store.features import FeatureQuery, collection_extent, read_feature, read_features


def _finds(store: object) -> None:
    frame = gpd.GeoDataFrame(
        {
            "id": ["EO-000001", "EO-000002", "EO-000003"],
            "category": ["AP", "AT", "UXO"],
            "model": ["PMN-2", "TM-62M", None],
            "found_on": ["2021-03-01", "2022-07-15", "2023-11-30"],
            "depth_cm": [5.0, 20.0, None],
            "recorded_at": ["2021-03-02T00:00:00Z", "2022-07-16T00:00:00Z", "2023-12-01T00:00:00Z"],
        },
        geometry=[shapely.Point(46.9, 39.5), shapely.Point(47.1, 39.6), shapely.Point(48.0, 40.0)],
        crs="EPSG:4326",
    )
    store.write("finds", frame, author="test", reason="test")  # type: ignore[attr-defined]


def _ids(store: object, **query: object) -> list[str]:
    return read_features(store, FeatureQuery("finds", limit=100, **query)).ids  # type: ignore[arg-type]


def test_area_interval_filter_and_ids(store: object) -> None:
    _finds(store)
    assert _ids(store, area=shapely.box(46.8, 39.4, 47.2, 39.7)) == ["EO-000001", "EO-000002"]
    assert _ids(store, interval=(date(2022, 1, 1), None)) == ["EO-000002", "EO-000003"]
    assert _ids(store, filter=parse_filter("depth_cm > 10 OR model IS NULL")) == ["EO-000002", "EO-000003"]
    assert _ids(store, filter=parse_filter("T_BEFORE(found_on, DATE('2022-01-01'))")) == ["EO-000001"]
    assert _ids(store, ids=("EO-000003", "EO-999999")) == ["EO-000003"]


def test_pages_count_every_match(store: object) -> None:
    _finds(store)
    page = read_features(store, FeatureQuery("finds", limit=2, offset=1))
    assert page.ids == ["EO-000002", "EO-000003"] and page.number_matched == 3
    assert read_features(store, FeatureQuery("finds", limit=1)).number_matched == 3
    with pytest.raises(InputError):
        read_features(store, FeatureQuery("finds", limit=-1))


def test_properties_are_json_with_the_schema_types(store: object) -> None:
    _finds(store)
    page = read_feature(store, "finds", "EO-000001")
    props = json.loads(page.properties[0])
    assert props["category"] == "AP" and props["depth_cm"] == 5.0 and props["found_on"] == "2021-03-01"
    assert props["recorded_at"].startswith("2021-03-02T00:00:00") and "id" not in props
    assert shapely.from_wkb(page.geometries[0]).equals(shapely.Point(46.9, 39.5))
    assert len(page.content_keys[0]) >= 16


def test_as_of_reads_what_was_known(store: object) -> None:
    _finds(store)
    store.delete("finds", ["EO-000001"], author="test", reason="test")  # type: ignore[attr-defined]
    assert _ids(store) == ["EO-000002", "EO-000003"]
    assert _ids(store, as_of=date(2030, 1, 1)) == ["EO-000002", "EO-000003"]
    assert _ids(store, as_of=date(2021, 12, 31)) == ["EO-000001"]  # recorded in 2021, deleted only now
    with pytest.raises(NotFoundError):
        read_feature(store, "finds", "EO-000001")


def test_extent(store: object) -> None:
    _finds(store)
    bounds, times = collection_extent(store, "finds")
    assert bounds is not None and bounds[0] <= 46.9 and bounds[2] >= 48.0
    assert times == ("2021-03-01", "2023-11-30")
