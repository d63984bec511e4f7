"""Outside shares against records and against the hazards known on each event's date; the distance form."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from analysis_scenes import frame
from shapely.geometry import Point, box

from mineaction.analysis import outside_flags, outside_share, outside_share_by, share_farther_than


def _scene():
    records = frame("minefield_records", [{"id": "MR-000001"}], [box(0, 0, 100, 100)])
    hazards = frame(
        "hazardous_areas",
        [
            {"id": "HA-000001", "reported_on": date(2021, 1, 1), "released_on": None},
            {"id": "HA-000002", "reported_on": date(2022, 6, 1), "released_on": None},
            {"id": "HA-000003", "reported_on": date(2020, 1, 1), "released_on": date(2021, 6, 1)},
        ],
        [box(0, 0, 100, 100), box(500, 0, 600, 100), box(1000, 0, 1100, 100)],
    )
    accidents = frame(
        "accidents",
        [
            {"id": "AC-000001", "occurred_on": date(2021, 3, 1), "district": "Aghdam"},  # in MR and HA-1
            {"id": "AC-000002", "occurred_on": date(2022, 1, 1), "district": "Aghdam"},  # HA-2 not yet known
            {"id": "AC-000003", "occurred_on": date(2022, 7, 1), "district": "Fuzuli"},  # HA-2 known
            {"id": "AC-000004", "occurred_on": date(2022, 7, 1), "district": "Fuzuli"},  # HA-3 released
            {"id": "AC-000005", "occurred_on": date(2022, 7, 1), "location_known": False},
        ],
        [Point(50, 50), Point(550, 50), Point(550, 50), Point(1050, 50), Point(50, 50)],
    )
    return records, hazards, accidents


def test_outside_flags_use_dates_of_knowledge() -> None:
    records, hazards, accidents = _scene()
    flags = outside_flags(accidents, records, hazards, crs="EPSG:32638").set_index("id")
    assert list(flags.index) == ["AC-000001", "AC-000002", "AC-000003", "AC-000004"]
    assert flags["outside_records"].tolist() == [False, True, True, True]
    assert flags["outside_known_hazards"].tolist() == [False, True, False, True]
    assert math.isclose(outside_share(flags), 0.75)
    assert math.isclose(outside_share(flags, "outside_known_hazards"), 0.5)
    by_year = outside_share_by(flags, "year").set_index("year")
    assert by_year.loc[2021, "outside_records"] == 0.0 and by_year.loc[2022, "n_events"] == 3
    by_district = outside_share_by(flags, "district").set_index("district")
    assert by_district.loc["Fuzuli", "outside_known_hazards"] == 0.5


def test_buffer_brings_near_events_inside() -> None:
    records, hazards, _ = _scene()
    near = frame("accidents", [{"id": "AC-000009", "occurred_on": date(2023, 1, 1)}], [Point(120, 50)])
    assert outside_flags(near, records, hazards, crs="EPSG:32638")["outside_records"].iloc[0]
    assert not outside_flags(near, records, hazards, crs="EPSG:32638", buffer_m=25)["outside_records"].iloc[0]


def test_share_farther_than_counts_only_earlier_references() -> None:
    refs = frame(
        "hazardous_areas",
        [{"id": "HA-1", "reported_on": date(2010, 7, 1)}, {"id": "HA-2", "reported_on": date(2018, 7, 1)}],
        [Point(0, 0).buffer(50), Point(5000, 0).buffer(50)],
    )
    events = frame(
        "accidents",
        [
            {"id": "A1", "occurred_on": date(2016, 7, 1)},  # 900 m from HA-1: near
            {"id": "A2", "occurred_on": date(2016, 7, 1)},  # 300 m from HA-2, which is later: far
            {"id": "A3", "occurred_on": date(2019, 7, 1)},  # 300 m from HA-2, earlier: near
            {"id": "A4", "occurred_on": date(2019, 7, 1)},  # 1,100 m from HA-1: far
        ],
        [Point(900, 0), Point(5300, 0), Point(5300, 0), Point(-1100, 0)],
    )
    out = share_farther_than(events, refs, distance_m=1000, crs="EPSG:32638")
    assert out == {"n_events": 4, "n_farther": 2, "share": 0.5}


def test_history_dates_what_the_store_knew() -> None:
    import geopandas as gpd

    from mineaction.analysis import hazards_with_history

    hazards = frame(
        "hazardous_areas",
        [{"id": "HA-000001", "reported_on": date(2021, 1, 1)}],
        [box(0, 0, 100, 100)],
    )
    gone = frame(
        "hazardous_areas", [{"id": "HA-000002", "reported_on": date(2021, 1, 1)}], [box(500, 0, 600, 100)]
    )
    history = gpd.GeoDataFrame(
        pd.concat([hazards, gone, gone], ignore_index=True).assign(
            op=["insert", "insert", "delete"],
            changed_at=pd.to_datetime(
                ["2022-06-01T08:00Z", "2021-01-05T08:00Z", "2022-03-01T08:00Z"], utc=True
            ),
        ),
        geometry="geometry",
        crs=4326,
    )
    known = hazards_with_history(hazards, history).set_index("id")
    assert list(known.index) == ["HA-000001", "HA-000002"]
    assert known.loc["HA-000001", "known_from"] == pd.Timestamp("2022-06-01")
    assert known.loc["HA-000002", "removed_on"] == pd.Timestamp("2022-03-01")
    accidents = frame(
        "accidents",
        [
            {"id": "A1", "occurred_on": date(2022, 1, 1)},  # HA-1 reported but not yet in the store
            {"id": "A2", "occurred_on": date(2022, 7, 1)},  # HA-1 in the store
            {"id": "A3", "occurred_on": date(2022, 1, 1)},  # HA-2 alive then
            {"id": "A4", "occurred_on": date(2022, 4, 1)},  # HA-2 deleted by then
        ],
        [Point(50, 50), Point(50, 50), Point(550, 50), Point(550, 50)],
    )
    flags = outside_flags(accidents, None, known.reset_index(), crs="EPSG:32638")
    assert flags["outside_known_hazards"].tolist() == [True, False, False, True]
    plain = outside_flags(accidents, None, hazards, crs="EPSG:32638")
    assert plain["outside_known_hazards"].tolist() == [False, False, True, True]
