"""Readers: every format into WGS84, declared CRS honoured, broken files give one clear InputError."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from mineaction.errors import InputError
from mineaction.io.readers import list_layers, read_csv, read_table

LON, LAT = [46.5, 47.1], [40.0, 39.6]


def sample(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"category": ["AP", "UXO"], "found_on": ["2022-05-01", "2022-06-02"]},
        geometry=shapely.points(LON, LAT),
        crs="EPSG:4326",
    )
    return frame if crs == "EPSG:4326" else frame.to_crs(crs)


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".kml", "KML")],
)
def test_spatial_formats_read_into_wgs84(tmp_path: Path, suffix: str, driver: str) -> None:
    path = tmp_path / f"finds{suffix}"
    pyogrio.write_dataframe(sample(), path, driver=driver)
    frame = read_table(path)
    assert frame.crs.to_epsg() == 4326 and len(frame) == 2
    np.testing.assert_allclose(shapely.get_x(frame.geometry.values), LON, atol=1e-9)
    if driver != "KML":
        assert frame["category"].tolist() == ["AP", "UXO"]


def test_declared_projected_crs_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "utm.gpkg"
    pyogrio.write_dataframe(sample("EPSG:32638"), path, driver="GPKG")
    frame = read_table(path)
    np.testing.assert_allclose(shapely.get_y(frame.geometry.values), LAT, atol=1e-7)


def test_csv_lon_lat_and_crs_argument(tmp_path: Path) -> None:
    utm = sample("EPSG:32638")
    path = tmp_path / "utm.csv"
    utm.assign(easting=utm.geometry.x, northing=utm.geometry.y).drop(columns="geometry").to_csv(
        path, index=False
    )
    frame = read_csv(path, lon="easting", lat="northing", crs="EPSG:32638")
    np.testing.assert_allclose(shapely.get_x(frame.geometry.values), LON, atol=1e-7)
    assert frame.crs.to_epsg() == 4326 and "easting" in frame.columns


def test_csv_wkt_column_and_blank_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "wkt.csv"
    path.write_text("id,wkt\nEO-000001,POINT (46.5 40)\nEO-000002,\n")
    frame = read_table(path)
    assert frame.geometry.iloc[0].equals(shapely.Point(46.5, 40)) and frame.geometry.iloc[1] is None
    blanks = tmp_path / "blanks.csv"
    blanks.write_text("lon,lat\n46.5,40\n,\n46.7,\n")
    frame = read_table(blanks)
    assert frame.geometry.iloc[1] is None and np.isnan(frame.geometry.iloc[2].y)


def test_csv_without_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "victims.csv"
    path.write_text("accident,outcome\nAC-000001,killed\n")
    assert list(read_table(path, require_geometry=False).columns) == ["accident", "outcome"]
    with pytest.raises(
        InputError,
        match=r"victims.csv: no coordinate columns lon and lat; the columns are "
        r"accident, outcome",
    ):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.geojson", '{"type": "FeatureCollection", "features": [', "broken.geojson: cannot read"),
        ("empty.geojson", "", "empty.geojson: the file is empty"),
        ("none.geojson", '{"type": "FeatureCollection", "features": []}', "none.geojson: no features"),
        ("empty.csv", "", "empty.csv: the file is empty"),
        ("header.csv", "lon,lat\n", "header.csv: no data rows"),
        ("finds.xlsx", "x", "finds.xlsx: unknown file type .xlsx"),
    ],
)
def test_broken_files_give_one_clear_error(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_layers_of_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(sample(), path, layer="finds", driver="GPKG")
    pyogrio.write_dataframe(sample(), path, layer="accidents", driver="GPKG", append=True)
    assert list_layers(path) == ["finds", "accidents"]
    assert len(read_table(path, layer="accidents")) == 2
    with pytest.raises(InputError, match="missing.gpkg: no such file"):
        read_table(tmp_path / "missing.gpkg")
