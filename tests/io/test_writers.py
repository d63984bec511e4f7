"""Writers and store export: file-friendly values, personal fields left out unless asked, formats."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from mineaction.errors import ConfigError
from mineaction.io.importer import import_file
from mineaction.io.writers import export_store, to_plain_frame, write_gpkg
from mineaction.store import init_store, open_store

VICTIMS = """accident,age,sex,outcome,victim_group,name,contact
AC-000001,12,male,injured,civilian,Illustrative Person A,+000 000
AC-000001,34,female,killed,civilian,Illustrative Person B,
"""


def test_plain_frame_has_text_dates_json_and_nulls() -> None:
    frame = gpd.GeoDataFrame(
        {
            "hazard_kind": ["SHA"],
            "status": ["open"],
            "reported_on": [pd.Timestamp("2021-03-04")],
            "evidence": [[{"kind": "accident", "ids": ["AC-000001"]}]],
            "confidence": pd.array([None], dtype="Float64"),
        },
        geometry=[shapely.box(46, 40, 46.01, 40.01)],
        crs="EPSG:4326",
    )
    plain = to_plain_frame(frame, "hazardous_areas")
    assert plain["reported_on"].iloc[0] == "2021-03-04"
    assert plain["evidence"].iloc[0] == '[{"kind": "accident", "ids": ["AC-000001"]}]'
    assert plain["confidence"].iloc[0] is None and plain["released_on"].iloc[0] is None
    assert plain.crs.to_epsg() == 4326


def test_personal_fields_are_left_out_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    source = tmp_path / "victims.csv"
    source.write_text(VICTIMS)
    with init_store(path) as store:
        import_file(store, source, kind="victims", author="t", reason="test")
    with open_store(path) as store:
        export_store(store, tmp_path / "public.csv", kinds=["victims"])
        export_store(store, tmp_path / "full.csv", kinds=["victims"], include_personal=True)
        written = export_store(store, tmp_path / "all.gpkg")
    public, full = pd.read_csv(tmp_path / "public.csv"), pd.read_csv(tmp_path / "full.csv")
    assert "name" not in public.columns and "contact" not in public.columns and len(public) == 2
    assert sorted(full["name"]) == ["Illustrative Person A", "Illustrative Person B"]
    assert written == {"victims": 2}
    assert "name" not in pyogrio.read_dataframe(tmp_path / "all.gpkg", layer="victims").columns


def test_write_gpkg_layers_and_format_errors(tmp_path: Path) -> None:
    finds = gpd.GeoDataFrame(
        {"category": ["AP", "AT"], "found_on": ["2022-01-01", "2022-01-02"]},
        geometry=shapely.points([46, 47], [40, 40]),
        crs="EPSG:4326",
    )
    counts = write_gpkg(tmp_path / "out.gpkg", {"finds": finds, "accidents": finds.iloc[:0]})
    assert counts == {"finds": 2, "accidents": 0}
    assert dict(pyogrio.list_layers(tmp_path / "out.gpkg"))["finds"] == "Point"
    with init_store(tmp_path / "s.gpkg") as store, pytest.raises(ConfigError, match="give --format"):
        export_store(store, tmp_path / "folder")
