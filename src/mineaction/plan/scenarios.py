"""Planning scenarios side by side: funding (6 % foreign now vs the world norm), teams, survey policy.

A ``Scenario`` changes a planning problem (``apply_scenario``) and ``compare_scenarios`` plans each one with
the same planner, giving per-year figures side by side. Scenario files are YAML (``scenario_from_yaml``)::

    name: world norm funding
    description: foreign donors pay 78 % as elsewhere; the state keeps paying what it pays now
    years: 10
    funding: {foreign_share: 0.78}      # or budget_usd: 80e6, budget_factor: 1.5, teams_follow_money: true
    teams: {factor: 1.0}                # or team_days: 40000 (team-days a year)
    survey_first: true
    settings: {weight_family: 1.0}      # any PlanSettings field

A bad file is one ConfigError naming every wrong key and how to fix it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import yaml

from mineaction.errors import ConfigError
from mineaction.plan.problem import PlanningProblem
from mineaction.plan.settings import PlanSettings
from mineaction.plan.solver import ClearancePlanner, PlanResult

__all__ = [
    "Scenario",
    "ScenarioComparison",
    "apply_scenario",
    "compare_scenarios",
    "default_scenarios",
    "scenario_from_mapping",
    "scenario_from_yaml",
]

_TOP = {
    "name": "a short name",
    "description": "one line",
    "years": "whole number of plan years",
    "funding": "mapping with foreign_share, budget_usd, budget_factor, teams_follow_money",
    "teams": "mapping with factor or team_days",
    "survey_first": "true or false",
    "settings": "mapping of planner settings",
}
_FUNDING = {
    "foreign_share": "share in [0, 1), e.g. 0.78",
    "budget_usd": "US$ a year, e.g. 62000000",
    "budget_factor": "number > 0, e.g. 1.5",
    "teams_follow_money": "true or false",
}
_TEAMS = {"factor": "number > 0, e.g. 1.5", "team_days": "team-days a year, e.g. 40000"}


@dataclass(frozen=True)
class Scenario:
    """One planning scenario; None keeps what the problem has."""

    name: str
    description: str = ""
    years: int | None = None
    foreign_share: float | None = None
    budget_usd: float | None = None
    budget_factor: float = 1.0
    teams_follow_money: bool = True
    teams_factor: float = 1.0
    team_days: float | None = None
    survey_first: bool | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["settings"] = dict(self.settings)
        return out


def _number(
    issues: list[str], where: str, value: Any, hint: str, *, low: float = 0.0, below_one: bool = False
) -> float | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value < low
        or (below_one and value >= 1)
        or (low == 0.0 and value == 0 and not below_one)
    ):
        issues.append(f"{where}: {value!r} is not valid; write {hint}")
        return None
    return float(value)


def _section(issues: list[str], data: Any, name: str, known: Mapping[str, str]) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        issues.append(f"{name}: must be a mapping; write e.g. {name}: {{{next(iter(known))}: ...}}")
        return {}
    for key in data:
        if key not in known:
            issues.append(f"{name}.{key}: unknown key; use one of {', '.join(known)}")
    return dict(data)


def scenario_from_mapping(data: Any, *, source: str = "scenario") -> Scenario:
    """A Scenario from a parsed YAML mapping; every problem is gathered into one ConfigError."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a scenario must be a YAML mapping with keys {', '.join(_TOP)}")
    issues: list[str] = [f"{k}: unknown key; use one of {', '.join(_TOP)}" for k in data if k not in _TOP]
    funding = _section(issues, data.get("funding"), "funding", _FUNDING)
    teams = _section(issues, data.get("teams"), "teams", _TEAMS)
    values: dict[str, Any] = {
        "name": str(data.get("name") or source),
        "description": str(data.get("description") or ""),
    }
    if "years" in data and (
        not isinstance(data["years"], int) or isinstance(data["years"], bool) or not 1 <= data["years"] <= 50
    ):
        issues.append(f"years: {data['years']!r} is not valid; write a whole number from 1 to 50")
    values["years"] = data.get("years")
    if "foreign_share" in funding:
        values["foreign_share"] = _number(
            issues,
            "funding.foreign_share",
            funding["foreign_share"],
            _FUNDING["foreign_share"],
            below_one=True,
        )
    for key, hint in (("budget_usd", _FUNDING["budget_usd"]), ("budget_factor", _FUNDING["budget_factor"])):
        if key in funding:
            values[key] = _number(issues, f"funding.{key}", funding[key], hint)
    for key, target in (("factor", "teams_factor"), ("team_days", "team_days")):
        if key in teams:
            values[target] = _number(issues, f"teams.{key}", teams[key], _TEAMS[key])
    for where, raw, target in (
        ("funding.teams_follow_money", funding.get("teams_follow_money"), "teams_follow_money"),
        ("survey_first", data.get("survey_first"), "survey_first"),
    ):
        if raw is not None and not isinstance(raw, bool):
            issues.append(f"{where}: {raw!r} is not valid; write true or false")
        elif raw is not None:
            values[target] = raw
    settings = _section(issues, data.get("settings"), "settings", PlanSettings.describe())
    try:
        PlanSettings.from_dict(
            {k: v for k, v in settings.items() if k in PlanSettings.describe()}, source="settings"
        )
    except ConfigError as exc:
        issues.append(str(exc))
    if issues:
        raise ConfigError(f"{source}: bad scenario: " + "; ".join(issues))
    return Scenario(**{k: v for k, v in values.items() if v is not None}, settings=MappingProxyType(settings))


