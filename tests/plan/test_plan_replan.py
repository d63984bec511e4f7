"""Re-planning: nothing moves when nothing changed; otherwise only what the change reaches, with reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mineaction.errors import PlanError
from mineaction.plan import ClearancePlanner, benefits, plan_document, random_problem
from mineaction.plan.changes import compare_problems
from mineaction.plan.evaluate import check_schedule
from mineaction.plan.replanning import replan
from mineaction.plan.synthetic import changed_problem

PROBLEM = random_problem(2000, 5, seed=12)


@pytest.fixture(scope="module")
def saved() -> dict:  # type: ignore[type-arg]
    planner = ClearancePlanner(time_limit_s=20, method="lagrangian", seed=0)
    result = planner.solve(PROBLEM)
    return json.loads(json.dumps(plan_document(PROBLEM, planner, result, version="test")))


def test_nothing_changed_nothing_moves(saved: dict) -> None:  # type: ignore[type-arg]
    again = replan(saved, PROBLEM, time_limit_s=20)
    assert again.moved == 0 and again.changes == () and again.freed_areas == ()
    assert not again.full_replan
    assert dict(again.result.schedule) == saved["result"]["schedule"]
    assert again.result.objective == pytest.approx(saved["result"]["objective"])
    assert again.result.bound >= again.result.objective - 1e-6  # certified
    assert again.to_dict()["summary"].startswith("0 new, 0 gone and 0 re-estimated areas")


def test_only_areas_the_change_reaches_move_each_with_a_reason(saved: dict) -> None:  # type: ignore[type-arg]
    changed = changed_problem(PROBLEM, 40, seed=3)
    again = replan(saved, changed, time_limit_s=8)
    b = benefits(changed)
    check_schedule(changed, b, again.result.year_index)
    assert again.result.objective >= again.result.greedy_objective  # never below greedy
    assert again.result.bound >= again.result.objective - 1e-6
    change = again.problem_change
    assert len(change.new_areas) == 20 and len(change.gone_areas) == 10 and len(change.reestimated) >= 10
    freed = set(again.freed_areas)
    for move in again.changes:
        assert move.reason
        if not again.full_replan and move.unit_id not in change.gone_areas:
            assert move.unit_id in freed  # nothing outside the areas the change reaches moved
    gone = [c for c in again.changes if c.unit_id in change.gone_areas]
    assert gone and all(c.kind == "left" and "no longer open" in c.reason for c in gone)
    if again.full_replan:  # only when keeping the rest would have fallen below greedy
        assert "planned again" in again.summary()
    else:
        assert again.moved <= len(freed) < 0.3 * changed.n_units


def test_a_budget_cut_is_named_as_the_reason(saved: dict) -> None:  # type: ignore[type-arg]
    cut = PROBLEM.replace(
        budget_state_usd=PROBLEM.budget_state_usd * np.array([0.8, 1, 1, 1, 1]),
        budget_foreign_usd=PROBLEM.budget_foreign_usd * np.array([0.8, 1, 1, 1, 1]),
    )
    again = replan(saved, cut, time_limit_s=8)
    check_schedule(cut, benefits(cut), again.result.year_index)
    assert again.result.objective >= again.result.greedy_objective
    assert list(again.problem_change.money_usd) == [PROBLEM.years[0]]
    first = PROBLEM.years[0]
    later = [c for c in again.changes if c.before == first and c.kind in ("later", "left")]
    assert later
    if not again.full_replan:
        assert all(f"the {first} budget changed" in c.reason for c in later)


def test_compare_names_every_kind_of_change() -> None:
    changed = changed_problem(PROBLEM, 8, seed=1, next_year_budget_factor=1.2)
    change = compare_problems(PROBLEM, changed, benefits(PROBLEM), benefits(changed))
    assert len(change.new_areas) == 4 and len(change.gone_areas) == 2
    assert set(change.gone_areas).isdisjoint(changed.unit_ids)
    assert change.money_usd[PROBLEM.years[0]][1] == pytest.approx(1.2 * change.money_usd[PROBLEM.years[0]][0])
    assert change.changed_groups and not change.settings_changed


def test_a_document_that_is_not_a_plan_is_refused() -> None:
    with pytest.raises(PlanError, match="cannot be updated"):
        replan({"plan_id": "PL-x"}, PROBLEM)
