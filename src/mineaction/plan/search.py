"""How a plan is searched for: the three strategies the planner chooses between, and replaying them.

Each strategy starts from the greedy plan and returns the best schedule it found, an upper bound of the whole
problem (so the gap it implies is certified) and a description of the method:

- ``full_mip``: small problems: the LP relaxation's bound, its roundings, then the whole time-indexed MIP in
  HiGHS warm-started from the best of them (HiGHS's dual bound tightens the bound);
- ``lp_neighbourhood``: the LP relaxation of the whole model (dual simplex), its roundings, then one
  neighbourhood MIP where the LP and the best plan disagree (the method before Lagrangian pricing; kept to
  compare and for problems of medium size);
- ``lagrangian``: prices on each year's money and team-days (``lagrangian_bound``) give the bound; list
  scheduling in the priced order of years gives plans; neighbourhood MIPs around the areas whose priced choice
  of year was closest improve the best one while time remains.

Every HiGHS run is a child process under a hard time limit (``run_highs``). A re-run replays a saved plan's
steps: the same number of price evaluations and, for MIP steps a time limit stopped, the same count of
improving solutions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import numpy as np

from mineaction.plan.closure import PricedSubproblem, Pricing
from mineaction.plan.evaluate import check_schedule, schedule_objective
from mineaction.plan.greedy import fill_schedule, list_schedule, round_relaxation
from mineaction.plan.highs_run import SolverRun, run_highs
from mineaction.plan.lagrange import lagrangian_bound
from mineaction.plan.model import Benefits, TimeIndexedModel, time_indexed_model
from mineaction.plan.neighbourhood import choose_neighbourhood, neighbourhood_model
from mineaction.plan.problem import PlanningProblem

_ROUND_AREAS = 150  # areas a neighbourhood frees before their settlements' other blockers: HiGHS solves
# such a model (about 300 areas x the years) in a few seconds, often to optimality

__all__ = ["Outcome", "Replay", "SearchRun", "full_mip", "lagrangian", "lp_neighbourhood"]


@dataclass(frozen=True)
class Replay:
    """What a saved plan's search did, to do it again: price evaluations, and for each MIP step the count of
    improving solutions it had found beyond its warm start when a time limit stopped it (None: finished)."""

    price_evaluations: int | None = None
    mip_improving: tuple[int | None, ...] = ()


@dataclass(frozen=True, eq=False)
class Outcome:
    """A strategy's result: best schedule, certified bound, method text, the step that produced the schedule
    and the yearly prices (points per US$ and per team-day) where the method has them."""

    schedule: np.ndarray
    bound: float
    method: str
    produced_by: str
    prices: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(eq=False)
class SearchRun:
    """The state one solve shares between its steps: problem, benefits, clock, parameters, steps so far."""

    problem: PlanningProblem
    b: Benefits
    greedy: np.ndarray
    time_limit_s: float
    mip_gap: float
    seed: int
    neighbourhood_max_units: int
    started: float
    replay: Replay | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    best: np.ndarray = field(init=False)
    best_value: float = field(init=False)
    produced_by: str = "greedy"
    solver: str = field(default_factory=lambda: f"HiGHS {version('highspy')}")
    _mips: int = 0

    def __post_init__(self) -> None:
        self.best, self.best_value = self.greedy, schedule_objective(self.problem, self.b, self.greedy)

    def remaining(self) -> float:
        """Seconds left of the time limit, less a second to finish the result (at least half a second)."""
        return max(0.5, self.time_limit_s - (time.perf_counter() - self.started) - 1.0)

    def offer(self, schedule: np.ndarray, name: str, step: dict[str, Any] | None = None) -> bool:
        """Keep ``schedule`` if it is feasible and better than the best so far; True if kept."""
        try:
            check_schedule(self.problem, self.b, schedule, rel_tol=1e-6)
        except ValueError:
            if step is not None:
                step["rejected"] = "infeasible beyond tolerance"
            return False
        value = schedule_objective(self.problem, self.b, schedule)
        if step is not None:
            step["objective"] = value
        if value > self.best_value:
            self.best, self.best_value, self.produced_by = schedule, value, name
            return True
        return False

    def mip(self, model: TimeIndexedModel, start: np.ndarray, gap: float, limit: float) -> SolverRun:
        """HiGHS on ``model`` as a MIP within ``limit`` s, or the saved run's replay."""
        k, self._mips = self._mips, self._mips + 1
        saved = self.replay.mip_improving if self.replay is not None else ()
        cap = saved[k] if k < len(saved) else None
        if self.replay is not None and cap == 0:  # the saved step found nothing beyond its warm start
            nan = float("nan")
            return SolverRun("skipped in replay", None, nan, nan, nan, 0.0)
        if cap is not None:
            limit = limit * 3.0 + 5.0
        return run_highs(
            model,
            integer=True,
            time_limit_s=limit,
            mip_gap=gap,
            seed=self.seed,
            start=start,
            max_improving=cap,
        )

    def mip_step(self, name: str, run: SolverRun, decode: Any) -> None:
        """Record a MIP step and offer its schedule."""
        step: dict[str, Any] = {
            "step": name,
            "status": run.status,
            "seconds": run.seconds,
            "bound": run.bound,
            "nodes": run.nodes,
            "improving_solutions": run.improving,
        }
        self.steps.append(step)
        if run.version != "HiGHS":
            self.solver = run.version
        if run.values is not None:
            self.offer(decode(run.values), name, step)


