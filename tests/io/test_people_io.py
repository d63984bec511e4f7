"""Risk education and assistance to survivors through files: the example mappings, round trips through every
format, personal fields left out of exports, and the bad input a field office sends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from mineaction.errors import InputError, ValidationError
from mineaction.io.importer import import_file
from mineaction.io.writers import export_store
from mineaction.store import init_store, open_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "test import"}
PERSONAL = {"survivor_needs": "details", "survivor_services": "notes"}


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    with init_store(path, aoi=AZERBAIJAN) as store:
        import_file(
            store,
            EXAMPLES / "risk_education_illustrative.csv",
            mapping=EXAMPLES / "mappings" / "risk_education_report.yaml",
            **WHO,
        )
        import_file(
            store,
            EXAMPLES / "victim_assistance_illustrative.csv",
            mapping=EXAMPLES / "mappings" / "victim_assistance_register.yaml",
            **WHO,
        )
    return path


def test_the_example_reports_import_through_their_mappings(store_path: Path) -> None:
    with open_store(store_path) as store:
        sessions = store.read("risk_education")
        needs = store.read("survivor_needs", include_personal=True)
        services = store.read("survivor_services", include_personal=True)
    assert sessions["method"].tolist() == ["face_to_face", "face_to_face", "school", "face_to_face", "media"]
    assert sessions["form"].tolist()[-1] == "campaign" and sessions["estimated"].tolist()[-1]
    assert sessions["topics"].iloc[0] == ["recognition", "safe_behaviour", "reporting", "safe_return"]
    assert sessions.geometry.iloc[-1] is None and sessions.geometry.iloc[1] is not None
    assert needs["need"].tolist() == ["rehabilitation", "economic_inclusion", "psychological"]
    assert services["referral_status"].tolist() == ["completed", "pending"]
    assert services["provider_kind"].tolist() == ["government", "international"]
    assert needs["details"].str.startswith("illustrative").all()


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv"])
def test_export_and_import_again_adds_nothing(fmt: str, store_path: Path, tmp_path: Path) -> None:
    kinds = ["risk_education", "survivor_needs", "survivor_services"]
    out = tmp_path / ("export.gpkg" if fmt == "gpkg" else "export")
    with open_store(store_path) as store:
        written = export_store(store, out, kinds=kinds, format=fmt, include_personal=True)
        before = store.counts()
        if fmt == "gpkg":  # one layer per kind: the whole export in one import
            results = [import_file(store, out, **WHO)]
        else:
            ext = "geojson" if fmt == "geojson" else "csv"
            results = [import_file(store, out / f"{kind}.{ext}", kind=kind, **WHO) for kind in kinds]
        for result in results:
            assert result.total("inserted") == 0 and result.total("updated") == 0, result.to_dict()
            assert result.total("read") > 0
        assert store.counts() == before
    assert written == {"risk_education": 5, "survivor_needs": 3, "survivor_services": 2}


def test_exports_leave_medical_details_and_dates_of_birth_out_unless_asked(
    store_path: Path, tmp_path: Path
) -> None:
    survivor = pd.DataFrame(
        {
            "accident": ["AC-000077"],
            "age": [41],
            "sex": ["male"],
            "outcome": ["injured"],
            "name": ["illustrative name"],
            "date_of_birth": ["1982-04-02"],
        }
    )
    with open_store(store_path) as store:
        store.write("victims", survivor, **WHO)
        export_store(store, tmp_path / "public.gpkg")
        export_store(store, tmp_path / "full.gpkg", include_personal=True)
    personal = {**PERSONAL, "victims": "date_of_birth"}
    for kind, field in personal.items():
        public = pyogrio.read_dataframe(tmp_path / "public.gpkg", layer=kind)
        full = pyogrio.read_dataframe(tmp_path / "full.gpkg", layer=kind)
        assert field not in public.columns and field in full.columns
        assert full[field].notna().any()
    public_victims = pyogrio.read_dataframe(tmp_path / "public.gpkg", layer="victims")
    assert "name" not in public_victims.columns and float(public_victims["age"].iloc[0]) == 41


def _session_csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "eore.csv"
    path.write_text("delivered_on,organisation,method,girls,boys,women,men,returnees,lon,lat\n" + rows)
    return path


def test_bad_rows_are_named_with_the_fix_and_nothing_is_stored(store_path: Path, tmp_path: Path) -> None:
    path = _session_csv(
        tmp_path,
        "2024-01-10,ANAMA,face to face,5,5,10,10,20,39.60,47.15\n"  # lat, lon swapped
        "2024-01-11,ANAMA,carrier pigeon,5,5,10,10,20,47.15,39.60\n"
        "2030-01-11,ANAMA,school,5,5,10,10,0,47.15,39.60\n"
        "2024-01-12,ANAMA,school,1000000000000,5,10,10,0,47.15,39.60\n"
        "2024-01-13,ANAMA,school,5,5,1,1,50,47.15,39.60\n",
    )
    with open_store(store_path) as store, pytest.raises(ValidationError) as caught:
        import_file(store, path, kind="risk_education", **WHO)
    issues = {(i.row, i.field): i for i in caught.value.report.errors}
    assert "lon and lat" in issues[(1, "geometry")].fix or "swap" in issues[(1, "geometry")].fix.lower()
    assert "eore_method" in issues[(2, "method")].reason
    assert "after today" in issues[(3, "delivered_on")].reason
    assert "out of range" in issues[(4, "girls")].reason
    assert "more than the girls, boys, women and men" in issues[(5, "returnees")].reason
    with open_store(store_path) as store:
        assert store.counts()["risk_education"] == 5


def test_duplicates_and_empty_files(store_path: Path, tmp_path: Path) -> None:
    row = "2024-01-10,ANAMA,face to face,5,5,10,10,20,47.15,39.60\n"
    with open_store(store_path) as store:
        result = import_file(store, _session_csv(tmp_path, row + row), kind="risk_education", **WHO)
        assert result.total("inserted") == 2 and result.report.n_warnings == 1  # a repeated report
        with pytest.raises(InputError, match="no data rows under the header"):
            import_file(store, _session_csv(tmp_path, ""), kind="risk_education", **WHO)
        assert store.counts()["risk_education"] == 7


def test_services_with_unknown_victims_ids_are_refused(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "services.csv"
    frame = pd.DataFrame(
        {
            "victim": ["VI-12X"],
            "service_type": ["rehabilitation"],
            "provider": ["centre"],
            "referral_status": ["completed"],
            "provided_on": ["2024-02-01"],
        }
    )
    frame.to_csv(path, index=False)
    with open_store(store_path) as store, pytest.raises(ValidationError, match="victim"):
        import_file(store, path, kind="survivor_services", **WHO)
