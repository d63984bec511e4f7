"""The clearance planner: a HiGHS mixed-integer programme, certified against a bound, beside greedy.

``ClearancePlanner(...).solve(problem)`` returns an immutable ``PlanResult``. Steps, all in the same run:

1. greedy benefit/cost baseline (``greedy_schedule``);
2. small problems (``n_units * n_years <= full_model_max_binaries``): the whole time-indexed MIP, warm-started
   from the greedy plan; its dual bound certifies the gap;
3. large problems: the LP relaxation of the whole model gives the bound (and a schedule by rounding); then a
   MIP re-optimises the areas where the LP and the best plan so far disagree, all other areas fixed,
   warm-started.

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
from mineaction.plan.greedy import greedy_schedule, round_relaxation
from mineaction.plan.highs_run import SolverRun, run_highs
from mineaction.plan.model import Benefits, TimeIndexedModel, benefits, time_indexed_model
from mineaction.plan.problem import PlanningProblem

__all__ = ["ClearancePlanner", "PlanResult"]


@dataclass(frozen=True, eq=False)
class PlanResult:
    """An immutable plan: when each hazardous area is released, what it achieves, and how sure we are.

    ``schedule`` maps each area id to its calendar year, or None when it is not in the plan. ``objective`` and
    ``greedy_objective`` are discounted benefit points; ``bound`` is an upper bound on the best possible plan,
    so ``mip_gap`` (relative) certifies how far from optimal the plan can be at most.
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
        }


