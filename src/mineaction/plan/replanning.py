"""Re-planning: a saved plan and a changed problem give a new plan that moves only what the change requires.

``replan(document, problem)`` compares the saved problem with the current one (``compare_problems``), keeps
every area at its saved year, and re-optimises only the areas the change reaches: new, re-estimated or
overdue areas, the other blockers of their settlements and assets, areas of a year whose money or team-days
no longer cover it (as many as the shortfall needs, least benefit per US$ first) and, where a year gained
money, the areas that could use it (most benefit per US$ first). A neighbourhood MIP over those areas alone,
with every other area fixed and a small reward for staying at the saved year, decides; its Lagrangian bound,
warm-started from the saved plan's prices, certifies the new plan's gap. If the kept plan falls below the
greedy plan of the new problem, the whole problem is planned again (warm-started from the saved prices) and
the result says so. Every area whose year changed gets a reason (``explain_moves``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mineaction.errors import PlanError
from mineaction.plan.changes import ProblemChange, ScheduleChange, compare_problems, explain_moves
from mineaction.plan.closure import PricedSubproblem
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.greedy import fill_schedule, greedy_schedule, list_schedule
from mineaction.plan.lagrange import lagrangian_bound
from mineaction.plan.model import Benefits, benefits
from mineaction.plan.neighbourhood import neighbourhood_model
from mineaction.plan.problem import PlanningProblem
from mineaction.plan.search import Outcome, SearchRun
from mineaction.plan.solver import ClearancePlanner, PlanResult

__all__ = ["Replan", "replan"]

_STAY_REWARD = 1e-5  # share of the saved plan's objective all "stay at the saved year" rewards add up to


@dataclass(frozen=True, eq=False)
class Replan:
    """A re-plan: the new result, what changed in the problem and, for every area that moved, why."""

    previous_plan_id: str
    result: PlanResult
    problem_change: ProblemChange
    changes: tuple[ScheduleChange, ...]
    freed_areas: tuple[str, ...]
    full_replan: bool
    seconds: float

    @property
    def moved(self) -> int:
        """Areas in both the saved and the new problem whose plan year changed (in or out counts)."""
        gone, new = set(self.problem_change.gone_areas), set(self.problem_change.new_areas)
        return sum(1 for c in self.changes if c.unit_id not in gone and c.unit_id not in new)

    def summary(self) -> str:
        """One line: what changed in the problem and in the schedule."""
        pc = self.problem_change
        gone, new = set(pc.gone_areas), set(pc.new_areas)
        kept = [c for c in self.changes if c.unit_id not in gone and c.unit_id not in new]
        count = {k: sum(1 for c in kept if c.kind == k) for k in ("earlier", "later", "entered", "left")}
        arrived = sum(1 for c in self.changes if c.unit_id in new)
        departed = sum(1 for c in self.changes if c.unit_id in gone)
        return (
            f"{len(pc.new_areas)} new, {len(pc.gone_areas)} gone and {len(pc.reestimated)} re-estimated "
            f"areas, {len(pc.money_usd)} yearly budgets changed; {self.moved} areas moved year "
            f"({count['earlier']} earlier, {count['later']} later, {count['entered']} into the plan, "
            f"{count['left']} out of it); {arrived} new areas in the plan, {departed} gone ones out of it"
            + ("; the whole problem was planned again" if self.full_replan else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: the new plan's result, the problem's change and every move with its reason."""
        return {
            "updated_from": self.previous_plan_id,
            "summary": self.summary(),
            "moved": self.moved,
            "freed_areas": len(self.freed_areas),
            "full_replan": self.full_replan,
            "seconds": round(self.seconds, 3),
            "problem_change": self.problem_change.to_dict(),
            "changes": [c.__dict__ for c in self.changes],
            "result": self.result.to_dict(),
        }


def _saved(document: Mapping[str, Any]) -> tuple[PlanningProblem, dict[str, int | None], dict[str, Any]]:
    try:
        old = PlanningProblem.from_dict(document["problem"])
        schedule = dict(document["result"]["schedule"])
        prices = dict(document["result"].get("shadow_prices") or {})
    except (KeyError, TypeError) as exc:
        raise PlanError(
            f"saved plan {document.get('plan_id', '?')} lacks {exc}; it was not written by mineaction plan, "
            "so it cannot be updated"
        ) from None
    return old, schedule, prices


