"""The greedy benefit/cost baseline, and the rounding that turns an LP relaxation into a schedule.

Greedy, year by year: rank every remaining area (its own benefit) and every unfinished settlement or asset
(its benefit plus its missing blockers' benefits, as one bundle) by benefit per share of the year's scarcer
resources, ``points / (cost / budget + team-days / capacity)``, and take them in that order while they fit.
The same routine fills the money a rounded LP schedule leaves unspent.
"""

from __future__ import annotations

import numpy as np

from mineaction.plan.model import Benefits, TimeIndexedModel
from mineaction.plan.problem import PlanningProblem

__all__ = ["fill_schedule", "greedy_schedule", "round_relaxation"]

_EPS = 1e-6


def greedy_schedule(problem: PlanningProblem, b: Benefits) -> np.ndarray:
    """The greedy baseline: year index per area (-1 = not in the plan)."""
    return fill_schedule(problem, b, np.full(problem.n_units, -1, dtype=np.int64))


def fill_schedule(problem: PlanningProblem, b: Benefits, years: np.ndarray) -> np.ndarray:
    """Add areas to ``years`` greedily where money and team-days are left; areas already scheduled stay."""
    years = years.copy()
    weight = b.remaining_weight
    for t in range(problem.n_years):
        money = float(problem.budget_usd[t]) - float(b.cost_usd[years == t].sum())
        days = float(problem.team_days_capacity[t]) - float(b.team_days[years == t].sum())
        if money <= 0 or days <= 0:
            continue
        allowed = (problem.earliest_year <= t) | (not problem.settings.require_secure)
        for kind, item in _ranked(problem, b, years, t, allowed, weight[t]):
            members = np.array([item]) if kind == "unit" else problem.blockers(item)
            members = members[years[members] < 0]
            if len(members) == 0 or not allowed[members].all():
                continue
            cost, need = float(b.cost_usd[members].sum()), float(b.team_days[members].sum())
            if cost <= money + _EPS and need <= days + _EPS:
                years[members] = t
                money -= cost
                days -= need
    return years


def _ranked(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, t: int, allowed: np.ndarray, weight: float
) -> list[tuple[str, int]]:
    budget = max(float(problem.budget_usd[t]), _EPS)
    capacity = max(float(problem.team_days_capacity[t]), _EPS)
    open_units = np.flatnonzero((years < 0) & allowed)
    unit_use = b.cost_usd / budget + b.team_days / capacity
    unit_score = b.unit_points[open_units] * weight / np.maximum(unit_use[open_units], _EPS)
    # bundles: the blockers of each group not yet scheduled
    missing = (years[problem.blocker_idx] < 0).astype(float)
    owner_ptr = problem.blocker_ptr[:-1]
    if problem.n_groups:
        n_missing = np.add.reduceat(missing, owner_ptr)
        use = np.add.reduceat(missing * unit_use[problem.blocker_idx], owner_ptr)
        own = np.add.reduceat(missing * b.unit_points[problem.blocker_idx], owner_ptr)
        open_groups = np.flatnonzero(n_missing > 0)
        group_score = (
            (b.group_points[open_groups] + own[open_groups]) * weight / np.maximum(use[open_groups], _EPS)
        )
    else:
        open_groups = np.zeros(0, dtype=np.int64)
        group_score = np.zeros(0)
    items = [("unit", int(i)) for i in open_units] + [("group", int(g)) for g in open_groups]
    score = np.concatenate([unit_score, group_score])
    order = np.argsort(-score, kind="stable")
    return [items[k] for k in order.tolist()]


def round_relaxation(
    problem: PlanningProblem,
    b: Benefits,
    model: TimeIndexedModel,
    values: np.ndarray,
    *,
    threshold: float = 1 - _EPS,
) -> np.ndarray:
    """A feasible schedule from LP relaxation values: each area in the first year its z reaches ``threshold``;
    areas that do not fit a year move to the next (lowest benefit per US$ first, counting a share of the
    settlements and assets they help unblock), past the last year out of the plan; then the money left is
    filled greedily."""
    z = values[: model.n_z].reshape(problem.n_units, problem.n_years)
    reached = z >= threshold
    years = np.where(reached.any(axis=1), reached.argmax(axis=1), -1).astype(np.int64)
    sizes = np.diff(problem.blocker_ptr).astype(float)
    share = np.bincount(
        problem.blocker_idx,
        weights=(b.group_points / np.maximum(sizes, 1.0))[problem.group_of_blocker()],
        minlength=problem.n_units,
    )
    density = (b.unit_points + share) / np.maximum(b.cost_usd, _EPS)
    allowed_late = problem.n_years - 1
    for t in range(problem.n_years):
        members = np.flatnonzero(years == t)
        order = members[np.argsort(density[members], kind="stable")]
        money = np.cumsum(b.cost_usd[order][::-1])[::-1]
        days = np.cumsum(b.team_days[order][::-1])[::-1]
        # move the front of ``order`` (lowest density) on until what is left fits
        fits = (money <= problem.budget_usd[t] + _EPS) & (days <= problem.team_days_capacity[t] + _EPS)
        move = len(order) if not fits.any() else int(np.argmax(fits))
        years[order[:move]] = t + 1 if t < allowed_late else -1
    return fill_schedule(problem, b, years)
