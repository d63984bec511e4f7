"""What a schedule achieves: objective, per-year figures, feasibility, and the reason for every chosen task.

A schedule is an array with one year index per hazardous area (0 = first plan year, -1 = not in the plan).
Everything here is vectorised over areas and groups; the objective is exactly the time-indexed model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineaction.errors import PlanError
from mineaction.plan.model import Benefits
from mineaction.plan.problem import PlanningProblem

__all__ = [
    "TaskReason",
    "YearlyFigures",
    "check_schedule",
    "group_years",
    "schedule_objective",
    "task_reasons",
    "yearly_figures",
]

_TOL = 1e-6


def group_years(problem: PlanningProblem, years: np.ndarray) -> np.ndarray:
    """Year index from which each settlement or asset is available (its last blocker's year), -1 if never."""
    if problem.n_groups == 0:
        return np.zeros(0, dtype=np.int64)
    blocker_years = years[problem.blocker_idx]
    never = np.where(blocker_years < 0, 1, 0)
    latest = np.maximum.reduceat(blocker_years, problem.blocker_ptr[:-1])
    missing = np.add.reduceat(never, problem.blocker_ptr[:-1])
    return np.where(missing > 0, -1, latest)


def schedule_objective(problem: PlanningProblem, b: Benefits, years: np.ndarray) -> float:
    """Discounted benefit points of a schedule (the model's objective)."""
    weight = np.append(b.remaining_weight, 0.0)  # index -1 (never) picks the trailing 0
    gy = group_years(problem, years)
    return float(b.unit_points @ weight[years] + b.group_points @ weight[gy])


def check_schedule(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, *, rel_tol: float = 1e-7
) -> None:
    """Raise PlanError if a schedule spends more money or team-days than a year has, or starts an area
    early."""
    t = problem.n_years
    on = years >= 0
    money = np.bincount(years[on], weights=b.cost_usd[on], minlength=t)
    days = np.bincount(years[on], weights=b.team_days[on], minlength=t)
    over = np.flatnonzero(money > problem.budget_usd * (1 + rel_tol) + _TOL)
    if len(over):
        y = over[0]
        raise PlanError(
            f"year {problem.years[y]}: plan spends US$ {money[y]:,.0f}, over the budget "
            f"US$ {problem.budget_usd[y]:,.0f}"
        )
    over = np.flatnonzero(days > problem.team_days_capacity * (1 + rel_tol) + _TOL)
    if len(over):
        y = over[0]
        raise PlanError(
            f"year {problem.years[y]}: plan needs {days[y]:,.0f} team-days, over the "
            f"{problem.team_days_capacity[y]:,.0f} available"
        )
    if problem.settings.require_secure and np.any(on & (years < problem.earliest_year)):
        raise PlanError("a hazardous area is scheduled before the year it becomes secure")


@dataclass(frozen=True, eq=False)
class YearlyFigures:
    """Per-year results of a schedule (one entry per plan year; simulated when the problem is)."""

    years: tuple[int, ...]
    area_released_km2: np.ndarray
    families_returned: np.ndarray
    assets_unblocked: np.ndarray
    casualties_averted: np.ndarray
    money_spent_usd: np.ndarray
    team_days_used: np.ndarray
    settlements_available: np.ndarray

    def as_dict(self) -> dict[str, list[float]]:
        """Plain lists by figure name, for JSON."""
        return {
            "years": list(self.years),
            "area_released_km2_by_year": self.area_released_km2.round(4).tolist(),
            "families_returned_by_year": self.families_returned.tolist(),
            "assets_unblocked_by_year": self.assets_unblocked.tolist(),
            "casualties_averted_by_year": self.casualties_averted.round(4).tolist(),
            "money_spent_usd_by_year": self.money_spent_usd.round(2).tolist(),
            "team_days_used_by_year": self.team_days_used.round(1).tolist(),
            "settlements_available_by_year": self.settlements_available.tolist(),
        }


def yearly_figures(problem: PlanningProblem, b: Benefits, years: np.ndarray) -> YearlyFigures:
    """Per year: km2 released that year; families able to return, assets unblocked and settlements available
    by the end of the year (cumulative); expected casualties averted that year; US$ and team-days spent."""
    t = problem.n_years
    on = years >= 0
    gy = group_years(problem, years)
    settlement = np.array([k == "settlement" for k in problem.group_kind], dtype=bool)

    def by_year(idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.bincount(idx, weights=weights, minlength=t)

    g_on = gy >= 0
    families = np.cumsum(by_year(gy[g_on], problem.families[g_on].astype(float))).round().astype(np.int64)
    assets = np.cumsum(by_year(gy[g_on & ~settlement], np.ones(int((g_on & ~settlement).sum()))))
    places = np.cumsum(by_year(gy[g_on & settlement], np.ones(int((g_on & settlement).sum()))))
    averted = np.cumsum(by_year(years[on], problem.casualties_per_year[on]))
    return YearlyFigures(
        problem.years,
        by_year(years[on], problem.area_m2[on]) / 1e6,
        families,
        assets.astype(np.int64),
        averted,
        by_year(years[on], b.cost_usd[on]),
        by_year(years[on], b.team_days[on]),
        places.astype(np.int64),
    )


@dataclass(frozen=True)
class TaskReason:
    """Why and when one hazardous area is in the plan: its cost, its benefit parts and what it unblocks."""

    unit_id: str
    year: int
    cost_usd: float
    team_days: float
    area_km2: float
    farmland_ha: float
    casualties_averted_per_year: float
    benefit_points_per_year: float
    unblocks: tuple[str, ...]
    families_unblocked: int
    text: str


def task_reasons(problem: PlanningProblem, b: Benefits, years: np.ndarray) -> tuple[TaskReason, ...]:
    """One reason per scheduled area, in plan order (year, then id)."""
    gy = group_years(problem, years)
    owner = problem.group_of_blocker()
    unlocks: dict[int, list[int]] = {}
    for g, i in zip(owner.tolist(), problem.blocker_idx.tolist(), strict=True):
        if gy[g] >= 0:
            unlocks.setdefault(i, []).append(g)
    order = np.lexsort((np.arange(problem.n_units), years))
    out = []
    for i in order[years[order] >= 0].tolist():
        groups = unlocks.get(i, [])
        out.append(_reason(problem, b, years, gy, i, groups))
    return tuple(out)


def _reason(
    problem: PlanningProblem, b: Benefits, years: np.ndarray, gy: np.ndarray, i: int, groups: list[int]
) -> TaskReason:
    year = problem.years[int(years[i])]
    fam = int(sum(int(problem.families[g]) for g in groups))
    parts = []
    for g in groups:
        n_block = int(problem.blocker_ptr[g + 1] - problem.blocker_ptr[g])
        what = (
            f"{problem.families[g]} families"
            if problem.group_kind[g] == "settlement"
            else f"{problem.group_kind[g].replace('_', ' ')} worth US$ {problem.value_usd[g]:,.0f}"
        )
        parts.append(
            f"one of {n_block} areas blocking {problem.group_ids[g]} ({what}), available from "
            f"{problem.years[int(gy[g])]}"
        )
    parts.append(f"{problem.casualties_per_year[i]:.3f} expected casualties a year averted")
    parts.append(f"{problem.farmland_ha[i]:,.1f} ha farmland")
    if problem.priority[i]:
        parts.append("national priority")
    text = (
        f"{problem.unit_ids[i]} in {year}: US$ {b.cost_usd[i]:,.0f}, {b.team_days[i]:,.0f} team-days; "
        + "; ".join(parts)
    )
    share = sum(float(b.group_points[g]) / max(1, int(np.diff(problem.blocker_ptr)[g])) for g in groups)
    return TaskReason(
        problem.unit_ids[i],
        year,
        float(b.cost_usd[i]),
        float(b.team_days[i]),
        float(problem.area_m2[i] / 1e6),
        float(problem.farmland_ha[i]),
        float(problem.casualties_per_year[i]),
        float(b.unit_points[i] + share),
        tuple(problem.group_ids[g] for g in groups),
        fam,
        text,
    )