def _lp(search: SearchRun, share: float) -> tuple[TimeIndexedModel, SolverRun]:
    model = time_indexed_model(search.problem)
    lp = run_highs(model, integer=False, time_limit_s=search.remaining() * share, seed=search.seed)
    search.steps.append(
        {
            "step": "LP relaxation (bound)",
            "objective": lp.objective,
            "status": lp.status,
            "seconds": lp.seconds,
        }
    )
    return model, lp


def _roundings(search: SearchRun, model: TimeIndexedModel, values: np.ndarray) -> None:
    for threshold in (1 - 1e-6, 0.5):
        rounded = round_relaxation(search.problem, search.b, model, values, threshold=threshold)
        name = f"LP rounding at z >= {threshold:g}"
        step: dict[str, Any] = {"step": name}
        search.steps.append(step)
        search.offer(rounded, name, step)


def full_mip(search: SearchRun, *, lp_share: float = 0.75) -> Outcome:
    """LP bound and roundings, then the whole MIP warm-started from the best plan (small problems)."""
    model, lp = _lp(search, lp_share)
    if lp.values is None or lp.status != "Optimal":
        return _no_lp(search)
    _roundings(search, model, lp.values)
    run = search.mip(model, model.start(search.best), search.mip_gap, search.remaining())
    search.mip_step("full MIP", run, model.schedule)
    bound = min(lp.objective, run.bound) if np.isfinite(run.bound) else lp.objective
    method = (
        "LP relaxation bound, then the full time-indexed MIP warm-started from the best of greedy and LP "
        "rounding"
    )
    return Outcome(search.best, bound, method, search.produced_by)


def lp_neighbourhood(search: SearchRun, *, lp_share: float = 0.75) -> Outcome:
    """LP bound and roundings, then one neighbourhood MIP where the LP and the best plan disagree."""
    problem, b = search.problem, search.b
    model, lp = _lp(search, lp_share)
    if lp.values is None or lp.status != "Optimal":
        return _no_lp(search)
    _roundings(search, model, lp.values)
    z = lp.values[: model.n_z].reshape(problem.n_units, problem.n_years)
    fractional = ((z > 1e-6) & (z < 1 - 1e-6)).any(axis=1)
    disagree = model.schedule(lp.values) != search.best
    score = fractional * 1e12 + disagree * (1.0 + b.unit_points)
    cap = max(50, min(search.neighbourhood_max_units, int(25 * search.time_limit_s)))
    free = _with_mates(problem, np.argsort(-score, kind="stable")[:cap], score, 2 * cap)
    hood = neighbourhood_model(problem, b, search.best, free)
    run = search.mip(hood.model, hood.start(), search.mip_gap / 10, search.remaining())
    search.mip_step(f"neighbourhood MIP ({int(free.sum())} areas free)", run, hood.schedule)
    method = (
        "LP relaxation bound, LP rounding, then a neighbourhood MIP warm-started from the best of greedy and "
        "rounding"
    )
    return Outcome(search.best, lp.objective, method, search.produced_by)


def _with_mates(problem: PlanningProblem, order: np.ndarray, score: np.ndarray, most: int) -> np.ndarray:
    free = np.zeros(problem.n_units, dtype=bool)
    free[order[score[order] > 0]] = True
    owner = problem.group_of_blocker()
    touched = np.zeros(problem.n_groups, dtype=bool)
    touched[owner[free[problem.blocker_idx]]] = True
    mates = problem.blocker_idx[touched[owner]]
    mates = mates[~free[mates]]
    free[mates[: max(0, most - int(free.sum()))]] = True
    return free


def _no_lp(search: SearchRun) -> Outcome:
    b = search.b
    trivial = float((b.unit_points.sum() + b.group_points.sum()) * b.remaining_weight[0])
    return Outcome(search.greedy, trivial, "greedy (LP relaxation did not finish in time)", "greedy")


