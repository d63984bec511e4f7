"""Lagrangian bound: a true upper bound of the whole problem (checked against HiGHS's exact optimum)."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.plan import benefits, random_problem
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.highs_run import run_highs
from mineaction.plan.lagrange import lagrangian_bound
from mineaction.plan.model import time_indexed_model


def _exact(problem):  # type: ignore[no-untyped-def]
    """The MIP optimum and the LP relaxation's optimum, by HiGHS with no gap and a generous limit."""
    model = time_indexed_model(problem)
    mip = run_highs(model, integer=True, time_limit_s=300, mip_gap=0.0)
    lp = run_highs(model, integer=False, time_limit_s=300)
    assert mip.status == "Optimal" and lp.status == "Optimal"
    return mip, lp, model


@pytest.mark.slow
@pytest.mark.parametrize(("n", "years", "seed"), [(40, 3, 1), (60, 4, 2), (120, 3, 3)])
def test_bound_is_at_least_the_exact_optimum_and_near_the_lp(n: int, years: int, seed: int) -> None:
    problem = random_problem(n, years, seed=seed, scale_to_nation=False)
    b = benefits(problem)
    mip, lp, model = _exact(problem)
    optimum = schedule_objective(problem, b, model.schedule(mip.values))
    found = lagrangian_bound(problem, b, time_limit_s=60, max_evaluations=300)
    assert found.bound >= optimum - 1e-6
    assert found.bound >= lp.objective - 1e-6 * abs(lp.objective)  # never below the LP bound
    assert found.bound <= lp.objective * (1 + 2e-3)  # and close to it
    for pricing in found.leading:  # every evaluation's bound is a bound too
        assert pricing.bound >= optimum - 1e-6


def test_any_prices_give_a_bound() -> None:
    problem = random_problem(80, 3, seed=4, scale_to_nation=False)
    b = benefits(problem)
    mip, _, model = _exact(problem)
    optimum = schedule_objective(problem, b, model.schedule(mip.values))
    rng = np.random.default_rng(0)
    for _ in range(5):
        start = (rng.uniform(0, 1e-3, 3), rng.uniform(0, 1e-2, 3))
        found = lagrangian_bound(problem, b, time_limit_s=10, max_evaluations=1, start=start)
        assert found.evaluations == 1 and found.bound >= optimum - 1e-6


def test_priced_schedules_are_schedules() -> None:
    problem = random_problem(500, 5, seed=6)
    b = benefits(problem)
    found = lagrangian_bound(problem, b, time_limit_s=30, max_evaluations=15)
    assert found.evaluations <= 15 and found.stopped in ("evaluation limit", "bound settled", "converged")
    for pricing in found.leading:
        assert pricing.schedule.shape == (500,) and pricing.schedule.min() >= -1
        assert np.all(pricing.lam >= 0) and np.all(pricing.mu >= 0)
    with pytest.raises(Exception, match="over the budget"):
        # a priced schedule need not fit the budgets: that is what list scheduling is for
        for pricing in found.leading:
            check_schedule(problem, b, pricing.schedule)
        raise ValueError("over the budget (all priced schedules happened to fit)")
