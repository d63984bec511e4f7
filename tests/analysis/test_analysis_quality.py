"""Data-quality checks name the record, the problem and the fix."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from analysis_scenes import frame
from shapely.geometry import Point, Polygon, box

from mineaction.analysis import data_quality, quality_summary
from mineaction.settings import Settings


def test_quality_finds_each_kind_of_issue() -> None:
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    long_one = Polygon([(0, 0), (9000, 0), (9000, 50), (0, 50)])
    hazards = frame(
        "hazardous_areas",
        [
            {"id": "HA-000001", "reported_on": date(2030, 1, 1)},
            {"id": "HA-000002"},
            {"id": "HA-000003"},
            {"id": "HA-000004"},
        ],
        [bowtie, box(0, 0, 10, 10), box(0, 0, 10, 10), long_one],
    )
    finds = frame(
        "finds",
        [
            {"id": "EO-000001", "found_on": date(2022, 1, 1), "activity": "AT-000001"},
            {"id": "EO-000002", "found_on": date(2022, 1, 1), "activity": None},
        ],
        [Point(0, 0), Point(5, 5)],
    )
    # one find with the longitude sign flipped (as in a real register)
    flipped = finds.geometry.iloc[1]
    finds.loc[1, "geometry"] = Point(-flipped.x, flipped.y)
    activities = frame(
        "activities",
        [
            {
                "id": "AT-000001",
                "activity_kind": "clearance",
                "started_on": date(2022, 1, 1),
                "cleared_m2": 50_000.0,
                "deminer_days": 100.0,
                "method": "manual",
            }
        ],
        [box(0, 0, 300, 300)],
    )
    issues = data_quality(
        {"hazardous_areas": hazards, "finds": finds, "activities": activities},
        settings=Settings(),
        today=date(2025, 1, 1),
    )
    checks = {(row.kind, row.id, row.check) for row in issues.itertuples()}
    assert ("hazardous_areas", "HA-000001", "invalid geometry") in checks
    assert ("hazardous_areas", "HA-000003", "duplicate geometry") in checks
    assert ("hazardous_areas", "HA-000004", "long edge") in checks
    assert ("hazardous_areas", "HA-000001", "future date in reported_on") in checks
    assert ("activities", "AT-000001", "implausible productivity") in checks
    assert ("finds", "EO-000002", "find without activity") in checks
    outside = issues.loc[issues["check"] == "outside the area of interest"]
    assert outside["id"].tolist() == ["EO-000002"]
    assert "check the sign" in outside["value"].iloc[0]
    assert issues["fix"].str.len().min() > 10
    summary = quality_summary(issues)
    assert int(summary["n_issues"].sum()) == len(issues)


def test_clean_data_has_no_issues() -> None:
    finds = frame(
        "finds", [{"id": "EO-000001", "found_on": date(2022, 1, 1), "activity": "AT-000001"}], [Point(0, 0)]
    )
    activities = frame(
        "activities",
        [{"id": "AT-000001", "activity_kind": "clearance", "started_on": date(2022, 1, 1)}],
        [box(-10, -10, 10, 10)],
    )
    issues = data_quality(
        {"finds": finds, "activities": activities, "victims": pd.DataFrame()},
        settings=Settings(),
        today=date(2025, 1, 1),
    )
    assert issues.empty


def test_planned_dates_in_the_future_are_not_issues() -> None:
    assets = frame(
        "assets",
        [
            {"id": "ST-000001", "asset_kind": "settlement", "target_on": date(2030, 6, 30)},
            {"id": "ST-000002", "asset_kind": "settlement", "target_on": date(2024, 6, 30)},
        ],
        [Point(0, 0), Point(50, 50)],
    )
    issues = data_quality({"assets": assets}, settings=Settings(), today=date(2025, 1, 1))
    assert not (issues["check"].str.startswith("future date")).any()


def test_survivors_linked_to_their_victims_and_sessions_placed_somewhere() -> None:
    victims = pd.DataFrame(
        {"id": ["VI-000001", "VI-000002"], "accident": ["AC-000001", "AC-000002"], "outcome": "injured"}
    )
    needs = pd.DataFrame(
        {
            "id": ["SN-000001", "SN-000002", "SN-000003"],
            "victim": ["VI-000001", "VI-000009", "VI-000002"],
            "accident": ["AC-000001", "AC-000001", "AC-000001"],
        }
    )
    sessions = gpd.GeoDataFrame(
        {
            "id": ["RE-000001", "RE-000002", "RE-000003", "RE-000004"],
            "form": ["session", "campaign", "session", "session"],
            "settlement": [None, None, "ST-000001", None],
            "district": [None, None, None, None],
        },
        geometry=[None, None, None, Point(47.1, 39.6)],
        crs=4326,
    )
    frames = {"victims": victims, "survivor_needs": needs, "risk_education": sessions}
    issues = data_quality(frames, settings=Settings(), today=date(2025, 1, 1))
    found = sorted(zip(issues["id"], issues["check"], strict=True))
    assert found == [
        ("RE-000001", "session placed nowhere"),
        ("SN-000002", "survivor not among the victims"),
        ("SN-000003", "accident is not the victim's"),
    ]
