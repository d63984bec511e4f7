"""People jobs: risk education reach and coverage, assistance to survivors, the risk education a plan needs.

Each job takes a store (or a :class:`~mineaction.workflows.snapshot.StoreSnapshot`) and the settings, calls
the pure functions of :mod:`mineaction.analysis` (``eore``, ``assistance``) and :mod:`mineaction.plan`
(``eore_before_return``) and returns a frozen result whose ``to_dict()`` is the JSON of the matching command
(``eore coverage``, ``eore needs``, ``survivors``) and API endpoint. Figures are counted on ``as_of``: by
default the day of the latest event the records describe (a session, an assessment, a service, an accident),
never after today, so a register that stopped on a date is read as of that date.

Survivors' figures are built from personal data: the result holds aggregates only, in their public form
(counts from 1 to 4 as "<5", no share or median from fewer than 5 survivors) unless the caller may read
personal data (``personal=True``), which also adds the list of needs open more than a year by victim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from mineaction import analysis
from mineaction.errors import PlanError
from mineaction.plan import PLAN_COLLECTION, PlanningProblem, eore_before_return
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, frame_rows
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "EoreNeeds",
    "PeopleResults",
    "RiskEducationResult",
    "SurvivorAssistance",
    "eore_for_plan",
    "eore_needs",
    "people_results",
    "risk_education",
    "survivor_assistance",
]

_EVENT_DATES = {
    "risk_education": ("delivered_on",),
    "survivor_needs": ("assessed_on", "closed_on"),
    "survivor_services": ("provided_on", "referred_on"),
    "accidents": ("occurred_on",),
}
_SURVIVOR_COUNTS = ("survivors", "assessed", "with_service", "needs", "needs_met", "needs_open")
_SURVIVOR_STATS = ("assessed_share", "median_days_to_first_service")


def data_date(snap: StoreSnapshot, today: date | None = None) -> date:
    """The day of the latest event the people records describe, not after ``today`` (default: today)."""
    today = today or date.today()
    latest: pd.Timestamp | None = None
    for kind, fields in _EVENT_DATES.items():
        frame = snap.frame(kind)
        for name in fields:
            if name in frame.columns and len(frame):
                value = pd.to_datetime(frame[name], errors="coerce").max()
                if pd.notna(value) and (latest is None or value > latest):
                    latest = value
    return today if latest is None else min(latest.date(), today)


def _as_of(snap: StoreSnapshot, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    if snap.as_of is not None:
        return pd.Timestamp(snap.as_of).date()
    return data_date(snap)


def _placed(snap: StoreSnapshot, when: date, returns: pd.DataFrame | None) -> tuple[pd.DataFrame, ...]:
    """Risk education records placed at settlements (delivered by ``when``), and the returns' coverage."""
    s = snap.settings
    frames = snap.frames(("risk_education", "assets", "accidents"))
    crs = analysis.metric_crs_for(frames, s)
    table = analysis.eore_table(frames["risk_education"], frames["assets"], radius_m=s.eore_radius_m, crs=crs)
    table = table.loc[~(table["delivered_on"] > pd.Timestamp(when))].reset_index(drop=True)
    events = analysis.return_events(frames["assets"], returns)
    coverage = analysis.return_coverage(table, events, lead_days=s.eore_lead_days, as_of=when)
    return table, coverage


@dataclass(frozen=True)
class RiskEducationResult(JsonResult):
    """Risk education reach and coverage of returning families (definitions in docs/metrics.md).

    ``coverage`` holds the headline figures over the returns due on ``as_of`` (families, 0-1 share);
    the ``*_by_*`` tables are rows (dicts); ``victims_reached`` the share of civilian accident victims whose
    community risk education reached in the year before.
    """

    as_of: date
    simulated: bool
    records: int
    coverage: Mapping[str, Any]
    coverage_by_settlement: tuple[Mapping[str, Any], ...]
    coverage_by_district_year: tuple[Mapping[str, Any], ...]
    reach_by_district_year: tuple[Mapping[str, Any], ...]
    reach_by_method: tuple[Mapping[str, Any], ...]
    victims_reached: Mapping[str, Any]
    lead_days: int
    radius_m: float
    community_radius_m: float


