"""The GeoPackage store is a real GeoPackage: GDAL lists every kind as a layer with the right features."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from mineaction.domain.schema import ENTITIES
from mineaction.errors import SchemaError
from mineaction.store import init_store, open_store


def _square(x: float, y: float, size: float = 0.01) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, dict[str, gpd.GeoDataFrame]]:
    path = tmp_path / "filled.gpkg"
    rng = np.random.default_rng(7)
    n = 300  # above the bulk threshold: exercises the R-tree bulk fill
    finds = gpd.GeoDataFrame(
        {
            "category": rng.choice(["AP", "AT", "UXO"], n),
            "found_on": "2022-06-01",
            "depth_cm": rng.uniform(0, 20, n),
        },
        geometry=shapely.points(rng.uniform(46, 47, n), rng.uniform(39, 40, n)),
        crs=4326,
    )
    areas = gpd.GeoDataFrame(
        {"hazard_kind": ["SHA", "CHA", "SHA"], "status": "open", "reported_on": "2021-01-05"},
        geometry=[
            _square(46.1, 39.1),
            MultiPolygon([_square(46.3, 39.3), _square(46.5, 39.5)]),
            _square(46.7, 39.2, 0.2),
        ],
        crs=4326,
    )
    operators = pd.DataFrame(
        {"name": ["ANAMA", "MES"], "operator_kind": ["national_agency", "emergency_service"]}
    )
    with init_store(path, aoi=[44.5, 38.3, 50.9, 41.95]) as store:
        for kind, frame in (("finds", finds), ("hazardous_areas", areas), ("operators", operators)):
            store.write(kind, frame, author="tester", reason="layers test (simulated data)")
        store.delete("finds", ["EO-000005"], author="tester", reason="duplicate")
        moved = store.read("hazardous_areas").iloc[[0]].copy()
        moved["geometry"] = [_square(46.15, 39.15)]
        store.write("hazardous_areas", moved, author="tester", reason="perimeter corrected")
    return path, {"finds": finds.drop(index=4), "hazardous_areas": areas, "operators": operators}


def test_every_kind_is_a_layer_with_its_feature_count(filled) -> None:
    path, frames = filled
    layers = dict(pyogrio.list_layers(path))
    for kind, schema in ENTITIES.items():
        assert kind in layers and f"{kind}_history" in layers
        expected = "Point" if schema.geometry == "point" else ("Unknown" if schema.geometry else None)
        assert layers[kind] == expected, kind
    info = pyogrio.read_info(path, layer="finds")
    assert info["features"] == 299 and info["crs"] == "EPSG:4326"
    assert pyogrio.read_info(path, layer="finds_history")["features"] == 301
    assert pyogrio.read_info(path, layer="operators")["features"] == 2
    assert pyogrio.read_info(path, layer="victims")["features"] == 0


def test_gdal_reads_the_same_geometries_and_fields(filled) -> None:
    path, frames = filled
    finds = pyogrio.read_dataframe(path, layer="finds")
    assert shapely.equals_exact(finds.geometry.to_numpy(), frames["finds"].geometry.to_numpy(), 0).all()
    assert np.allclose(finds["depth_cm"].to_numpy(), frames["finds"]["depth_cm"].to_numpy())
    areas = pyogrio.read_dataframe(path, layer="hazardous_areas")
    assert areas.geometry.iloc[0].equals_exact(_square(46.15, 39.15), 0)
    assert areas.geometry.iloc[1].geom_type == "MultiPolygon"
    assert str(areas["reported_on"].iloc[0])[:10] == "2021-01-05"
    bbox = pyogrio.read_dataframe(path, layer="hazardous_areas", bbox=(46.14, 39.14, 46.2, 39.2))
    assert bbox["id"].tolist() == ["HA-000001"]  # the spatial index follows the corrected perimeter


def test_header_and_spatial_index_are_valid(filled) -> None:
    path, _ = filled
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("finds", "hazardous_areas"):
            assert conn.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone()[0] == "ok"
            indexed = conn.execute(f"SELECT COUNT(*) FROM rtree_{table}_geom").fetchone()[0]
            assert indexed == conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert conn.execute(
            "SELECT COUNT(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'"
        ).fetchone()[0] == sum(1 for s in ENTITIES.values() if s.geometry)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_opens_it(filled) -> None:
    path, _ = filled
    out = subprocess.run(["ogrinfo", "-so", str(path), "finds"], capture_output=True, text=True, check=True)
    assert "Feature Count: 299" in out.stdout and "Geometry: Point" in out.stdout
    assert "ERROR" not in out.stderr


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.gpkg"
    init_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO mineaction_schema_version (version, description, applied_at) "
            "VALUES (999, 'from the future', '2030-01-01T00:00:00.000Z')"
        )
    with pytest.raises(SchemaError, match="upgrade mineaction"):
        open_store(path)


def test_a_plain_sqlite_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "other.gpkg"
    sqlite3.connect(path).close()
    with pytest.raises(SchemaError, match="mineaction init"):
        open_store(path)


def _points(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"category": "UXO", "found_on": "2023-03-01", "depth_cm": rng.uniform(0, 20, n)},
        geometry=shapely.points(rng.uniform(46, 47, n), rng.uniform(39, 40, n)),
        crs=4326,
    )


def test_bulk_appends_keep_the_spatial_index_exact(tmp_path: Path) -> None:
    path = tmp_path / "append.gpkg"
    with init_store(path) as store:
        for n, seed in ((1000, 1), (70, 2), (400, 3), (10, 4)):  # repack, append, repack with old, triggers
            store.write("finds", _points(n, seed), author="tester", reason="simulated")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT rtreecheck('rtree_finds_geom')").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM rtree_finds_geom").fetchone()[0] == 1480
    box = (46.2, 39.2, 46.5, 39.6)
    got = pyogrio.read_dataframe(path, layer="finds", bbox=box)
    everything = pyogrio.read_dataframe(path, layer="finds")
    inside = everything[everything.intersects(shapely.box(*box))]
    assert sorted(got["id"]) == sorted(inside["id"]) and len(got) > 50


def test_failed_bulk_write_leaves_the_file_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "unchanged.gpkg"
    with init_store(path) as store:
        store.write("finds", _points(200, 1), author="tester", reason="simulated")
    before = path.read_bytes()
    with open_store(path) as store, pytest.raises(RuntimeError), store.transaction():
        store.write("finds", _points(5000, 2), author="tester", reason="simulated")
        raise RuntimeError("the import failed after writing")
    assert path.read_bytes() == before
    with open_store(path) as store:
        assert store.counts()["finds"] == 200


def test_a_file_locked_by_another_program_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    from mineaction.errors import StoreError
    from mineaction.store import GeoPackageStore

    path = tmp_path / "locked.gpkg"
    init_store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    monkeypatch.setattr(GeoPackageStore, "busy_timeout_s", 0.1)
    with open_store(path) as store, pytest.raises(StoreError, match="locked by another program"):
        store.write(
            "operators",
            pd.DataFrame({"name": ["ANAMA"], "operator_kind": ["national_agency"]}),
            author="tester",
            reason="simulated",
        )
    other.execute("ROLLBACK")
    other.close()
