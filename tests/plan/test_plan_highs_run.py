"""HiGHS in a child process: LP bound, MIP warm start kept under a hard time limit."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.plan import benefits, random_problem
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.greedy import greedy_schedule
from mineaction.plan.highs_run import run_highs
from mineaction.plan.model import time_indexed_model


def test_lp_relaxation_bounds_the_greedy_plan() -> None:
    problem = random_problem(300, 4, seed=9)
    b = benefits(problem)
    model = time_indexed_model(problem)
    greedy = greedy_schedule(problem, b)
    run = run_highs(model, integer=False, time_limit_s=30)
    assert run.status == "Optimal" and run.version.startswith("HiGHS")
    assert run.bound >= schedule_objective(problem, b, greedy)
    # the model's objective of a schedule is the evaluator's
    assert float(model.cost @ model.start(greedy)) == pytest.approx(schedule_objective(problem, b, greedy))


@pytest.mark.slow
def test_short_limit_still_returns_the_warm_start_or_better() -> None:
    problem = random_problem(3000, 10, seed=1)
    b = benefits(problem)
    model = time_indexed_model(problem)
    greedy = greedy_schedule(problem, b)
    run = run_highs(model, integer=True, time_limit_s=4, start=model.start(greedy))
    assert run.values is not None
    schedule = model.schedule(run.values)
    check_schedule(problem, b, schedule, rel_tol=1e-6)
    assert schedule_objective(problem, b, schedule) >= schedule_objective(problem, b, greedy) - 1e-6
    assert np.isfinite(run.objective)


@pytest.mark.slow
def test_a_solver_that_overruns_is_killed_and_its_best_plan_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from mineaction.plan import highs_run

    problem = random_problem(3000, 10, seed=1)
    b = benefits(problem)
    model = time_indexed_model(problem)
    greedy = greedy_schedule(problem, b)
    monkeypatch.setattr(highs_run, "_own_limit", lambda limit: 1000.0)  # HiGHS would run on and on
    run = run_highs(model, integer=True, time_limit_s=4, start=model.start(greedy))
    assert run.killed and run.status == "stopped at the hard time limit"
    assert run.values is not None
    schedule = model.schedule(run.values)
    assert schedule_objective(problem, b, schedule) >= schedule_objective(problem, b, greedy) - 1e-6