def risk_education(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    as_of: date | None = None,
    returns: pd.DataFrame | None = None,
) -> RiskEducationResult:
    """Risk education reach by district, year and method, families reached before their return by
    settlement and year, and victims from reached communities (``mineaction eore``).

    ``returns`` (``settlement``, ``returned_on``, ``families_returned``) replaces the settlements' planned
    returns (``target_on``, ``families_planned``) with the returns as they happened.
    """
    snap = as_snapshot(source, settings)
    s, when = snap.settings, _as_of(snap, as_of)
    table, coverage = _placed(snap, when, returns)
    frames = snap.frames(("assets", "accidents", "victims"))
    reached = analysis.victims_reached(
        frames["victims"],
        frames["accidents"],
        table,
        frames["assets"],
        window_days=365,
        radius_m=s.community_radius_m,
        crs=analysis.metric_crs_for(frames, s),
    )
    return RiskEducationResult(
        as_of=when,
        simulated=snap.simulated,
        records=len(table),
        coverage=analysis.coverage_share(coverage),
        coverage_by_settlement=tuple(frame_rows(analysis.coverage_by(coverage, ("settlement", "year")))),
        coverage_by_district_year=tuple(frame_rows(analysis.coverage_by(coverage, ("district", "year")))),
        reach_by_district_year=tuple(frame_rows(analysis.reach_by(table, ("district", "year")))),
        reach_by_method=tuple(frame_rows(analysis.reach_by(table, "method"))),
        victims_reached=reached,
        lead_days=s.eore_lead_days,
        radius_m=s.eore_radius_m,
        community_radius_m=s.community_radius_m,
    )


@dataclass(frozen=True)
class SurvivorAssistance(JsonResult):
    """Assistance to survivors (definitions in docs/metrics.md): aggregates only, in their public form
    (``public``: counts 1-4 as "<5", no share or median from fewer than 5 survivors) unless the caller may
    read personal data; ``open_over_a_year`` lists the needs open more than a year by victim only then."""

    as_of: date
    simulated: bool
    public: bool
    totals: Mapping[str, Any]
    by_sex_age_band: tuple[Mapping[str, Any], ...]
    by_year: tuple[Mapping[str, Any], ...]
    by_need: tuple[Mapping[str, Any], ...]
    open_over_a_year: tuple[Mapping[str, Any], ...]


def _public(frame: pd.DataFrame, counts: tuple[str, ...], stats: tuple[str, ...]) -> pd.DataFrame:
    return analysis.public_table(frame, [c for c in counts if c in frame], people=counts[0], statistics=stats)


