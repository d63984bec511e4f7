"""Vector tiles of the store (``store.tiles``) on every back end, read back by GDAL's MVT driver: the right
records, properties and positions, polygons with holes, the record as known on a past date, thinning of
points at low zoom, cached tiles made again after a write, and clear errors for tiles that cannot exist."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from mineaction.errors import InputError, NotFoundError
from mineaction.store.mvt import encode_layer
from mineaction.store.tiles import (
    TileCache,
    TileQuery,
    cached_tile,
    history_span,
    read_tile,
    tile_bounds_lonlat,
)

ZOOM = 10


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _read(tmp_path: Path, body: bytes, z: int, x: int, y: int, layer: str) -> gpd.GeoDataFrame:
    """The tile as GDAL reads it (its path z/x/y.pbf places it on the Web Mercator grid)."""
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return pyogrio.read_dataframe(path, layer=layer)


def _write(store: object, kind: str, rows: dict[str, list[object]], geometry: list[object]) -> None:
    frame = gpd.GeoDataFrame(rows, geometry=geometry, crs="EPSG:4326")
    store.write(kind, frame, author="test", reason="SIMULATED tiles test")  # type: ignore[attr-defined]


def _finds(store: object) -> None:
    _write(
        store,
        "finds",
        {
            "id": ["EO-000001", "EO-000002", "EO-000003"],
            "category": ["AP", "AT", "UXO"],
            "found_on": ["2021-03-01", "2022-07-15", "2023-11-30"],
            "manufacture_year": [2021, None, 1990],
            "recorded_at": ["2021-03-02T00:00:00Z", "2022-07-16T00:00:00Z", "2023-12-01T00:00:00Z"],
        },
        [shapely.Point(46.91, 39.51), shapely.Point(46.95, 39.55), shapely.Point(46.99, 39.53)],
    )


def test_points_carry_ids_properties_and_positions(store: object, tmp_path: Path) -> None:
    _finds(store)
    x, y = _tile_of(46.95, 39.53, ZOOM)
    body = read_tile(store, TileQuery("finds", ZOOM, x, y))
    read = _read(tmp_path, body, ZOOM, x, y, "finds").sort_values("id")
    assert read["id"].tolist() == ["EO-000001", "EO-000002", "EO-000003"]
    assert read["mvt_id"].tolist() == [1, 2, 3]
    assert read["category"].tolist() == ["AP", "AT", "UXO"]
    expected = gpd.GeoSeries(
        [shapely.Point(46.91, 39.51), shapely.Point(46.95, 39.55), shapely.Point(46.99, 39.53)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    unit_m = 2 * 20037508.34 / (1 << ZOOM) / 4096  # one tile unit at this zoom, m
    offsets = read.geometry.set_crs("EPSG:3857", allow_override=True).distance(expected.set_axis(read.index))
    assert offsets.max() <= unit_m


def test_polygons_keep_their_holes_and_clip_to_the_tile(store: object, tmp_path: Path) -> None:
    outer = shapely.box(46.90, 39.50, 46.96, 39.55)
    holed = shapely.Polygon(outer.exterior.coords, [shapely.box(46.92, 39.52, 46.94, 39.53).exterior.coords])
    _write(
        store,
        "hazardous_areas",
        {"id": ["HA-000001"], "hazard_kind": ["CHA"], "status": ["open"], "district": ["Fuzuli"]},
        [holed],
    )
    x, y = _tile_of(46.93, 39.52, ZOOM)
    read = _read(
        tmp_path, read_tile(store, TileQuery("hazardous_areas", ZOOM, x, y)), ZOOM, x, y, "hazardous_areas"
    )
    assert read["status"].tolist() == ["open"] and read["hazard_kind"].tolist() == ["CHA"]
    shape = read.geometry.iloc[0]
    truth = gpd.GeoSeries([holed], crs="EPSG:4326").to_crs("EPSG:3857").iloc[0]
    assert len(shapely.get_parts(shape)) == 1 and len(shapely.get_parts(shape)[0].interiors) == 1
    assert shape.area == pytest.approx(truth.area, rel=0.02)
    # a tile that holds only a corner of the area gets the corner, clipped (with a small buffer)
    corner = _tile_of(46.90, 39.55, 13)
    clipped = read_tile(store, TileQuery("hazardous_areas", 13, *corner))
    part = _read(tmp_path, clipped, 13, *corner, "hazardous_areas").geometry.iloc[0]
    assert 0 < part.area < truth.area


def test_as_of_shows_the_record_as_known_then(store: object, tmp_path: Path) -> None:
    _finds(store)
    moved = store.read("finds")  # type: ignore[attr-defined]
    moved = moved[moved["id"] == "EO-000001"].copy()
    moved["geometry"] = [shapely.Point(46.92, 39.52)]
    moved["recorded_at"] = "2024-01-10T00:00:00Z"
    store.write("finds", moved, author="qa", reason="moved")  # type: ignore[attr-defined]
    x, y = _tile_of(46.95, 39.53, ZOOM)

    def ids(as_of: str | None) -> list[str]:
        body = read_tile(store, TileQuery("finds", ZOOM, x, y, as_of=as_of))
        return sorted(_read(tmp_path, body, ZOOM, x, y, "finds")["id"]) if body else []

    assert ids("2021-12-31") == ["EO-000001"]
    assert ids("2022-12-31") == ["EO-000001", "EO-000002"]
    assert ids(None) == ["EO-000001", "EO-000002", "EO-000003"]
    assert ids("2020-01-01") == []
    first, last = history_span(store)
    assert (
        first is not None
        and first.startswith("2021-03-02")
        and last is not None
        and last.startswith("2024-01-10")
    )


def test_points_on_one_tile_unit_are_drawn_once_at_low_zoom(store: object, tmp_path: Path) -> None:
    _write(
        store,
        "finds",
        {"id": ["EO-000001", "EO-000002"], "category": ["AP", "AP"], "found_on": ["2022-01-01"] * 2},
        [shapely.Point(46.95, 39.55), shapely.Point(46.95001, 39.55001)],  # about 1.4 m apart
    )
    low, high = _tile_of(46.95, 39.55, 10), _tile_of(46.95, 39.55, 16)
    assert _read(tmp_path, read_tile(store, TileQuery("finds", 10, *low)), 10, *low, "finds")[
        "id"
    ].tolist() == ["EO-000001"]
    near = _read(tmp_path, read_tile(store, TileQuery("finds", 16, *high)), 16, *high, "finds")
    assert sorted(near["id"]) == ["EO-000001", "EO-000002"]


def test_finds_a_few_pixels_apart_are_drawn_once_at_a_region_s_view(store: object, tmp_path: Path) -> None:
    _write(
        store,
        "finds",
        {"id": ["EO-000001", "EO-000002"], "category": ["AP", "AT"], "found_on": ["2022-01-01"] * 2},
        [shapely.Point(46.9516, 39.5514), shapely.Point(46.9522, 39.5517)],  # about 60 m apart
    )
    far, near = _tile_of(46.95, 39.55, 10), _tile_of(46.95, 39.55, 12)
    national = _read(tmp_path, read_tile(store, TileQuery("finds", 10, *far)), 10, *far, "finds")
    assert national["id"].tolist() == ["EO-000001"]
    close = _read(tmp_path, read_tile(store, TileQuery("finds", 12, *near)), 12, *near, "finds")
    assert sorted(close["id"]) == ["EO-000001", "EO-000002"]


def test_finds_at_the_national_view_are_counts_per_cell_that_sum_to_the_finds(
    store: object, tmp_path: Path
) -> None:
    close = [
        shapely.Point(46.9512, 39.5512),
        shapely.Point(46.9522, 39.5517),
        shapely.Point(46.9515, 39.5509),
    ]
    _write(
        store,
        "finds",
        {
            "id": [f"EO-00000{i}" for i in range(1, 6)],
            "category": ["AT", "AP", "AP", "UXO", "AT"],
            "found_on": ["2022-01-01"] * 5,
        },
        [*close, shapely.Point(46.60, 39.80), shapely.Point(46.99, 39.53)],
    )
    x, y = _tile_of(46.95, 39.55, 8)
    cells = _read(tmp_path, read_tile(store, TileQuery("finds", 8, x, y)), 8, x, y, "finds")
    assert "id" not in cells.columns  # no record's fields at this zoom, only how many lie where
    assert cells["count"].sum() == 5
    assert sorted(cells["count"]) == [1, 1, 3]
    assert cells.loc[cells["count"] == 3, "category"].tolist() == ["AP"]  # the cell's most common category
    today = datetime.now(UTC).date()  # the history rebuilt at the end of today holds the same finds
    then = _read(
        tmp_path / "then", read_tile(store, TileQuery("finds", 8, x, y, as_of=today)), 8, x, y, "finds"
    )
    assert sorted(then["count"]) == [1, 1, 3]
    at_ten = _tile_of(46.95, 39.55, 10)
    finds = _read(tmp_path, read_tile(store, TileQuery("finds", 10, *at_ten)), 10, *at_ten, "finds")
    assert "EO-000001" in finds["id"].tolist()  # from zoom 10 the records themselves


def test_a_cached_tile_is_made_again_after_a_write(store: object, tmp_path: Path) -> None:
    _finds(store)
    x, y = _tile_of(46.95, 39.53, ZOOM)
    query = TileQuery("finds", ZOOM, x, y)
    cache = TileCache()
    first = cached_tile(store, query, cache, scope="viewer")
    assert history_span(store, cache=cache)[1].startswith("2023-12-01")  # type: ignore[union-attr]
    if store.last_change("finds") is not None:  # type: ignore[attr-defined]  # (None: PostGIS mid-write)
        assert cached_tile(store, query, cache, scope="viewer") is first
        assert cache.hits == 1
    _write(
        store,
        "finds",
        {
            "id": ["EO-000002"],
            "category": ["AP"],
            "found_on": ["2022-07-15"],
            "recorded_at": ["2024-01-02T00:00:00Z"],
        },
        [shapely.Point(46.97, 39.52)],
    )
    moved = _read(tmp_path, cached_tile(store, query, cache, scope="viewer").body, ZOOM, x, y, "finds")
    where = moved.set_index("id").geometry.set_crs("EPSG:3857", allow_override=True).to_crs("EPSG:4326")
    assert where["EO-000002"].distance(shapely.Point(46.97, 39.52)) < 1e-3
    assert moved.set_index("id")["category"]["EO-000002"] == "AP"
    assert history_span(store, cache=cache)[1].startswith("2024-01-02")  # type: ignore[union-attr]
    store.delete("finds", ["EO-000003"], author="test", reason="SIMULATED tiles test")  # type: ignore[attr-defined]
    left = _read(
        tmp_path / "after", cached_tile(store, query, cache, scope="viewer").body, ZOOM, x, y, "finds"
    )
    assert sorted(left["id"]) == ["EO-000001", "EO-000002"]


def test_empty_tiles_and_impossible_ones(store: object) -> None:
    _finds(store)
    assert read_tile(store, TileQuery("finds", ZOOM, 0, 0)) == b""
    with pytest.raises(InputError, match="zoom 25"):
        read_tile(store, TileQuery("finds", 25, 0, 0))
    with pytest.raises(InputError, match="row and column"):
        read_tile(store, TileQuery("finds", 2, 4, 0))
    with pytest.raises(NotFoundError, match="no tiles of 'victims'"):
        read_tile(store, TileQuery("victims", 2, 0, 0))


def test_tile_bounds_match_the_web_mercator_grid() -> None:
    west, south, east, north = tile_bounds_lonlat(1, 1, 0)
    assert (west, east) == pytest.approx((0.0, 180.0)) and south == pytest.approx(0.0, abs=1e-9)
    assert north == pytest.approx(85.0511, abs=1e-4)


def test_encoder_leaves_out_what_rounds_to_nothing(tmp_path: Path) -> None:
    tiny = shapely.box(10.1, 10.1, 10.3, 10.3)  # smaller than a tile unit
    body = encode_layer(
        "hazardous_areas",
        [tiny, shapely.box(0, 0, 100, 100), None],
        ids=[1, 2, 3],
        properties={"id": ["HA-000001", "HA-000002", "HA-000003"], "confidence": [0.5, float("nan"), 1.0]},
    )
    read = _read(tmp_path, body, 0, 0, 0, "hazardous_areas")
    assert read["id"].tolist() == ["HA-000002"] and "confidence" not in read.columns  # NaN is left out
    assert encode_layer("finds", [None], ids=[1], properties={}) == b""
