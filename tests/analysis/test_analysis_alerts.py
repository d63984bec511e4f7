"""New-contamination alerts: post-ceasefire finds and finds in land released earlier, clustered."""

from __future__ import annotations

from datetime import date

from analysis_scenes import frame
from shapely.geometry import Point, box

from mineaction.analysis import flag_new_contamination, new_contamination_alerts
from mineaction.settings import Settings


def _finds():
    rows, pts = [], []
    for i in range(12):  # a 2021-made cluster
        rows.append(
            {
                "id": f"EO-1{i:05d}",
                "category": "AP",
                "model": "PMN-E",
                "manufacture_year": 2021,
                "found_on": date(2022, 8, 1 + i),
                "district": "Lachin",
                "activity": "AT-000002",
            }
        )
        pts.append(Point(20_000 + 15 * i, 5_000 + 10 * (i % 3)))
    for i in range(30):  # an old belt: Soviet-era mines, no alert
        rows.append(
            {
                "id": f"EO-2{i:05d}",
                "category": "AP",
                "model": "PMN-2",
                "manufacture_year": 1985,
                "found_on": date(2022, 3, 1),
                "district": "Aghdam",
                "activity": "AT-000002",
            }
        )
        pts.append(Point(10 * i, 0))
    for i in range(6):  # found in land released by AT-000001 earlier
        rows.append(
            {
                "id": f"EO-3{i:05d}",
                "category": "AT",
                "model": "TM-62M",
                "manufacture_year": None,
                "found_on": date(2023, 5, 1),
                "district": "Fuzuli",
                "activity": "AT-000003",
            }
        )
        pts.append(Point(40_000 + 20 * i, 0))
    return frame("finds", rows, pts)


def _activities():
    return frame(
        "activities",
        [
            {
                "id": "AT-000001",
                "activity_kind": "clearance",
                "started_on": date(2021, 1, 1),
                "ended_on": date(2021, 12, 1),
                "cleared_m2": 60_000.0,
            },
            {
                "id": "AT-000003",
                "activity_kind": "clearance",
                "started_on": date(2023, 4, 1),
                "ended_on": date(2023, 6, 1),
                "cleared_m2": 60_000.0,
            },
        ],
        [box(39_900, -100, 40_100 + 100, 100), box(39_900, -100, 40_100 + 100, 100)],
    )


def test_flags_post_conflict_and_released_land() -> None:
    flagged = flag_new_contamination(_finds(), _activities(), settings=Settings())
    assert int(flagged["post_conflict"].sum()) == 12
    assert int(flagged["in_released_land"].sum()) == 6
    assert not flagged["id"].str.startswith("EO-2").any()


def test_alerts_cluster_with_counts_models_dates() -> None:
    alerts = new_contamination_alerts(_finds(), _activities(), settings=Settings())
    assert len(alerts) == 2
    first = alerts.iloc[0]
    assert first["n_finds"] == 12 and first["models"] == ["PMN-E"] and first["district"] == "Lachin"
    assert first["first_found"] == date(2022, 8, 1) and first["last_found"] == date(2022, 8, 12)
    assert first["severity"] == "medium"
    second = alerts.iloc[1]
    assert second["n_in_released_land"] == 6 and second["severity"] == "low"
    assert 38 < first["lat"] < 41 and 44 < first["lon"] < 48


def test_later_ceasefire_removes_post_conflict_alert() -> None:
    alerts = new_contamination_alerts(
        _finds(), _activities(), settings=Settings(ceasefire=date(2021, 12, 31))
    )
    assert alerts["n_post_conflict"].sum() == 0


def test_no_finds_no_alerts() -> None:
    assert new_contamination_alerts(None, None, settings=Settings()).empty


def test_conflict_end_by_district() -> None:
    flagged = flag_new_contamination(
        _finds(), _activities(), settings=Settings(), conflict_end={"Lachin": date(2022, 12, 31)}
    )
    assert int(flagged["post_conflict"].sum()) == 0


def test_alerts_for_display_label_every_column_with_units() -> None:
    import pandas as pd

    from mineaction.analysis import ALERT_LABELS, alerts_for_display

    alerts = pd.DataFrame(
        [{"alert": "ALERT-001", "n_finds": 3, "models": ["PMN-E", "PMN-2"], "lon": 46.3, "lat": 40.2}]
    )
    shown = alerts_for_display(alerts)
    assert list(shown.columns) == list(ALERT_LABELS.values())
    assert shown["models"].iloc[0] == "PMN-E, PMN-2"
    assert shown["lon (deg)"].iloc[0] == 46.3
