"""OpenRosa instance XML read into validated records: order of coordinates, repeats, and every refusal."""

from __future__ import annotations

import pytest

from mineaction.errors import InputError
from mineaction.forms import form_versions, parse_geopoint, parse_geoshape, read_submission

from .filled import LAT, LON, accident, spot_report


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    return form_versions()


def test_a_spot_report_becomes_one_find_with_lon_lat_in_order(versions: dict[str, str]) -> None:
    read = read_submission(spot_report(), versions, attachments=("pmn2.jpg",))
    assert read.form_id == "eo_spot_report"
    assert read.instance_id == "uuid:0b7c1d2e-1111-4c1a-9a51-6c9f4e2d0001"
    finds = read.records["finds"]
    assert len(finds) == 1
    point = finds.geometry.iloc[0]
    assert (point.x, point.y) == (LON, LAT)  # ODK wrote lat first; the record holds lon, lat
    assert finds.crs.to_epsg() == 4326
    row = finds.iloc[0]
    assert (row["category"], row["model"], row["manufacture_year"], row["source_doc"]) == (
        "AP",
        "PMN-2",
        1988,
        read.instance_id,
    )
    assert read.attachments == ("pmn2.jpg",)


def test_an_accident_holds_its_victims_with_personal_fields(versions: dict[str, str]) -> None:
    read = read_submission(accident(), versions)
    assert read.counts == {"accidents": 1, "victims": 2}
    victims = read.records["victims"]
    assert list(victims["outcome"]) == ["injured", "killed"]
    assert victims["name"].iloc[0] == "Test Person"
    assert victims["accident"].isna().all()  # linked when the report is approved and the accident has its id
    assert read.records["accidents"].geometry.iloc[0].x == LON


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not XML", "not well-formed XML"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><data id="eo_spot_report"/>', "document type or entities"),
        (spot_report(version="0000"), "version '0000' is not the version served"),
        (
            spot_report().replace(b'id="eo_spot_report"', b'id="other_form"'),
            "form id 'other_form' is not served",
        ),
        (spot_report(geometry="147.2 39.6 0 5"), "latitude 147.2 / longitude 39.6 is out of range"),
        (spot_report(geometry="39.6"), "is not a point"),
        (spot_report(found_on=""), "found_on"),
        (spot_report(category="mortar"), "category"),
        (spot_report(manufacture_year="1850"), "manufacture_year"),
        (spot_report(photo="other.jpg"), "the photo 'other.jpg' is named but was not sent"),
        (spot_report(instance_id=""), "no instance id"),
    ],
)
def test_malformed_submissions_are_refused_with_the_reason(
    versions: dict[str, str], data: bytes, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_submission(data, versions, attachments=("pmn2.jpg",))


def test_geoshape_is_read_lat_first_and_closed() -> None:
    shape = parse_geoshape("39.60 47.15 0 0;39.61 47.15 0 0;39.61 47.16 0 0")
    assert shape.exterior.coords[0] == (47.15, 39.60) == shape.exterior.coords[-1]
    assert parse_geopoint("39.6 47.15").coords[0] == (47.15, 39.6)
    with pytest.raises(InputError, match="at least three distinct points"):
        parse_geoshape("39.60 47.15 0 0;39.61 47.15 0 0")
