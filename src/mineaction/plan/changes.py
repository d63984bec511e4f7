"""What changed between two planning problems, and why each area of a re-plan moved.

``compare_problems`` lists the areas that are new, gone (released or removed) or re-estimated (cost,
team-days, benefit or the year they become secure), the settlements and assets whose blockers or benefits
changed, and the money and team-days of every calendar year both problems plan. ``explain_moves`` gives each
area whose year differs between the saved and the new schedule one ``ScheduleChange`` with its reason, in
the words of the change that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mineaction.plan.model import Benefits
from mineaction.plan.problem import PlanningProblem

__all__ = ["ProblemChange", "ScheduleChange", "compare_problems", "explain_moves"]

_REL = 1e-9


@dataclass(frozen=True)
class ProblemChange:
    """The difference between a saved problem and the current one (ids, and US$ / team-days by year)."""

    new_areas: tuple[str, ...]
    gone_areas: tuple[str, ...]
    reestimated: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # id: (old, new) US$
    changed_groups: tuple[str, ...] = ()
    money_usd: Mapping[int, tuple[float, float]] = field(default_factory=dict)  # year: (old, new), changed
    team_days: Mapping[int, tuple[float, float]] = field(default_factory=dict)
    settings_changed: bool = False

    @property
    def n_areas_changed(self) -> int:
        return len(self.new_areas) + len(self.gone_areas) + len(self.reestimated)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form (US$ and team-days per calendar year as [before, after])."""
        return {
            "new_areas": list(self.new_areas),
            "gone_areas": list(self.gone_areas),
            "reestimated_usd": {k: list(v) for k, v in self.reestimated.items()},
            "changed_settlements_and_assets": list(self.changed_groups),
            "money_usd_by_year": {str(k): list(v) for k, v in self.money_usd.items()},
            "team_days_by_year": {str(k): list(v) for k, v in self.team_days.items()},
            "settings_changed": self.settings_changed,
        }


@dataclass(frozen=True)
class ScheduleChange:
    """One area whose plan year changed: calendar years before and after (None: not in that plan)."""

    unit_id: str
    before: int | None
    after: int | None
    kind: str  # entered, left, earlier, later
    reason: str


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ~np.isclose(a, b, rtol=_REL, atol=1e-9)


def compare_problems(
    old: PlanningProblem, new: PlanningProblem, b_old: Benefits, b_new: Benefits
) -> ProblemChange:
    """The areas, groups and yearly resources that differ between ``old`` and ``new``."""
    old_at = {u: i for i, u in enumerate(old.unit_ids)}
    both = [(old_at[u], j) for j, u in enumerate(new.unit_ids) if u in old_at]
    i_old = np.array([i for i, _ in both], dtype=np.int64)
    i_new = np.array([j for _, j in both], dtype=np.int64)
    moved = (
        _differs(b_old.cost_usd[i_old], b_new.cost_usd[i_new])
        | _differs(b_old.team_days[i_old], b_new.team_days[i_new])
        | _differs(b_old.unit_points[i_old], b_new.unit_points[i_new])
        | (old.earliest_year[i_old] + old.years[0] != new.earliest_year[i_new] + new.years[0])
    )
    reestimated = {
        new.unit_ids[j]: (float(b_old.cost_usd[i]), float(b_new.cost_usd[j]))
        for i, j in zip(i_old[moved].tolist(), i_new[moved].tolist(), strict=True)
    }
    kept = set(new.unit_ids)
    return ProblemChange(
        tuple(u for u in new.unit_ids if u not in old_at),
        tuple(u for u in old.unit_ids if u not in kept),
        reestimated,
        _changed_groups(old, new, b_old, b_new),
        _by_year(old, new, old.budget_usd, new.budget_usd),
        _by_year(old, new, old.team_days_capacity, new.team_days_capacity),
        old.settings != new.settings,
    )


