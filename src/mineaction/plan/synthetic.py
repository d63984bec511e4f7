"""Synthetic planning problems of any size, seeded, for tests and benchmarks (simulated, not real places).

The shape follows FACTS.md at national scale: about 11,700 km2 suspected spread over the areas, 94 % state and
6 % foreign money, some 34,500 families waiting to return in settlements each blocked by a few nearby areas,
roads and power lines blocked by longer chains of areas, and casualties concentrated in a minority of areas.
``changed_problem`` gives the same problem a week of survey later: some areas released, some split in two,
some re-estimated, some new ones found, and next year's budget changed.
"""

from __future__ import annotations

import numpy as np

from mineaction.plan.problem import PlanningProblem, unit_costs
from mineaction.plan.settings import PlanSettings

__all__ = ["changed_problem", "random_problem"]

_TOTAL_SUSPECTED_M2 = 11_667e6
_FAMILIES = 34_500
_CASUALTIES_A_YEAR = 40.0


def _blocker_sets(
    rng: np.random.Generator, n_areas: int, n_groups: int, low: int, high: int, spread: int
) -> list[np.ndarray]:
    # Areas are numbered along the landscape, so a group's blockers are drawn from a window of neighbours.
    centres = rng.integers(0, n_areas, n_groups)
    sizes = rng.integers(low, high + 1, n_groups)
    sets = []
    for centre, size in zip(centres, sizes, strict=True):
        window = np.arange(max(0, centre - spread), min(n_areas, centre + spread + 1))
        sets.append(np.unique(rng.choice(window, size=min(size, len(window)), replace=False)))
    return sets


