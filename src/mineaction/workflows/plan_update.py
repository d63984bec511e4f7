"""Updating a saved plan to the store's current records (``mineaction plan STORE --update-from PLAN_ID``).

``update_plan`` rebuilds the planning problem from the store as it is now, for the saved plan's years,
budget and scenario, re-plans it from the saved plan (``mineaction.plan.replanning``: only what the change
reaches moves), saves the new plan with a link to the one it updates, and returns a :class:`PlanUpdate`
whose ``to_dict()`` is the command's ``--json``: the new plan's summary, what changed in the problem and, for
every area that moved year, entered or left, the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mineaction import __version__
from mineaction.plan import (
    PLAN_COLLECTION,
    ClearancePlanner,
    PlanningProblem,
    Replan,
    Scenario,
    apply_scenario,
    build_problem,
    plan_document,
    replan,
)
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.people import eore_for_plan
from mineaction.workflows.plan import PLAN_KINDS, PlannedScenario
from mineaction.workflows.results import JsonResult
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = ["PlanUpdate", "update_plan"]

_UPDATE_KEYS = ("updated_from", "summary", "moved", "freed_areas", "full_replan", "problem_change", "changes")


@dataclass(frozen=True, eq=False)
class PlanUpdate(JsonResult):
    """A saved plan brought up to date: the new plan and, for every area whose year changed, why."""

    plan: PlannedScenario
    update: Replan

    def to_dict(self) -> dict[str, Any]:
        detail = self.update.to_dict()
        return {**self.plan.summary(), **{k: detail[k] for k in _UPDATE_KEYS}}


def _scenario(saved: Mapping[str, Any] | None) -> Scenario | None:
    if not saved:
        return None
    known = {f.name for f in dataclasses.fields(Scenario)}
    return Scenario(**{k: v for k, v in saved.items() if k in known})


def update_plan(
    source: Store | StoreSnapshot,
    plan_id: str,
    *,
    settings: Settings | None = None,
    budget_usd: float | None = None,
    time_limit_s: float = 5.0,
    casualty_rates: Mapping[str, float] | None = None,
    save: bool = True,
) -> PlanUpdate:
    """Re-plan the saved plan ``plan_id`` on the store's current records (see the module docstring).

    Parameters
    ----------
    budget_usd : float, optional
        Money a year for survey and clearance from now on, US$ (default: the saved plan's, else the
        funding records').
    time_limit_s : float
        Limit on the whole update, s.
    casualty_rates : mapping of hazardous-area id to expected casualties a year, optional
        Risk x exposure computed elsewhere (default: past accidents near each area).
    save : bool
        Save the new plan in the store's ``plans`` collection, naming the plan it updates.
    """
    snap = as_snapshot(source, settings)
    s = snap.settings
    document = snap.store.load_document(PLAN_COLLECTION, plan_id)
    saved_years = list(PlanningProblem.from_dict(document["problem"]).years)
    inputs = dict(document.get("inputs") or {})
    budget = budget_usd if budget_usd is not None else inputs.get("budget_usd")
    frames = snap.frames(PLAN_KINDS)
    base = build_problem(
        frames,
        years=len(saved_years),
        start_year=saved_years[0],
        budget_usd=budget,
        settings=s,
        simulated=True if snap.simulated else None,
        casualty_rate=casualty_rates,
    )
    scenario = _scenario(document.get("scenario"))
    problem = apply_scenario(base, scenario) if scenario else base
    update = replan(document, problem, time_limit_s=time_limit_s)
    planner = ClearancePlanner(**{**document.get("planner", {}), "time_limit_s": time_limit_s})
    inputs |= {
        "store": snap.url,
        "counts": {k: len(v) for k, v in frames.items()},
        "budget_usd": budget,
        "updated_from": plan_id,
    }
    described = scenario.to_dict() if scenario else None
    doc = plan_document(
        problem, planner, update.result, scenario=described, version=__version__, inputs=inputs
    )
    if save:
        snap.store.save_document(
            PLAN_COLLECTION,
            doc["plan_id"],
            doc,
            author=s.author,
            reason=f"mineaction plan --update-from {plan_id}: {update.summary()}",
        )
    eore = eore_for_plan(snap, problem, update.result.schedule)
    return PlanUpdate(PlannedScenario(doc["plan_id"], doc["scenario"], update.result, eore), update)
