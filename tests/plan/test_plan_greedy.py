"""Greedy and list scheduling: feasible plans; list scheduling never delays an area of a plan that fits."""

from __future__ import annotations

import numpy as np

from mineaction.plan import benefits, random_problem
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.greedy import fill_schedule, greedy_schedule, list_schedule


def test_list_schedule_of_a_plan_that_fits_keeps_every_area_no_later() -> None:
    problem = random_problem(600, 5, seed=4)
    b = benefits(problem)
    plan = greedy_schedule(problem, b)
    priority = np.random.default_rng(0).random(problem.n_units)
    listed = list_schedule(problem, b, plan, priority)
    check_schedule(problem, b, listed)
    on = plan >= 0
    assert np.all((listed[on] >= 0) & (listed[on] <= plan[on]))
    assert np.all(listed[~on] == -1)  # areas left out stay out until a fill adds them


def test_list_schedule_makes_an_overspending_plan_feasible() -> None:
    problem = random_problem(600, 5, seed=5)
    b = benefits(problem)
    everything_now = np.where(problem.earliest_year > 0, problem.earliest_year, 0).astype(np.int64)
    listed = fill_schedule(problem, b, list_schedule(problem, b, everything_now, -b.cost_usd))
    check_schedule(problem, b, listed)
    money = np.bincount(listed[listed >= 0], weights=b.cost_usd[listed >= 0], minlength=5)
    assert money[0] >= 0.95 * problem.budget_usd[0]  # the first year is filled
    assert schedule_objective(problem, b, listed) > 0


def test_fill_adds_only_unscheduled_areas_and_stays_within_budgets() -> None:
    problem = random_problem(500, 4, seed=6)
    b = benefits(problem)
    start = np.full(problem.n_units, -1, dtype=np.int64)
    cheap = np.argsort(b.cost_usd)[:20]
    start[cheap] = 3
    check_schedule(problem, b, start)
    filled = fill_schedule(problem, b, start)
    check_schedule(problem, b, filled)
    assert np.all(filled[cheap] == 3)
    assert schedule_objective(problem, b, filled) >= schedule_objective(problem, b, start)
