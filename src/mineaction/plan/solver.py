"""The clearance planner: a certified plan beside the greedy baseline, by the method that fits the size.

``ClearancePlanner(...).solve(problem)`` returns an immutable ``PlanResult``. Steps, all in the same run:

1. the greedy benefit/cost baseline (``greedy_schedule``);
2. a search (``mineaction.plan.search``): for small problems (``n_units * n_years <=
   full_model_max_binaries``) the whole time-indexed MIP, with the LP relaxation's bound; for larger ones
   Lagrangian prices on each year's money and team-days (a certified bound), list scheduling in the priced
   order of years, and neighbourhood MIPs; ``method="lp"`` keeps the earlier LP relaxation plus one
   neighbourhood MIP, to compare.

Every HiGHS run is a child process with a hard time limit (``run_highs``); the plan kept is never worse than
the greedy one, and its gap is ``(bound - objective) / bound`` against an upper bound of the whole problem.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from mineaction.plan.evaluate import (
    TaskReason,
    YearlyFigures,
    check_schedule,
    schedule_objective,
    task_reasons,
    yearly_figures,
)
from mineaction.plan.greedy import greedy_schedule
from mineaction.plan.model import benefits
from mineaction.plan.problem import PlanningProblem
from mineaction.plan.search import Outcome, Replay, SearchRun, full_mip, lagrangian, lp_neighbourhood

__all__ = ["ClearancePlanner", "PlanResult"]


@dataclass(frozen=True, eq=False)
class PlanResult:
    """An immutable plan: when each hazardous area is released, what it achieves, and how sure we are.

    ``schedule`` maps each area id to its calendar year, or None when it is not in the plan. ``objective`` and
    ``greedy_objective`` are discounted benefit points; ``bound`` is an upper bound on the best possible plan,
    so ``mip_gap`` (relative) certifies how far from optimal the plan can be at most. ``method`` says how the
    plan was searched for and ``produced_by`` which step produced the schedule kept (``greedy`` when nothing
    beat it). ``shadow_prices`` are the bound's yearly prices where the method has them: benefit points one
    more US$ (or team-day) in that year could buy at most.
    """

    problem_hash: str
    years: tuple[int, ...]
    unit_ids: tuple[str, ...]
    year_index: np.ndarray
    objective: float
    bound: float
    mip_gap: float
    status: str
    method: str
    solver: str
    seed: int
    time_limit_s: float
    seconds: float
    greedy_objective: float
    greedy_year_index: np.ndarray
    figures: YearlyFigures
    greedy_figures: YearlyFigures
    reasons: tuple[TaskReason, ...]
    simulated: bool
    steps: tuple[Mapping[str, Any], ...] = ()
    produced_by: str = ""
    shadow_prices: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    schedule: Mapping[str, int | None] = field(init=False)

    def __post_init__(self) -> None:
        mapping = {
            uid: (self.years[int(t)] if t >= 0 else None)
            for uid, t in zip(self.unit_ids, self.year_index.tolist(), strict=True)
        }
        object.__setattr__(self, "schedule", MappingProxyType(mapping))

    def families_by_year(self, n: int, *, greedy: bool = False) -> int:
        """Families able to return by the end of plan year ``n`` (1 = first year)."""
        figures = self.greedy_figures if greedy else self.figures
        return int(figures.families_returned[min(n, len(self.years)) - 1])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form: figures by year for the plan and the greedy baseline, schedule and reasons."""
        figures = self.figures.as_dict()
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "mip_gap": self.mip_gap,
            "greedy_objective": self.greedy_objective,
            "method": self.method,
            "produced_by": self.produced_by,
            "solver": self.solver,
            "seed": self.seed,
            "time_limit_s": self.time_limit_s,
            "seconds": round(self.seconds, 3),
            "problem_hash": self.problem_hash,
            "simulated": self.simulated,
            **figures,
            "casualties_averted": float(self.figures.casualties_averted.sum()),
            "families_returned_by_year_3": self.families_by_year(3),
            "greedy": {
                **self.greedy_figures.as_dict(),
                "objective": self.greedy_objective,
                "casualties_averted": float(self.greedy_figures.casualties_averted.sum()),
                "families_returned_by_year_3": self.families_by_year(3, greedy=True),
            },
            "schedule": dict(self.schedule),
            "reasons": [r.__dict__ for r in self.reasons],
            "steps": [dict(s) for s in self.steps],
            "shadow_prices": {k: list(v) for k, v in self.shadow_prices.items()},
        }


_METHODS = ("auto", "lagrangian", "lp", "mip")


