"""EORE before return: the risk education sessions a plan needs, for families that go home before the
hazardous areas blocking their settlement are released.

A settlement of the problem (a group with families) is **released** at the end of the year the plan
schedules the last of its blocking areas (its own and its access road's); when the plan leaves one of them
out, it is not released within the plan. Its families **return before release** when their return date (a
row of ``returns``: normally the settlement's planned ``target_on``) falls on or before the end of the release
year: within that year the order of return and release is not known, so the families are taken to be home
first. They then live next to the hazards and need explosive ordnance risk education before they go. Families
already reached before the return (``families_reached_before``, measured from the risk education records)
count; the rest make a **session needed** by the return date, **overdue** when that date has passed.

The result is separate from ``PlanResult`` (which it does not change): a frozen ``EorePlan`` whose
``to_dict()`` is the JSON front ends show, with the sessions in the order they are needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from mineaction.plan.problem import PlanningProblem

__all__ = ["EorePlan", "SessionNeeded", "eore_before_return"]


@dataclass(frozen=True)
class SessionNeeded:
    """Risk education one settlement's returning families need before they go home.

    ``families_to_reach`` = ``families`` returning - ``families_reached`` before the return (families);
    ``released_in`` is the plan year its last blocking area is released (None: not within the plan);
    ``status`` is ``needed`` (nobody reached yet), ``partial`` (some families reached) or ``overdue`` (the
    return date has passed, families not all reached).
    """

    settlement: str
    name: str | None
    district: str | None
    return_on: date
    families: int
    families_reached: int
    families_to_reach: int
    released_in: int | None
    needed_by: date
    status: str
    blocking_areas: tuple[str, ...]


@dataclass(frozen=True)
class EorePlan:
    """Sessions needed before returns under a plan, and the settlements returning before release already
    reached in full (``covered``); ``as_of`` is the day the statuses were judged on."""

    sessions: tuple[SessionNeeded, ...]
    covered: tuple[str, ...]
    returning_before_release: int
    as_of: date
    plan_years: tuple[int, ...]

    @property
    def families_to_reach(self) -> int:
        return sum(s.families_to_reach for s in self.sessions)

    def by_year(self) -> dict[int, int]:
        """Sessions needed by the year they are needed in (overdue ones in the year of ``as_of``)."""
        out: dict[int, int] = {}
        for s in self.sessions:
            out[s.needed_by.year] = out.get(s.needed_by.year, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: the sessions (dates as ISO text), counts by year and status, covered settlements."""
        rows = []
        for s in self.sessions:
            row = asdict(s)
            row["return_on"] = s.return_on.isoformat()
            row["needed_by"] = s.needed_by.isoformat()
            row["blocking_areas"] = list(s.blocking_areas)
            rows.append(row)
        statuses = [s.status for s in self.sessions]
        return {
            "as_of": self.as_of.isoformat(),
            "plan_years": list(self.plan_years),
            "returning_before_release": self.returning_before_release,
            "sessions_needed": len(self.sessions),
            "overdue": statuses.count("overdue"),
            "families_to_reach": self.families_to_reach,
            "sessions_by_year": {str(k): v for k, v in self.by_year().items()},
            "covered": list(self.covered),
            "sessions": rows,
        }


def _release_years(
    problem: PlanningProblem, schedule: Mapping[str, int | None]
) -> dict[str, tuple[Any, tuple]]:
    """For each group: (year its last blocker is released, or None) and the ids of its blocking areas."""
    out = {}
    for g, gid in enumerate(problem.group_ids):
        units = [problem.unit_ids[int(u)] for u in problem.blockers(g)]
        years = [schedule.get(u) for u in units]
        release = None if any(y is None for y in years) else max(int(y) for y in years if y is not None)
        out[gid] = (release, tuple(units))
    return out


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def eore_before_return(
    problem: PlanningProblem,
    schedule: Mapping[str, int | None],
    returns: pd.DataFrame,
    *,
    as_of: date,
) -> EorePlan:
    """The risk education sessions needed before returns under a plan (see the module docstring).

    Parameters
    ----------
    problem : PlanningProblem
        The problem the plan solved (its settlements and what blocks them).
    schedule : mapping of hazardous area id to plan year (None: not in the plan)
        ``PlanResult.schedule``, or the ``schedule`` of a saved plan document.
    returns : DataFrame
        One row per return: ``settlement`` (ST-... id), ``return_on`` (date), ``families``; optional
        ``name``, ``district`` and ``families_reached_before`` (families reached by risk education before
        that return; 0 when absent).
    as_of : date
        The day statuses are judged on: returns before it are overdue when not fully reached.
    """
    release = _release_years(problem, schedule)
    families = dict(zip(problem.group_ids, problem.families.tolist(), strict=True))
    n = len(returns)
    when = pd.to_datetime(returns["return_on"], errors="coerce").reset_index(drop=True)
    counts = pd.to_numeric(returns["families"], errors="coerce").fillna(0).astype(int).to_numpy()
    reached_all = (
        pd.to_numeric(returns["families_reached_before"], errors="coerce").fillna(0).astype(int).to_numpy()
        if "families_reached_before" in returns.columns
        else np.zeros(n, dtype=int)
    )
    names = returns["name"].tolist() if "name" in returns.columns else [None] * n
    districts = returns["district"].tolist() if "district" in returns.columns else [None] * n
    sessions, covered, before = [], [], 0
    for i, sid in enumerate(returns["settlement"].astype(str).tolist()):
        if sid not in release or families.get(sid, 0) <= 0 or pd.isna(when[i]):
            continue  # not blocked by anything the plan handles: no hazard left to return to
        year, units = release[sid]
        back = when[i].date()
        if year is not None and back > date(year, 12, 31):
            continue  # released first
        before += 1
        total = int(counts[i])
        reached = min(total, int(reached_all[i]))
        if reached >= total:
            covered.append(sid)
            continue
        status = "overdue" if back < as_of else ("partial" if reached else "needed")
        sessions.append(
            SessionNeeded(
                settlement=sid,
                name=_text(names[i]),
                district=_text(districts[i]),
                return_on=back,
                families=total,
                families_reached=reached,
                families_to_reach=total - reached,
                released_in=year,
                needed_by=max(back, as_of),
                status=status,
                blocking_areas=units,
            )
        )
    sessions.sort(key=lambda s: (s.needed_by, s.settlement))
    return EorePlan(tuple(sessions), tuple(sorted(covered)), before, as_of, tuple(problem.years))
