"""The approval workflow's second half: verifiers list and read reports, then approve, return or flag them.

Only an approved report changes the national record: ``approve_report`` applies its records in one
transaction with a history revision whose author is the report's author and whose reason names the report
and its approver, and the report keeps the ids it inserted and updated. ``return_report`` sends it back to
its organisation with a reason; ``flag_report`` adds a verifier's finding and leaves it waiting. Nobody
approves their own report. Every decision is a new version of the report and an audit entry.

Who sees a report: its author, and whoever may ``review`` reports of its kind for its organisation (verifiers
and administrators every report, an operator's staff their own organisation's). For anyone else a report
does not exist (NotFoundError, HTTP 404), so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from mineaction.access import Principal, record, require
from mineaction.domain.schema import EntitySchema, entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, NotFoundError, PermissionDenied, StoreError, ValidationError
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.store.reports import (
    latest_reports,
    load_report,
    load_report_personal,
    report_versions,
    save_report_if,
)
from mineaction.workflows.reports import REPORT_STATUSES, acting_for, report_step
from mineaction.workflows.results import JsonResult
from mineaction.workflows.snapshot import settings_for_store

__all__ = [
    "ReportDecision",
    "ReportList",
    "ReportView",
    "approve_report",
    "flag_report",
    "list_reports",
    "return_report",
    "show_report",
]

_SUMMARY = (
    "id",
    "kind",
    "status",
    "author",
    "organisation",
    "submitted_at",
    "updated_at",
    "n_records",
    "source_ref",
)


@dataclass(frozen=True)
class ReportList(JsonResult):
    """The reports a principal may see, newest first: each with its id, kind, status, author, organisation,
    dates (UTC), number of records and of findings, and source reference."""

    reports: tuple[Mapping[str, Any], ...]
    status: str | None = None


@dataclass(frozen=True)
class ReportView(JsonResult):
    """One report in full: its records (geometry as WKT, EPSG:4326), findings, every step (who, role,
    organisation, when, why), what its approval applied, and how many versions are kept. Personal fields
    are in the records only when asked for by someone allowed to read them (``personal_included``)."""

    report: Mapping[str, Any]
    versions: int
    personal_included: bool = False


@dataclass(frozen=True)
class ReportDecision(JsonResult):
    """A verifier's decision on a report: the action (``approve``, ``return``, ``flag``), the report's new
    status, who decided, when and why, and for an approval the record ids inserted and updated."""

    report_id: str
    kind: str
    action: str
    status: str
    by: str
    at: str
    reason: str | None
    inserted: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()


def _may_see(principal: Principal, report: Mapping[str, Any]) -> bool:
    return principal.name == report["author"] or principal.can(
        "review", str(report["kind"]), organisation=report["organisation"]
    )


def _visible(store: Store, principal: Principal, report_id: str) -> tuple[int, dict[str, Any]]:
    """The report (latest version number and content) if ``principal`` may see it, else NotFoundError
    (NotAuthenticated for the public)."""
    if principal.is_public:
        require(principal, "review")
    version, report = load_report(store, report_id)
    if not _may_see(principal, report):
        raise NotFoundError(f"no report {report_id!r}; list the reports with `mineaction reports list`")
    return version, report


def list_reports(store: Store, principal: Principal, *, status: str | None = None) -> ReportList:
    """The reports ``principal`` may see (``status`` alone if given), newest first."""
    require(principal, "review")
    if status is not None and status not in REPORT_STATUSES:
        raise InputError(f"unknown report status {status!r}; use one of: {', '.join(REPORT_STATUSES)}")
    shown = []
    for report in latest_reports(store):
        if (status is None or report["status"] == status) and _may_see(principal, report):
            shown.append({**{k: report.get(k) for k in _SUMMARY}, "n_findings": len(report["findings"])})
    return ReportList(tuple(shown), status)


def show_report(
    store: Store, principal: Principal, report_id: str, *, include_personal: bool = False
) -> ReportView:
    """One report in full (see ``ReportView``); ``include_personal`` needs ``read_personal`` on its kind and
    is audited."""
    _, report = _visible(store, principal, report_id)
    if include_personal and report.get("has_personal"):
        require(principal, "read_personal", str(report["kind"]))
        people = load_report_personal(store, report_id) or []
        report = {**report, "records": [{**r, **p} for r, p in zip(report["records"], people, strict=False)]}
        with acting_for(principal):
            record(store, "read_personal", f"report:{report_id}", {"kind": report["kind"]})
    versions = len(report_versions(store, report_id))
    return ReportView(report, versions, include_personal and bool(report.get("has_personal")))


def _decidable(principal: Principal, report: Mapping[str, Any], action: str) -> None:
    require(principal, "approve", str(report["kind"]), organisation=report["organisation"])
    if report["status"] not in ("submitted", "flagged"):
        raise InputError(
            f"report {report['id']} is {report['status']}; only a submitted or flagged report can be "
            f"given the decision {action!r}"
        )


def _decide(
    store: Store,
    principal: Principal,
    version: int,
    report: dict[str, Any],
    *,
    action: str,
    status: str,
    reason: str | None,
    **changes: Any,
) -> ReportDecision:
    """Save the report's next version with the decision as its last step, and audit it (in the caller's
    transaction)."""
    step = report_step(principal, action, reason)
    changed = {**report, **changes, "status": status, "updated_at": step["at"]}
    changed["steps"] = [*report["steps"], step]
    if not save_report_if(store, report["id"], version, changed, author=principal.name, reason=action):
        raise StoreError(f"report {report['id']} was changed by someone else meanwhile; read it again")
    detail = {"kind": report["kind"], "author": report["author"], "status": status, "reason": reason}
    record(store, "return" if action == "return" else action, f"report:{report['id']}", detail)
    applied = changed.get("applied") or {}
    return ReportDecision(
        report["id"],
        str(report["kind"]),
        action,
        status,
        principal.name,
        step["at"],
        reason,
        tuple(applied.get("inserted", ())),
        tuple(applied.get("updated", ())),
    )


def _records_frame(
    schema: EntitySchema, rows: list[dict[str, Any]], people: list[dict[str, Any]] | None
) -> pd.DataFrame:
    """A report's records back as a frame (personal fields joined by position; geometry from WKT)."""
    frame = pd.DataFrame(rows)
    if people:
        frame = pd.concat([frame, pd.DataFrame(people, index=frame.index)], axis=1)
    if schema.geometry is not None and "geometry" in frame.columns:
        geoms = shapely.from_wkt(frame["geometry"].to_numpy(dtype=object))
        frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(geoms), crs=4326)
    return frame


