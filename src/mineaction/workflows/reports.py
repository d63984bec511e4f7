"""The approval workflow's first half: reports submitted for the national record, checked, resubmitted.

Nothing an operator, a field team or a data-entry clerk sends changes the national record directly. It
arrives as a **report** (IMSMA NG's workbench; IMAS 05.10 on information management): its records are
validated by the domain rules (a record the domain refuses is refused with the row, the field and the fix),
the data-quality checks run on them at once, and the report is kept as ``submitted``, or ``flagged`` with
the checks' findings. A verifier of the authority then approves it, returns it with a reason, or flags it
(``mineaction.workflows.review``); a returned report is corrected and resubmitted by its organisation. Every
step is kept (each a new version of the report, with who, when and why) and audited.

Who may submit what comes from the access rules: ``submit`` on the kind, for the organisation that owns each
record (an operator submits its own organisation's records; new records without an owner become its own),
and ``write_personal`` for records carrying people's personal data, which are kept apart from the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from mineaction import analysis
from mineaction.access import Principal, acting_as, record, require
from mineaction.domain.schema import OWNER_FIELD, EntitySchema, entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, NotFoundError, StoreError, ValidationError
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.store.audit import current_origin
from mineaction.store.codec import format_instant
from mineaction.store.reports import (
    load_report,
    new_report,
    save_report_if,
    save_report_personal,
)
from mineaction.workflows.patterns import proposed_release_findings
from mineaction.workflows.results import JsonResult, frame_rows, to_jsonable
from mineaction.workflows.snapshot import settings_for_store

__all__ = [
    "MAX_REPORT_RECORDS",
    "REPORT_STATUSES",
    "ReportSubmitted",
    "report_step",
    "resubmit_report",
    "submit_report",
]

#: What a report can be: waiting (``submitted``), waiting with findings to look at (``flagged``), sent back to
#: its organisation (``returned``), applied to the national record (``approved``).
REPORT_STATUSES = ("submitted", "flagged", "returned", "approved")
#: Records in one report; larger batches are imports, made by those who may write the record directly.
MAX_REPORT_RECORDS = 10_000


@dataclass(frozen=True)
class ReportSubmitted(JsonResult):
    """What one submission did.

    Attributes
    ----------
    report_id
        The report's readable id (``RP-000012``).
    kind
        The kind of its records.
    status
        ``submitted``, or ``flagged`` when the checks found something (``findings``).
    n_records
        Records in the report.
    findings
        The data-quality checks' findings and the validation's warnings, each with ``check``, ``id`` (the
        record id or ``row N``), ``value`` and ``fix``.
    source_ref
        The submitter's own reference (a form's instance id), if given.
    created
        False when the same submission had arrived before: ``report_id`` is the report it made then.
    """

    report_id: str
    kind: str
    status: str
    n_records: int
    findings: tuple[Mapping[str, Any], ...]
    source_ref: str | None
    created: bool = True


def _now() -> str:
    return format_instant(datetime.now(UTC))


def report_step(principal: Principal, action: str, reason: str | None) -> dict[str, Any]:
    """One step of a report's life as kept in it: what, who (name, role, organisation), when, why."""
    return {
        "action": action,
        "by": principal.name,
        "role": principal.role,
        "organisation": principal.organisation,
        "at": _now(),
        "reason": reason,
    }


def acting_for(principal: Principal) -> contextlib.AbstractContextManager[Any]:
    """The caller's ``acting_as`` block if it is for ``principal``, else one for it (the store then audits
    and confines every write as the principal's)."""
    if current_origin().actor == principal.name:
        return contextlib.nullcontext()
    return acting_as(principal)


def _claim_owners(frame: pd.DataFrame, principal: Principal, kind: str) -> pd.DataFrame:
    """Give new records without an owner to an ``own``-scoped submitter's organisation; refuse records of
    other organisations."""
    frame = frame.copy()
    if OWNER_FIELD.name not in frame.columns:
        frame[OWNER_FIELD.name] = None
    owners = frame[OWNER_FIELD.name].astype(object).where(frame[OWNER_FIELD.name].notna(), None)
    owners = owners.map(lambda v: v.strip() or None if isinstance(v, str) else v)
    if principal.scope("submit", kind) == "own":
        owners = owners.map(lambda v: principal.organisation if v is None else v)
    frame[OWNER_FIELD.name] = owners
    for owner in sorted({o for o in owners if o is not None}):
        require(principal, "submit", kind, organisation=owner)
    return frame


def _check_existing(store: Store, principal: Principal, kind: str, frame: pd.DataFrame, label: str) -> None:
    """Rows naming a record id change that record: it must exist and its organisation must be the
    submitter's to change (an operator cannot change another organisation's approved data)."""
    if "id" not in frame.columns:
        return
    for row, value in enumerate(frame["id"], start=1):
        if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
            continue
        try:
            stored = store.get(kind, str(value).strip())
        except NotFoundError:
            raise InputError(
                f"{label} row {row}: no {kind} record {value!r} to change; leave id empty for a new record"
            ) from None
        require(principal, "submit", kind, organisation=stored.get(OWNER_FIELD.name))


