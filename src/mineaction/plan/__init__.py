"""Clearance planning: which hazardous areas to release in which year, for the most returns and fewest casualties.

Pure computation (no files, no connections): build a ``PlanningProblem`` from store frames (``build_problem``)
or synthetically (``random_problem``), solve it with ``ClearancePlanner(...).solve(problem)`` into an immutable
``PlanResult``, and compare funding, team and survey scenarios with ``compare_scenarios``.
"""

from mineaction.plan.evaluate import TaskReason, YearlyFigures
from mineaction.plan.model import benefits
from mineaction.plan.problem import PlanningProblem, unit_costs
from mineaction.plan.settings import PlanSettings
from mineaction.plan.solver import ClearancePlanner, PlanResult
from mineaction.plan.synthetic import random_problem

__all__ = [
    "ClearancePlanner",
    "PlanResult",
    "PlanSettings",
    "PlanningProblem",
    "TaskReason",
    "YearlyFigures",
    "benefits",
    "random_problem",
    "unit_costs",
]
