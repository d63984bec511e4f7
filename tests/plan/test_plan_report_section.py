"""The plan section of the report: figures from plan summaries, the section from results or saved plans."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import box

from mineaction.plan import ClearancePlanner, Scenario, compare_scenarios, random_problem
from mineaction.report.plan_section import (
    build_section,
    clearance_year_map,
    scenario_figures_chart,
    schedule_gantt,
)
from mineaction.workflows import report_data


@pytest.fixture(scope="module")
def plans() -> list[dict]:
    problem = random_problem(40, 3, seed=2, scale_to_nation=False)
    comparison = compare_scenarios(
        problem,
        [Scenario("now", foreign_share=0.06), Scenario("norm", foreign_share=0.78)],
        planner=ClearancePlanner(time_limit_s=6),
    )
    return [
        {**r.to_dict(), "scenario": s.to_dict()}
        for s, r in zip(comparison.scenarios, comparison.results, strict=True)
    ]


def test_gantt_has_one_bar_per_unblocked_group(plans: list[dict]) -> None:
    groups = {g for r in plans[0]["reasons"] for g in r["unblocks"]}
    fig = schedule_gantt(plans[0], top=100)
    assert len(fig.axes[0].patches) == len(groups) > 0


def test_scenario_chart_has_a_line_per_scenario_and_greedy(plans: list[dict]) -> None:
    fig = scenario_figures_chart(plans)
    assert len(fig.axes) == 4 and all(len(ax.lines) == 3 for ax in fig.axes)
    assert fig.axes[1].lines[1].get_ydata()[-1] == plans[1]["families_returned_by_year"][-1]


def test_map_colours_planned_areas() -> None:
    areas = gpd.GeoDataFrame(
        {"id": ["HA-1", "HA-2"], "status": ["open", "open"]},
        geometry=[box(46.9, 39.9, 46.91, 39.91), box(46.92, 39.9, 46.93, 39.91)],
        crs="EPSG:4326",
    )
    fig = clearance_year_map(areas, {"HA-1": 2027, "HA-2": None}, crs="EPSG:32638")
    assert len(fig.axes) == 2  # the map and its colour bar


def test_section_from_demo_results(plans: list[dict], store_of: Any) -> None:
    given = [{**plan, "plan_id": "PL-x"} for plan in plans]
    section = build_section(report_data(store_of({}, simulated=True), plans=given))
    assert section is not None and section.key == "plan" and section.order == 70
    assert "SIMULATED" in section.body_html and "PL-x" in section.body_html and "norm" in section.body_html
    assert [f.name for f in section.figures] == ["schedule", "scenarios"]
    assert build_section(report_data(store_of({}))) is None


def test_section_from_a_plan_saved_in_the_store() -> None:
    from mineaction.plan import plan_document
    from mineaction.store import init_store

    problem = random_problem(30, 2, seed=5, scale_to_nation=False)
    planner = ClearancePlanner(time_limit_s=6)
    doc = plan_document(problem, planner, planner.solve(problem))
    store = init_store("memory://")
    try:
        store.save_document("plans", doc["plan_id"], doc, author="test", reason="plan section test")
        store.set_setting("simulated", True)
        section = build_section(report_data(store))
    finally:
        store.close()
    assert section is not None and doc["plan_id"] in section.body_html and "base plan" in section.body_html