def _check_personal(principal: Principal, schema: EntitySchema, frame: pd.DataFrame) -> list[str]:
    """The personal fields the frame fills (``write_personal`` needed), by name."""
    filled = [
        f.name
        for f in schema.fields
        if f.personal and f.name in frame.columns and frame[f.name].notna().any()
    ]
    if filled:
        require(principal, "write_personal", schema.kind)
    return filled


def _findings(
    schema: EntitySchema, clean: pd.DataFrame, warnings: pd.DataFrame, settings: Settings
) -> list[dict[str, Any]]:
    """The validation's warnings and the data-quality checks' issues, as JSON rows."""
    found = [
        {
            "check": "validation",
            "id": f"row {int(w['row'])}",
            "value": f"{w['field']} = {w['value']}" if w["value"] != "" else str(w["field"]),
            "fix": f"{w['reason']}; {w['fix']}",
        }
        for _, w in warnings.iterrows()
    ]
    issues = analysis.data_quality({schema.kind: clean}, settings=settings)
    found += [
        {"check": str(i["check"]), "id": str(i["id"]), "value": str(i["value"]), "fix": str(i["fix"])}
        for _, i in issues.iterrows()
    ]
    return found


def check_report_records(
    store: Store,
    principal: Principal,
    kind: str,
    frame: pd.DataFrame,
    *,
    settings: Settings,
    label: str,
) -> tuple[pd.DataFrame, list[str], list[dict[str, Any]]]:
    """The validated records of a report, the personal fields it fills and its findings; raises on what
    cannot be submitted (PermissionDenied, ValidationError naming the rows)."""
    schema = entity(kind)
    if frame is None or len(frame) == 0:
        raise InputError(f"{label}: the report holds no record; send at least one {schema.label}")
    if len(frame) > MAX_REPORT_RECORDS:
        raise InputError(
            f"{label}: {len(frame):,} records in one report (at most {MAX_REPORT_RECORDS:,}); split it, or "
            "import it with `mineaction import` if you may write the record directly"
        )
    unknown = sorted(set(map(str, frame.columns)) - set(schema.field_names) - {"geometry"})
    if unknown:
        raise InputError(
            f"{label}: {', '.join(unknown)} {'is not a field' if len(unknown) == 1 else 'are not fields'} "
            f"of {kind}; the fields are: {', '.join(schema.field_names)}"
        )
    frame = _claim_owners(frame, principal, kind)
    _check_existing(store, principal, kind, frame, label)
    personal = _check_personal(principal, schema, frame)
    checked = validate_frame(frame, schema, file=label, aoi=settings.aoi, metric_crs=settings.metric_crs)
    if not checked.ok:
        raise ValidationError(f"{label}: {checked.summary()}", checked)
    issues = checked.to_frame()
    warnings = issues[issues["severity"] == "warning"]
    findings = _findings(schema, checked.frame, warnings, settings)
    if kind == "hazardous_areas":  # an area proposed for release: do its finds or records imply mines left?
        findings += proposed_release_findings(store, checked.frame, settings=settings)
    return checked.frame, personal, findings


