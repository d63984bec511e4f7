"""The planner on small synthetic problems: beats greedy, certified gap, budgets, all-or-nothing rule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mineaction.plan import ClearancePlanner, PlanResult, benefits, random_problem

PROBLEM = random_problem(80, 4, seed=11, scale_to_nation=False)


@pytest.fixture(scope="module")
def result() -> PlanResult:
    return ClearancePlanner(time_limit_s=30, mip_gap=0.01, seed=0).solve(PROBLEM)


def test_plan_is_at_least_greedy_and_within_gap(result: PlanResult) -> None:
    assert result.objective >= result.greedy_objective - 1e-9
    assert result.mip_gap <= 0.01
    assert result.bound >= result.objective - 1e-6
    assert result.status in ("optimal", "within_gap")
    assert result.solver.startswith("HiGHS")


def test_budget_and_teams_are_never_exceeded(result: PlanResult) -> None:
    b = benefits(PROBLEM)
    for years in (result.year_index, result.greedy_year_index):
        on = years >= 0
        money = np.bincount(years[on], weights=b.cost_usd[on], minlength=PROBLEM.n_years)
        days = np.bincount(years[on], weights=b.team_days[on], minlength=PROBLEM.n_years)
        assert np.all(money <= PROBLEM.budget_usd * (1 + 1e-6))
        assert np.all(days <= PROBLEM.team_days_capacity * (1 + 1e-6))
    assert result.figures.money_spent_usd.sum() == pytest.approx(b.cost_usd[result.year_index >= 0].sum())


def test_families_count_only_when_every_blocker_is_released(result: PlanResult) -> None:
    released = {uid: y for uid, y in result.schedule.items()}
    expected = np.zeros(PROBLEM.n_years, dtype=int)
    for g in range(PROBLEM.n_groups):
        years = [released[PROBLEM.unit_ids[i]] for i in PROBLEM.blockers(g)]
        if all(y is not None for y in years):
            expected[PROBLEM.years.index(max(years)) :] += int(PROBLEM.families[g])
    assert result.figures.families_returned.tolist() == expected.tolist()
    assert expected[-1] > 0


def test_every_task_says_why_and_when(result: PlanResult) -> None:
    scheduled = {u for u, y in result.schedule.items() if y is not None}
    assert {r.unit_id for r in result.reasons} == scheduled
    for r in result.reasons:
        assert r.year == result.schedule[r.unit_id]
        assert f"{r.unit_id} in {r.year}: US$" in r.text
        assert r.cost_usd > 0
    unblocking = [r for r in result.reasons if r.families_unblocked > 0]
    assert unblocking and all("families" in r.text for r in unblocking)


def test_result_is_immutable_and_serialisable(result: PlanResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.objective = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.schedule["HA-000001"] = 2030  # type: ignore[index]
    data = result.to_dict()
    assert len(data["families_returned_by_year"]) == PROBLEM.n_years
    assert data["families_returned_by_year_3"] == result.families_by_year(3)
    assert data["greedy"]["families_returned_by_year_3"] == result.families_by_year(3, greedy=True)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["lagrangian", "lp"])
def test_large_problem_methods_certify_their_gap(method: str) -> None:
    problem = random_problem(1500, 5, seed=5)
    res = ClearancePlanner(time_limit_s=40, method=method, seed=0).solve(problem)
    b = benefits(problem)
    assert res.objective >= res.greedy_objective - 1e-9
    assert res.bound >= res.objective - 1e-6 and res.mip_gap <= 0.01
    assert res.produced_by and res.method.startswith(
        "Lagrangian" if method == "lagrangian" else "LP relaxation"
    )
    on = res.year_index >= 0
    assert np.all(
        np.bincount(res.year_index[on], weights=b.cost_usd[on], minlength=5)
        <= problem.budget_usd * (1 + 1e-6)
    )
    if method == "lagrangian":
        prices = res.to_dict()["shadow_prices"]
        assert len(prices["points_per_usd"]) == 5 and min(prices["points_per_usd"]) >= 0
        assert any(s["step"].startswith("Lagrangian bound") for s in res.steps)
