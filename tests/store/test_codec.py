"""Frames to parameter columns and back: normalisation of values, clear errors, the same dtypes everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from mineaction.domain.schema import entity
from mineaction.errors import InputError
from mineaction.store.codec import decode_columns, encode_frame, format_instant, parse_cutoff


def test_values_are_read_by_the_domain_parsers() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.Series([" ANAMA", ""], dtype=object),
            "operator_kind": ["national_agency", None],
            "teams": ["12", np.nan],
            "deminers": [1200.0, 3],
            "recorded_at": ["2023-01-02T03:04:05.678912+04:00", datetime(2023, 1, 2, 3, 4, 5)],
        }
    )
    encoded = encode_frame(entity("operators"), frame)
    assert encoded.columns["name"] == ["ANAMA", None]
    assert encoded.columns["teams"] == [12, None] and encoded.columns["deminers"] == [1200, 3]
    assert encoded.columns["recorded_at"] == ["2023-01-01T23:04:05.678Z", "2023-01-02T03:04:05.000Z"]
    assert encoded.columns["dogs"] == [None, None]


def test_bools_dates_and_json() -> None:
    frame = pd.DataFrame(
        {
            "occurred_on": ["2023-04-01", date(2023, 4, 2)],
            "demining": ["Sí", "false"],
            "location_known": [True, None],
        }
    )
    encoded = encode_frame(entity("accidents"), frame)
    assert encoded.columns["demining"] == [True, False] and encoded.columns["location_known"] == [True, None]
    assert encoded.columns["occurred_on"] == ["2023-04-01", "2023-04-02"]
    areas = pd.DataFrame(
        {
            "hazard_kind": ["SHA"] * 2,
            "status": ["open"] * 2,
            "evidence": ['[{"kind": "accident"}]', [{"kind": "accident"}]],
        }
    )
    encoded = encode_frame(
        entity("hazardous_areas"),
        gpd.GeoDataFrame(areas, geometry=[Point(46, 39).buffer(0.01)] * 2, crs=4326),
    )
    assert encoded.columns["evidence"] == ['[{"kind":"accident"}]'] * 2
    assert encoded.content_keys[0] == encoded.content_keys[1]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("manufacture_year", 1984.5, "row 2: field manufacture_year value 1984.5 is not a whole number"),
        ("found_on", "yesterday", "row 2: field found_on value 'yesterday' is not an ISO date"),
        ("depth_cm", "ten", "row 2: field depth_cm value 'ten' is not a number"),
    ],
)
def test_bad_values_name_row_field_and_value(column: str, value: object, message: str) -> None:
    frame = pd.DataFrame({"category": ["AP", "AT"], "found_on": ["2022-01-01", "2022-01-02"]})
    frame[column] = pd.Series([None, value], dtype=object)
    with pytest.raises(InputError, match=message):
        encode_frame(entity("finds"), frame)


def test_decoded_dtypes() -> None:
    fields = [
        entity("finds").field(n) for n in ("model", "manufacture_year", "depth_cm", "found_on", "recorded_at")
    ]
    frame = decode_columns(
        fields,
        [
            ["PMN-2", None],
            [1985, None],
            [1.5, None],
            ["2022-01-01", None],
            ["2022-01-01T10:00:00.000Z", None],
        ],
        None,
    )
    assert [str(t) for t in frame.dtypes] == [
        "str",
        "Int64",
        "float64",
        "datetime64[us]",
        "datetime64[us, UTC]",
    ]
    assert frame["recorded_at"].iloc[0] == pd.Timestamp("2022-01-01 10:00", tz="UTC")


def test_cutoffs() -> None:
    assert parse_cutoff(date(2021, 3, 1)) == "2021-03-01T23:59:59.999Z"
    assert parse_cutoff("2021-03-01") == "2021-03-01T23:59:59.999Z"
    assert parse_cutoff(datetime(2021, 3, 1, 12, tzinfo=UTC)) == "2021-03-01T12:00:00.000Z"
    assert format_instant(datetime(2021, 3, 1, 12, 0, 0, 999_999)) == "2021-03-01T12:00:00.999Z"
    with pytest.raises(InputError, match="as_of"):
        parse_cutoff(12)


def test_the_active_geometry_counts_whatever_its_name() -> None:
    frame = gpd.GeoDataFrame(
        {"category": ["AP"], "found_on": ["2022-01-01"]}, geometry=[Point(46.5, 39.5)], crs=4326
    ).rename_geometry("geom")
    encoded = encode_frame(entity("finds"), frame)
    assert encoded.geometry is not None and encoded.geometry[0].equals(Point(46.5, 39.5))


def test_geometry_types_follow_the_kind() -> None:
    from shapely.geometry import LineString, MultiPoint

    finds = gpd.GeoDataFrame(
        {"category": ["AP", "AP"], "found_on": ["2022-01-01"] * 2},
        geometry=[Point(46.5, 39.5), MultiPoint([(46, 39), (46.1, 39)])],
        crs=4326,
    )
    with pytest.raises(
        InputError, match="finds row 1: geometry is a MultiPoint but finds take point geometries"
    ):
        encode_frame(entity("finds"), finds)
    areas = gpd.GeoDataFrame(
        {"hazard_kind": ["SHA"], "status": ["open"]}, geometry=[LineString([(46, 39), (46.1, 39)])], crs=4326
    )
    with pytest.raises(InputError, match="hazardous_areas row 0: geometry is a LineString"):
        encode_frame(entity("hazardous_areas"), areas)
    layers = gpd.GeoDataFrame(
        {"layer_kind": ["road"]}, geometry=[LineString([(46, 39), (46.1, 39)])], crs=4326
    )
    assert encode_frame(entity("context_layers"), layers).geometry is not None