def random_problem(
    n_areas: int,
    n_years: int,
    seed: int = 0,
    *,
    settings: PlanSettings | None = None,
    scale_to_nation: bool = True,
    first_year: int = 2026,
) -> PlanningProblem:
    """A seeded synthetic planning problem (simulated data).

    Parameters
    ----------
    n_areas : number of hazardous areas
    n_years : years in the plan
    seed : random seed; the same seed gives the same problem
    settings : planner settings (defaults: FACTS.md)
    scale_to_nation : size areas, families, money and teams as the whole country (FACTS.md) whatever
        ``n_areas``; when False, money and teams shrink with ``n_areas / 10,000``
    first_year : calendar year of the first plan year
    """
    settings = settings or PlanSettings()
    rng = np.random.default_rng(seed)
    share = 1.0 if scale_to_nation else n_areas / 10_000
    area = rng.lognormal(0.0, 1.1, n_areas)
    area *= _TOTAL_SUSPECTED_M2 * share / area.sum()
    is_sha = rng.random(n_areas) < 0.8
    kinds = rng.choice(["AP", "AT", "UXO", "mixed"], n_areas, p=[0.3, 0.2, 0.3, 0.2])
    mix = np.array([settings.mix_for(k) for k in kinds])
    hot = rng.random(n_areas) < 0.15
    casualties = np.where(hot, rng.gamma(1.0, 1.0, n_areas), rng.gamma(0.3, 0.05, n_areas))
    casualties *= _CASUALTIES_A_YEAR * share / casualties.sum()
    n_settle, n_assets = max(1, n_areas // 10), max(1, n_areas // 20)
    settle_sets = _blocker_sets(rng, n_areas, n_settle, 1, 5, 8)
    asset_sets = _blocker_sets(rng, n_areas, n_assets, 2, 8, 25)
    families = rng.lognormal(0.0, 0.9, n_settle)
    families = np.maximum(1, np.round(families * _FAMILIES * share / families.sum())).astype(np.int64)
    value = rng.lognormal(np.log(2e6), 1.0, n_assets)
    sets = settle_sets + asset_sets
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    _, cost, days = unit_costs(area, mix, is_sha, settings)
    budget = 62e6 * share * np.ones(n_years)
    foreign = settings.foreign_share_now
    # Teams such that money binds slightly before teams do under today's prices.
    teams_days = float(days.sum() / cost.sum() * budget[0] * 1.15)
    asset_kinds = rng.choice(["road", "power_line", "water", "school"], n_assets, p=[0.4, 0.3, 0.2, 0.1])
    return PlanningProblem(
        unit_ids=tuple(f"HA-{i + 1:06d}" for i in range(n_areas)),
        area_m2=area,
        is_sha=is_sha,
        method_mix=mix,
        farmland_ha=area / 1e4 * settings.farmland_share * rng.uniform(0.5, 1.5, n_areas),
        casualties_per_year=casualties,
        priority=rng.random(n_areas) < 0.1,
        consulted=rng.random(n_areas) < 0.7,
        earliest_year=np.where(rng.random(n_areas) < 0.03, rng.integers(1, max(2, n_years), n_areas), 0),
        lon=46.0 + rng.random(n_areas) * 1.4,
        lat=39.1 + rng.random(n_areas) * 1.2,
        group_ids=tuple(f"ST-{g + 1:06d}" for g in range(len(sets))),
        group_kind=("settlement",) * n_settle + tuple(str(k) for k in asset_kinds),
        families=np.concatenate([families, np.zeros(n_assets, dtype=np.int64)]),
        value_usd=np.concatenate([np.zeros(n_settle), value]),
        reconstruction_ready=rng.random(len(sets)) < 0.3,
        blocker_ptr=ptr,
        blocker_idx=np.concatenate(sets).astype(np.int64),
        years=tuple(range(first_year, first_year + n_years)),
        budget_state_usd=budget * (1 - foreign),
        budget_foreign_usd=budget * foreign,
        team_days_capacity=np.full(n_years, teams_days),
        settings=settings,
        source=f"random_problem(n_areas={n_areas}, n_years={n_years}, seed={seed})",
        simulated=True,
    )


_UNIT_FIELDS = (
    "area_m2",
    "is_sha",
    "method_mix",
    "farmland_ha",
    "casualties_per_year",
    "priority",
    "consulted",
    "earliest_year",
    "lon",
    "lat",
)


def changed_problem(
    problem: PlanningProblem, n_changes: int, seed: int = 0, *, next_year_budget_factor: float = 1.0
) -> PlanningProblem:
    """``problem`` after ``n_changes`` areas change (simulated): a quarter each released (gone), split in two
    (60 % keeps the id, 40 % becomes a new area blocking the same places), re-estimated (area x 0.5 to
    1.5) and new (a copy of a nearby area's kind, blocking what its neighbour blocks); next year's money is
    multiplied by ``next_year_budget_factor``. New areas are numbered from HA-900001."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(problem.n_units, size=min(n_changes, problem.n_units), replace=False)
    released, split, resized, near = np.array_split(picked, 4)
    columns = {f: np.array(getattr(problem, f), copy=True) for f in _UNIT_FIELDS}
    columns["area_m2"][resized] *= rng.uniform(0.5, 1.5, len(resized))
    columns["area_m2"][split] *= 0.6
    copies = np.concatenate([split, near])
    for f in _UNIT_FIELDS:
        extra = columns[f][copies].copy()
        if f == "area_m2":
            extra[: len(split)] *= 0.4 / 0.6
            extra[len(split) :] = rng.lognormal(np.log(np.median(problem.area_m2)), 1.0, len(near))
        columns[f] = np.concatenate([columns[f], extra])
    ids = list(problem.unit_ids) + [f"HA-{900_001 + k:06d}" for k in range(len(copies))]
    sets = [list(problem.blockers(g)) for g in range(problem.n_groups)]
    for k, i in enumerate(copies.tolist()):  # the new area blocks what its original or neighbour blocks
        for members in sets:
            if i in members:
                members.append(problem.n_units + k)
    keep = np.ones(len(ids), dtype=bool)
    keep[released] = False
    return _renumbered(problem, columns, ids, sets, keep, next_year_budget_factor)


def _renumbered(
    problem: PlanningProblem,
    columns: dict[str, np.ndarray],
    ids: list[str],
    sets: list[list[int]],
    keep: np.ndarray,
    factor: float,
) -> PlanningProblem:
    new_index = np.cumsum(keep) - 1
    groups = [sorted({int(new_index[i]) for i in members if keep[i]}) for members in sets]
    alive = [g for g, members in enumerate(groups) if members]  # a group no area blocks any more is free
    ptr = np.concatenate([[0], np.cumsum([len(groups[g]) for g in alive])]).astype(np.int64)
    money = np.ones(problem.n_years)
    money[0] = factor
    return problem.replace(
        unit_ids=tuple(u for u, k in zip(ids, keep, strict=True) if k),
        **{f: v[keep] for f, v in columns.items()},
        group_ids=tuple(problem.group_ids[g] for g in alive),
        group_kind=tuple(problem.group_kind[g] for g in alive),
        families=problem.families[alive],
        value_usd=problem.value_usd[alive],
        reconstruction_ready=problem.reconstruction_ready[alive],
        blocker_ptr=ptr,
        blocker_idx=np.concatenate([groups[g] for g in alive] or [[]]).astype(np.int64),
        budget_state_usd=problem.budget_state_usd * money,
        budget_foreign_usd=problem.budget_foreign_usd * money,
        source=f"{problem.source} changed by {int((~keep).sum())} releases and others",
    )
