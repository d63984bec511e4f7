"""The store's catalog: its tables (not the container's), the kind of value each column holds on each back
end, which tables hold data, and the id sequences."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mineaction.domain.schema import ENTITIES
from mineaction.errors import SchemaError
from mineaction.store import open_store
from mineaction.store.catalog import (
    describe_tables,
    list_tables,
    present_tables,
    sequence_positions,
    set_sequence_position,
    store_tables,
    tables_with_rows,
)


def _finds(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"category": ["AP"] * n, "found_on": ["2023-04-05"] * n, "depth_cm": [float(i) for i in range(n)]},
        geometry=[Point(46.5 + i / 1000, 39.6) for i in range(n)],
        crs=4326,
    )


def test_the_schema_s_tables_are_every_kind_with_its_history_and_no_container_table() -> None:
    tables = set(store_tables())
    assert {k for k in ENTITIES} | {f"{k}_history" for k in ENTITIES} <= tables
    assert {"mineaction_schema_version", "mineaction_settings", "mineaction_documents"} <= tables
    assert not [t for t in tables if t.startswith(("gpkg_", "rtree_", "sqlite_")) or t == "spatial_ref_sys"]


def test_column_kinds_on_each_back_end(store: object) -> None:
    finds, history = describe_tables(store, ["finds", "finds_history"])  # type: ignore[arg-type]
    kinds = {c.name: c.kind for c in finds.columns}
    assert kinds["fid"] == "int" and kinds["found_on"] == "date" and kinds["recorded_at"] == "instant"
    assert kinds["depth_cm"] == "float" and kinds["category"] == "text" and kinds["geom"] == "geometry"
    assert finds.column("geom").srid == 4326 and finds.key == ("fid",) and finds.serial == "fid"
    # a GeoPackage keeps history geometries as blobs, PostGIS as geometries: the copy pairs them
    assert history.column("geom").kind in ("blob", "geometry") and history.key == ("revision",)
    assert set(present_tables(store)) == set(store_tables())  # type: ignore[arg-type]
    assert set(list_tables(store)) >= set(store_tables())  # type: ignore[arg-type]


def test_a_column_of_a_type_that_cannot_travel_is_named() -> None:
    with open_store("memory://") as store:
        store.execute("CREATE TABLE odd (fid INTEGER PRIMARY KEY, shape_code FANCYTYPE)")  # type: ignore[attr-defined]
        with pytest.raises(SchemaError, match="table odd column shape_code has type 'FANCYTYPE'"):
            describe_tables(store, ["odd"])  # type: ignore[arg-type]
        with pytest.raises(SchemaError, match="has no table nowhere"):
            describe_tables(store, ["nowhere"])  # type: ignore[arg-type]


def test_a_new_store_holds_no_data_until_a_record_is_written(store: object) -> None:
    store.set_setting("aoi", [44.5, 38.3, 50.9, 41.95])  # type: ignore[attr-defined]
    assert tables_with_rows(store) == []  # type: ignore[arg-type]
    store.write("finds", _finds(2), author="a", reason="r")  # type: ignore[attr-defined]
    assert {"finds", "finds_history"} <= set(tables_with_rows(store))  # type: ignore[arg-type]


def test_sequences_are_read_and_moved_past_every_id(store: object) -> None:
    written = store.write("finds", _finds(4), author="a", reason="r")  # type: ignore[attr-defined]
    store.delete("finds", list(written.inserted[-2:]), author="a", reason="r")  # type: ignore[attr-defined]
    finds, history = describe_tables(store, ["finds", "finds_history"])  # type: ignore[arg-type]
    positions = sequence_positions(store, [finds, history])  # type: ignore[arg-type]
    assert positions == {"finds": 4, "finds_history": 6}  # the deleted fids 3 and 4 were given out
    assert set_sequence_position(store, finds, 10) == 10  # type: ignore[arg-type]
    assert set_sequence_position(store, finds, 0) == 2  # never below an id in the table  # type: ignore[arg-type]
    assert set_sequence_position(store, finds, 10) == 10  # type: ignore[arg-type]
    store.write("finds", _finds(5).tail(1), author="a", reason="r")  # type: ignore[attr-defined]
    assert store.query("SELECT MAX(fid) FROM finds")[0][0] == 11  # type: ignore[attr-defined]
