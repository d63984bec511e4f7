"""Risk education indicators on small scenes built to the definitions: placing records at settlements, reach
by district, families reached before their return (lead window, tranches, late sessions), victims' homes.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mineaction.analysis.eore import (
    coverage_by,
    coverage_share,
    eore_table,
    reach_by,
    return_coverage,
    return_events,
    victims_reached,
)

# two villages 5 km apart near Fuzuli (degrees; about 0.0585 degrees of longitude is 5 km here)
A, B = (47.150, 39.600), (47.2085, 39.600)


def _assets() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["ST-000001", "ST-000002", "ST-000003"],
            "asset_kind": ["settlement", "settlement", "school"],
            "name": ["Village A", "Village B", "School of A"],
            "district": ["Fuzuli", "Fuzuli", "Fuzuli"],
            "families_planned": [100, 40, None],
            "target_on": ["2024-06-01", "2025-09-01", None],
        },
        geometry=[shapely.Point(A), shapely.Point(B), shapely.Point(A[0] + 0.002, A[1])],
        crs="EPSG:4326",
    )


def _sessions(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    geometry = [shapely.Point(p) if p is not None else None for p in frame.pop("point")]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _session(day: str, *, settlement: str | None = "ST-000001", point=A, families: int = 0, **kw) -> dict:
    return {
        "id": kw.pop("id", None),
        "delivered_on": day,
        "settlement": settlement,
        "method": kw.pop("method", "face_to_face"),
        "girls": 5,
        "boys": 5,
        "women": 10,
        "men": 10,
        "returnees": 30 if families else 0,
        "families_reached": families,
        "point": point,
        **kw,
    }


def test_records_are_placed_by_id_or_by_the_nearest_settlement_in_reach() -> None:
    near_b = (B[0] + 0.005, B[1])  # about 430 m east of B
    far = (B[0] + 0.05, B[1])  # about 4.3 km east of B: beyond the 2 km radius
    table = eore_table(
        _sessions(
            [
                _session("2024-01-10"),
                _session("2024-01-11", settlement=None, point=near_b),
                _session("2024-01-12", settlement=None, point=far),
                _session("2024-01-13", settlement=None, point=None, method="media", district="Aghdam"),
            ]
        ),
        _assets(),
    )
    assert table["settlement"].fillna("-").tolist() == ["ST-000001", "ST-000002", "-", "-"]
    assert table["placed_by"].fillna("-").tolist() == ["id", "point", "-", "-"]
    assert list(table["district"]) == ["Fuzuli", "Fuzuli", "unknown", "Aghdam"]
    assert list(table["people"]) == [30, 30, 30, 30]
    wide = eore_table(
        _sessions([_session("2024-01-12", settlement=None, point=far)]), _assets(), radius_m=5000
    )
    assert wide["settlement"].iloc[0] == "ST-000002"


def test_reach_by_district_separates_counted_from_estimated_people() -> None:
    frame = _sessions(
        [
            _session("2023-03-01"),
            _session("2024-03-01", form="campaign", estimated=True, method="media", district="Fuzuli"),
            _session("2024-04-01", method="school"),
        ]
    )
    reach = reach_by(eore_table(frame, _assets()), ("district", "year")).set_index("year")
    assert reach.loc[2024, ["sessions", "campaigns", "people", "people_estimated", "children"]].tolist() == [
        1,
        1,
        60,
        30,
        20,
    ]
    assert reach.loc[2023, "sessions"] == 1 and reach["girls"].sum() == 15


def test_families_count_only_when_reached_before_their_return_within_the_lead_time() -> None:
    frame = _sessions(
        [
            _session("2023-01-15", families=30),  # more than a year before 2024-06-01: too early
            _session("2024-03-01", families=25),
            _session("2024-06-01", families=20),  # on the day of return: counts
            _session("2024-06-02", families=50),  # after: too late
        ]
    )
    events = return_events(_assets())
    assert list(events["settlement"]) == ["ST-000001", "ST-000002"]
    cov = return_coverage(eore_table(frame, _assets()), events, as_of="2025-06-30")
    a = cov.set_index("settlement").loc["ST-000001"]
    assert (a["families"], a["families_reached_before"], a["sessions_before"]) == (100, 45, 2)
    assert a["coverage"] == pytest.approx(0.45) and a["last_session_on"] == pd.Timestamp("2024-06-01")
    b = cov.set_index("settlement").loc["ST-000002"]
    assert (b["families_reached_before"], b["due"], b["reached"]) == (0, False, False)
    share = coverage_share(cov)
    assert share == {
        "coverage": 0.45,
        "families": 100,
        "families_reached_before": 45,
        "returns": 1,
        "returns_missed": 0,
        "upcoming": 1,
    }
    early = return_coverage(eore_table(frame, _assets()), events, lead_days=600)
    assert early.set_index("settlement").loc["ST-000001", "families_reached_before"] == 75


def test_returns_in_tranches_share_out_the_families_reached_in_date_order() -> None:
    returns = pd.DataFrame(
        {
            "settlement": ["ST-000001", "ST-000001"],
            "returned_on": ["2024-03-01", "2024-09-01"],
            "families_returned": [30, 50],
        }
    )
    frame = _sessions([_session("2024-02-01", families=40), _session("2024-08-01", families=20)])
    cov = return_coverage(eore_table(frame, _assets()), return_events(_assets(), returns))
    # 30 of the 40 reached in February return in March; the other 10 and the 20 of August in September
    assert list(cov["families_reached_before"]) == [30, 30]
    table = coverage_by(cov, ("settlement", "year"))
    assert table.iloc[0][["returns", "families", "families_reached_before", "name"]].tolist() == [
        2,
        80,
        60,
        "Village A",
    ]
    assert table["coverage"].iloc[0] == pytest.approx(0.75)


def test_victims_from_communities_reached_in_the_year_before() -> None:
    accidents = gpd.GeoDataFrame(
        {
            "id": ["AC-000001", "AC-000002", "AC-000003", "AC-000004"],
            "occurred_on": ["2024-05-01", "2024-05-01", "2023-05-01", "2024-05-01"],
        },
        geometry=[
            shapely.Point(A[0], A[1] + 0.01),  # 1.1 km north of A
            shapely.Point(B),
            shapely.Point(A),
            shapely.Point(A[0] + 0.5, A[1]),  # far from both: no community
        ],
        crs="EPSG:4326",
    )
    victims = pd.DataFrame(
        {
            "accident": ["AC-000001", "AC-000001", "AC-000002", "AC-000003", "AC-000004", "AC-000001"],
            "victim_group": ["civilian"] * 5 + ["deminer"],
        }
    )
    table = eore_table(
        _sessions([_session("2023-06-01"), _session("2024-05-01", settlement="ST-000002")]), _assets()
    )
    found = victims_reached(victims, accidents, table, _assets())
    # A was reached 11 months before AC-1 (two victims) but not before AC-3; B only on the day of AC-2
    assert (found["victims"], found["with_community"], found["reached"]) == (5, 4, 2)
    assert found["share"] == pytest.approx(0.5)
    by_year = {row["year"]: row for row in found["by_year"]}
    assert by_year[2023]["reached"] == 0 and by_year[2024]["share"] == pytest.approx(2 / 3)


def test_empty_inputs_give_empty_answers() -> None:
    table = eore_table(None, None)
    assert table.empty and reach_by(table).empty
    cov = return_coverage(table, return_events(None))
    assert cov.empty and coverage_share(cov)["coverage"] is None and coverage_by(cov).empty
    assert victims_reached(None, None, table, None)["share"] is None