def scenario_from_yaml(text: str, *, source: str = "scenario") -> Scenario:
    """A Scenario from YAML text (the caller reads the file; ``source`` names it in errors)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc}); check indentation and colons") from None
    return scenario_from_mapping(data, source=source)


def default_scenarios(settings: PlanSettings | None = None) -> list[Scenario]:
    """Today's funding (6 % foreign), the world norm, 50 % more teams, and survey first."""
    s = settings or PlanSettings()
    return [
        Scenario(
            "current funding",
            f"foreign share {s.foreign_share_now:.0%} as now",
            foreign_share=s.foreign_share_now,
        ),
        Scenario(
            "world norm funding",
            f"foreign share {s.foreign_share_world_norm:.0%}, state part as now",
            foreign_share=s.foreign_share_world_norm,
        ),
        Scenario(
            "50 % more teams", "team capacity x 1.5, same money", teams_factor=1.5, teams_follow_money=False
        ),
        Scenario("survey first", "every suspected area surveyed before clearance", survey_first=True),
    ]


def _resize(values: np.ndarray, years: int) -> np.ndarray:
    return (
        values[:years]
        if len(values) >= years
        else np.concatenate([values, np.full(years - len(values), values[-1])])
    )


def apply_scenario(problem: PlanningProblem, scenario: Scenario) -> PlanningProblem:
    """The problem as the scenario changes it (money, teams, survey policy, settings, years)."""
    settings = problem.settings.replace(**dict(scenario.settings))
    if scenario.survey_first is not None:
        settings = settings.replace(survey_first=scenario.survey_first)
    state, foreign = problem.budget_state_usd.copy(), problem.budget_foreign_usd.copy()
    total = state + foreign
    if scenario.budget_usd is not None:
        share = np.divide(
            foreign, total, out=np.full_like(total, settings.foreign_share_now), where=total > 0
        )
        state, foreign = scenario.budget_usd * (1 - share), scenario.budget_usd * share
    if scenario.foreign_share is not None:
        foreign = state * scenario.foreign_share / (1 - scenario.foreign_share)
    state, foreign = state * scenario.budget_factor, foreign * scenario.budget_factor
    ratio = np.divide(state + foreign, total, out=np.ones_like(total), where=total > 0)
    capacity = problem.team_days_capacity * scenario.teams_factor
    if scenario.teams_follow_money:
        capacity = capacity * ratio
    if scenario.team_days is not None:
        capacity = np.full_like(capacity, scenario.team_days)
    n = scenario.years or problem.n_years
    first = problem.years[0]
    return problem.replace(
        settings=settings,
        budget_state_usd=_resize(state, n),
        budget_foreign_usd=_resize(foreign, n),
        team_days_capacity=_resize(capacity, n),
        years=tuple(range(first, first + n)),
        earliest_year=np.minimum(problem.earliest_year, n - 1),
    )


@dataclass(frozen=True, eq=False)
class ScenarioComparison:
    """Plans of several scenarios of one problem, with their per-year figures side by side."""

    scenarios: tuple[Scenario, ...]
    results: tuple[PlanResult, ...]

    def table(self) -> pd.DataFrame:
        """One row per scenario and year: km2 released, families able to return, assets unblocked,
        expected casualties averted, US$ spent."""
        rows = []
        for sc, res in zip(self.scenarios, self.results, strict=True):
            f = res.figures
            rows.append(
                pd.DataFrame(
                    {
                        "scenario": sc.name,
                        "year": list(f.years),
                        "area_released_km2": f.area_released_km2,
                        "families_returned": f.families_returned,
                        "assets_unblocked": f.assets_unblocked,
                        "casualties_averted": f.casualties_averted,
                        "money_spent_usd": f.money_spent_usd,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    def to_dict(self) -> list[dict[str, Any]]:
        """Plain JSON: for each scenario, its settings and its plan's summary and per-year figures."""
        out = []
        for sc, res in zip(self.scenarios, self.results, strict=True):
            full = res.to_dict()
            out.append(
                {
                    "scenario": sc.to_dict(),
                    **{k: v for k, v in full.items() if k not in ("schedule", "reasons")},
                }
            )
        return out


def compare_scenarios(
    problem: PlanningProblem, scenarios: Sequence[Scenario], *, planner: ClearancePlanner | None = None
) -> ScenarioComparison:
    """Plan every scenario of ``problem`` with the same planner (default ``ClearancePlanner()``)."""
    if not scenarios:
        raise ConfigError("compare_scenarios needs at least one scenario; see default_scenarios()")
    planner = planner or ClearancePlanner()
    results = tuple(planner.solve(apply_scenario(problem, sc)) for sc in scenarios)
    return ScenarioComparison(tuple(scenarios), results)
