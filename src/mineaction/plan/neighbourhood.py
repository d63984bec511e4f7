"""Neighbourhood MIPs: re-optimise a few hundred areas with every other area kept at its year.

``neighbourhood_model`` builds the time-indexed model of the free areas alone: the money and team-days the
kept areas leave each year, and the settlements and assets the free areas help unblock, each available no
earlier than its last kept blocker (a group with a kept blocker out of the plan is left out: it cannot be
completed). ``choose_neighbourhood`` picks the areas worth freeing from a priced schedule: those the repair
moved, then those whose choice of year was closest at the prices, with the other blockers of their settlements
and assets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineaction.plan.closure import PricedSubproblem, Pricing
from mineaction.plan.model import Benefits, TimeIndexedModel, assemble_model
from mineaction.plan.problem import PlanningProblem

__all__ = ["Neighbourhood", "choose_neighbourhood", "neighbourhood_model"]


@dataclass(frozen=True, eq=False)
class Neighbourhood:
    """The model of the free areas ``free`` (indices), around the full schedule ``incumbent``."""

    free: np.ndarray
    model: TimeIndexedModel
    incumbent: np.ndarray

    def start(self) -> np.ndarray:
        """Column values of the incumbent (the warm start)."""
        return self.model.start(self.incumbent[self.free])

    def schedule(self, values: np.ndarray) -> np.ndarray:
        """The full schedule: the incumbent with the free areas at the years in ``values``."""
        out = self.incumbent.copy()
        out[self.free] = self.model.schedule(values)
        return out


def neighbourhood_model(
    problem: PlanningProblem, b: Benefits, incumbent: np.ndarray, free: np.ndarray
) -> Neighbourhood:
    """The model of the areas where ``free`` (bool per area) is True; the others keep their ``incumbent``
    year (index, -1 never), which must be a feasible schedule."""
    t = problem.n_years
    units = np.flatnonzero(free)
    local = np.full(problem.n_units, -1)
    local[units] = np.arange(len(units))
    kept = ~free & (incumbent >= 0)
    spend = np.bincount(incumbent[kept], weights=b.cost_usd[kept], minlength=t)
    used = np.bincount(incumbent[kept], weights=b.team_days[kept], minlength=t)
    owner, idx = problem.group_of_blocker(), problem.blocker_idx
    free_entry = free[idx]
    ready = np.zeros(problem.n_groups, dtype=np.int64)
    kept_year = np.where(incumbent[idx] < 0, t, incumbent[idx])
    np.maximum.at(ready, owner[~free_entry], kept_year[~free_entry])
    touched = np.zeros(problem.n_groups, dtype=bool)
    touched[owner[free_entry]] = True
    groups = np.flatnonzero(touched & (ready < t))
    in_model = np.zeros(problem.n_groups, dtype=bool)
    in_model[groups] = True
    entry = in_model[owner] & free_entry
    sizes = np.bincount(owner[entry], minlength=problem.n_groups)[groups]
    z_upper = np.ones((len(units), t))
    if problem.settings.require_secure:
        z_upper = (np.arange(t)[None, :] >= problem.earliest_year[units][:, None]).astype(float)
    model = assemble_model(
        b,
        unit_points=b.unit_points[units],
        cost_usd=b.cost_usd[units],
        team_days=b.team_days[units],
        z_upper=z_upper,
        group_points=b.group_points[groups],
        blocker_ptr=np.concatenate([[0], np.cumsum(sizes)]),
        blocker_idx=local[idx[entry]],
        y_upper=(np.arange(t)[None, :] >= ready[groups][:, None]).astype(float),
        budget_usd=np.maximum(problem.budget_usd - spend, 0.0),
        capacity=np.maximum(problem.team_days_capacity - used, 0.0),
    )
    return Neighbourhood(units, model, incumbent.copy())


def choose_neighbourhood(
    problem: PlanningProblem,
    sub: PricedSubproblem,
    pricing: Pricing,
    incumbent: np.ndarray,
    *,
    size: int,
    exclude: np.ndarray | None = None,
    unsettled: np.ndarray | None = None,
) -> np.ndarray:
    """About ``size`` areas to free (bool per area): where ``incumbent`` left the priced schedule's year or
    near-best prices disagree (``unsettled``, bool per area: like the fractional areas of an LP), then the
    closest choices at the prices (smallest margin between the best and second-best year per US$), then the
    other blockers of their settlements and assets, up to twice ``size``.

    ``exclude`` (bool per area) marks areas not to pick in the first two steps, e.g. a previous round's.
    """
    v = sub.unit_values(pricing.lam, pricing.mu)
    r = sub.group_values(v)
    margin = _margin(v)
    owner = problem.group_of_blocker()
    np.minimum.at(margin, problem.blocker_idx, _margin(r)[owner])
    score = margin / np.maximum(sub.b.cost_usd, 1e-9)
    moved = incumbent != pricing.schedule
    if unsettled is not None:
        moved = moved | unsettled
    score[moved] -= score.max() + 1.0  # where the plan left the priced year first, closest first
    if exclude is not None:
        score[exclude] = np.inf
    order = np.argsort(score, kind="stable")[:size]
    free = np.zeros(problem.n_units, dtype=bool)
    free[order[np.isfinite(score[order])]] = True
    touched = np.zeros(problem.n_groups, dtype=bool)
    touched[owner[free[problem.blocker_idx]]] = True
    mates = problem.blocker_idx[touched[owner]]
    mates = mates[~free[mates]]
    free[mates[: max(0, 2 * size - int(free.sum()))]] = True
    return free


def _margin(values: np.ndarray) -> np.ndarray:
    """Best minus second-best value of each row."""
    top = np.partition(values, -2, axis=1)
    return top[:, -1] - top[:, -2]
