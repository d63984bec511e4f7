"""Saved plans: the document holds inputs, weights, solver and seed; a re-run gives the same schedule."""

from __future__ import annotations

import json

import pytest

from mineaction.errors import PlanError
from mineaction.plan import ClearancePlanner, plan_document, random_problem, rerun_plan


@pytest.mark.slow
def test_saved_plan_reruns_to_the_same_schedule() -> None:
    problem = random_problem(60, 3, seed=21, scale_to_nation=False)
    planner = ClearancePlanner(time_limit_s=30, seed=4)
    result = planner.solve(problem)
    doc = json.loads(json.dumps(plan_document(problem, planner, result, version="test")))
    assert doc["plan_id"].startswith("PL-") and doc["seed"] == 4 and doc["solver"].startswith("HiGHS")
    assert doc["weights"]["weight_family"] == 1.0 and "discount_rate" in doc["weights"]
    assert doc["problem_hash"] == problem.content_hash()
    again = rerun_plan(doc)
    assert again.same_schedule and again.changed_units == ()
    assert dict(again.result.schedule) == doc["result"]["schedule"]


def test_edited_plan_document_is_refused() -> None:
    problem = random_problem(30, 2, seed=1, scale_to_nation=False)
    planner = ClearancePlanner(time_limit_s=20)
    doc = plan_document(problem, planner, planner.solve(problem))
    doc["problem"]["discount_rate_typo"] = 1
    doc["problem"]["area_m2"]["data"][0] *= 2
    with pytest.raises(PlanError, match="does not match its hash"):
        rerun_plan(doc)


def test_a_time_limited_mip_step_that_found_nothing_new_is_skipped_on_rerun() -> None:
    from mineaction.plan.record import replay_of

    steps = [
        {"step": "greedy"},
        {"step": "full MIP", "status": "Time limit reached", "improving_solutions": 1},
    ]
    assert replay_of(steps).mip_improving == (0,)  # only the warm start: the re-run keeps it, no search
    steps[1]["improving_solutions"] = 3
    assert replay_of(steps).mip_improving == (2,)
    assert replay_of([{"step": "full MIP", "status": "Optimal", "improving_solutions": 3}]).mip_improving == (
        None,
    )
