"""Land release ledger, funding totals and foreign share, cost per m2 by source; casualty counts."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
from analysis_scenes import frame

from mineaction.analysis import (
    casualties_by,
    casualty_table,
    casualty_totals,
    funding_by_source,
    funding_by_year,
    funding_totals,
    land_release_ledger,
    release_totals,
    summary_stats,
)


def _activities() -> pd.DataFrame:
    return frame(
        "activities",
        [
            {
                "id": "AT-000001",
                "activity_kind": "NTS",
                "started_on": date(2021, 3, 1),
                "ended_on": date(2021, 4, 1),
                "cancelled_m2": 500_000.0,
                "district": "Aghdam",
                "cost_usd": 1000.0,
            },
            {
                "id": "AT-000002",
                "activity_kind": "clearance",
                "started_on": date(2021, 11, 1),
                "ended_on": date(2022, 2, 1),
                "cleared_m2": 20_000.0,
                "method": "manual",
                "district": "Aghdam",
                "cost_usd": 4000.0,
            },
            {
                "id": "AT-000003",
                "activity_kind": "TS",
                "started_on": date(2022, 5, 1),
                "ended_on": None,
                "reduced_m2": 30_000.0,
                "method": "mechanical",
                "district": "Fuzuli",
                "cost_usd": 5000.0,
            },
        ],
    )


def test_ledger_by_year_and_district() -> None:
    finds = pd.DataFrame({"activity": ["AT-000002"] * 4})
    ledger = land_release_ledger(_activities(), finds, by="year").set_index("year")
    assert ledger.loc[2021, "cancelled_m2"] == 500_000
    assert ledger.loc[2022, "released_m2"] == 50_000  # the clearance ended in 2022, the TS started then
    assert math.isclose(ledger.loc[2022, "cost_per_m2_usd"], 9000 / 50_000)
    assert math.isclose(ledger.loc[2022, "finds_per_ha"], 4 / 2.0)
    by_district = land_release_ledger(_activities(), by=["district", "method"])
    assert len(by_district) == 3
    totals = release_totals(_activities(), finds)
    assert totals["released_ha"] == 55.0 and totals["n_finds"] == 4


def test_funding_foreign_share_and_cost_by_source() -> None:
    funding = frame(
        "funding",
        [
            {
                "donor": "State",
                "donor_kind": "national_state",
                "year": 2021,
                "amount_usd": 940.0,
                "activities": json.dumps(["AT-000001"]),
            },
            {
                "donor": "EU",
                "donor_kind": "multilateral",
                "year": 2021,
                "amount_usd": 60.0,
                "activities": json.dumps(["AT-000002"]),
            },
            {"donor": "State", "donor_kind": "national_state", "year": 2022, "amount_usd": 500.0},
        ],
    )
    totals = funding_totals(funding)
    assert math.isclose(totals["foreign_share"], 60 / 1500)
    per_year = funding_by_year(funding).set_index("year")
    assert math.isclose(per_year.loc[2021, "foreign_share"], 0.06)
    by_source = funding_by_source(funding, _activities()).set_index("donor_kind")
    assert math.isclose(by_source.loc["multilateral", "cost_per_m2_usd"], 60 / 20_000)
    # national: 500,000 m2 linked in 2021 plus the whole of 2022's 50,000 m2 pro rata
    assert by_source.loc["national_state", "released_m2"] == 550_000


def test_casualties_by_band_and_totals() -> None:
    accidents = frame(
        "accidents",
        [
            {"id": "AC-1", "occurred_on": date(2022, 5, 1), "district": "Lachin", "setting": "road"},
            {"id": "AC-2", "occurred_on": date(2023, 5, 1), "district": "Aghdam", "setting": "farmland"},
        ],
    )
    victims = frame(
        "victims",
        [
            {"accident": "AC-1", "age": 12, "sex": "female", "outcome": "killed", "victim_group": "civilian"},
            {
                "accident": "AC-1",
                "age": 40,
                "sex": "female",
                "outcome": "injured",
                "victim_group": "civilian",
            },
            {"accident": "AC-2", "age": None, "sex": "male", "outcome": "injured", "victim_group": "deminer"},
        ],
    )
    table = casualty_table(victims, accidents)
    totals = casualty_totals(table)
    assert totals == {
        "total": 3,
        "children": 1,
        "women": 1,
        "killed": 1,
        "injured": 2,
        "civilians": 2,
        "killed_share": 1 / 3,
    }
    by_year = casualties_by(table, "year").set_index("year")
    assert by_year.loc[2022, "casualties"] == 2 and by_year.loc[2023, "killed"] == 0
    by_band = casualties_by(table, ["district", "age_band"])
    assert set(by_band["age_band"]) == {"child", "adult", "unknown"}
    stats = summary_stats({"victims": victims, "accidents": accidents})
    assert stats["victims"] == {
        "total": 3,
        "children": 1,
        "women": 1,
        "killed": 1,
        "since": None,
        "injured": 2,
        "killed_share": 1 / 3,
    }
    assert stats["victims_recorded"]["injured"] == 2 and math.isnan(stats["funding"]["foreign_share"])


def test_totals_with_aggregates_of_earlier_years() -> None:
    from mineaction.analysis import totals_with_aggregates

    records = {"total": 3, "children": 1, "women": 1, "killed": 1}
    aggregates = pd.DataFrame(
        {"year": [1991, 1992], "victims": [100, 50], "killed": [20, 10], "children": [10, 5], "women": [1, 0]}
    )
    assert totals_with_aggregates(records, aggregates) == {
        "total": 153,
        "children": 16,
        "women": 2,
        "killed": 31,
        "since": 1991,
    }
    assert totals_with_aggregates(records, None)["since"] is None


def test_summary_stats_with_aggregates() -> None:
    accidents = frame("accidents", [{"id": "AC-1", "occurred_on": date(2022, 5, 1)}])
    victims = frame("victims", [{"accident": "AC-1", "age": 30, "sex": "male", "outcome": "killed"}])
    aggregates = pd.DataFrame({"year": [1991], "victims": [10], "killed": [2], "children": [1], "women": [1]})
    stats = summary_stats({"victims": victims, "accidents": accidents}, casualty_aggregates=aggregates)
    assert (
        stats["victims"]["total"] == 11
        and stats["victims"]["killed"] == 3
        and stats["victims"]["since"] == 1991
    )
    assert stats["victims_recorded"]["total"] == 1
