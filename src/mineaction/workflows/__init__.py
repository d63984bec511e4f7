"""One function per user-level job, shared by every front end (command line, demo, report, server).

Each job loads what it needs from a store (or a :class:`StoreSnapshot` of one), calls the pure computing
packages (``analysis``, ``risk``, ``plan``) and returns a frozen, typed result whose ``to_dict()`` is exactly
the JSON that the command's ``--json`` prints and the server returns. This is the only place a pipeline is
written: ``cli``, ``demo``, ``report`` and ``api`` call these functions and render what they return.

Layers (docs/architecture.md)::

    domain  <-  store / io / simulate  <-  analysis / risk / plan  <-  workflows  <-  report / cli / api
"""

from mineaction.workflows.evidence import (
    AlertsResult,
    QualityResult,
    RecordAssessment,
    StoreStats,
    assess_records,
    check_quality,
    raise_alerts,
    summarise_store,
)
from mineaction.workflows.figures import (
    CasualtyFigures,
    FundingFigures,
    LandRelease,
    casualty_figures,
    funding_figures,
    land_release,
)
from mineaction.workflows.patterns import AreaPatterns, PatternsResult, analyse_patterns, pattern_settings
from mineaction.workflows.people import (
    EoreNeeds,
    PeopleResults,
    RiskEducationResult,
    SurvivorAssistance,
    eore_for_plan,
    eore_needs,
    people_results,
    risk_education,
    survivor_assistance,
)
from mineaction.workflows.plan import (
    PlannedScenario,
    PlanRerun,
    PlanRun,
    builtin_scenarios,
    plan_clearance,
    rerun_saved_plan,
    saved_plans,
    scenario_from_yaml,
)
from mineaction.workflows.plan_update import PlanUpdate, update_plan
from mineaction.workflows.report import EvidenceTables, ReportData, RiskResults, report_data, risk_results
from mineaction.workflows.reports import (
    MAX_REPORT_RECORDS,
    REPORT_STATUSES,
    ReportSubmitted,
    resubmit_report,
    submit_report,
)
from mineaction.workflows.results import JsonResult, format_share, frame_rows, to_jsonable
from mineaction.workflows.review import (
    ReportDecision,
    ReportList,
    ReportView,
    approve_report,
    flag_report,
    list_reports,
    return_report,
    show_report,
)
from mineaction.workflows.risk import (
    RiskEvaluation,
    RiskFit,
    RiskSurface,
    SurveyCandidates,
    cells_from_frame,
    evaluate_risk,
    evaluate_risk_table,
    find_survey_candidates,
    fit_risk_model,
    fit_risk_table,
    load_risk_model,
    predict_risk_surface,
    save_risk_model,
)
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot, is_simulated, settings_for_store

__all__ = [
    "AlertsResult",
    "AreaPatterns",
    "CasualtyFigures",
    "EoreNeeds",
    "EvidenceTables",
    "FundingFigures",
    "JsonResult",
    "LandRelease",
    "MAX_REPORT_RECORDS",
    "PatternsResult",
    "PeopleResults",
    "PlanRerun",
    "PlanRun",
    "PlanUpdate",
    "PlannedScenario",
    "QualityResult",
    "REPORT_STATUSES",
    "RecordAssessment",
    "ReportData",
    "ReportDecision",
    "ReportList",
    "ReportSubmitted",
    "ReportView",
    "RiskEducationResult",
    "RiskEvaluation",
    "RiskFit",
    "RiskResults",
    "RiskSurface",
    "StoreSnapshot",
    "StoreStats",
    "SurveyCandidates",
    "SurvivorAssistance",
    "analyse_patterns",
    "approve_report",
    "as_snapshot",
    "assess_records",
    "builtin_scenarios",
    "casualty_figures",
    "cells_from_frame",
    "check_quality",
    "eore_for_plan",
    "eore_needs",
    "evaluate_risk",
    "evaluate_risk_table",
    "find_survey_candidates",
    "fit_risk_model",
    "fit_risk_table",
    "flag_report",
    "format_share",
    "frame_rows",
    "funding_figures",
    "is_simulated",
    "land_release",
    "list_reports",
    "load_risk_model",
    "pattern_settings",
    "people_results",
    "plan_clearance",
    "predict_risk_surface",
    "raise_alerts",
    "report_data",
    "rerun_saved_plan",
    "resubmit_report",
    "return_report",
    "risk_education",
    "risk_results",
    "save_risk_model",
    "saved_plans",
    "scenario_from_yaml",
    "settings_for_store",
    "show_report",
    "submit_report",
    "summarise_store",
    "survivor_assistance",
    "to_jsonable",
    "update_plan",
]