def lagrangian(
    search: SearchRun,
    *,
    bound_share: float = 0.5,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    max_rounds: int = 8,
) -> Outcome:
    """Priced bound, list-scheduled plans, then neighbourhood MIP rounds while time remains."""
    problem, b = search.problem, search.b
    sub = PricedSubproblem(problem, b)
    # beyond about 200,000 area-years a neighbourhood of a few hundred areas moves the objective little: the
    # prices (which make the list schedules good) get most of the time
    share = bound_share if problem.n_units * problem.n_years <= 200_000 else max(bound_share, 0.7)
    limit = search.remaining() * share
    evaluations = 250  # time, a settled bound or this many evaluations end the search
    if search.replay is not None and search.replay.price_evaluations is not None:
        limit, evaluations = float("inf"), search.replay.price_evaluations
    priced = lagrangian_bound(
        problem, b, time_limit_s=limit, max_evaluations=evaluations, start=start, subproblem=sub
    )
    search.steps.append(
        {
            "step": "Lagrangian bound (prices on yearly money and team-days)",
            "objective": priced.bound,
            "evaluations": priced.evaluations,
            "cut_components": priced.cut_components,
            "stopped": priced.stopped,
            "seconds": priced.seconds,
        }
    )
    _list_schedules(search, priced.leading[: 2 if problem.n_units <= 20_000 else 1])
    rounds = _neighbourhood_rounds(search, sub, priced.leading, priced.bound, max_rounds)
    method = (
        f"Lagrangian bound ({priced.evaluations} price evaluations), list scheduling in the priced order of "
        f"years, then {rounds} neighbourhood MIP round{'s' if rounds != 1 else ''}"
    )
    return Outcome(search.best, priced.bound, method, search.produced_by, (priced.best.lam, priced.best.mu))


def _list_schedules(search: SearchRun, pricings: tuple[Pricing, ...]) -> None:
    problem, b = search.problem, search.b
    sizes = np.maximum(np.diff(problem.blocker_ptr), 1).astype(float)
    share = np.bincount(
        problem.blocker_idx,
        weights=(b.group_points / sizes)[problem.group_of_blocker()],
        minlength=problem.n_units,
    )
    density = (b.unit_points + share) / np.maximum(b.cost_usd, 1e-9)
    for k, pricing in enumerate(pricings):
        regret = _regret(search, pricing)
        for name, priority in (
            ("regret", regret),
            ("benefit per US$", density),
            ("smallest first", -b.cost_usd),
        ):
            started = time.perf_counter()
            plan = fill_schedule(problem, b, list_schedule(problem, b, pricing.schedule, priority))
            label = f"list schedule {k + 1} ({name})"
            step: dict[str, Any] = {"step": label}
            search.steps.append(step)
            search.offer(plan, label, step)
            step["seconds"] = time.perf_counter() - started


def _regret(search: SearchRun, pricing: Pricing) -> np.ndarray:
    """What waiting a year would cost each area at the prices, per US$ (its value now minus next year's)."""
    b, t = search.b, search.problem.n_years
    years = np.where(pricing.schedule < 0, t, pricing.schedule)
    later = np.minimum(years + 1, t)
    weight = np.append(b.remaining_weight, 0.0)
    lam = np.append(pricing.lam, 0.0)
    mu = np.append(pricing.mu, 0.0)
    now = b.unit_points * weight[years] - b.cost_usd * lam[years] - b.team_days * mu[years]
    then = b.unit_points * weight[later] - b.cost_usd * lam[later] - b.team_days * mu[later]
    return (now - then) / np.maximum(b.cost_usd, 1e-9)


def _neighbourhood_rounds(
    search: SearchRun, sub: PricedSubproblem, leading: tuple[Pricing, ...], bound: float, max_rounds: int
) -> int:
    """Neighbourhood MIPs around the best plan until the gap target, the time or the rounds run out.

    Each round frees the areas whose priced choice was closest among those no fruitless round has tried yet
    (a round that improves the plan gives its areas back: around the new plan they may move again); three
    fruitless rounds in a row end the search.
    """
    problem, b = search.problem, search.b
    size = max(25, min(search.neighbourhood_max_units // 2, int(2.5 * search.time_limit_s), _ROUND_AREAS))
    replayed = search.replay is not None and search.replay.price_evaluations is not None
    rounds = len(search.replay.mip_improving) if replayed and search.replay is not None else max_rounds
    tried = np.zeros(problem.n_units, dtype=bool)
    pricing = leading[0]
    unsettled = np.zeros(problem.n_units, dtype=bool)
    for other in leading[1:3]:  # near-best prices that schedule an area differently: it sits at a margin
        unsettled |= other.schedule != pricing.schedule
    done = fruitless = 0
    while done < rounds and (replayed or fruitless < 3):
        if not replayed and (
            (bound - search.best_value) <= 0.01 * search.mip_gap * abs(bound) or search.remaining() < 3.0
        ):
            break
        free = choose_neighbourhood(
            problem, sub, pricing, search.best, size=size, exclude=tried, unsettled=unsettled
        )
        hood = neighbourhood_model(problem, b, search.best, free)
        share = 0.25 if done == 0 else 0.1  # the first round, around the repaired priced schedule, pays most
        limit = min(search.remaining() / 2, max(4.0, share * search.time_limit_s))
        before = search.best_value
        run = search.mip(hood.model, hood.start(), search.mip_gap / 10, limit)
        search.mip_step(f"neighbourhood MIP {done + 1} ({int(free.sum())} areas free)", run, hood.schedule)
        done += 1
        improved = search.best_value > before
        fruitless = 0 if improved else fruitless + 1
        tried = np.zeros_like(tried) if improved else tried | free
    return done
