"""The greedy benefit/cost baseline, and the schedules built from a relaxation: LP rounding, list scheduling.

Greedy, year by year: rank every remaining area (its own benefit) and every unfinished settlement or asset
(its benefit plus its missing blockers' benefits, as one bundle) by benefit per share of the year's scarcer
resources, ``points / (cost / budget + team-days / capacity)``, and take them in that order while they fit.
The same routine fills the money a rounded or list-scheduled plan leaves unspent. List scheduling follows a
priced schedule's order of years and makes it feasible (``list_schedule``).
"""

from __future__ import annotations

import numpy as np

from mineaction.plan.model import Benefits, TimeIndexedModel
from mineaction.plan.problem import PlanningProblem

__all__ = ["fill_schedule", "greedy_schedule", "list_schedule", "round_relaxation"]

_EPS = 1e-6


def greedy_schedule(problem: PlanningProblem, b: Benefits) -> np.ndarray:
    """The greedy baseline: year index per area (-1 = not in the plan)."""
    return fill_schedule(problem, b, np.full(problem.n_units, -1, dtype=np.int64))


def fill_schedule(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, *, only: np.ndarray | None = None
) -> np.ndarray:
    """Add areas to ``years`` greedily where money and team-days are left; areas already scheduled stay.

    ``only`` (bool per area) limits what may be added (a settlement's bundle only if all its missing
    blockers may be added).
    """
    n = problem.n_units
    addable = np.ones(n, dtype=bool) if only is None else np.asarray(only, dtype=bool)
    cost, days = b.cost_usd.tolist(), b.team_days.tolist()
    blockers = [x.tolist() for x in np.split(problem.blocker_idx, problem.blocker_ptr[1:-1])]
    years = years.copy()
    for t in range(problem.n_years):
        money = float(problem.budget_usd[t]) - float(b.cost_usd[years == t].sum())
        room = float(problem.team_days_capacity[t]) - float(b.team_days[years == t].sum())
        allowed = ((problem.earliest_year <= t) | (not problem.settings.require_secure)) & addable
        open_units = (years < 0) & allowed
        if money <= 0 or room <= 0 or not open_units.any():
            continue
        # nothing smaller than the cheapest open area can fit: stop scanning once below it
        least_money = float(b.cost_usd[open_units].min()) - _EPS
        least_days = float(b.team_days[open_units].min()) - _EPS
        ok, taken = allowed.tolist(), years.tolist()
        for code in _ranked(problem, b, years, t, allowed, b.remaining_weight[t]):
            if money < least_money or room < least_days:
                break
            if code < n:
                members = [code] if taken[code] < 0 else []
            else:
                members = [j for j in blockers[code - n] if taken[j] < 0]
                if not all(ok[j] for j in members):
                    continue
            need_money, need_days = sum(cost[j] for j in members), sum(days[j] for j in members)
            if members and need_money <= money + _EPS and need_days <= room + _EPS:
                for j in members:
                    taken[j] = t
                money -= need_money
                room -= need_days
        years = np.array(taken, dtype=years.dtype)
    return years


def _ranked(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, t: int, allowed: np.ndarray, weight: float
) -> list[int]:
    """Open areas (codes 0..n-1) and unfinished groups (codes n + g) by benefit per share of year t."""
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
    codes = np.concatenate([open_units, problem.n_units + open_groups])
    order = np.argsort(-np.concatenate([unit_score, group_score]), kind="stable")
    return codes[order].tolist()


def list_schedule(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, priority: np.ndarray
) -> np.ndarray:
    """A feasible schedule that follows ``years`` (e.g. a priced schedule that over- or under-spends).

    Year by year, the areas not yet placed are taken in the order of their year in ``years`` (earliest
    first; ties by ``priority``, highest first) while they fit: what does not fit waits for the next year,
    and money left in a year goes to the areas planned for later. Areas ``years`` leaves out (-1) stay out;
    ``fill_schedule`` may add them afterwards.
    """
    n, last = problem.n_units, problem.n_years
    order = np.lexsort((-priority, np.where(years < 0, last, years)))
    pending = order[years[order] >= 0]
    out = np.full(n, -1, dtype=np.int64)
    secure = problem.earliest_year if problem.settings.require_secure else np.zeros(n, dtype=np.int64)
    for t in range(last):
        ready = pending[secure[pending] <= t]
        money, room = float(problem.budget_usd[t]), float(problem.team_days_capacity[t])
        taken = []
        for i, c, d in zip(
            ready.tolist(), b.cost_usd[ready].tolist(), b.team_days[ready].tolist(), strict=True
        ):
            if c <= money + _EPS and d <= room + _EPS:
                taken.append(i)
                money -= c
                room -= d
        out[taken] = t
        pending = pending[out[pending] < 0]
    return out


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
