"""The store contract, run on every back end: GeoPackage file, memory and PostGIS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from mineaction.domain.schema import ENTITIES
from mineaction.errors import InputError, NotFoundError
from mineaction.store import open_store

EXPECTED_FIND_DTYPES = {
    "id": "str",
    "source": "str",
    "source_ref": "str",
    "source_doc": "str",
    "recorded_at": "datetime64[us, UTC]",
    "category": "str",
    "model": "str",
    "manufacture_year": "Int64",
    "found_on": "datetime64[us]",
    "depth_cm": "float64",
    "condition": "str",
    "activity": "str",
    "hazardous_area": "str",
    "district": "str",
    "owner_org": "str",
    "geometry": "geometry",
}


def _finds(n: int = 3, *, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {
            "category": ["AP", "AT", "UXO", "AP", "IED"][:n],
            "model": ["PMN-2", "TM-62M", None, "PMN-E", None][:n],
            "manufacture_year": pd.array([1985, None, 2021, 2021, None][:n], dtype="Int64"),
            "found_on": pd.to_datetime(
                ["2022-05-01", "2022-05-02", "2023-01-10", "2022-08-20", "2024-02-02"][:n]
            ),
            "depth_cm": [5.5, 12.0, np.nan, 3.0, 1.0][:n],
            "district": ["Aghdam", "Fuzuli", "Lachin", "Lachin", "Aghdam"][:n],
            "source": "ANAMA (simulated)",
        },
        geometry=shapely.points(rng.uniform(46.5, 47.0, n), rng.uniform(39.5, 40.0, n)),
        crs="EPSG:4326",
    )


def _area(dx: float = 0.0) -> Polygon:
    return Polygon([(46.6 + dx, 39.6), (46.62 + dx, 39.6), (46.62 + dx, 39.62), (46.6 + dx, 39.62)])


def _write(store, kind, frame, **kw):
    return store.write(kind, frame, author=kw.pop("author", "tester"), reason=kw.pop("reason", "test"), **kw)


def test_counts_list_every_kind(store) -> None:
    assert store.counts() == {kind: 0 for kind in ENTITIES}


def test_insert_read_get(store) -> None:
    result = _write(store, "finds", _finds(3), source_doc="finds.csv")
    assert result.inserted == ("EO-000001", "EO-000002", "EO-000003")
    frame = store.read("finds")
    assert {c: str(t) for c, t in frame.dtypes.items()} == EXPECTED_FIND_DTYPES
    assert frame["id"].tolist() == list(result.inserted)
    assert frame["model"].tolist()[:2] == ["PMN-2", "TM-62M"] and pd.isna(frame["model"].iloc[2])
    assert frame["manufacture_year"].tolist()[0] == 1985 and pd.isna(frame["manufacture_year"].iloc[1])
    assert frame["found_on"].iloc[2] == pd.Timestamp("2023-01-10")
    assert frame["depth_cm"].iloc[0] == 5.5 and np.isnan(frame["depth_cm"].iloc[2])
    assert (frame["source_doc"] == "finds.csv").all()
    assert frame.crs.to_epsg() == 4326
    assert shapely.equals_exact(frame.geometry.to_numpy(), _finds(3).geometry.to_numpy(), 0).all()
    record = store.get("finds", "EO-000002")
    assert record["category"] == "AT" and record["manufacture_year"] is None and record["geometry"].x > 46.5
    with pytest.raises(NotFoundError, match="EO-000099"):
        store.get("finds", "EO-000099")
    assert store.counts()["finds"] == 3


def test_rewriting_the_same_frame_changes_nothing(store) -> None:
    _write(store, "finds", _finds(4))
    again = _write(store, "finds", _finds(4))
    assert again.changed == 0 and again.unchanged == 4
    assert store.counts()["finds"] == 4 and len(store.history("finds")) == 4
    # content read back and written again (now with ids) is the same content too
    assert _write(store, "finds", store.read("finds")).changed == 0
    assert len(store.history("finds")) == 4


def test_update_keeps_the_previous_version(store) -> None:
    _write(store, "finds", _finds(2))
    frame = store.read("finds")
    frame.loc[frame["id"] == "EO-000001", "model"] = "PMN-4"
    result = _write(store, "finds", frame, reason="model corrected after QA")
    assert result.updated == ("EO-000001",) and result.inserted == () and result.unchanged == 1
    assert store.get("finds", "EO-000001")["model"] == "PMN-4"
    history = store.history("finds", "EO-000001")
    assert history["op"].tolist() == ["insert", "update"]
    assert history["model"].tolist() == ["PMN-2", "PMN-4"]
    assert history["reason"].tolist() == ["test", "model corrected after QA"]
    assert history["revision"].is_monotonic_increasing


def test_delete_keeps_history_and_unknown_ids_delete_nothing(store) -> None:
    _write(store, "finds", _finds(3))
    with pytest.raises(NotFoundError, match="EO-000042"):
        store.delete("finds", ["EO-000001", "EO-000042"], author="tester", reason="duplicate")
    assert store.counts()["finds"] == 3
    assert store.delete("finds", ["EO-000001"], author="tester", reason="duplicate", source_doc="qa-17") == 1
    assert store.read("finds")["id"].tolist() == ["EO-000002", "EO-000003"]
    history = store.history("finds", "EO-000001")
    assert history["op"].tolist() == ["insert", "delete"]
    assert history["revision_source_doc"].iloc[-1] == "qa-17" and history["category"].iloc[-1] == "AP"


def test_as_of_before_and_after_each_change(store) -> None:
    frame = _finds(2)
    frame["recorded_at"] = [
        datetime(2021, 3, 1, 10, tzinfo=UTC),
        datetime(2021, 6, 1, tzinfo=UTC),
    ]
    _write(store, "finds", frame)
    change = store.read("finds")
    change["depth_cm"] = [20.0, 12.0]
    change["recorded_at"] = pd.Timestamp("2022-02-01 08:00", tz="UTC")
    assert _write(store, "finds", change).updated == ("EO-000001",)
    before_delete = datetime.now(UTC) - timedelta(milliseconds=5)
    store.delete("finds", ["EO-000002"], author="tester", reason="not a find")
    assert store.read("finds", as_of=date(2021, 2, 28)).empty
    assert store.read("finds", as_of=date(2021, 3, 1))["id"].tolist() == ["EO-000001"]  # end of that day
    assert store.read("finds", as_of=datetime(2021, 3, 1, 9, tzinfo=UTC)).empty
    assert store.read("finds", as_of=date(2022, 1, 31))["depth_cm"].tolist() == [5.5, 12.0]
    assert store.read("finds", as_of=date(2022, 2, 1))["depth_cm"].tolist() == [20.0, 12.0]
    assert store.read("finds", as_of=before_delete)["id"].tolist() == ["EO-000001", "EO-000002"]
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert store.read("finds", as_of=later)["id"].tolist() == ["EO-000001"]
    assert store.get("finds", "EO-000002", as_of=date(2021, 12, 31))["depth_cm"] == 12.0
    with pytest.raises(NotFoundError):
        store.get("finds", "EO-000002", as_of=later)


def test_failing_transaction_leaves_nothing(store) -> None:
    _write(store, "finds", _finds(1))
    path = getattr(store, "path", None)
    before = Path(path).read_bytes() if path and path != ":memory:" else None
    with pytest.raises(RuntimeError, match="stop"), store.transaction():
        _write(store, "finds", _finds(4, seed=3))
        store.set_setting("aoi", [1, 2, 3, 4])
        store.delete("finds", ["EO-000001"], author="tester", reason="x")
        raise RuntimeError("stop")
    assert store.counts()["finds"] == 1 and len(store.history("finds")) == 1
    assert store.get_setting("aoi") is None
    if before is not None:
        assert Path(path).read_bytes() == before
    assert _write(store, "finds", _finds(4, seed=3)).inserted[0] == "EO-000002"  # counter rolled back too


def test_invalid_frame_is_refused_whole(store) -> None:
    frame = _finds(3)
    frame["depth_cm"] = pd.Series([1.0, 2.0, "deep"], dtype=object)
    with pytest.raises(InputError, match="finds row 3, depth_cm = 'deep': not a finite number"):
        _write(store, "finds", frame)
    bad_ids = _finds(2)
    bad_ids["id"] = ["EO-000007", "EO-000007"]
    with pytest.raises(InputError, match="EO-000007"):
        _write(store, "finds", bad_ids)
    assert store.counts()["finds"] == 0


def test_unknown_columns_and_text_geometries_are_refused(store) -> None:
    with pytest.raises(InputError, match=r"unknown columns \['colour'\]"):
        _write(store, "operators", pd.DataFrame({"name": ["x"], "colour": ["red"]}))
    frame = pd.DataFrame({"category": ["AP"], "found_on": ["2022-01-01"], "geometry": ["POINT (46 39)"]})
    with pytest.raises(InputError, match="not geometries"):
        _write(store, "finds", frame)
    assert store.counts()["operators"] == store.counts()["finds"] == 0


def test_explicit_ids_are_kept_and_move_the_counter(store) -> None:
    frame = _finds(2)
    frame["id"] = ["EO-000010", None]
    assert _write(store, "finds", frame).inserted == ("EO-000010", "EO-000011")
    assert _write(store, "finds", _finds(3, seed=9)).inserted[0] == "EO-000012"


def test_personal_fields_are_hidden_by_default(store) -> None:
    _write(
        store,
        "accidents",
        gpd.GeoDataFrame({"occurred_on": ["2023-04-01"]}, geometry=[Point(46.7, 39.7)], crs=4326),
    )
    victims = pd.DataFrame(
        {
            "accident": ["AC-000001"] * 2,
            "age": [12, 40],
            "outcome": ["injured", "killed"],
            "sex": ["male", "female"],
            "name": ["A. B.", "C. D."],
            "contact": ["+994 1", None],
        }
    )
    _write(store, "victims", victims)
    hidden = store.read("victims")
    assert hidden["name"].isna().all() and hidden["contact"].isna().all()
    assert hidden["age"].tolist() == [12, 40]
    shown = store.read("victims", include_personal=True)
    assert shown["name"].tolist() == ["A. B.", "C. D."]
    assert store.get("victims", "VI-000001")["name"] is None
    assert store.history("victims")["name"].isna().all()


def test_documents_are_versioned(store) -> None:
    store.save_document(
        "plans", "2025-base", {"budget_usd": 1e6, "areas": ["HA-000001"]}, author="a", reason="v1"
    )
    store.save_document("plans", "2025-base", {"budget_usd": 2e6}, author="a", reason="v2")
    store.save_document("plans", "2026", {"budget_usd": 3}, author="a", reason="new")
    assert store.load_document("plans", "2025-base") == {"budget_usd": 2e6}
    assert store.document_versions("plans", "2025-base") == 2
    assert store.list_documents("plans") == ["2025-base", "2026"]
    assert store.list_documents("models") == []
    with pytest.raises(NotFoundError, match="list_documents"):
        store.load_document("plans", "nope")


def test_settings_round_trip(store) -> None:
    assert store.get_setting("aoi", [0]) == [0]
    store.set_setting("aoi", [44.5, 38.3, 50.9, 41.95])
    store.set_setting("aoi", [46.0, 39.0, 47.5, 40.5])
    store.set_setting("labels", {"a": 1, "b": None})
    assert store.get_setting("aoi") == [46.0, 39.0, 47.5, 40.5]
    assert store.get_setting("labels") == {"a": 1, "b": None}


def test_geometry_round_trip(store) -> None:
    holey = Polygon(
        [(46, 39), (46.1, 39), (46.1, 39.1), (46, 39.1)], [[(46.02, 39.02), (46.05, 39.02), (46.05, 39.05)]]
    )
    areas = gpd.GeoDataFrame(
        {
            "hazard_kind": ["SHA", "CHA"],
            "status": ["open", "open"],
            "evidence": [[{"kind": "accident", "direct": True}], None],
        },
        geometry=[holey, MultiPolygon([_area(), _area(0.05)])],
        crs=4326,
    )
    _write(store, "hazardous_areas", areas)
    lines = gpd.GeoDataFrame(
        {"layer_kind": ["front_line", "area_of_interest"]},
        geometry=[LineString([(46.0, 40.2), (46.6, 40.25), (47.0, 39.5)]), None],
        crs=4326,
    )
    _write(store, "context_layers", lines)
    accidents = gpd.GeoDataFrame(
        {"occurred_on": ["2023-04-01", "2023-05-01"], "location_known": [True, False]},
        geometry=[Point(46.7, 39.7), Point()],
        crs=4326,
    )
    _write(store, "accidents", accidents)
    back = store.read("hazardous_areas")
    assert shapely.equals_exact(back.geometry.to_numpy(), areas.geometry.to_numpy(), 0).all()
    assert back.geometry.iloc[1].geom_type == "MultiPolygon"
    assert (
        back["evidence"].iloc[0] == [{"direct": True, "kind": "accident"}]
        and back["evidence"].iloc[1] is None
    )
    layers = store.read("context_layers")
    assert layers.geometry.iloc[0].equals_exact(lines.geometry.iloc[0], 0) and layers.geometry.iloc[1] is None
    acc = store.read("accidents")
    assert acc.geometry.iloc[1] is None and acc["location_known"].tolist() == [True, False]
    with pytest.raises(InputError, match="no geometry; a explosive ordnance find needs a point"):
        _write(
            store,
            "finds",
            gpd.GeoDataFrame({"category": ["AP"], "found_on": ["2022-01-01"]}, geometry=[None], crs=4326),
        )


def test_reprojects_frames_given_in_a_metric_crs(store) -> None:
    utm = _finds(2).to_crs(32638)
    _write(store, "finds", utm)
    back = store.read("finds")
    assert np.allclose(shapely.get_coordinates(back.geometry), shapely.get_coordinates(_finds(2).geometry))


def test_same_frames_from_every_back_end(store, tmp_path: Path) -> None:
    reference = open_store("memory://")
    for target in (store, reference):
        _write(target, "finds", _finds(5))
        _write(
            target,
            "operators",
            pd.DataFrame({"name": ["ANAMA"], "operator_kind": ["national_agency"], "teams": [120]}),
        )
    for kind in ("finds", "operators"):
        ours, theirs = store.read(kind), reference.read(kind)
        pd.testing.assert_frame_equal(ours.drop(columns="recorded_at"), theirs.drop(columns="recorded_at"))
    reference.close()


def test_open_missing_geopackage_says_how_to_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.gpkg"
    with pytest.raises(NotFoundError, match=r"mineaction init .*nothing\.gpkg"):
        open_store(missing)
    assert not missing.exists()


def test_large_writes_go_in_chunks_and_stay_one_write(store, monkeypatch: pytest.MonkeyPatch) -> None:
    import mineaction.store.sql as sql

    monkeypatch.setattr(sql, "CHUNK_ROWS", 50)
    monkeypatch.setattr(sql, "_LOOKUP_ROWS", 100)
    frame = pd.concat([_finds(5, seed=s) for s in range(46)], ignore_index=True)  # 230 rows
    frame = pd.concat([frame, frame.iloc[[3, 120]]], ignore_index=True)  # two repeated reports, later chunks
    frame["depth_cm"] = frame["depth_cm"].astype(object)
    bad = frame.copy()
    bad.loc[170, "depth_cm"] = "deep"
    with pytest.raises(InputError, match="finds row 171, depth_cm = 'deep'"):
        _write(store, "finds", bad)
    assert store.counts()["finds"] == 0
    result = _write(store, "finds", frame)
    assert len(result.inserted) == 232 and result.unchanged == 0  # a repeated report is a record too
    assert result.inserted[-1] == "EO-000232" and store.counts()["finds"] == 232
    assert _write(store, "finds", frame).unchanged == 232
    assert len(store.history("finds")) == 232


def test_empty_kinds_read_as_empty_frames_with_their_columns(store) -> None:
    for kind, schema in ENTITIES.items():
        frame = store.read(kind)
        assert frame.empty and list(frame.columns) == [
            *schema.field_names,
            *(["geometry"] if schema.geometry else []),
        ]
        assert store.read(kind, as_of=date(2024, 1, 1)).empty and store.history(kind).empty
    assert str(store.read("funding")["amount_usd"].dtype) == "float64"


def test_identical_rows_of_one_frame_are_distinct_records_and_rewriting_adds_nothing(store) -> None:
    twice = pd.concat([_finds(2), _finds(1)], ignore_index=True)  # rows 0 and 2 identical
    first = store.write("finds", twice, author="tester", reason="register with a repeated report")
    assert len(first.inserted) == 3
    again = store.write("finds", twice, author="tester", reason="same file again")
    assert again.inserted == () and again.unchanged == 3
    thrice = pd.concat([twice, _finds(1)], ignore_index=True)
    assert len(store.write("finds", thrice, author="tester", reason="one more repeat").inserted) == 1
    assert store.counts()["finds"] == 4
