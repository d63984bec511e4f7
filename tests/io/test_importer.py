"""Importing files into a GeoPackage store: all or nothing, rejects, idempotence, round trips, real data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from mineaction.errors import InputError, ValidationError
from mineaction.io.importer import import_file
from mineaction.io.writers import export_store
from mineaction.store import init_store, open_store

ROOT = Path(__file__).resolve().parents[2]
COLOMBIA = ROOT / ".." / "shared" / "data" / "colombia" / "events_1990_2019.csv"
COLOMBIA_AOI = (-79.1, -4.3, -66.8, 13.5)
AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "test import"}  # today: the real date (the store dates what it writes)

GOOD_CSV = """id,category,model,found_on,depth_cm,district,lon,lat
,AP,PMN-2,2022-05-01,5,Aghdam,46.93,39.99
,AT,TM-62M,2022-05-02,10,Fuzuli,47.15,39.60
,UXO,,2022-05-03,,Lachin,46.55,39.64
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    init_store(path, aoi=AZERBAIJAN).close()
    return path


def write_csv(tmp_path: Path, text: str, name: str = "finds.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_then_again_adds_nothing(tmp_path: Path, store_path: Path) -> None:
    source = write_csv(tmp_path, GOOD_CSV)
    with open_store(store_path) as store:
        first = import_file(store, source, kind="finds", **WHO)
        second = import_file(store, source, kind="finds", **WHO)
        stored = store.read("finds")
    assert (first.counts["finds"].read, first.counts["finds"].inserted) == (3, 3)
    assert (second.counts["finds"].inserted, second.counts["finds"].unchanged) == (0, 3)
    assert sorted(stored["category"]) == ["AP", "AT", "UXO"]
    assert set(stored["source_doc"]) == {"finds.csv"}
    assert pyogrio.read_info(store_path, layer="finds")["features"] == 3


BAD_ROWS = {
    "NaN coordinate": (",AP,PMN-2,2022-05-01,5,Aghdam,nan,39.99\n", "geometry", "NaN"),
    "out of range": (",AP,PMN-2,2022-05-01,5,Aghdam,246.93,39.99\n", "geometry", "-180 to 180"),
    "outside the area": (
        ",AP,PMN-2,2022-05-01,5,Aghdam,36.93,39.99\n",
        "geometry",
        "outside the area of interest",
    ),
    "swapped": (",AP,PMN-2,2022-05-01,5,Aghdam,39.99,46.93\n", "geometry", "swap"),
    "metric without CRS": (
        ",AP,PMN-2,2022-05-01,5,Aghdam,580000,4427000\n",
        "geometry",
        "declare the file's CRS",
    ),
    "duplicated id": (
        "EO-000007,AP,PMN-2,2022-05-01,5,Aghdam,46.9,39.9\n"
        "EO-000007,AP,PMN-2,2022-05-01,5,Aghdam,46.8,39.9\n",
        "id",
        "already used on row 4",
    ),
    "huge value": (",AP,PMN-2,2022-05-01,1e300,Aghdam,46.93,39.99\n", "depth_cm", "out of range"),
    "unknown term": (",landmine,PMN-2,2022-05-01,5,Aghdam,46.93,39.99\n", "category", "use one of: AP"),
    "future date": (",AP,PMN-2,2099-05-01,5,Aghdam,46.93,39.99\n", "found_on", "after today"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_malformed_row_refuses_the_file_and_leaves_the_store_unchanged(
    tmp_path: Path, store_path: Path, case: str
) -> None:
    extra, field, fix_or_reason = BAD_ROWS[case]
    source = write_csv(tmp_path, GOOD_CSV + extra)
    with open_store(store_path) as store:
        import_file(store, write_csv(tmp_path, GOOD_CSV, "first.csv"), kind="finds", **WHO)
    before = digest(store_path)
    with open_store(store_path) as store, pytest.raises(ValidationError) as caught:
        import_file(store, source, kind="finds", **WHO)
    assert digest(store_path) == before
    message = str(caught.value)
    wanted_row = 5 if case == "duplicated id" else 4
    assert f"finds.csv row {wanted_row}, {field}" in message and fix_or_reason in message
    assert "nothing stored" in message and caught.value.report.n_errors == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.geojson", '{"type": "FeatureCollection", "features": [{'),
        ("empty.csv", ""),
        ("nolonlat.csv", "id,category\n,AP\n"),
    ],
)
def test_broken_file_is_one_input_error_and_store_unchanged(
    tmp_path: Path, store_path: Path, name: str, content: str
) -> None:
    before = digest(store_path)
    with open_store(store_path) as store, pytest.raises(InputError, match=name.replace(".", r"\.")):
        import_file(store, write_csv(tmp_path, content, name), kind="finds", **WHO)
    assert digest(store_path) == before


def test_skip_invalid_lands_valid_rows_and_writes_rejects(tmp_path: Path, store_path: Path) -> None:
    source = write_csv(tmp_path, GOOD_CSV + BAD_ROWS["swapped"][0] + BAD_ROWS["unknown term"][0])
    rejects = tmp_path / "rejects.csv"
    with open_store(store_path) as store:
        result = import_file(store, source, kind="finds", skip_invalid=True, rejects_path=rejects, **WHO)
        assert store.counts()["finds"] == 3
    assert (result.counts["finds"].inserted, result.counts["finds"].rejected) == (3, 2)
    table = pd.read_csv(rejects)
    assert table["row"].tolist() == [4, 5] and table["field"].tolist() == ["geometry", "category"]
    assert table["category"].tolist() == ["AP", "landmine"] and {"lon", "lat", "reason", "fix"} <= set(table)


def test_declared_crs_is_honoured(tmp_path: Path, store_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"category": ["AP"], "found_on": ["2022-05-01"]},
        geometry=[shapely.Point(46.93, 39.99)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32638")
    utm = tmp_path / "utm.csv"
    frame.assign(lon=frame.geometry.x, lat=frame.geometry.y).drop(columns="geometry").to_csv(utm, index=False)
    with open_store(store_path) as store:
        import_file(store, utm, kind="finds", crs="EPSG:32638", **WHO)
        point = store.read("finds").geometry.iloc[0]
    assert abs(point.x - 46.93) < 1e-7 and abs(point.y - 39.99) < 1e-7


def test_export_then_import_gives_the_same_records(tmp_path: Path, store_path: Path) -> None:
    with open_store(store_path) as store:
        import_file(store, write_csv(tmp_path, GOOD_CSV), kind="finds", **WHO)
        import_file(
            store, ROOT / "examples" / "hazardous_areas_illustrative.geojson", kind="hazardous_areas", **WHO
        )
        original = {
            k: store.read(k).sort_values("id", ignore_index=True) for k in ("finds", "hazardous_areas")
        }
        export_store(store, tmp_path / "export.gpkg")
        export_store(store, tmp_path / "csv", format="csv")
    for exported in (tmp_path / "export.gpkg", tmp_path / "csv"):
        copy = tmp_path / f"copy_{exported.stem}.gpkg"
        init_store(copy, aoi=AZERBAIJAN).close()
        with open_store(copy) as store:
            sources = [exported] if exported.suffix else sorted(exported.glob("*.csv"))
            for source in sources:
                kind = None if source.suffix == ".gpkg" else source.stem
                import_file(store, source, kind=kind, **WHO)
            again = import_file(store, sources[0], kind=None if len(sources) == 1 else sources[0].stem, **WHO)
            assert again.total("inserted") == 0 and again.total("updated") == 0
            for kind, before in original.items():
                after = store.read(kind).sort_values("id", ignore_index=True)
                pd.testing.assert_frame_equal(
                    pd.DataFrame(before.drop(columns="geometry")),
                    pd.DataFrame(after.drop(columns="geometry")),
                )
                assert before.geometry.geom_equals_exact(after.geometry, 1e-12).all()


def test_store_layers_open_with_gdal(tmp_path: Path, store_path: Path) -> None:
    with open_store(store_path) as store:
        import_file(store, ROOT / "examples" / "finds_illustrative.csv", kind="finds", **WHO)
        import_file(store, ROOT / "examples" / "accidents_illustrative.csv", kind="accidents", **WHO)
    layers = dict(pyogrio.list_layers(store_path))
    assert {"finds", "accidents", "hazardous_areas"} <= set(layers)
    assert pyogrio.read_info(store_path, layer="finds")["features"] == 24
    assert pyogrio.read_info(store_path, layer="accidents")["features"] == 10
    finds = pyogrio.read_dataframe(store_path, layer="finds")
    assert finds.crs.to_epsg() == 4326 and finds["district"].notna().all()


@pytest.mark.slow
def test_colombia_register_imports_with_the_shipped_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not COLOMBIA.exists():
        pytest.skip(f"the Colombian events file is not at {COLOMBIA} (shared data folder absent)")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "colombia.gpkg"
    init_store(path, aoi=COLOMBIA_AOI).close()
    mapping = ROOT / "examples" / "mappings" / "colombia_events.yaml"
    before = digest(path)
    with open_store(path) as store:
        with pytest.raises(
            ValidationError,
            match=r"row 5779, geometry = 'POINT \(74.234167 4.197778\)'.*"
            r"outside the area of interest.*sign",
        ):
            import_file(store, COLOMBIA, mapping=mapping, **WHO)
        assert digest(path) == before
        result = import_file(store, COLOMBIA, mapping=mapping, skip_invalid=True, **WHO)
        counts = store.counts()
    read = {k: c.read for k, c in result.counts.items()}
    assert read == {"accidents": 6667 + 242, "finds": 24136 + 3494 + 44, "hazardous_areas": 1908}
    assert (
        result.counts["finds"].rejected == 1 and result.total("rejected") == 1 and result.unrouted == 8 + 28
    )
    # a register's repeated reports (same year, category, municipality and point) are records of their own
    assert {k: counts[k] for k in read} == {"accidents": 6909, "finds": 27673, "hazardous_areas": 1908}
    rejects = pd.read_csv(result.rejects_path)
    assert rejects["row"].tolist() == [5779] and rejects["lon"].iloc[0] == pytest.approx(74.23416667)
    assert pyogrio.read_info(path, layer="finds")["features"] == 27673


def test_wrong_crs_declared_is_reported_not_stored(tmp_path: Path, store_path: Path) -> None:
    source = write_csv(tmp_path, GOOD_CSV)  # degrees, declared as UTM metres: lands near the equator
    before = digest(store_path)
    with open_store(store_path) as store, pytest.raises(ValidationError) as caught:
        import_file(store, source, kind="finds", crs="EPSG:32638", **WHO)
    assert digest(store_path) == before
    report = caught.value.report
    assert report.n_errors == 3 and {i.field for i in report.errors} == {"geometry"}
    assert "outside the area of interest" in report.errors[0].reason
    assert "declared CRS" in report.errors[0].fix


def test_repeated_rows_are_warned_about_and_kept_as_records(tmp_path: Path, store_path: Path) -> None:
    rows = GOOD_CSV + ",AP,PMN-2,2022-05-01,5,Aghdam,46.93,39.99\n" * 2  # row 1 again, twice
    path = write_csv(tmp_path, rows)
    with open_store(store_path) as store:
        result = import_file(store, path, kind="finds", **WHO)
        assert store.counts()["finds"] == 5
        again = import_file(store, path, kind="finds", **WHO)
        assert store.counts()["finds"] == 5
    assert (result.counts["finds"].inserted, result.counts["finds"].unchanged) == (5, 0)
    assert (again.counts["finds"].inserted, again.counts["finds"].unchanged) == (0, 5)
    assert result.ids["finds"] == tuple(f"EO-{n:06d}" for n in range(1, 6))
    assert [w.row for w in result.report.warnings] == [4, 5]


OPERATOR_CSV = """id,source,category,model,found_on,condition,lon,lat
OP-ABC-17,Operator ABC,AP,PMN-2,2022-05-01,armed,46.93,39.99
OP-ABC-18,Operator ABC,AT,TM-62M,2022-05-02,armed,47.15,39.60
OP-ABC-19,Operator ABC,UXO,,2022-05-03,unknown,46.55,39.64
"""


def test_operator_ids_are_kept_and_a_later_report_updates_its_record(store, tmp_path: Path) -> None:
    store.set_setting("aoi", list(AZERBAIJAN))
    source = write_csv(tmp_path, OPERATOR_CSV, "operator_finds.csv")
    first = import_file(store, source, kind="finds", **WHO)
    assert first.counts["finds"].inserted == 3
    stored = store.read("finds")
    assert stored["id"].tolist() == ["EO-000001", "EO-000002", "EO-000003"]  # our readable ids stay ours
    assert stored["source_ref"].tolist() == ["OP-ABC-17", "OP-ABC-18", "OP-ABC-19"]
    before_change = store.history("finds")["changed_at"].max()
    write_csv(tmp_path, OPERATOR_CSV.replace("2022-05-02,armed", "2022-05-02,damaged"), source.name)
    second = import_file(store, source, kind="finds", **WHO)
    assert (second.counts["finds"].updated, second.counts["finds"].unchanged) == (1, 2)
    history = store.history("finds", "EO-000002")
    assert history["op"].tolist() == ["insert", "update"]
    assert history["condition"].tolist() == ["armed", "damaged"]
    assert store.read("finds", as_of=before_change)["condition"].tolist()[1] == "armed"
    assert store.read("finds")["condition"].tolist()[1] == "damaged"
    third = import_file(store, source, kind="finds", **WHO)
    assert third.total("inserted") == third.total("updated") == 0 and store.counts()["finds"] == 3
