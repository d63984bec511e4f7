"""Neighbourhood MIPs: the model of the free areas alone scores changes exactly as the whole problem does."""

from __future__ import annotations

import numpy as np

from mineaction.plan import benefits, random_problem
from mineaction.plan.closure import PricedSubproblem
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.greedy import greedy_schedule
from mineaction.plan.highs_run import run_highs
from mineaction.plan.lagrange import lagrangian_bound
from mineaction.plan.neighbourhood import choose_neighbourhood, neighbourhood_model


def test_a_neighbourhood_solution_is_a_feasible_plan_scored_as_the_model_says() -> None:
    problem = random_problem(400, 4, seed=8)
    b = benefits(problem)
    incumbent = greedy_schedule(problem, b)
    sub = PricedSubproblem(problem, b)
    priced = lagrangian_bound(problem, b, time_limit_s=20, max_evaluations=10, subproblem=sub)
    free = choose_neighbourhood(problem, sub, priced.best, incumbent, size=40)
    assert 40 <= free.sum() <= 80
    moved = np.flatnonzero(incumbent != priced.best.schedule)
    assert free[moved].sum() >= min(len(moved), 40)  # where the plan left the priced year first
    hood = neighbourhood_model(problem, b, incumbent, free)
    assert hood.model.n_units == free.sum()
    np.testing.assert_array_equal(hood.schedule(hood.start()), incumbent)
    run = run_highs(hood.model, integer=True, time_limit_s=30, mip_gap=1e-6, start=hood.start())
    assert run.values is not None
    better = hood.schedule(run.values)
    check_schedule(problem, b, better, rel_tol=1e-6)
    assert np.array_equal(better[~free], incumbent[~free])
    gain = schedule_objective(problem, b, better) - schedule_objective(problem, b, incumbent)
    assert gain >= -1e-6
    assert abs(gain - float(hood.model.cost @ (run.values - hood.start()))) <= 1e-6 * max(1.0, abs(gain))


def test_a_group_with_a_kept_blocker_out_of_the_plan_is_left_out() -> None:
    problem = random_problem(200, 3, seed=2)
    b = benefits(problem)
    incumbent = np.full(problem.n_units, -1, dtype=np.int64)  # nothing released: feasible
    g = int(np.argmax(np.diff(problem.blocker_ptr)))
    blockers = problem.blockers(g)
    free = np.zeros(problem.n_units, dtype=bool)
    free[blockers[1:]] = True  # the first blocker stays out of the plan
    hood = neighbourhood_model(problem, b, incumbent, free)
    run = run_highs(hood.model, integer=True, time_limit_s=30, mip_gap=0.0, start=hood.start())
    plan = hood.schedule(run.values)
    check_schedule(problem, b, plan, rel_tol=1e-6)
    assert plan[blockers[0]] == -1
