"""Saved plans: the JSON document that makes a plan explainable and reproducible, and re-running it.

A plan document holds the problem itself (every input array, with its content hash), the planner settings and
weights, the scenario, the planner's parameters (time limit, gap, seed), the solver and package versions, and
the result with its schedule and the reason for every task. ``rerun_plan`` solves the saved problem again with
the saved parameters and says whether the schedule is the same; a MIP step that a time limit stopped is
replayed to the same improving solution instead. The caller saves the document in the store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mineaction.errors import PlanError
from mineaction.plan.problem import PlanningProblem
from mineaction.plan.replanning import replan
from mineaction.plan.search import Replay
from mineaction.plan.solver import ClearancePlanner, PlanResult

__all__ = ["PLAN_COLLECTION", "Rerun", "plan_document", "plan_id", "replay_of", "rerun_plan"]

#: Store document collection that holds saved plans.
PLAN_COLLECTION = "plans"


def plan_id(
    problem: PlanningProblem, planner: ClearancePlanner, scenario: dict[str, Any] | None = None
) -> str:
    """Readable id of a plan, ``PL-`` and 12 hex digits of the hash of its inputs and parameters."""
    text = json.dumps([problem.content_hash(), planner.get_params(), scenario], sort_keys=True)
    return "PL-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def plan_document(
    problem: PlanningProblem,
    planner: ClearancePlanner,
    result: PlanResult,
    *,
    scenario: dict[str, Any] | None = None,
    version: str = "",
    inputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document to save for a plan (see the module docstring).

    Parameters
    ----------
    inputs : what the problem was built from (store URL, record counts, options), for the record
    """
    return {
        "plan_id": plan_id(problem, planner, scenario),
        "created_at": datetime.now(UTC).isoformat(),
        "mineaction_version": version,
        "solver": result.solver,
        "seed": planner.seed,
        "planner": planner.get_params(),
        "problem_hash": problem.content_hash(),
        "weights": {
            k: v
            for k, v in problem.settings.to_dict().items()
            if k.startswith(("weight_", "bonus_")) or k == "discount_rate"
        },
        "settings": problem.settings.to_dict(),
        "scenario": scenario,
        "inputs": inputs or {},
        "simulated": problem.simulated,
        "problem": problem.to_dict(),
        "result": result.to_dict(),
    }


def replay_of(steps: list[dict[str, Any]]) -> Replay:
    """What a saved plan's search did, from its steps: the count of price evaluations, and for each MIP step
    the improving solutions it had found beyond its warm start when a time limit stopped it (None if it
    finished on its own; the warm start is reported among the improving solutions but HiGHS does not count
    it)."""
    evaluations: int | None = None
    improving: list[int | None] = []
    for step in steps:
        name = str(step.get("step"))
        if name.startswith("Lagrangian bound"):
            evaluations = int(step.get("evaluations", 0)) or None
        elif "MIP" in name:
            finished = step.get("status") == "Optimal"
            improving.append(None if finished else max(int(step.get("improving_solutions", 0)) - 1, 0))
    return Replay(evaluations, tuple(improving))


@dataclass(frozen=True, eq=False)
class Rerun:
    """A saved plan solved again: the new result and whether it matches the saved schedule."""

    plan_id: str
    result: PlanResult
    same_schedule: bool
    changed_units: tuple[str, ...]


def rerun_plan(document: dict[str, Any], *, previous: dict[str, Any] | None = None) -> Rerun:
    """Solve a saved plan's problem again with its saved parameters; compare the schedules.

    A plan that updated an earlier one (its inputs name ``updated_from``) is re-planned from that earlier
    plan, ``previous``, again, as it was made.
    """
    try:
        problem = PlanningProblem.from_dict(document["problem"])
        planner = ClearancePlanner(**document["planner"])
        saved = document["result"]["schedule"]
    except (KeyError, TypeError) as exc:
        raise PlanError(
            f"saved plan {document.get('plan_id', '?')} lacks {exc}; it was not written by "
            "mineaction plan, so it cannot be re-run"
        ) from None
    if problem.content_hash() != document.get("problem_hash"):
        raise PlanError(
            f"saved plan {document.get('plan_id', '?')}: the stored problem does not match its "
            "hash; the document was edited, re-plan from the store"
        )
    if previous is not None:
        result = replan(previous, problem, time_limit_s=planner.time_limit_s).result
    else:
        result = planner.solve(problem, replay=replay_of(document["result"].get("steps", [])))
    changed = tuple(u for u, y in result.schedule.items() if saved.get(u) != y)
    return Rerun(str(document.get("plan_id")), result, not changed, changed)
