"""The priced subproblem: exact at any prices (checked against every schedule), certified, warm-started."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mineaction.plan import benefits, random_problem
from mineaction.plan.closure import PricedSubproblem
from mineaction.plan.evaluate import schedule_objective
from mineaction.plan.lagrange import initial_prices


def _lagrangian(problem, b, years, lam, mu) -> float:  # type: ignore[no-untyped-def]
    t = problem.n_years
    on = years >= 0
    spend = np.bincount(years[on], weights=b.cost_usd[on], minlength=t)
    used = np.bincount(years[on], weights=b.team_days[on], minlength=t)
    return float(
        schedule_objective(problem, b, years)
        + lam @ (problem.budget_usd - spend)
        + mu @ (problem.team_days_capacity - used)
    )


def _shared_problem(seed: int):  # type: ignore[no-untyped-def]
    """A problem of 8 areas over 2 years where two groups share an area (a component to cut)."""
    for s in range(seed, seed + 200):
        problem = random_problem(8, 2, seed=s, scale_to_nation=False)
        if PricedSubproblem(problem, benefits(problem)).n_comp:
            return problem
    raise AssertionError("no problem with shared blockers found")


@pytest.mark.parametrize("seed", [0, 7, 30])
def test_value_is_the_best_of_every_schedule_at_any_prices(seed: int) -> None:
    problem = _shared_problem(seed)
    b = benefits(problem)
    sub = PricedSubproblem(problem, b)
    rng = np.random.default_rng(seed)
    every = np.array(list(itertools.product([-1, 0, 1], repeat=problem.n_units)))
    secure = ((every < 0) | (every >= problem.earliest_year[None, :])).all(axis=1)
    every = every[secure]  # an area may not start before it is secure
    lam0, mu0 = initial_prices(problem, b)
    for factor in (0.0, 0.5, 1.0, 2.0):
        lam = lam0 * factor * rng.uniform(0.5, 1.5, 2)
        mu = mu0 * factor + rng.uniform(0, 1e-3, 2) * factor
        best = max(_lagrangian(problem, b, years, lam, mu) for years in every)
        priced = sub.evaluate(lam, mu, tol=0.0)
        assert priced.bound >= best - 1e-9  # certified: never below the true maximum
        assert priced.bound == pytest.approx(best, rel=1e-7, abs=1e-6)
        assert priced.value == pytest.approx(_lagrangian(problem, b, priced.schedule, lam, mu), abs=1e-6)
        assert priced.value == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_warm_start_cuts_nothing_at_the_same_prices_and_stays_an_upper_bound() -> None:
    problem = random_problem(2000, 5, seed=3)
    b = benefits(problem)
    sub = PricedSubproblem(problem, b)
    lam, mu = initial_prices(problem, b)
    first = sub.evaluate(lam, mu, tol=0.0)
    assert first.cut_components > 0
    again = sub.evaluate(lam, mu, tol=1e-6)
    assert again.cut_components == 0
    assert again.bound >= first.value - 1e-6 and again.bound == pytest.approx(first.bound, rel=1e-6)
    loose = sub.evaluate(lam * 1.05, mu, tol=1.0)  # nothing cut: the chains' bound alone
    exact = PricedSubproblem(problem, b).evaluate(lam * 1.05, mu, tol=0.0)
    assert loose.cut_components == 0
    assert loose.bound >= exact.bound - 1e-6 >= loose.value - 2e-6


def test_relaxation_for_first_prices_is_above_the_exact_value() -> None:
    problem = random_problem(1000, 4, seed=2)
    b = benefits(problem)
    sub = PricedSubproblem(problem, b)
    lam, mu = initial_prices(problem, b)
    value, spend, used = sub.relaxed(lam, mu)
    assert value >= sub.evaluate(lam, mu, tol=0.0).bound - 1e-6
    assert spend.shape == used.shape == (4,) and np.all(spend >= 0)
