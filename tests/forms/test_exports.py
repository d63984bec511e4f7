"""ODK Central and KoboToolbox exports read into validated records, points in the right order."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from mineaction.errors import InputError
from mineaction.forms import read_export

from .filled import LAT, LON

KEY = "uuid:5d1e0c2a-3333-4c1a-9a51-6c9f4e2d0003"


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def central_accident_zip(path: Path) -> Path:
    """An ODK Central CSV zip of one accident with two victims (the repeat in its own CSV)."""
    main = {
        "SubmissionDate": "2024-04-12T08:00:00.000Z",
        "geometry-Latitude": str(LAT),
        "geometry-Longitude": str(LON),
        "geometry-Altitude": "312",
        "geometry-Accuracy": "4.5",
        "occurred_on": "2024-04-11",
        "category": "AP",
        "setting": "farmland",
        "activity_at_time": "farming",
        "demining": "no",
        "district": "Fuzuli",
        "meta-instanceID": KEY,
        "KEY": KEY,
        "SubmitterName": "field1",
        "FormVersion": "x",
    }
    victim = {"age": "", "sex": "", "outcome": "", "victim_group": "civilian", "name": "", "PARENT_KEY": KEY}
    victims = [
        {**victim, "age": "34", "sex": "male", "outcome": "injured", "KEY": f"{KEY}/victims[1]"},
        {**victim, "age": "12", "sex": "female", "outcome": "killed", "KEY": f"{KEY}/victims[2]"},
    ]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("accident_report.csv", _csv([main, {**main, "KEY": KEY}]))  # a duplicate row too
        archive.writestr("accident_report-victims.csv", _csv(victims))
    return path


def test_central_zip_gives_one_accident_with_its_victims_lon_lat(tmp_path: Path) -> None:
    batch = read_export(central_accident_zip(tmp_path / "accident_report.zip"))
    assert batch.form_id == "accident_report"
    assert len(batch.forms) == 1  # the repeated row of the same instance is read once
    read = batch.forms[0]
    assert read.instance_id == KEY
    assert read.counts == {"accidents": 1, "victims": 2}
    point = read.records["accidents"].geometry.iloc[0]
    assert (point.x, point.y) == (LON, LAT)
    assert sorted(read.records["victims"]["age"]) == [12, 34]


def test_kobo_json_csv_and_geojson(tmp_path: Path) -> None:
    entry = {
        "_xform_id_string": "eo_spot_report",
        "_uuid": "7a0e-4444",
        "geometry": f"{LAT} {LON} 300 5",
        "category": "UXO",
        "found_on": "2024-06-01",
        "meta/instanceID": "uuid:7a0e-4444",
    }
    (tmp_path / "kobo.json").write_text(json.dumps({"results": [entry]}))
    read = read_export(tmp_path / "kobo.json").forms[0]
    assert read.instance_id == "uuid:7a0e-4444"
    assert read.records["finds"].geometry.iloc[0].coords[0] == (LON, LAT)

    (tmp_path / "kobo.csv").write_text(
        "category;found_on;_geometry_latitude;geometry;_uuid\n"
        f"AT;2024-06-02;{LAT};{LAT} {LON} 0 0;7a0e-5555\n"
    )
    read = read_export(tmp_path / "kobo.csv", form_id="eo_spot_report").forms[0]
    assert read.instance_id == "uuid:7a0e-5555"
    assert read.records["finds"].geometry.iloc[0].coords[0] == (LON, LAT)

    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [LON, LAT]},
        "properties": {"category": "AP", "found_on": "2024-06-03", "_uuid": "7a0e-6666"},
    }
    (tmp_path / "kobo.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    read = read_export(tmp_path / "kobo.geojson", form_id="eo_spot_report").forms[0]
    assert read.records["finds"].geometry.iloc[0].coords[0] == (LON, LAT)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("header.csv", "category;found_on\n", "no filled forms"),
        ("bad.json", "{", "not valid JSON"),
        ("bad.zip", "not a zip", "not a zip file"),
        ("x.geojson", '{"type": "FeatureCollection", "features": []}', "give the form id"),
        ("x.txt", "a", "use an ODK Central CSV zip"),
    ],
)
def test_bad_exports_are_refused(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(InputError, match=message):
        read_export(tmp_path / name, form_id="eo_spot_report" if name.endswith(".csv") else None)


def test_swapped_coordinates_in_an_export_are_refused(tmp_path: Path) -> None:
    entry = {"_xform_id_string": "eo_spot_report", "_uuid": "1", "geometry": "147.15 39.6", "category": "AP"}
    (tmp_path / "kobo.json").write_text(json.dumps([{**entry, "found_on": "2024-06-01"}]))
    with pytest.raises(InputError, match="kobo.json row 1.*out of range"):
        read_export(tmp_path / "kobo.json")


def test_forms_import_keeps_an_export_once_and_approve_links_the_victims(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mineaction.access import add_organisation, add_user
    from mineaction.cli.main import cli
    from mineaction.store import init_store, open_store
    from mineaction.workflows import FORM_SUBMISSIONS

    store_path = tmp_path / "field.gpkg"
    with init_store(store_path) as store:
        add_organisation(store, "ANAMA", kind="authority")
        add_user(store, "clerk", role="verifier", organisation="ANAMA")
        add_user(store, "officer", role="verifier", organisation="ANAMA")
    export = central_accident_zip(tmp_path / "accident_report.zip")
    runner = CliRunner()
    args = ["forms", "import", str(store_path), str(export), "--user", "clerk"]
    first = runner.invoke(cli, [*args, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["created"] == [KEY]
    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and "0 filled forms kept for approval, 1 already kept" in again.output
    with open_store(store_path) as store:
        assert store.list_documents(FORM_SUBMISSIONS) == [KEY]
        assert len(store.read("accidents")) == 0  # nothing in the record before approval
    approved = runner.invoke(cli, ["forms", "approve", str(store_path), KEY, "--user", "officer"])
    assert approved.exit_code == 0, approved.output
    with open_store(store_path) as store:
        [accident_id] = store.read("accidents")["id"]
        victims = store.read("victims")
        point = store.read("accidents").geometry.iloc[0]
    assert list(victims["accident"]) == [accident_id, accident_id]
    assert (point.x, point.y) == (LON, LAT)
    own = runner.invoke(cli, ["forms", "approve", str(store_path), KEY, "--user", "officer"])
    assert own.exit_code != 0 and "is approved already" in str(own.exception)
