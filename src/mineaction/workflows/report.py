"""The report job: every result the report shows, computed once from a store, as one typed value.

``report_data(store)`` runs the evidence jobs (record assessment, alerts, quality), the casualty, land release
and funding tables, the risk model (validation, today's surface, survey candidates: the same functions as
``mineaction risk``), gathers the saved plans and the people results (risk education, assistance to
survivors in public form, the risk education the latest plan needs) and the mine-laying patterns of the
areas with mine finds or a record (residual mines, release checks, clearance order).
:mod:`mineaction.report` turns the :class:`ReportData` into HTML; it never reads a store or calls a
computing package itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mineaction import analysis
from mineaction.errors import ModelError
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.evidence import (
    AlertsResult,
    QualityResult,
    RecordAssessment,
    assess_records,
    check_quality,
    raise_alerts,
)
from mineaction.workflows.patterns import PatternsResult, analyse_patterns
from mineaction.workflows.people import PeopleResults, people_results
from mineaction.workflows.plan import saved_plans
from mineaction.workflows.risk import (
    RiskEvaluation,
    RiskFit,
    RiskSurface,
    SurveyCandidates,
    evaluate_risk,
    find_survey_candidates,
    fit_risk_model,
    predict_risk_surface,
)
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = ["EvidenceTables", "ReportData", "RiskResults", "report_data", "risk_results"]


@dataclass(frozen=True, eq=False)
class EvidenceTables:
    """The evidence the report shows: the jobs' results and the tables of casualties, land release, funding.

    Counts are people, areas m2 (``released_ha`` in ha), money US$; shares 0-1.
    """

    crs: str
    assessment: RecordAssessment
    alerts: AlertsResult
    quality: QualityResult
    casualty_totals: Mapping[str, Any]
    casualties_since: Mapping[str, Any]
    casualties_by: Mapping[str, pd.DataFrame]
    release_totals: Mapping[str, Any]
    ledger: pd.DataFrame
    release_by_operator: pd.DataFrame
    funding_totals: Mapping[str, Any]
    funding_by_year: pd.DataFrame
    funding_by_source: pd.DataFrame


@dataclass(frozen=True, eq=False)
class RiskResults:
    """The risk model as the report shows it: validation, today's surface and candidates (same settings)."""

    evaluation: RiskEvaluation
    fit: RiskFit
    surface: RiskSurface
    candidates: SurveyCandidates

    @property
    def cell_m(self) -> float:
        return float(self.surface.grid.cell_m)


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything the report shows. ``frames`` are the records drawn on maps (EPSG:4326); ``risk`` is None
    when no model could be fitted, with ``risk_note`` saying why; ``plans`` are full plan results."""

    settings: Settings
    simulated: bool
    frames: Mapping[str, pd.DataFrame]
    evidence: EvidenceTables
    risk: RiskResults | None = None
    risk_note: str = ""
    plans: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    people: PeopleResults | None = None
    patterns: PatternsResult | None = None

    def frame(self, kind: str) -> pd.DataFrame:
        """The frame of ``kind``, or an empty frame when there is none."""
        found = self.frames.get(kind)
        return found if found is not None else pd.DataFrame()


_CASUALTY_KEYS = ("year", "setting", "district", "victim_group")


def evidence_tables(snap: StoreSnapshot, *, patterns: PatternsResult | None = None) -> EvidenceTables:
    """The evidence results and tables of one store snapshot; ``patterns`` (the areas' patterns, already
    computed) gives the quality check its release checks without computing them again."""
    frames, s = snap.frames(), snap.settings
    table = analysis.casualty_table(frames.get("victims"), frames.get("accidents"))
    totals = analysis.casualty_totals(table)
    acts, finds, funding = frames.get("activities"), frames.get("finds"), frames.get("funding")
    by = {key: analysis.casualties_by(table, key) for key in _CASUALTY_KEYS}
    by["age_band_sex"] = analysis.casualties_by(table, ["age_band", "sex"])
    shares = analysis.summary_stats(frames, casualty_aggregates=snap.casualty_aggregates())["intervals"]
    return EvidenceTables(
        crs=analysis.metric_crs_for(frames, s),
        assessment=assess_records(snap),
        alerts=raise_alerts(snap),
        quality=check_quality(snap, patterns=patterns),
        casualty_totals={**totals, "intervals": shares},
        casualties_since=analysis.totals_with_aggregates(totals, snap.casualty_aggregates()),
        casualties_by=by,
        release_totals=analysis.release_totals(acts, finds),
        ledger=analysis.land_release_ledger(acts, finds, by=["year", "district", "operator", "method"]),
        release_by_operator=analysis.land_release_ledger(acts, finds, by="operator"),
        funding_totals={
            **analysis.funding_totals(funding),
            "foreign_share_interval": shares["foreign_share"],
        },
        funding_by_year=analysis.funding_by_year(funding),
        funding_by_source=analysis.funding_by_source(funding, acts),
    )


def risk_results(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    cell_m: float | None = None,
    truth: pd.DataFrame | None = None,
) -> RiskResults:
    """Validation, the model fitted on everything, today's surface and candidates on ``cell_m`` m cells
    (default: the setting ``report_risk_cell_m``): ``mineaction risk evaluate``, ``fit``, ``predict`` and
    ``candidates`` with those options give the same figures and raster. ``truth`` (simulated data only)
    adds the capture of all true mines."""
    snap = as_snapshot(source, settings)
    cell = snap.settings.report_risk_cell_m if cell_m is None else cell_m
    evaluation = evaluate_risk(snap, cell_m=cell, truth=truth)
    fitted = fit_risk_model(snap, cell_m=cell)
    surface = predict_risk_surface(snap, fitted.bundle)
    candidates = find_survey_candidates(snap, fitted.bundle, surface=surface)
    return RiskResults(evaluation, fitted, surface, candidates)


def report_data(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    risk: RiskResults | None = None,
    plans: Sequence[Mapping[str, Any]] | None = None,
) -> ReportData:
    """Every result of the report, computed once (``mineaction report``, the demo's report step).

    ``risk`` and ``plans`` given by the caller (the demo computed them already) are used as they are;
    otherwise the risk model is fitted here (no risk section, with the reason, when the store holds too few
    survey results to learn from) and the latest saved plan is shown.
    """
    snap = as_snapshot(source, settings)
    note = ""
    if risk is None and not (snap.frame("finds").empty and snap.frame("accidents").empty):
        try:
            risk = risk_results(snap)
        except ModelError as exc:
            note = f"No risk model could be fitted: {exc}"
    patterns = analyse_patterns(snap)
    return ReportData(
        settings=snap.settings,
        simulated=snap.simulated,
        frames=snap.frames(),
        evidence=evidence_tables(snap, patterns=patterns),
        risk=risk,
        risk_note=note,
        plans=tuple(saved_plans(snap.store) if plans is None else plans),
        people=people_results(snap),
        patterns=patterns,
    )
