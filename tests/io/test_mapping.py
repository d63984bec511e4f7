"""YAML column mappings: renames, constants, value maps, year dates, row routing, buffers, clear errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mineaction.errors import MappingError
from mineaction.io.mapping import ROW_COLUMN, apply_mapping, load_mapping

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mappings"

MAPPING = """
lon: x
lat: y
defaults:
  columns: {district: municipio}
  values: {source: register}
kinds:
  accidents:
    where: {tipo: [1, 2]}
    maps:
      category: {column: label, values: {"Accidente por MAP": AP, "Accidente por MUSE": UXO}}
    dates:
      occurred_on: {year: year, month: 7, day: 1}
  hazardous_areas:
    where: {tipo: 8}
    values: {hazard_kind: SHA, status: open}
    dates:
      reported_on: {year: year}
    buffer_m: 100
"""


def events() -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "tipo": [1, 8, 2, 4],
            "label": ["Accidente por MAP", "Sospecha", "Accidente por MUSE", "Desminado"],
            "year": [2001, 2002, 2003, 2004],
            "municipio": ["A", "B", "C", "D"],
        }
    )
    return gpd.GeoDataFrame(
        frame, geometry=shapely.points([-75, -74, -73, -72], [5, 6, 7, 8]), crs="EPSG:4326"
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text)
    return path


def test_rows_are_routed_renamed_mapped_and_dated(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MAPPING))
    assert (mapping.lon, mapping.lat) == ("x", "y")
    out = apply_mapping(events(), mapping, file="events.csv")
    accidents, areas = out["accidents"], out["hazardous_areas"]
    assert accidents[ROW_COLUMN].tolist() == [1, 3]
    assert accidents["category"].tolist() == ["AP", "UXO"]
    assert accidents["district"].tolist() == ["A", "C"] and set(accidents["source"]) == {"register"}
    assert [str(d)[:10] for d in accidents["occurred_on"]] == ["2001-07-01", "2003-07-01"]
    assert areas[ROW_COLUMN].tolist() == [2] and str(areas["reported_on"].iloc[0])[:10] == "2002-01-01"
    polygon = areas.geometry.iloc[0]
    assert polygon.geom_type == "Polygon"
    area_m2 = (
        gpd.GeoSeries([polygon], crs="EPSG:4326")
        .to_crs(gpd.GeoSeries([polygon], crs=4326).estimate_utm_crs())
        .area.iloc[0]
    )
    assert 30_000 < area_m2 < 31_500  # pi * 100 m * 100 m, as a 32-gon


def test_missing_column_names_the_column_and_those_that_exist(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MAPPING.replace("municipio", "municipality")))
    with pytest.raises(
        MappingError,
        match=r"events.csv: the mapping reads column 'municipality' \(for "
        r"accidents\), which the file lacks; the columns are: tipo, label",
    ):
        apply_mapping(events(), mapping, file="events.csv")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("district: municipio", "distrito: municipio"),
            "'distrito' is not a field of accidents; use one of",
        ),
        (("accidents:", "crashes:"), "kinds.crashes: unknown kind; use one of"),
        (("buffer_m: 100", "buffer: 100"), r"unknown keys \['buffer'\]"),
        (("{year: year}", "{column: year}"), "needs year: <column>"),
    ],
)
def test_mistakes_in_the_mapping_give_one_clear_error(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(MappingError, match=message):
        load_mapping(write(tmp_path, MAPPING.replace(*change)))


def test_unreadable_yaml(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read the mapping"):
        load_mapping(write(tmp_path, "kinds: [unclosed"))


def test_shipped_mappings_load() -> None:
    colombia = load_mapping(EXAMPLES / "colombia_events.yaml")
    assert colombia.kind_names == ("accidents", "finds", "hazardous_areas")
    finds = next(k for k in colombia.kinds if k.kind == "finds")
    assert dict(finds.maps["category"].values) == {"4": "AP", "5": "AP", "6": "UXO"}
    assert load_mapping(EXAMPLES / "ordnance_report.yaml").kind_names == ("finds",)