def _changed_groups(
    old: PlanningProblem, new: PlanningProblem, b_old: Benefits, b_new: Benefits
) -> tuple[str, ...]:
    before = {
        gid: (frozenset(old.unit_ids[i] for i in old.blockers(g)), float(b_old.group_points[g]))
        for g, gid in enumerate(old.group_ids)
    }
    out = []
    for g, gid in enumerate(new.group_ids):
        now = (frozenset(new.unit_ids[i] for i in new.blockers(g)), float(b_new.group_points[g]))
        was = before.get(gid)
        if was is None or was[0] != now[0] or not np.isclose(was[1], now[1], rtol=_REL):
            out.append(gid)
    return tuple(out)


def _by_year(
    old: PlanningProblem, new: PlanningProblem, before: np.ndarray, after: np.ndarray
) -> dict[int, tuple[float, float]]:
    was = dict(zip(old.years, before.tolist(), strict=True))
    return {
        y: (float(was[y]), float(v))
        for y, v in zip(new.years, after.tolist(), strict=True)
        if y in was and not np.isclose(was[y], v, rtol=_REL)
    }


def explain_moves(
    new: PlanningProblem,
    change: ProblemChange,
    saved: Mapping[str, int | None],
    planned: Mapping[str, int | None],
    texts: Mapping[str, str],
) -> tuple[ScheduleChange, ...]:
    """One ``ScheduleChange`` per area whose year differs between ``saved`` and ``planned`` (id: calendar
    year or None), with its reason; ``texts`` holds the new plan's task reason by area id."""
    news, gone, resized = set(change.new_areas), set(change.gone_areas), change.reestimated
    touched = _touched_areas(new, change)
    arrivals = _by_year_ids({u: y for u, y in planned.items() if y is not None and saved.get(u) != y})
    departures = _by_year_ids({u: y for u, y in saved.items() if y is not None and planned.get(u) != y})
    out = []
    for unit in sorted(set(saved) | set(planned)):
        before, after = saved.get(unit), planned.get(unit)
        if before == after:
            continue
        kind = (
            "entered"
            if before is None
            else "left"
            if after is None
            else "earlier"
            if after < before
            else "later"
        )
        if unit in gone:
            why = "no longer open: released, or removed from the register"
        elif unit in news:
            why = "new area"
        elif unit in resized:
            old_usd, new_usd = resized[unit]
            why = f"re-estimated: US$ {old_usd:,.0f} -> US$ {new_usd:,.0f}"
        elif unit in touched:
            why = f"blocks {touched[unit]}, whose blocking areas changed"
        else:
            why = _capacity_reason(kind, before, after, change, arrivals, departures)
        if after is not None and unit in texts:
            why = f"{why}; {texts[unit]}"
        out.append(ScheduleChange(unit, before, after, kind, why))
    return tuple(out)


def _touched_areas(new: PlanningProblem, change: ProblemChange) -> dict[str, str]:
    """Areas blocking a settlement or asset that changed (or that a changed area also blocks)."""
    changed = set(change.changed_groups)
    out: dict[str, str] = {}
    for g, gid in enumerate(new.group_ids):
        if gid in changed:
            for i in new.blockers(g).tolist():
                out.setdefault(new.unit_ids[i], gid)
    return out


def _by_year_ids(years: Mapping[str, int | None]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for unit, year in sorted(years.items()):
        if year is not None:
            out.setdefault(year, []).append(unit)
    return out


def _capacity_reason(
    kind: str,
    before: int | None,
    after: int | None,
    change: ProblemChange,
    arrivals: Mapping[int, list[str]],
    departures: Mapping[int, list[str]],
) -> str:
    """Why an unchanged area moved: its year's money or team-days changed, or others took or freed them."""
    year = before if kind in ("later", "left") else after
    assert year is not None
    if year in change.money_usd:
        was, now = change.money_usd[year]
        return f"the {year} budget changed from US$ {was:,.0f} to US$ {now:,.0f}"
    if year in change.team_days:
        was, now = change.team_days[year]
        return f"the {year} team capacity changed from {was:,.0f} to {now:,.0f} team-days"
    if kind in ("later", "left"):
        others = [u for u in arrivals.get(year, []) if u not in departures.get(year, [])][:3]
        return f"{year}'s money now goes to {', '.join(others) or 'other areas'} (more benefit per US$)"
    others = [u for u in departures.get(year, []) if u not in arrivals.get(year, [])][:3]
    return f"money freed in {year} by {', '.join(others) or 'areas that left the year'}"
