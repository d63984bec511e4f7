"""Clearance planning: which hazardous areas to release in which year, for most returns, fewest casualties.

Pure computation (no files, no connections): build a ``PlanningProblem`` from store frames
(``build_problem``) or synthetically (``random_problem``), solve it with ``ClearancePlanner(...).solve``
into an immutable ``PlanResult``, compare funding, team and survey scenarios with ``compare_scenarios``,
and re-plan a saved plan after the problem changed with ``replan`` (only what the change reaches moves);
``eore_before_return`` lists the risk education sessions a plan needs where families return before release.
"""

from mineaction.plan.build import build_problem
from mineaction.plan.changes import ProblemChange, ScheduleChange
from mineaction.plan.eore import EorePlan, SessionNeeded, eore_before_return
from mineaction.plan.evaluate import TaskReason, YearlyFigures
from mineaction.plan.model import benefits
from mineaction.plan.problem import PlanningProblem, unit_costs
from mineaction.plan.record import PLAN_COLLECTION, Rerun, plan_document, plan_id, rerun_plan
from mineaction.plan.replanning import Replan, replan
from mineaction.plan.scenarios import (
    Scenario,
    ScenarioComparison,
    apply_scenario,
    compare_scenarios,
    default_scenarios,
    scenario_from_mapping,
    scenario_from_yaml,
)
from mineaction.plan.settings import PlanSettings
from mineaction.plan.solver import ClearancePlanner, PlanResult
from mineaction.plan.synthetic import changed_problem, random_problem

__all__ = [
    "ClearancePlanner",
    "EorePlan",
    "PLAN_COLLECTION",
    "PlanResult",
    "PlanSettings",
    "PlanningProblem",
    "ProblemChange",
    "Replan",
    "Rerun",
    "Scenario",
    "ScenarioComparison",
    "ScheduleChange",
    "SessionNeeded",
    "TaskReason",
    "YearlyFigures",
    "apply_scenario",
    "benefits",
    "build_problem",
    "changed_problem",
    "compare_scenarios",
    "default_scenarios",
    "eore_before_return",
    "plan_document",
    "plan_id",
    "random_problem",
    "replan",
    "rerun_plan",
    "scenario_from_mapping",
    "scenario_from_yaml",
    "unit_costs",
]