def approve_report(
    store: Store,
    principal: Principal,
    report_id: str,
    *,
    reason: str | None = None,
    settings: Settings | None = None,
) -> ReportDecision:
    """Approve a submitted or flagged report and apply its records to the national record, in one
    transaction; the history revision's author is the report's author and its reason names the report and
    ``principal``. Nobody approves their own report (PermissionDenied)."""
    version, report = _visible(store, principal, report_id)
    _decidable(principal, report, "approve")
    if principal.name == report["author"]:
        raise PermissionDenied(
            f"{principal.name} submitted report {report_id}; nobody approves their own report: another "
            "verifier must"
        )
    schema = entity(str(report["kind"]))
    settings = settings_for_store(store, settings)
    frame = _records_frame(schema, report["records"], load_report_personal(store, report_id))
    checked = validate_frame(
        frame, schema, file=f"report {report_id}", aoi=settings.aoi, metric_crs=settings.metric_crs
    )
    if not checked.ok:
        raise ValidationError(f"report {report_id} no longer passes: {checked.summary()}", checked)
    why = f"report {report_id} by {report['author']} ({report['organisation']}), approved by {principal.name}"
    with acting_for(principal), store.transaction():
        written = store.write(
            schema.kind,
            checked.frame,
            author=str(report["author"]),
            reason=f"{why}: {reason}" if reason else why,
            source_doc=f"report:{report_id}",
        )
        applied = {"inserted": list(written.inserted), "updated": list(written.updated)}
        return _decide(
            store,
            principal,
            version,
            report,
            action="approve",
            status="approved",
            reason=reason,
            applied=applied,
        )


def _reason_needed(reason: str | None, action: str) -> str:
    if reason is None or not reason.strip():
        raise InputError(f"to {action} a report give the reason (what its author must look at or correct)")
    return reason.strip()


def return_report(store: Store, principal: Principal, report_id: str, *, reason: str) -> ReportDecision:
    """Return a submitted or flagged report to its organisation with ``reason`` (required); it can be
    corrected and resubmitted."""
    reason = _reason_needed(reason, "return")
    version, report = _visible(store, principal, report_id)
    _decidable(principal, report, "return")
    with acting_for(principal), store.transaction():
        return _decide(store, principal, version, report, action="return", status="returned", reason=reason)


def flag_report(store: Store, principal: Principal, report_id: str, *, reason: str) -> ReportDecision:
    """Flag a submitted report with a verifier's finding (``reason``, required); it stays waiting."""
    reason = _reason_needed(reason, "flag")
    version, report = _visible(store, principal, report_id)
    _decidable(principal, report, "flag")
    finding = {"check": "verifier", "id": report_id, "value": principal.name, "fix": reason}
    with acting_for(principal), store.transaction():
        return _decide(
            store,
            principal,
            version,
            report,
            action="flag",
            status="flagged",
            reason=reason,
            findings=[*report["findings"], finding],
        )
