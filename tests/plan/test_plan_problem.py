"""Planning problems: synthetic generator, validation errors, serialisation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from mineaction.errors import PlanError
from mineaction.plan import PlanningProblem, PlanSettings, build_problem, random_problem, unit_costs


def test_random_problem_is_seeded_and_national_scale() -> None:
    a, b = random_problem(300, 5, seed=3), random_problem(300, 5, seed=3)
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != random_problem(300, 5, seed=4).content_hash()
    assert a.area_m2.sum() / 1e6 == pytest.approx(11_667, rel=1e-6)
    assert a.budget_foreign_usd[0] / a.budget_usd[0] == pytest.approx(0.06)
    assert a.validate() is a


def test_unit_costs_follow_the_settings() -> None:
    area = np.array([10_000.0, 10_000.0])
    mix = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    s = PlanSettings()
    reduction, cost, days = unit_costs(area, mix, np.array([True, False]), s)
    assert reduction.tolist() == pytest.approx([0.4 * 0.5, 0.1])
    # manual: survey 0.02 + 80 % cleared at 0.45 US$/m2
    assert cost[0] == pytest.approx(10_000 * (0.02 + 0.8 * 0.45))
    assert days[0] == pytest.approx(10_000 / 50_000 + 8_000 / 200)
    first = unit_costs(area, mix, np.array([True, False]), s.replace(survey_first=True))
    assert first[1][0] < cost[0] and first[1][1] == pytest.approx(cost[1])


def test_round_trip_keeps_the_problem() -> None:
    p = random_problem(50, 3, seed=1)
    again = PlanningProblem.from_dict(p.to_dict())
    assert again.content_hash() == p.content_hash()
    assert np.array_equal(again.blocker_idx, p.blocker_idx) and again.settings == p.settings


def test_budget_below_every_task_is_one_plan_error() -> None:
    p = random_problem(40, 3, seed=2, scale_to_nation=False)
    poor = p.replace(budget_state_usd=np.full(3, 10.0), budget_foreign_usd=np.zeros(3))
    with pytest.raises(PlanError, match="below the cheapest task .*raise --budget-usd"):
        poor.validate()


def test_group_blocked_by_a_missing_area_is_one_plan_error() -> None:
    p = random_problem(40, 3, seed=2, scale_to_nation=False)
    idx = p.blocker_idx.copy()
    idx[0] = 999
    with pytest.raises(PlanError, match="not in the problem"):
        p.replace(blocker_idx=idx).validate()


def _frames(blocks: list[str], assets: list[str], road: str | None = None) -> dict[str, pd.DataFrame]:
    areas = gpd.GeoDataFrame(
        {
            "id": ["HA-000001", "HA-000002"],
            "hazard_kind": ["SHA", "CHA"],
            "status": ["open", "open"],
            "contamination": ["AP", "AT"],
            "blocks": [str(blocks).replace("'", '"'), "[]"],
            "evidence": ["[]", "[]"],
        },
        geometry=[box(46.9, 39.9, 46.91, 39.91), box(46.92, 39.9, 46.93, 39.91)],
        crs="EPSG:4326",
    )
    asset = gpd.GeoDataFrame(
        {
            "id": assets,
            "asset_kind": ["settlement"] * len(assets),
            "families_planned": [40] * len(assets),
            "value_usd": [0.0] * len(assets),
            "access_road": [road] * len(assets),
            "target_on": [None] * len(assets),
        },
        geometry=[box(46.9, 39.9, 46.901, 39.901)] * len(assets),
        crs="EPSG:4326",
    )
    funding = pd.DataFrame(
        {
            "year": [2024, 2024],
            "donor_kind": ["national_state", "foreign_government"],
            "amount_usd": [9.4e6, 0.6e6],
            "purpose": ["clearance", "clearance"],
        }
    )
    operators = pd.DataFrame({"teams": [20]})
    return {"hazardous_areas": areas, "assets": asset, "funding": funding, "operators": operators}


def test_build_problem_from_frames() -> None:
    p = build_problem(_frames(["ST-000001"], ["ST-000001"]), years=4)
    assert p.years == (2025, 2026, 2027, 2028)
    assert p.group_ids == ("ST-000001",) and p.blockers(0).tolist() == [0]
    assert p.budget_usd[0] == pytest.approx(10e6) and p.budget_foreign_usd[0] == pytest.approx(0.6e6)
    assert p.team_days_capacity[0] == pytest.approx(20 * 200)
    assert 0.94e6 < p.area_m2[0] < 0.96e6  # 0.01 x 0.01 degree at 39.9 N: 853 m x 1,111 m


def test_build_problem_names_an_asset_that_does_not_exist() -> None:
    with pytest.raises(PlanError, match="HA-000001 blocks ST-000009, which is not among the assets"):
        build_problem(_frames(["ST-000009"], ["ST-000001"]))


def test_build_problem_names_a_missing_access_road() -> None:
    with pytest.raises(PlanError, match="access road ST-000077"):
        build_problem(_frames(["ST-000001"], ["ST-000001"], road="ST-000077"))


def test_casualty_rates_from_the_risk_model_replace_past_accidents() -> None:
    p = build_problem(_frames(["ST-000001"], ["ST-000001"]), casualty_rate={"HA-000002": 0.7})
    assert p.casualties_per_year.tolist() == [0.0, 0.7]