def encode_records(
    schema: EntitySchema, clean: pd.DataFrame
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """A report's records as JSON rows (geometry as WKT, in EPSG:4326) without their personal fields, and
    those fields apart (None when the report has none)."""
    personal = [f.name for f in schema.fields if f.personal and f.name in clean.columns]
    rows = frame_rows(pd.DataFrame(clean.drop(columns=personal)))
    people = None
    if personal and clean[personal].notna().to_numpy().any():
        people = [to_jsonable(r) for r in clean[personal].to_dict(orient="records")]
    return rows, people


def content_sha256(rows: list[dict[str, Any]], people: list[dict[str, Any]] | None) -> str:
    """A digest of a report's content (records and personal fields), to know a repeated submission."""
    text = json.dumps({"records": rows, "personal": people}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _status(findings: list[dict[str, Any]]) -> str:
    return "flagged" if findings else "submitted"


def submit_report(
    store: Store,
    principal: Principal,
    kind: str,
    frame: pd.DataFrame,
    *,
    source_ref: str | None,
    settings: Settings | None = None,
    reason: str | None = None,
) -> ReportSubmitted:
    """Submit records of ``kind`` for approval; the national record does not change until a verifier
    approves the report.

    Parameters
    ----------
    store
        The store (any back end).
    principal
        Who submits: they need ``submit`` on ``kind`` for the organisation owning each record, and
        ``write_personal`` when records carry personal fields.
    kind
        The kind of the records (``finds``, ``accidents``...).
    frame
        Records with the schema's field names as columns (and ``geometry`` in EPSG:4326, shapely objects,
        for kinds with a geometry); an ``id`` changes that existing record, no ``id`` adds a new one.
    source_ref
        The submitter's own reference (a form's instance id): submitting the same content under the same
        reference again returns the first report (``created`` False); other content under it is refused.
    settings
        Settings for the checks (defaults; the store's area of interest is laid over them).
    reason
        A note from the submitter, kept with the report.

    Raises
    ------
    NotAuthenticated, PermissionDenied
        The principal may not submit these records.
    ValidationError
        Records the domain refuses (the error's ``report`` names every row, field and fix).
    InputError
        An empty report, unknown fields, an id naming no record, or a reference used for other content.
    """
    require(principal, "submit", kind)
    settings = settings_for_store(store, settings)
    label = f"report {source_ref}" if source_ref else "report"
    clean, _, findings = check_report_records(store, principal, kind, frame, settings=settings, label=label)
    rows, people = encode_records(entity(kind), clean)
    digest = content_sha256(rows, people)
    now = _now()
    payload: dict[str, Any] = {
        "kind": kind,
        "status": _status(findings),
        "source_ref": source_ref,
        "author": principal.name,
        "organisation": principal.organisation,
        "submitted_at": now,
        "updated_at": now,
        "records": rows,
        "n_records": len(rows),
        "has_personal": people is not None,
        "content_sha256": digest,
        "findings": findings,
        "steps": [report_step(principal, "submit", reason)],
        "applied": None,
    }
    ref = None if not source_ref else (principal.organisation, source_ref)
    with acting_for(principal), store.transaction():
        report_id, created = new_report(
            store, payload, author=principal.name, reason="report submitted", source_ref=ref
        )
        if created:
            if people is not None:
                save_report_personal(store, report_id, people, author=principal.name, reason="submitted")
            record(store, "submit", f"report:{report_id}", _audit_detail(payload))
    if not created:
        return _repeated(store, report_id, digest, source_ref)
    return ReportSubmitted(report_id, kind, payload["status"], len(rows), tuple(findings), source_ref)


def _audit_detail(report: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": report["kind"],
        "records": report["n_records"],
        "status": report["status"],
        "findings": len(report["findings"]),
        "source_ref": report["source_ref"],
    }


def _repeated(store: Store, report_id: str, digest: str, source_ref: str | None) -> ReportSubmitted:
    """The first report of a repeated submission; InputError when the reference came with other content."""
    _, first = load_report(store, report_id)
    if first["content_sha256"] != digest:
        raise InputError(
            f"source reference {source_ref!r} names report {report_id} already, with other content; give "
            "the new submission a reference of its own, or resubmit the report when it is returned"
        )
    return ReportSubmitted(
        report_id,
        first["kind"],
        first["status"],
        int(first["n_records"]),
        tuple(first["findings"]),
        source_ref,
        created=False,
    )


def resubmit_report(
    store: Store,
    principal: Principal,
    report_id: str,
    frame: pd.DataFrame,
    *,
    settings: Settings | None = None,
    reason: str | None = None,
) -> ReportSubmitted:
    """Send a returned report again with corrected records (the same checks as ``submit_report``); its
    earlier versions stay. Only its organisation's submitters may (NotFoundError for anyone else)."""
    version, report = load_report(store, report_id)
    kind = str(report["kind"])
    if principal.name != report["author"] and not principal.can(
        "submit", kind, organisation=report["organisation"]
    ):
        require(principal, "submit", kind)  # 401 for the public; others must not learn the report exists
        raise NotFoundError(f"no report {report_id!r}; list the reports with `mineaction reports list`")
    if report["status"] != "returned":
        raise InputError(
            f"report {report_id} is {report['status']}; only a returned report is resubmitted (a new "
            "submission makes a new report)"
        )
    settings = settings_for_store(store, settings)
    label = f"report {report_id}"
    clean, _, findings = check_report_records(store, principal, kind, frame, settings=settings, label=label)
    rows, people = encode_records(entity(kind), clean)
    changed = {
        **report,
        "status": _status(findings),
        "updated_at": _now(),
        "records": rows,
        "n_records": len(rows),
        "has_personal": people is not None,
        "content_sha256": content_sha256(rows, people),
        "findings": findings,
        "steps": [*report["steps"], report_step(principal, "resubmit", reason)],
    }
    with acting_for(principal), store.transaction():
        if not save_report_if(
            store, report_id, version, changed, author=principal.name, reason="resubmitted"
        ):
            raise StoreError(f"report {report_id} changed meanwhile; read it again and resubmit")
        if people is not None or report.get("has_personal"):
            save_report_personal(store, report_id, people or [], author=principal.name, reason="resubmitted")
        record(store, "submit", f"report:{report_id}", {**_audit_detail(changed), "resubmitted": True})
    return ReportSubmitted(
        report_id, kind, changed["status"], len(rows), tuple(findings), report["source_ref"]
    )