class ClearancePlanner:
    """Plans which hazardous areas to release in which year (see the module docstring for the method).

    Parameters
    ----------
    time_limit_s : hard limit on the whole solve, s (child processes are killed past it)
    mip_gap : relative optimality gap at which the MIP may stop
    seed : HiGHS random seed (same seed, same problem, within the limit: same plan)
    full_model_max_binaries : with ``method="auto"``, above this many area-year binaries use Lagrangian
        pricing and neighbourhood MIPs, below it the whole MIP
    neighbourhood_max_units : at most this many areas are re-optimised in a neighbourhood MIP (and at most
        25 per second of ``time_limit_s``, so short limits get a neighbourhood HiGHS can finish)
    lp_time_share : share of the time limit the LP relaxation may use (methods ``mip`` and ``lp``)
    bound_time_share : share of the time limit the Lagrangian price search may use
    method : ``auto``, ``lagrangian``, ``lp`` (LP relaxation + one neighbourhood MIP) or ``mip`` (whole MIP)
    """

    def __init__(
        self,
        *,
        time_limit_s: float = 60.0,
        mip_gap: float = 0.01,
        seed: int = 0,
        full_model_max_binaries: int = 20_000,
        neighbourhood_max_units: int = 1_500,
        lp_time_share: float = 0.75,
        bound_time_share: float = 0.5,
        method: str = "auto",
    ) -> None:
        if method not in _METHODS:
            raise ValueError(f"unknown planning method {method!r}; use one of {', '.join(_METHODS)}")
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        self.seed = seed
        self.full_model_max_binaries = full_model_max_binaries
        self.neighbourhood_max_units = neighbourhood_max_units
        self.lp_time_share = lp_time_share
        self.bound_time_share = bound_time_share
        self.method = method

    def get_params(self) -> dict[str, Any]:
        """The planner's parameters, as saved with every plan."""
        return {
            "time_limit_s": self.time_limit_s,
            "mip_gap": self.mip_gap,
            "seed": self.seed,
            "full_model_max_binaries": self.full_model_max_binaries,
            "neighbourhood_max_units": self.neighbourhood_max_units,
            "lp_time_share": self.lp_time_share,
            "bound_time_share": self.bound_time_share,
            "method": self.method,
        }

    def solve(
        self,
        problem: PlanningProblem,
        *,
        replay: Replay | None = None,
        start_prices: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> PlanResult:
        """Plan ``problem``; raises PlanError if it is contradictory or nothing at all can be afforded.

        ``replay`` re-runs a saved plan's search step for step (see ``Replay``); ``start_prices`` starts the
        Lagrangian price search from a saved plan's shadow prices (re-planning).
        """
        started = time.perf_counter()
        problem.validate()
        b = benefits(problem)
        greedy = greedy_schedule(problem, b)
        check_schedule(problem, b, greedy)
        search = SearchRun(
            problem,
            b,
            greedy,
            self.time_limit_s,
            self.mip_gap,
            self.seed,
            self.neighbourhood_max_units,
            started,
            replay,
        )
        search.steps.append(
            {"step": "greedy", "objective": search.best_value, "seconds": time.perf_counter() - started}
        )
        outcome = self._search(search, start_prices)
        return self.finish(search, outcome)

    def _search(self, search: SearchRun, start_prices: tuple[np.ndarray, np.ndarray] | None) -> Outcome:
        problem = search.problem
        method = self.method
        if method == "auto":
            small = problem.n_units * problem.n_years <= self.full_model_max_binaries
            method = "mip" if small else "lagrangian"
        if method == "mip":
            return full_mip(search, lp_share=self.lp_time_share)
        if method == "lp":
            return lp_neighbourhood(search, lp_share=self.lp_time_share)
        return lagrangian(search, bound_share=self.bound_time_share, start=start_prices)

    def finish(self, search: SearchRun, outcome: Outcome) -> PlanResult:
        """The ``PlanResult`` of a search's outcome: figures, reasons and the gap against its bound."""
        problem, b, started = search.problem, search.b, search.started
        best = outcome.schedule
        check_schedule(problem, b, best)
        objective = schedule_objective(problem, b, best)
        gap = max(0.0, (outcome.bound - objective) / max(abs(outcome.bound), 1e-9))
        status = "optimal" if gap <= 1e-6 else "within_gap" if gap <= self.mip_gap else "gap_above_target"
        prices = {}
        if outcome.prices is not None:
            prices = {
                "points_per_usd": tuple(float(v) for v in outcome.prices[0]),
                "points_per_team_day": tuple(float(v) for v in outcome.prices[1]),
            }
        return PlanResult(
            problem.content_hash(),
            problem.years,
            problem.unit_ids,
            best,
            objective,
            outcome.bound,
            gap,
            status,
            outcome.method,
            search.solver,
            self.seed,
            self.time_limit_s,
            time.perf_counter() - started,
            schedule_objective(problem, b, search.greedy),
            search.greedy,
            yearly_figures(problem, b, best),
            yearly_figures(problem, b, search.greedy),
            task_reasons(problem, b, best),
            problem.simulated,
            tuple(MappingProxyType(s) for s in search.steps),
            outcome.produced_by,
            MappingProxyType(prices),
        )