def replan(
    document: Mapping[str, Any],
    problem: PlanningProblem,
    *,
    time_limit_s: float = 5.0,
    mip_gap: float | None = None,
    seed: int | None = None,
) -> Replan:
    """Re-plan ``problem`` (the current one) from the saved plan ``document`` (see the module docstring).

    Parameters
    ----------
    time_limit_s : limit on the whole re-plan, s (HiGHS runs under hard limits within it)
    mip_gap, seed : planner parameters (default: the saved plan's)
    """
    started = time.perf_counter()
    old, saved, prices = _saved(document)
    params = dict(document.get("planner", {}))
    planner = ClearancePlanner(
        **{**params, "time_limit_s": time_limit_s}
        | ({"mip_gap": mip_gap} if mip_gap is not None else {})
        | ({"seed": seed} if seed is not None else {})
    )
    problem.validate()
    b_old, b = benefits(old), benefits(problem)
    change = compare_problems(old, problem, b_old, b)
    start = _start_prices(old, problem, prices)
    search = SearchRun(
        problem,
        b,
        greedy_schedule(problem, b),
        time_limit_s,
        planner.mip_gap,
        planner.seed,
        planner.neighbourhood_max_units,
        started,
    )
    search.steps.append({"step": "greedy", "objective": search.best_value})
    warm = _warm(problem, saved)
    target = np.where(warm >= 0, warm, _priced_years(problem, b, start, search.greedy))
    free = _free(problem, b, old, b_old, change, warm, target, saved)
    kept = _kept_plan(search, warm, free, target, max(1.0, 0.3 * search.remaining()))
    full = schedule_objective(problem, b, kept) < schedule_objective(problem, b, search.greedy)
    if full:  # keeping the saved plan would fall below greedy: plan the whole problem again
        planner.time_limit_s = max(0.5 * time_limit_s, search.remaining())
        result = planner.solve(problem, start_prices=start)
    else:
        result = planner.finish(search, _kept_outcome(search, kept, start, document, int(free.sum())))
    texts = {r.unit_id: r.text for r in result.reasons}
    moves = explain_moves(problem, change, _calendar(old, saved), dict(result.schedule), texts)
    freed = tuple(u for u, f in zip(problem.unit_ids, free.tolist(), strict=True) if f)
    return Replan(
        str(document.get("plan_id", "?")), result, change, moves, freed, full, time.perf_counter() - started
    )


def _kept_outcome(
    search: SearchRun,
    kept: np.ndarray,
    start: tuple[np.ndarray, np.ndarray] | None,
    document: Mapping[str, Any],
    n_free: int,
) -> Outcome:
    """The kept plan with its bound: Lagrangian prices warm-started from the saved ones."""
    priced = lagrangian_bound(
        search.problem,
        search.b,
        time_limit_s=max(0.5, 0.6 * search.remaining()),
        max_evaluations=25,
        start=start,
    )
    search.steps.append(
        {
            "step": "Lagrangian bound (from the saved prices)",
            "objective": priced.bound,
            "evaluations": priced.evaluations,
            "seconds": priced.seconds,
        }
    )
    method = (
        f"re-plan of {document.get('plan_id', '?')}: {n_free} areas the change reaches re-optimised "
        "(list scheduling, then a neighbourhood MIP rewarding the saved year), every other area kept; "
        f"Lagrangian bound ({priced.evaluations} price evaluations from the saved prices)"
    )
    return Outcome(kept, priced.bound, method, search.produced_by, (priced.best.lam, priced.best.mu))


def _calendar(old: PlanningProblem, saved: Mapping[str, int | None]) -> dict[str, int | None]:
    return {u: saved.get(u) for u in old.unit_ids}