class ClearancePlanner:
    """Plans which hazardous areas to release in which year (see the module docstring for the method).

    Parameters
    ----------
    time_limit_s : hard limit on the whole solve, s (child processes are killed past it)
    mip_gap : relative optimality gap at which the MIP may stop
    seed : HiGHS random seed (same seed, same problem, within the limit: same plan)
    full_model_max_binaries : above this many area-year binaries, decompose (LP bound + neighbourhood MIP)
    neighbourhood_max_units : at most this many areas are re-optimised in the neighbourhood MIP (and at most
        25 per second of ``time_limit_s``, so short limits get a neighbourhood HiGHS can finish)
    lp_time_share : share of the time limit the LP relaxation may use on large problems
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
    ) -> None:
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        self.seed = seed
        self.full_model_max_binaries = full_model_max_binaries
        self.neighbourhood_max_units = neighbourhood_max_units
        self.lp_time_share = lp_time_share
        self._replay: int | None = None

    def get_params(self) -> dict[str, Any]:
        """The planner's parameters, as saved with every plan."""
        return {
            "time_limit_s": self.time_limit_s,
            "mip_gap": self.mip_gap,
            "seed": self.seed,
            "full_model_max_binaries": self.full_model_max_binaries,
            "neighbourhood_max_units": self.neighbourhood_max_units,
            "lp_time_share": self.lp_time_share,
        }

    def solve(self, problem: PlanningProblem, *, replay_improving: int | None = None) -> PlanResult:
        """Plan ``problem``; raises PlanError if it is contradictory or nothing at all can be afforded.

        ``replay_improving`` re-runs a plan whose MIP step a time limit stopped: the MIP stops at its
        this-many-th improving solution beyond the warm start instead (with three times the time; 0 skips the
        MIP), so the same problem, parameters and seed give the same plan.
        """
        started = time.perf_counter()
        self._replay = replay_improving
        problem.validate()
        b = benefits(problem)
        greedy = greedy_schedule(problem, b)
        check_schedule(problem, b, greedy)
        g_obj = schedule_objective(problem, b, greedy)
        steps: list[dict[str, Any]] = [
            {"step": "greedy", "objective": g_obj, "seconds": time.perf_counter() - started}
        ]
        best, bound, solver, method = self._search(problem, b, greedy, started, steps)
        check_schedule(problem, b, best)
        objective = schedule_objective(problem, b, best)
        gap = max(0.0, (bound - objective) / max(abs(bound), 1e-9))
        status = "optimal" if gap <= 1e-6 else "within_gap" if gap <= self.mip_gap else "gap_above_target"
        return PlanResult(
            problem.content_hash(),
            problem.years,
            problem.unit_ids,
            best,
            objective,
            bound,
            gap,
            status,
            method,
            solver,
            self.seed,
            self.time_limit_s,
            time.perf_counter() - started,
            g_obj,
            greedy,
            yearly_figures(problem, b, best),
            yearly_figures(problem, b, greedy),
            task_reasons(problem, b, best),
            problem.simulated,
            tuple(MappingProxyType(s) for s in steps),
        )

    # --- strategies -----------------------------------------------------------------------------------------

    def _remaining(self, started: float) -> float:
        return max(0.5, self.time_limit_s - (time.perf_counter() - started) - 1.0)

    def _mip(self, model: TimeIndexedModel, start: np.ndarray, gap: float, started: float) -> SolverRun:
        if self._replay is None:
            return run_highs(
                model,
                integer=True,
                time_limit_s=self._remaining(started),
                mip_gap=gap,
                seed=self.seed,
                start=start,
            )
        if self._replay == 0:  # the saved run found nothing beyond its warm start
            nan = float("nan")
            return SolverRun("skipped in replay", None, nan, nan, nan, 0.0)
        return run_highs(
            model,
            integer=True,
            time_limit_s=self._remaining(started) * 3.0 + 5.0,
            mip_gap=gap,
            seed=self.seed,
            start=start,
            max_improving=self._replay,
        )

    def _search(
        self,
        problem: PlanningProblem,
        b: Benefits,
        greedy: np.ndarray,
        started: float,
        steps: list[dict[str, Any]],
    ) -> tuple[np.ndarray, float, str, str]:
        model = time_indexed_model(problem)
        lp = run_highs(
            model, integer=False, time_limit_s=self._remaining(started) * self.lp_time_share, seed=self.seed
        )
        steps.append(
            {
                "step": "LP relaxation (bound)",
                "objective": lp.objective,
                "status": lp.status,
                "seconds": lp.seconds,
            }
        )
        if lp.values is None or lp.status != "Optimal":
            return greedy, _trivial_bound(b), lp.version, "greedy (LP relaxation did not finish in time)"
        best, bound = greedy, lp.objective
        for threshold in (1 - 1e-6, 0.5):
            rounded = round_relaxation(problem, b, model, lp.values, threshold=threshold)
            r_obj = schedule_objective(problem, b, rounded)
            steps.append({"step": f"LP rounding at z >= {threshold:g}", "objective": r_obj})
            if r_obj > schedule_objective(problem, b, best):
                best = rounded
        if problem.n_units * problem.n_years <= self.full_model_max_binaries:
            run = self._mip(model, model.start(best, problem), self.mip_gap, started)
            best = self._better(problem, b, best, run, model.schedule, steps, "full MIP")
            bound = min(bound, run.bound) if np.isfinite(run.bound) else bound
            return (
                best,
                bound,
                lp.version,
                (
                    "LP relaxation bound, then the full time-indexed MIP warm-started "
                    "from the best of greedy and LP rounding"
                ),
            )
        free = self._neighbourhood(problem, b, model.schedule(lp.values), lp.values[: model.n_z], best)
        sub = time_indexed_model(problem, fixed=np.where(free, -2, best))
        run = self._mip(sub, sub.start(best, problem), self.mip_gap / 10, started)
        best = self._better(
            problem, b, best, run, sub.schedule, steps, f"neighbourhood MIP ({int(free.sum())} areas free)"
        )
        return (
            best,
            bound,
            lp.version,
            (
                "LP relaxation bound, LP rounding, then a neighbourhood MIP warm-started "
                "from the best of greedy and rounding"
            ),
        )

    def _neighbourhood(
        self, problem: PlanningProblem, b: Benefits, lp_years: np.ndarray, z: np.ndarray, best: np.ndarray
    ) -> np.ndarray:
        zz = z.reshape(problem.n_units, problem.n_years)
        fractional = ((zz > 1e-6) & (zz < 1 - 1e-6)).any(axis=1)
        disagree = lp_years != best
        # fractional areas first, then disagreements by yearly benefit; then their groups' other blockers
        score = fractional * 1e12 + disagree * (1.0 + b.unit_points)
        cap = max(50, min(self.neighbourhood_max_units, int(25 * self.time_limit_s)))
        order = np.argsort(-score, kind="stable")[:cap]
        free = np.zeros(problem.n_units, dtype=bool)
        free[order[score[order] > 0]] = True
        owner = problem.group_of_blocker()
        touched = np.zeros(problem.n_groups, dtype=bool)
        touched[owner[free[problem.blocker_idx]]] = True
        mates = problem.blocker_idx[touched[owner]]
        room = 2 * cap - int(free.sum())
        free[mates[~free[mates]][: max(0, room)]] = True
        return free

    @staticmethod
    def _better(
        problem: PlanningProblem,
        b: Benefits,
        incumbent: np.ndarray,
        run: SolverRun,
        decode: Any,
        steps: list[dict[str, Any]],
        name: str,
    ) -> np.ndarray:
        step: dict[str, Any] = {
            "step": name,
            "status": run.status,
            "seconds": run.seconds,
            "bound": run.bound,
            "nodes": run.nodes,
            "improving_solutions": run.improving,
        }
        steps.append(step)
        if run.values is None:
            return incumbent
        candidate = decode(run.values)
        try:
            check_schedule(problem, b, candidate, rel_tol=1e-6)
        except ValueError:
            step["rejected"] = "infeasible beyond tolerance"
            return incumbent
        value = schedule_objective(problem, b, candidate)
        step["objective"] = value
        return candidate if value > schedule_objective(problem, b, incumbent) else incumbent


def _trivial_bound(b: Benefits) -> float:
    # everything released in the first year
    return float((b.unit_points.sum() + b.group_points.sum()) * b.remaining_weight[0])
