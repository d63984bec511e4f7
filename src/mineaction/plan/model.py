"""The time-indexed model of a planning problem: yearly benefits, discounting and the MIP/LP matrices.

Variables, for unit i, group g and year t (0-based):

- ``z[i, t]`` in {0, 1}: area i is released by the end of year t (non-decreasing in t);
- ``y[g, t]`` in [0, 1]: settlement or asset g is available in year t; ``y[g, t] <= z[i, t]`` for every
  blocker i of g (all-or-nothing), so y is 1 only when all blockers are released and can stay continuous.

Rows: monotone release, money per year ``sum_i cost_i (z[i,t] - z[i,t-1]) <= budget_t``, team-days per year
likewise, and the blocker links. Objective (maximised): ``sum_t disc_t (sum_i b_i z[i,t] + sum_g a_g y[g,t])``
with ``disc_t = (1 + rate) ** -t``: each year an area is released or a group is available is worth its yearly
benefit, discounted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from mineaction.plan.problem import PlanningProblem

__all__ = ["Benefits", "TimeIndexedModel", "assemble_model", "benefits", "time_indexed_model"]


@dataclass(frozen=True, eq=False)
class Benefits:
    """Yearly benefit points of each unit and group, with the parts they are made of, and discount factors."""

    unit_points: np.ndarray
    group_points: np.ndarray
    farmland_points: np.ndarray
    casualty_points: np.ndarray
    unit_bonus: np.ndarray
    family_points: np.ndarray
    asset_points: np.ndarray
    group_bonus: np.ndarray
    discount: np.ndarray
    cost_usd: np.ndarray
    team_days: np.ndarray
    survey_reduction: np.ndarray

    @property
    def remaining_weight(self) -> np.ndarray:
        """Sum of discount factors from year t to the end: the worth of a benefit that starts in year t."""
        return np.cumsum(self.discount[::-1])[::-1]


def benefits(problem: PlanningProblem) -> Benefits:
    """Yearly benefit points (settings' weights and ANAMA bonuses), discount factors, costs and team-days."""
    s = problem.settings
    farm = s.weight_farmland_ha * problem.farmland_ha
    cas = s.weight_casualty * problem.casualties_per_year
    unit_bonus = (
        1.0 + s.bonus_national_priority * problem.priority + s.bonus_community_consulted * problem.consulted
    )
    is_asset = np.array([k != "settlement" for k in problem.group_kind], dtype=bool)
    fam = s.weight_family * problem.families.astype(float)
    asset = s.weight_asset_per_musd * problem.value_usd / 1e6 + s.weight_asset_min * is_asset
    group_bonus = 1.0 + s.bonus_reconstruction_ready * problem.reconstruction_ready
    reduction, cost, days = problem.costs()
    discount = (1.0 + s.discount_rate) ** -np.arange(problem.n_years, dtype=float)
    return Benefits(
        (farm + cas) * unit_bonus,
        (fam + asset) * group_bonus,
        farm,
        cas,
        unit_bonus,
        fam,
        asset,
        group_bonus,
        discount,
        cost,
        days,
        reduction,
    )


@dataclass(frozen=True, eq=False)
class TimeIndexedModel:
    """A maximisation model in column-wise sparse form, ready for HiGHS (``n_z`` binary columns first).

    ``blocker_ptr`` and ``blocker_idx`` are the model's own groups (settlements and assets) over its own
    units, so a model of part of a problem decodes and encodes schedules of that part.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sparse.csc_matrix
    n_z: int
    n_units: int
    n_years: int
    blocker_ptr: np.ndarray
    blocker_idx: np.ndarray

    @property
    def integrality(self) -> np.ndarray:
        """1 for the binary z columns, 0 for the continuous y columns."""
        out = np.zeros(len(self.cost), dtype=np.int8)
        out[: self.n_z] = 1
        return out

    def start(self, years: np.ndarray) -> np.ndarray:
        """Column values of a schedule (year index per unit, -1 unscheduled), e.g. a greedy warm start."""
        t = np.arange(self.n_years)
        z = (years[:, None] >= 0) & (years[:, None] <= t[None, :])
        n_groups = len(self.blocker_ptr) - 1
        done = (
            np.add.reduceat(z.astype(np.int64)[self.blocker_idx], self.blocker_ptr[:-1], axis=0)
            if n_groups
            else np.zeros((0, self.n_years), dtype=np.int64)
        )
        y = (done == np.diff(self.blocker_ptr)[:, None]) & (
            self.col_upper[self.n_z :].reshape(-1, self.n_years) > 0
        )
        return np.concatenate([z.ravel(), y.ravel()]).astype(float)

    def schedule(self, values: np.ndarray) -> np.ndarray:
        """Year index per unit from column values (first year with z >= 0.5), -1 where never released."""
        z = values[: self.n_z].reshape(self.n_units, self.n_years) > 0.5
        return np.where(z.any(axis=1), z.argmax(axis=1), -1)


def time_indexed_model(problem: PlanningProblem, *, fixed: np.ndarray | None = None) -> TimeIndexedModel:
    """Assemble the model; ``fixed`` (year index per unit, -2 for free) pins units to a year (-1: never)."""
    b = benefits(problem)
    n, t = problem.n_units, problem.n_years
    z_upper = np.ones((n, t))
    if problem.settings.require_secure:
        z_upper = (np.arange(t)[None, :] >= problem.earliest_year[:, None]).astype(float)
    model = assemble_model(
        b,
        unit_points=b.unit_points,
        cost_usd=b.cost_usd,
        team_days=b.team_days,
        z_upper=z_upper,
        group_points=b.group_points,
        blocker_ptr=problem.blocker_ptr,
        blocker_idx=problem.blocker_idx,
        y_upper=np.ones((problem.n_groups, t)),
        budget_usd=problem.budget_usd,
        capacity=problem.team_days_capacity,
    )
    if fixed is not None:
        pinned = fixed >= -1
        z_fixed = ((fixed[:, None] >= 0) & (fixed[:, None] <= np.arange(t)[None, :])).astype(float)
        zl, zu = model.col_lower[: n * t].reshape(n, t), model.col_upper[: n * t].reshape(n, t)
        zl[pinned], zu[pinned] = z_fixed[pinned], z_fixed[pinned]
    return model


def assemble_model(
    b: Benefits,
    *,
    unit_points: np.ndarray,
    cost_usd: np.ndarray,
    team_days: np.ndarray,
    z_upper: np.ndarray,
    group_points: np.ndarray,
    blocker_ptr: np.ndarray,
    blocker_idx: np.ndarray,
    y_upper: np.ndarray,
    budget_usd: np.ndarray,
    capacity: np.ndarray,
) -> TimeIndexedModel:
    """The time-indexed model of units and groups given as arrays (a whole problem or a part of one).

    ``z_upper`` (units x years) is 0 where a unit may not be released by that year; ``y_upper`` (groups x
    years) is 0 where a group cannot be available yet; ``budget_usd`` and ``capacity`` are the money and
    team-days the units may use each year; ``b`` gives the discount factors.
    """
    n, g, t = len(unit_points), len(group_points), len(b.discount)
    zid = np.arange(n * t).reshape(n, t)
    yid = n * t + np.arange(g * t).reshape(g, t)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r0 = 0

    def add(row: np.ndarray, col: np.ndarray, val: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        nonlocal r0
        rows.append(row + r0)
        cols.append(col)
        vals.append(val)
        lo.append(lower)
        hi.append(upper)
        r0 += len(lower)

    # monotone release: z[i, t-1] - z[i, t] <= 0
    m = n * (t - 1)
    r = np.arange(m)
    add(
        np.concatenate([r, r]),
        np.concatenate([zid[:, :-1].ravel(), zid[:, 1:].ravel()]),
        np.concatenate([np.ones(m), -np.ones(m)]),
        np.full(m, -np.inf),
        np.zeros(m),
    )
    for weight, limit in ((cost_usd, budget_usd), (team_days, capacity)):
        add(
            np.concatenate([np.repeat(np.arange(t), n), np.repeat(np.arange(1, t), n)]),
            np.concatenate([zid.T.ravel(), zid[:, :-1].T.ravel()]),
            np.concatenate([np.tile(weight, t), -np.tile(weight, t - 1)]),
            np.full(t, -np.inf),
            np.asarray(limit, float),
        )
    # all-or-nothing: y[g, t] - z[i, t] <= 0 for each blocker i of g
    grp = np.repeat(np.arange(g), np.diff(blocker_ptr))
    k = len(grp) * t
    r = np.arange(k)
    add(
        np.concatenate([r, r]),
        np.concatenate([yid[grp].ravel(), zid[blocker_idx].ravel()]),
        np.concatenate([np.ones(k), -np.ones(k)]),
        np.full(k, -np.inf),
        np.zeros(k),
    )
    matrix = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, n * t + g * t)
    )
    cost = np.concatenate(
        [
            (unit_points[:, None] * b.discount[None, :]).ravel(),
            (group_points[:, None] * b.discount[None, :]).ravel(),
        ]
    )
    upper = np.concatenate([np.asarray(z_upper, float).ravel(), np.asarray(y_upper, float).ravel()])
    return TimeIndexedModel(
        cost,
        np.zeros_like(upper),
        upper,
        np.concatenate(lo),
        np.concatenate(hi),
        matrix,
        n * t,
        n,
        t,
        np.asarray(blocker_ptr, np.int64),
        np.asarray(blocker_idx, np.int64),
    )
