"""Planning jobs: plan survey and clearance (with scenarios side by side), save the plans, re-run one.

``plan_clearance`` builds the planning problem from a store, solves it for the base case or each scenario,
saves every plan document in the store's ``plans`` collection (with its inputs, weights, solver version and
seed), lists the risk education each plan needs where families return before release (``eore_for_plan``)
and returns a :class:`PlanRun` whose ``to_dict()`` is ``mineaction plan --json``. The demo, the report
and the server call the same function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mineaction import __version__
from mineaction.plan import (
    PLAN_COLLECTION,
    ClearancePlanner,
    PlanResult,
    Scenario,
    apply_scenario,
    build_problem,
    default_scenarios,
    plan_document,
    rerun_plan,
    scenario_from_yaml,
)
from mineaction.risk import ModelBundle
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.people import eore_for_plan
from mineaction.workflows.results import JsonResult
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "PLAN_KINDS",
    "PlanRerun",
    "PlanRun",
    "PlannedScenario",
    "builtin_scenarios",
    "plan_clearance",
    "rerun_saved_plan",
    "risk_casualty_rates",
    "saved_plans",
    "scenario_from_yaml",
]

#: The kinds of record a planning problem is built from.
PLAN_KINDS = ("hazardous_areas", "assets", "operators", "funding", "activities", "accidents")

_SUMMARY = (
    "status",
    "objective",
    "bound",
    "mip_gap",
    "greedy_objective",
    "method",
    "produced_by",
    "solver",
    "seed",
    "seconds",
    "problem_hash",
    "simulated",
    "years",
    "area_released_km2_by_year",
    "families_returned_by_year",
    "assets_unblocked_by_year",
    "casualties_averted_by_year",
    "money_spent_usd_by_year",
    "casualties_averted",
    "families_returned_by_year_3",
    "steps",
    "shadow_prices",
)


@dataclass(frozen=True, eq=False)
class PlannedScenario:
    """One solved plan: its id in the store, the scenario it answers (None: the base case) and the result."""

    plan_id: str
    scenario: Mapping[str, Any] | None
    result: PlanResult
    eore: Mapping[str, Any] | None = None  # risk education needed before returns (EorePlan.to_dict())

    @property
    def name(self) -> str:
        return str((self.scenario or {}).get("name") or "base plan")

    def summary(self) -> dict[str, Any]:
        """The per-year figures, objective, bound and gap, greedy's figures and the first tasks' reasons."""
        full = self.result.to_dict()
        out = {"plan_id": self.plan_id, "scenario": self.scenario, **{k: full[k] for k in _SUMMARY}}
        out["greedy"] = {k: v for k, v in full["greedy"].items() if k != "years"}
        out["tasks_in_plan"] = len(self.result.reasons)
        out["first_tasks"] = [r.text for r in self.result.reasons[:10]]
        out["eore_before_return"] = self.eore
        return out

    def full(self) -> dict[str, Any]:
        """The whole result (schedule, every task's reason) with the scenario and plan id, for reports."""
        return {**self.result.to_dict(), "scenario": self.scenario, "plan_id": self.plan_id}


@dataclass(frozen=True, eq=False)
class PlanRun(JsonResult):
    """The plans of one ``mineaction plan`` run: the base case, or one plan per scenario in order."""

    plans: tuple[PlannedScenario, ...]

    def to_dict(self) -> dict[str, Any]:
        summaries = [p.summary() for p in self.plans]
        return {**summaries[0], "scenarios": summaries} if len(summaries) > 1 else summaries[0]


def builtin_scenarios(names: Sequence[str] | None = None) -> list[Scenario]:
    """The built-in scenarios (today's 6 % foreign funding, the world norm, more teams, survey first), or
    those named."""
    found = default_scenarios()
    if names is None:
        return found
    by_name = {s.name: s for s in found}
    return [by_name[n] for n in names]


def plan_clearance(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    years: int | None = None,
    budget_usd: float | None = None,
    start_year: int | None = None,
    scenarios: Sequence[Scenario] = (),
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    seed: int | None = None,
    casualty_rates: Mapping[str, float] | None = None,
    risk_model: ModelBundle | None = None,
    save: bool = True,
) -> PlanRun:
    """Plan which hazardous areas to release in which year (``mineaction plan``).

    Parameters
    ----------
    years, time_limit_s, mip_gap, seed : optional
        Plan years, hard limit on each solve (s), relative gap to reach and solver seed (defaults: the
        settings ``plan_years``, ``plan_time_limit_s``, ``plan_mip_gap``, ``random_state``).
    budget_usd : float, optional
        Money a year for survey and clearance, US$ (default: from the funding records).
    scenarios : sequence of Scenario
        Solve each (side by side) instead of the base case.
    casualty_rates : mapping of hazardous-area id to expected casualties a year, optional
        Risk x exposure computed elsewhere (default: past accidents near each area).
    risk_model : ModelBundle, optional
        A risk model fitted on the store (grid mode): the expected casualties of each area come from today's
        risk surface and the people who use the land (:func:`risk_casualty_rates`) instead of past accidents.
    save : bool
        Save every plan document in the store (``plans`` collection), authored by the setting ``author``.
    """
    snap = as_snapshot(source, settings)
    s = snap.settings
    frames = snap.frames(PLAN_KINDS)
    if casualty_rates is None and risk_model is not None:
        casualty_rates = risk_casualty_rates(snap, risk_model)
    base = build_problem(
        frames,
        years=s.plan_years if years is None else years,
        start_year=start_year,
        budget_usd=budget_usd,
        settings=s,
        simulated=True if snap.simulated else None,
        casualty_rate=casualty_rates,
    )
    planner = ClearancePlanner(
        time_limit_s=s.plan_time_limit_s if time_limit_s is None else time_limit_s,
        mip_gap=s.plan_mip_gap if mip_gap is None else mip_gap,
        seed=s.random_state if seed is None else seed,
    )
    inputs = {
        "store": snap.url,
        "counts": {k: len(v) for k, v in frames.items()},
        "years": base.years,
        "budget_usd": budget_usd,
        "start_year": start_year,
        "casualties_from": _casualty_source(casualty_rates, risk_model),
    }
    plans = []
    cases: list[Scenario | None] = list(scenarios) or [None]
    for scenario in cases:
        problem = apply_scenario(base, scenario) if scenario else base
        result = planner.solve(problem)
        described = scenario.to_dict() if scenario else None
        doc = plan_document(problem, planner, result, scenario=described, version=__version__, inputs=inputs)
        if save:
            snap.store.save_document(
                PLAN_COLLECTION,
                doc["plan_id"],
                doc,
                author=s.author,
                reason=f"mineaction plan ({scenario.name if scenario else 'base plan'})",
            )
        eore = eore_for_plan(snap, problem, result.schedule)
        plans.append(PlannedScenario(doc["plan_id"], doc["scenario"], result, eore))
    return PlanRun(tuple(plans))


def _casualty_source(rates: Mapping[str, float] | None, model: ModelBundle | None) -> str:
    if model is not None:
        return "risk model (risk x exposure)"
    return "given rates" if rates is not None else "past accidents"


def risk_casualty_rates(source: Store | StoreSnapshot, model: ModelBundle) -> dict[str, float]:
    """Expected casualties a year (people) of each open hazardous area from today's risk surface and the
    people who use the land (risk x exposure), scaled to the casualties a year since the ceasefire."""
    from mineaction.risk.exposure import expected_casualties
    from mineaction.workflows.risk import predict_risk_surface

    snap = as_snapshot(source)
    surface = predict_risk_surface(snap, model)
    areas = snap.frame("hazardous_areas")
    open_areas = areas.loc[areas["status"] != "released"] if "status" in areas.columns else areas
    rates = expected_casualties(
        surface.grid,
        surface.surface,
        open_areas,
        snap.frame("assets"),
        total_per_year=_casualties_per_year(snap),
        crs=surface.grid.crs,
    )
    return {str(k): float(v) for k, v in rates.items()}


def _casualties_per_year(snap: StoreSnapshot) -> float:
    """Victims a year of the accidents since the ceasefire (accidents a year if no victims are recorded)."""
    import pandas as pd

    accidents = snap.frame("accidents")
    if accidents.empty:
        return 0.0
    since = pd.Timestamp(snap.settings.ceasefire)
    dates = pd.to_datetime(accidents["occurred_on"])
    recent = accidents.loc[dates >= since]
    years = max(1.0, (dates.max() - since).days / 365.25)
    victims = snap.frame("victims")
    counted = int(victims["accident"].isin(recent["id"]).sum()) if len(victims) else 0
    return (counted or len(recent)) / years


@dataclass(frozen=True, eq=False)
class PlanRerun(JsonResult):
    """A saved plan solved again with its saved problem and parameters; whether its schedule is the same."""

    plan: PlannedScenario
    same_schedule: bool
    changed_units: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.plan.summary(),
            "same_schedule": self.same_schedule,
            "changed_units": list(self.changed_units),
        }


def rerun_saved_plan(store: Store, plan_id: str) -> PlanRerun:
    """Re-run the plan ``plan_id`` saved in ``store`` (``mineaction plan --rerun PLAN_ID``)."""
    document = store.load_document(PLAN_COLLECTION, plan_id)
    earlier = (document.get("inputs") or {}).get("updated_from")
    previous = store.load_document(PLAN_COLLECTION, earlier) if earlier else None
    again = rerun_plan(document, previous=previous)
    plan = PlannedScenario(plan_id, document.get("scenario"), again.result)
    return PlanRerun(plan, again.same_schedule, again.changed_units)


def saved_plans(store: Store, *, latest: int = 1) -> list[dict[str, Any]]:
    """The ``latest`` plans saved in ``store``, newest last, each as a full result with scenario and id."""
    keys = store.list_documents(PLAN_COLLECTION)[-latest:] if latest else []
    plans = []
    for key in keys:
        doc = store.load_document(PLAN_COLLECTION, key)
        plans.append({**doc["result"], "scenario": doc.get("scenario"), "plan_id": key})
    return plans
