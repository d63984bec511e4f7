"""Assistance to survivors on a small register built to the definitions: who counts as a survivor, assessed,
days to the first service, needs open more than a year as known on a date, the public form of the tables."""

from __future__ import annotations

import pandas as pd
import pytest

from mineaction.analysis.assistance import (
    assistance_by,
    assistance_totals,
    need_table,
    needs_by,
    public_table,
    survivor_table,
)

AS_OF = "2025-06-30"


def _register() -> dict[str, pd.DataFrame]:
    accidents = pd.DataFrame(
        {
            "id": ["AC-000001", "AC-000002", "AC-000003"],
            "occurred_on": ["2023-03-01", "2024-05-10", "2025-08-01"],
        }
    )
    victims = pd.DataFrame(
        {
            "id": ["VI-000001", "VI-000002", "VI-000003", "VI-000004", "VI-000005"],
            "accident": ["AC-000001", "AC-000001", "AC-000002", "AC-000002", "AC-000003"],
            "age": [34, 12, 50, 40, 20],
            "sex": ["male", "female", "male", "male", "male"],
            "outcome": ["injured", "injured", "injured", "killed", "injured"],  # VI-4 killed, VI-5 later
        }
    )
    needs = pd.DataFrame(
        {
            "victim": ["VI-000001", "VI-000001", "VI-000001", "VI-000002", "VI-000002"],
            "need": ["rehabilitation", "economic_inclusion", "psychological", "education", "psychological"],
            "assessed_on": ["2023-03-20", "2023-03-20", "2023-03-20", "2024-06-01", "2025-06-01"],
            "status": ["met", "open", "met", "referred", "open"],
            "closed_on": ["2023-09-01", None, "2025-08-01", None, None],  # psychological met after AS_OF
        }
    )
    services = pd.DataFrame(
        {
            "victim": ["VI-000001", "VI-000001", "VI-000002", "VI-000002"],
            "service_type": ["rehabilitation", "rehabilitation", "education", "education"],
            "provided_on": ["2023-04-14", "2023-09-01", None, "2025-07-15"],
            "referral_status": ["completed", "completed", "pending", "completed"],
        }
    )
    return {"accidents": accidents, "victims": victims, "needs": needs, "services": services}


def _table(r: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return survivor_table(r["victims"], r["accidents"], r["needs"], r["services"], as_of=AS_OF)


def test_survivors_are_the_injured_known_on_the_day() -> None:
    table = _table(_register()).set_index("victim")
    assert list(table.index) == ["VI-000001", "VI-000002", "VI-000003"]
    assert table["assessed"].tolist() == [True, True, False]
    assert table.loc["VI-000001", "days_to_first_service"] == 44  # 1 March to 14 April 2023
    assert pd.isna(table.loc["VI-000002", "days_to_first_service"])  # served after AS_OF
    assert table.loc[
        "VI-000001", ["needs", "needs_met", "needs_open", "needs_open_over_a_year"]
    ].tolist() == [
        3,
        1,
        2,  # economic inclusion, and psychological (met only after AS_OF)
        2,
    ]
    assert table.loc["VI-000002", "needs_open_over_a_year"] == 1  # education, referred since June 2024


def test_totals_and_by_sex_and_age_band() -> None:
    table = _table(_register())
    totals = assistance_totals(table)
    assert totals["survivors"] == 3 and totals["assessed"] == 2
    assert totals["assessed_share"] == pytest.approx(2 / 3)
    assert totals["with_service"] == 1 and totals["median_days_to_first_service"] == 44
    assert totals["needs_open_over_a_year"] == 3
    by = assistance_by(table).set_index(["sex", "age_band"])
    assert by.loc[("female", "child"), "needs_open"] == 2
    assert by.loc[("male", "adult"), "survivors"] == 2
    assert by.loc[("male", "adult"), "assessed_share"] == pytest.approx(0.5)


def test_needs_by_kind_with_days_from_assessment_to_service() -> None:
    r = _register()
    needs = need_table(r["needs"], as_of=AS_OF)
    assert needs.loc[needs["need"] == "psychological", "status"].tolist() == ["in_progress", "open"]
    by = needs_by(needs, r["services"], as_of=AS_OF).set_index("need")
    assert by.loc["rehabilitation", ["needs", "met", "open", "median_days_to_service"]].tolist() == [
        1,
        1,
        0,
        25,
    ]
    assert pd.isna(by.loc["education", "median_days_to_service"])
    assert by.loc["psychological", "open_over_a_year"] == 1


def test_public_tables_hide_small_counts_and_figures_from_few_people() -> None:
    by = assistance_by(_table(_register()))
    public = public_table(
        by,
        ["survivors", "assessed", "needs_open"],
        people="survivors",
        statistics=["assessed_share", "median_days_to_first_service"],
    )
    assert set(public["survivors"]) == {"<5"}
    assert public["assessed_share"].isna().all() and public["median_days_to_first_service"].isna().all()
    open_needs = public.set_index(["sex", "age_band"]).loc[("male", "adult"), "needs_open"]
    assert open_needs == "<5"
    big = pd.DataFrame({"survivors": [0, 4, 5, 120], "share": [None, 0.5, 0.6, 0.7]})
    shown = public_table(big, ["survivors"], people="survivors", statistics=["share"])
    assert shown["survivors"].tolist() == [0, "<5", 5, 120]
    assert shown["share"].tolist()[2:] == [0.6, 0.7] and shown["share"].iloc[1] is None


def test_empty_register() -> None:
    table = survivor_table(None, None, None, None, as_of=AS_OF)
    assert table.empty and assistance_totals(table)["survivors"] == 0
    r = _register()
    unassessed = survivor_table(r["victims"], r["accidents"], None, None, as_of=AS_OF)
    assert len(unassessed) == 3 and not unassessed["assessed"].any()
    assert assistance_totals(unassessed)["median_days_to_first_service"] is None
    assert assistance_by(table).empty and needs_by(need_table(None, as_of=AS_OF)).empty