def survivor_assistance(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    as_of: date | None = None,
    personal: bool = False,
) -> SurvivorAssistance:
    """Survivors assessed, days to the first service and needs open more than a year, by sex and age band,
    year and kind of need (``mineaction survivors``). ``personal``: the caller may read personal data (the
    access rule ``read_personal``): small counts are shown and open needs are listed by victim."""
    snap = as_snapshot(source, settings)
    when = _as_of(snap, as_of)
    frames = snap.frames(("victims", "accidents", "survivor_needs", "survivor_services"))
    table = analysis.survivor_table(
        frames["victims"],
        frames["accidents"],
        frames["survivor_needs"],
        frames["survivor_services"],
        as_of=when,
    )
    needs = analysis.need_table(frames["survivor_needs"], as_of=when)
    by_need = analysis.needs_by(needs, frames["survivor_services"], as_of=when)
    by_sex_age = analysis.assistance_by(table, ("sex", "age_band"))
    by_year = analysis.assistance_by(table, "year")
    totals = pd.DataFrame([analysis.assistance_totals(table)])
    if not personal:
        by_sex_age = _public(by_sex_age, (*_SURVIVOR_COUNTS, "needs_open_over_a_year"), _SURVIVOR_STATS)
        by_year = _public(by_year, (*_SURVIVOR_COUNTS, "needs_open_over_a_year"), _SURVIVOR_STATS)
        totals = _public(totals, (*_SURVIVOR_COUNTS, "needs_open_over_a_year"), _SURVIVOR_STATS)
        by_need = _public(by_need, ("needs", "met", "open", "open_over_a_year"), ("median_days_to_service",))
    late = needs.loc[needs["open_over_a_year"], ["victim", "need", "status", "assessed_on", "days_open"]]
    return SurvivorAssistance(
        as_of=when,
        simulated=snap.simulated,
        public=not personal,
        totals=frame_rows(totals)[0],
        by_sex_age_band=tuple(frame_rows(by_sex_age)),
        by_year=tuple(frame_rows(by_year)),
        by_need=tuple(frame_rows(by_need)),
        open_over_a_year=tuple(frame_rows(late)) if personal else (),
    )


@dataclass(frozen=True)
class EoreNeeds(JsonResult):
    """The risk education sessions a plan needs before returns (``plan.eore_before_return``): ``plan``
    is ``EorePlan.to_dict()`` (sessions in the order needed, counts by year, covered settlements)."""

    plan_id: str
    simulated: bool
    as_of: date
    plan: Mapping[str, Any]


def eore_for_plan(
    source: Store | StoreSnapshot,
    problem: PlanningProblem,
    schedule: Mapping[str, int | None],
    *,
    settings: Settings | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """``EorePlan.to_dict()`` of a plan's schedule: families reached so far are measured from the store's
    risk education records against the settlements' planned returns (what ``plan_clearance`` reports)."""
    snap = as_snapshot(source, settings)
    when = _as_of(snap, as_of)
    _, coverage = _placed(snap, when, None)
    return eore_before_return(problem, schedule, coverage, as_of=when).to_dict()


def _saved_plan(store: Store, plan_id: str | None) -> dict[str, Any]:
    keys = store.list_documents(PLAN_COLLECTION)
    if not keys:
        raise PlanError("the store holds no saved plan; run `mineaction plan STORE` first")
    key = plan_id or keys[-1]
    if key not in keys:
        raise PlanError(f"no saved plan {key!r}; saved plans: {', '.join(keys[-5:])}")
    return store.load_document(PLAN_COLLECTION, key)


def eore_needs(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    plan_id: str | None = None,
    as_of: date | None = None,
) -> EoreNeeds:
    """Risk education needed before returns under the saved plan ``plan_id`` (default: the latest saved;
    ``mineaction eore needs``). Families already reached are measured from the store's risk education
    records."""
    snap = as_snapshot(source, settings)
    when = _as_of(snap, as_of)
    document = _saved_plan(snap.store, plan_id)
    problem = PlanningProblem.from_dict(document["problem"])
    plan = eore_for_plan(snap, problem, document["result"]["schedule"], as_of=when)
    return EoreNeeds(str(document.get("plan_id", plan_id)), snap.simulated, when, plan)


@dataclass(frozen=True, eq=False)
class PeopleResults:
    """What the report shows about people: risk education, assistance to survivors (public form) and the
    sessions the latest saved plan needs (None without a saved plan)."""

    risk_education: RiskEducationResult
    survivors: SurvivorAssistance
    needs: EoreNeeds | None


def people_results(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> PeopleResults:
    """The people results of the report (public: survivors' small counts hidden)."""
    snap = as_snapshot(source, settings)
    try:
        needs: EoreNeeds | None = eore_needs(snap)
    except PlanError:
        needs = None  # no saved plan yet
    return PeopleResults(risk_education(snap), survivor_assistance(snap), needs)
