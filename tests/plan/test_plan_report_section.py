"""The plan section of the report: figures from plan summaries, the section from results or saved plans."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import box  # noqa: E402

from mineaction.plan import ClearancePlanner, Scenario, compare_scenarios, random_problem  # noqa: E402
from mineaction.report.framework import ReportContext  # noqa: E402
from mineaction.report.plan_section import (  # noqa: E402
    build_section,
    clearance_year_map,
    scenario_figures_chart,
    schedule_gantt,
)


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
    plt.close(fig)


def test_scenario_chart_has_a_line_per_scenario_and_greedy(plans: list[dict]) -> None:
    fig = scenario_figures_chart(plans)
    assert len(fig.axes) == 4 and all(len(ax.lines) == 3 for ax in fig.axes)
    assert fig.axes[1].lines[1].get_ydata()[-1] == plans[1]["families_returned_by_year"][-1]
    plt.close(fig)


def test_map_colours_planned_areas() -> None:
    areas = gpd.GeoDataFrame(
        {"id": ["HA-1", "HA-2"], "status": ["open", "open"]},
        geometry=[box(46.9, 39.9, 46.91, 39.91), box(46.92, 39.9, 46.93, 39.91)],
        crs="EPSG:4326",
    )
    fig = clearance_year_map(areas, {"HA-1": 2027, "HA-2": None})
    assert len(fig.axes) == 2  # the map and its colour bar
    plt.close(fig)


def test_section_from_demo_results(plans: list[dict]) -> None:
    context = ReportContext(
        frames={}, simulated=True, results={"plan": {"plans": plans, "plan_ids": ["PL-x"]}}
    )
    section = build_section(context)
    assert section is not None and section.key == "plan" and section.order == 70
    assert "SIMULATED" in section.body_html and "PL-x" in section.body_html and "norm" in section.body_html
    assert [f.name for f in section.figures] == ["schedule", "scenarios"]
    for f in section.figures:
        plt.close(f.figure)
    assert build_section(ReportContext(frames={})) is None


def test_section_from_a_plan_saved_in_the_store() -> None:
    from mineaction.plan import plan_document
    from mineaction.store import init_store

    problem = random_problem(30, 2, seed=5, scale_to_nation=False)
    planner = ClearancePlanner(time_limit_s=6)
    doc = plan_document(problem, planner, planner.solve(problem))
    store = init_store("memory://")
    try:
        store.save_document("plans", doc["plan_id"], doc, author="test", reason="plan section test")
        section = build_section(ReportContext(frames={}, store=store, simulated=True))
    finally:
        store.close()
    assert section is not None and doc["plan_id"] in section.body_html and "base plan" in section.body_html
    for f in section.figures:
        plt.close(f.figure)
