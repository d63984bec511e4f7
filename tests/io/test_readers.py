"""Readers: every format into WGS84, declared CRS honoured, broken files give one clear InputError."""

from __future__ import annotations

import json
import re
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


# --- files as they arrive: KML from GDAL and Google Earth, zipped shapefiles, unknown CRSs ------------------


def _kml_of_an_export(tmp_path: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """A KML written by GDAL from records with our ids (placemarks get GDAL's own ids, finds.1 ...)."""
    from mineaction.io import to_plain_frame

    records = sample().assign(id=["EO-000007", "EO-000008"], source="Operator ABC")
    path = tmp_path / "finds.kml"
    pyogrio.write_dataframe(to_plain_frame(records, "finds"), path, driver="KML")
    return path, records


def test_a_kml_written_by_gdal_keeps_the_files_own_ids(tmp_path: Path) -> None:
    path, records = _kml_of_an_export(tmp_path)
    frame = read_table(path)
    assert frame["id"].tolist() == ["EO-000007", "EO-000008"]  # the file's id field, not the placemark's
    assert frame["source_ref"].isna().all()  # a row with its own id keeps no placemark id


def test_placemark_ids_become_source_references_and_repeats_are_marked(tmp_path: Path) -> None:
    from mineaction.io.readers import PROBLEM_COLUMN

    path, _ = _kml_of_an_export(tmp_path)
    text = re.sub(r'<SimpleData name="id">[^<]*</SimpleData>', "", path.read_text(encoding="utf-8"))
    placemarks = text[text.index("<Placemark") : text.rindex("</Placemark>") + len("</Placemark>")]
    path.write_text(text.replace(placemarks, placemarks * 3), encoding="utf-8")  # the placemarks, thrice
    frame = read_table(path)
    assert frame["source_ref"].tolist() == ["finds.1", "finds.2"] * 3
    assert [p[1] if p else None for p in frame[PROBLEM_COLUMN]] == [
        None,
        None,
        "the same placemark as row 1, repeated",
        "the same placemark as row 2, repeated",
        "the same placemark as row 1, repeated",
        "the same placemark as row 2, repeated",
    ]


@pytest.mark.parametrize("coordinates", ["", "abc,def", "46.9"])
def test_kml_with_empty_or_garbage_coordinates_is_one_clear_error(tmp_path: Path, coordinates: str) -> None:
    from mineaction.io import import_file
    from mineaction.store import open_store

    path, _ = _kml_of_an_export(tmp_path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index("<coordinates>") + len("<coordinates>"), text.index("</coordinates>")
    path.write_text(text[:start] + coordinates + text[end:], encoding="utf-8")
    store = open_store("memory://")
    store.set_setting("aoi", [44.5, 38.3, 50.9, 41.95])
    with pytest.raises(InputError, match=r"finds.kml"):
        import_file(store, path, kind="finds", author="t", reason="garbage coordinates")
    assert store.counts()["finds"] == 0


@pytest.mark.parametrize("name", ["areas.zip", "areas.shp.zip"])
def test_zipped_shapefiles_are_read_directly(tmp_path: Path, name: str) -> None:
    import zipfile

    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(sample("EPSG:32638"), folder / "finds.shp")
    with zipfile.ZipFile(tmp_path / name, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    frame = read_table(tmp_path / name)
    assert frame.crs.to_epsg() == 4326 and frame["category"].tolist() == ["AP", "UXO"]
    np.testing.assert_allclose(shapely.get_x(frame.geometry.values), LON, atol=1e-7)


def test_an_unknown_declared_crs_is_refused_or_taken_as_wgs84_with_a_note(tmp_path: Path) -> None:
    from mineaction.io.readers import NOTES_ATTR

    for crs, name in (("EPSG:4326", "degrees.geojson"), ("EPSG:32638", "metres.geojson")):
        document = json.loads(sample(crs).to_json(to_wgs84=False))
        document["crs"] = {"type": "name", "properties": {"name": "EPSG:999999"}}
        (tmp_path / name).write_text(json.dumps(document), encoding="utf-8")
    degrees = read_table(tmp_path / "degrees.geojson")
    assert (
        "'EPSG:999999', which is unknown" in degrees.attrs[NOTES_ATTR][0]
        and "WGS84" in degrees.attrs[NOTES_ATTR][0]
    )
    with pytest.raises(InputError, match=r"metres.geojson: declares the CRS 'EPSG:999999', which is unknown"):
        read_table(tmp_path / "metres.geojson")
    with pytest.raises(InputError, match=r"unknown CRS 'EPSG:999999'"):
        read_table(tmp_path / "degrees.geojson", crs="EPSG:999999")