def _start_prices(
    old: PlanningProblem, new: PlanningProblem, prices: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The saved prices by calendar year, on the new plan's years (the last year's where it plans further)."""
    if not prices.get("points_per_usd"):
        return None
    lam = dict(zip(old.years, prices["points_per_usd"], strict=True))
    mu = dict(zip(old.years, prices.get("points_per_team_day", [0.0] * old.n_years), strict=True))
    last = old.years[-1]
    return (
        np.array([lam.get(y, lam[last]) for y in new.years], dtype=float),
        np.array([mu.get(y, mu[last]) for y in new.years], dtype=float),
    )


def _worth(problem: PlanningProblem, b: Benefits) -> np.ndarray:
    """Benefit per US$ of each area, counting an equal share of what the settlements and assets it blocks
    are worth (so a blocker of a large settlement is not the first to wait)."""
    sizes = np.maximum(np.diff(problem.blocker_ptr), 1).astype(float)
    share = np.bincount(
        problem.blocker_idx,
        weights=(b.group_points / sizes)[problem.group_of_blocker()],
        minlength=problem.n_units,
    )
    return (b.unit_points + share) / np.maximum(b.cost_usd, 1e-9)


def _priced_years(
    problem: PlanningProblem, b: Benefits, prices: tuple[np.ndarray, np.ndarray] | None, greedy: np.ndarray
) -> np.ndarray:
    """Each area's year at the saved prices (the priced subproblem of the new problem), else greedy's."""
    if prices is None:
        return greedy
    return PricedSubproblem(problem, b).evaluate(prices[0], prices[1], tol=1e-4).schedule


def _warm(problem: PlanningProblem, saved: Mapping[str, int | None]) -> np.ndarray:
    """The saved schedule on the new problem's years (-1 where new, unplanned, or planned before the first
    year: those are overdue and re-planned)."""
    first, t = problem.years[0], problem.n_years
    found = [saved.get(u) for u in problem.unit_ids]
    years = np.array([-1 if y is None else int(y) - first for y in found])
    return np.where((years >= 0) & (years < t), years, -1).astype(np.int64)


def _free(
    problem: PlanningProblem,
    b: Benefits,
    old: PlanningProblem,
    b_old: Benefits,
    change: ProblemChange,
    warm: np.ndarray,
    target: np.ndarray,
    saved: Mapping[str, int | None],
) -> np.ndarray:
    """The areas the change reaches (see the module docstring)."""
    index = {u: i for i, u in enumerate(problem.unit_ids)}
    free = np.zeros(problem.n_units, dtype=bool)
    for u in (*change.new_areas, *change.reestimated):
        free[index[u]] = True
    overdue = np.array([saved.get(u) is not None for u in problem.unit_ids]) & (warm < 0)
    free |= overdue
    owner = problem.group_of_blocker()
    changed = np.isin(np.asarray(problem.group_ids), list(change.changed_groups))
    touched = changed | (
        np.bincount(owner, weights=free[problem.blocker_idx], minlength=problem.n_groups) > 0
    )
    free[problem.blocker_idx[touched[owner]]] = True
    return free | _capacity_free(problem, b, warm, free, target, _old_slack(old, b_old, saved))


def _capacity_free(
    problem: PlanningProblem,
    b: Benefits,
    warm: np.ndarray,
    free: np.ndarray,
    target: np.ndarray,
    old_slack: Mapping[int, float],
) -> np.ndarray:
    """Areas to free so that every year's work fits its money and team-days, and areas that could use money
    a year gained.

    A year whose kept areas, the changed areas aimed at it and the work pushed on from the year before do
    not fit frees its least worth areas for one and a half times the excess, which moves on to the next year
    (what passes the last year leaves the plan); a year that gained money frees the most worth areas planned
    later for twice the gain.
    """
    t = problem.n_years
    out = np.zeros(problem.n_units, dtype=bool)
    worth = _worth(problem, b)
    money = days = 0.0  # work pushed on from the year before: US$, team-days
    for year in range(t):
        kept = (warm == year) & ~free
        aimed = free & (target == year)
        money += float(b.cost_usd[kept | aimed].sum()) - float(problem.budget_usd[year])
        days += float(b.team_days[kept | aimed].sum()) - float(problem.team_days_capacity[year])
        share = max(
            money / max(float(problem.budget_usd[year]), 1.0),
            days / max(float(problem.team_days_capacity[year]), 1.0),
        )
        if share > 0:
            members = np.flatnonzero(kept)
            order = members[np.argsort(worth[members], kind="stable")]
            need = 1.5 * share * float(problem.budget_usd[year])
            out[order[: int(np.searchsorted(np.cumsum(b.cost_usd[order]), need)) + 1]] = True
        else:
            gained = -money - old_slack.get(problem.years[year], 0.0)
            if gained > 1e-6 * float(problem.budget_usd[year]):
                later = np.flatnonzero(
                    ((warm > year) | (warm < 0)) & ~free & ~out & (b.cost_usd <= 2 * gained)
                )
                order = later[np.argsort(-worth[later], kind="stable")]
                out[order[: int(np.searchsorted(np.cumsum(b.cost_usd[order]), 2 * gained)) + 1]] = True
        money, days = max(money, 0.0), max(days, 0.0)
    return out


def _old_slack(old: PlanningProblem, b_old: Benefits, saved: Mapping[str, int | None]) -> dict[int, float]:
    """Money each calendar year of the saved plan left unspent (its schedule's slack), US$."""
    spent = dict.fromkeys(old.years, 0.0)
    for unit, cost in zip(old.unit_ids, b_old.cost_usd.tolist(), strict=True):
        year = saved.get(unit)
        if year is not None and year in spent:
            spent[year] += cost
    return {y: float(budget) - spent[y] for y, budget in zip(old.years, old.budget_usd.tolist(), strict=True)}


def _kept_plan(
    search: SearchRun, warm: np.ndarray, free: np.ndarray, target: np.ndarray, limit: float
) -> np.ndarray:
    """Every area outside ``free`` at its ``warm`` year; the free ones list-scheduled towards ``target``
    (their saved year, or their priced year if new or out of the saved plan) in what money and team-days the
    kept areas leave, then filled, then re-optimised by a neighbourhood MIP that rewards staying put."""
    problem, b = search.problem, search.b
    kept = np.where(free, -1, warm)
    on = kept >= 0
    t = problem.n_years
    left = problem.replace(
        budget_state_usd=np.maximum(
            problem.budget_usd - np.bincount(kept[on], weights=b.cost_usd[on], minlength=t), 0.0
        ),
        budget_foreign_usd=np.zeros(t),
        team_days_capacity=np.maximum(
            problem.team_days_capacity - np.bincount(kept[on], weights=b.team_days[on], minlength=t), 0.0
        ),
    )
    density = _worth(problem, b)
    listed = list_schedule(left, b, np.where(free, target, -1), density)
    incumbent = fill_schedule(problem, b, np.where(free, listed, warm), only=free)
    search.produced_by = "re-plan list schedule"
    if not free.any():
        return incumbent
    hood = neighbourhood_model(problem, b, incumbent, free)
    reward = _STAY_REWARD * max(abs(schedule_objective(problem, b, incumbent)), 1.0) / max(int(free.sum()), 1)
    _reward_staying(hood.model.cost, warm[hood.free], problem.n_years, reward)
    run = search.mip(hood.model, hood.start(), 1e-4, limit)
    name = f"re-plan neighbourhood MIP ({int(free.sum())} areas free)"
    search.steps.append({"step": name, "status": run.status, "seconds": run.seconds})
    if run.values is None:
        return incumbent
    candidate = hood.schedule(run.values)
    try:
        check_schedule(problem, b, candidate, rel_tol=1e-6)
    except PlanError:
        return incumbent
    if run.improving > 1:  # beyond its warm start: the MIP's plan, which may trade a little for stability
        search.produced_by = name
    return candidate


def _reward_staying(cost: np.ndarray, years: np.ndarray, t: int, reward: float) -> None:
    """Add ``reward`` to the objective of every free area released exactly in its saved year (or, if it was
    out of the saved plan, kept out): z[i, s] - z[i, s - 1] is 1 exactly then."""
    z = cost[: len(years) * t].reshape(len(years), t)
    rows = np.arange(len(years))
    planned = years >= 0
    z[rows[planned], years[planned]] += reward
    earlier = planned & (years >= 1)
    z[rows[earlier], years[earlier] - 1] -= reward
    z[rows[~planned], t - 1] -= reward
