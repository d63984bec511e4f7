"""Filled field forms as reports of the approval workflow: submitted, then approved into the national record.

A filled form (an OpenRosa submission, or one form of an ODK Central or KoboToolbox export) becomes a report
of ``mineaction.workflows.reports.submit_report``: its main record (the find, the hazardous area, the
accident, the activity) with the form's ``instanceID`` as the report's source reference, so posting or
importing the same filled form again adds nothing. What the report cannot carry is kept beside it under the
instance id, in the same transaction: the document ``form_submissions/<instanceID>`` (form, version, report
id, attachments, and the repeat groups' records: an accident's victims, an activity's finds, geometry as WKT
in EPSG:4326, personal fields apart in ``form_submission_personal/<instanceID>``) and the attachments as
files ``form_files/<instanceID>/<name>``.

``approve_form_submission`` approves the report (``approve_report``: the main record gets its id) and writes
the repeat records linked to that id, in one transaction. A report approved through the general workflow
(``POST /reports/{id}/approve``) gets its repeat records with a second call, which then only writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from mineaction.access import Principal, acting_as, record, require
from mineaction.domain.schema import entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, NotFoundError, ValidationError
from mineaction.forms import FormRecords, form_definition, read_export
from mineaction.store import Store
from mineaction.workflows.reports import submit_report
from mineaction.workflows.results import JsonResult, frame_rows, to_jsonable
from mineaction.workflows.review import approve_report, show_report

__all__ = [
    "FORM_FILES",
    "FORM_SUBMISSIONS",
    "FormImported",
    "FormSubmitted",
    "MAX_ATTACHMENT_BYTES",
    "approve_form_submission",
    "import_form_export",
    "load_form_submission",
    "submit_form",
]

FORM_SUBMISSIONS = "form_submissions"
FORM_PERSONAL = "form_submission_personal"
FORM_FILES = "form_files"
#: The largest attachment kept with a filled form, bytes (a phone photo at ODK's max-pixels=1600 is < 1 MB).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FormSubmitted(JsonResult):
    """One filled form submitted: its instance id, form, report id and status (``submitted`` or
    ``flagged``), records by kind and attachments; ``created`` is False when the same instance had arrived
    before (nothing was added; the report is the one made then)."""

    instance_id: str
    form_id: str
    report_id: str
    status: str
    records: Mapping[str, int]
    attachments: tuple[str, ...]
    created: bool = True


@dataclass(frozen=True)
class FormImported(JsonResult):
    """An export imported: the file, its form, the filled forms kept anew and those already kept."""

    source: str
    form_id: str
    created: tuple[str, ...]
    repeated: tuple[str, ...]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _existing(store: Store, instance_id: str) -> dict[str, Any] | None:
    try:
        return store.load_document(FORM_SUBMISSIONS, instance_id)
    except NotFoundError:
        return None


def _check_submitter(principal: Principal, read: FormRecords) -> None:
    for kind, frame in read.records.items():
        require(principal, "submit", kind)
        personal = [f.name for f in entity(kind).fields if f.personal and f.name in frame]
        if personal and frame[personal].notna().to_numpy().any():
            require(principal, "write_personal", kind)


def _encoded(principal: Principal, read: FormRecords) -> tuple[dict[str, list], dict[str, list]]:
    records: dict[str, list] = {}
    personal: dict[str, list] = {}
    for kind, frame in read.records.items():
        frame = frame.copy()
        own = principal.scope("submit", kind) == "own"
        frame["owner_org"] = principal.organisation if own else None
        frame["source"] = principal.organisation or principal.name
        fields = [f.name for f in entity(kind).fields if f.personal]
        records[kind] = frame_rows(pd.DataFrame(frame.drop(columns=fields)))
        if fields and frame[fields].notna().to_numpy().any():
            personal[kind] = frame_rows(pd.DataFrame(frame[fields]))
    return records, personal


def _attachments(read: FormRecords, files: Mapping[str, tuple[bytes, str]]) -> None:
    for name in read.attachments:
        if name not in files:
            raise InputError(f"{read.instance_id}: attachment {name!r} is named but was not sent")
        if len(files[name][0]) > MAX_ATTACHMENT_BYTES:
            raise InputError(
                f"{read.instance_id}: attachment {name!r} is {len(files[name][0]):,} bytes, over the limit "
                f"of {MAX_ATTACHMENT_BYTES:,}; send a smaller photo (ODK: max-pixels)"
            )


def _repeat_rows(principal: Principal, read: FormRecords) -> tuple[dict[str, list], dict[str, list]]:
    form = form_definition(read.form_id)
    repeats = FormRecords(
        read.form_id,
        read.version,
        read.instance_id,
        {p.kind: read.records[p.kind] for p in form.repeats if p.kind in read.records},
    )
    return _encoded(principal, repeats)


def submit_form(
    store: Store,
    principal: Principal,
    read: FormRecords,
    files: Mapping[str, tuple[bytes, str]] | None = None,
) -> FormSubmitted:
    """Submit a filled form as a report of the approval workflow (idempotent by its instance id).

    ``files`` maps attachment names to (bytes, media type); only the attachments the answers name are
    kept, each at most ``MAX_ATTACHMENT_BYTES``. Needs ``submit`` on every kind the form holds and
    ``write_personal`` when personal fields are filled. Everything is kept in one transaction, or nothing.
    """
    _check_submitter(principal, read)
    files = files or {}
    _attachments(read, files)
    form = form_definition(read.form_id)
    main = read.records[form.main.kind].copy()
    main["source"] = principal.organisation or principal.name
    with acting_as(principal), store.transaction():
        report = submit_report(store, principal, form.main.kind, main, source_ref=read.instance_id)
        counts = read.counts
        if not report.created:
            return FormSubmitted(
                read.instance_id,
                read.form_id,
                report.report_id,
                report.status,
                counts,
                read.attachments,
                False,
            )
        records, personal = _repeat_rows(principal, read)
        kept = []
        for name in read.attachments:
            data, media_type = files[name]
            key = f"{read.instance_id}/{name}"
            stored = store.save_file(
                FORM_FILES, key, data, media_type=media_type, author=principal.name, reason="form attachment"
            )
            kept.append({"name": name, "key": key, "size": len(data), "sha256": stored.sha256})
        payload = {
            "instance_id": read.instance_id,
            "form_id": read.form_id,
            "version": read.version,
            "report_id": report.report_id,
            "author": principal.name,
            "organisation": principal.organisation,
            "submitted_at": _now(),
            "repeats": records,
            "has_personal": bool(personal),
            "attachments": kept,
            "repeats_applied": None,
        }
        store.save_document(
            FORM_SUBMISSIONS, read.instance_id, payload, author=principal.name, reason="submit"
        )
        if personal:
            store.save_document(
                FORM_PERSONAL, read.instance_id, personal, author=principal.name, reason="submit"
            )
    return FormSubmitted(
        read.instance_id, read.form_id, report.report_id, report.status, counts, read.attachments
    )


def import_form_export(
    store: Store, principal: Principal, path: str | Path, *, form_id: str | None = None
) -> FormImported:
    """Keep every filled form of an ODK Central or KoboToolbox export as a submitted report.

    The export is read and validated whole first (the first bad form stops it with nothing kept); forms
    already kept (same instance id) are counted as repeated and add nothing.
    """
    batch = read_export(path, form_id=form_id)
    created: list[str] = []
    repeated: list[str] = []
    for read in batch.forms:
        files = {
            n: (batch.files[n], "application/octet-stream") for n in read.attachments if n in batch.files
        }
        kept = submit_form(store, principal, read, files)
        (created if kept.created else repeated).append(read.instance_id)
    return FormImported(batch.source, batch.form_id, tuple(created), tuple(repeated))


def load_form_submission(store: Store, principal: Principal, instance_id: str) -> dict[str, Any]:
    """What is kept beside a filled form's report (its report id, repeats without personal fields,
    attachments) for whoever may see the report; NotFoundError otherwise."""
    kept = _existing(store, instance_id)
    if kept is None:
        raise NotFoundError(f"no filled form {instance_id!r}")
    show_report(store, principal, kept["report_id"])  # NotFoundError for whoever may not see the report
    return kept


def _frame(kind: str, rows: list[dict[str, Any]], people: list[dict[str, Any]] | None) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if people:
        frame = pd.concat([frame, pd.DataFrame(people, index=frame.index)], axis=1)
    if "geometry" in frame:
        geometry = shapely.from_wkt(frame.pop("geometry").to_numpy(dtype=object))
        frame = gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")
    return frame


def _write_repeats(store: Store, kept: dict[str, Any], main_id: str, why: str) -> dict[str, list[str]]:
    form = form_definition(kept["form_id"])
    instance_id = kept["instance_id"]
    personal = store.load_document(FORM_PERSONAL, instance_id) if kept["has_personal"] else {}
    written: dict[str, list[str]] = {}
    for part in form.repeats:
        rows = kept["repeats"].get(part.kind)
        if not rows:
            continue
        frame = _frame(part.kind, rows, personal.get(part.kind))
        if part.link is not None:
            frame[part.link] = main_id
        checked = validate_frame(frame, part.kind, file=f"form {instance_id}")
        if not checked.ok:
            raise ValidationError(f"form {instance_id} no longer passes: {checked.summary()}", checked)
        result = store.write(
            part.kind, checked.frame, author=kept["author"], reason=why, source_doc=instance_id
        )
        written[part.kind] = list(result.inserted)
    return written


def approve_form_submission(store: Store, principal: Principal, instance_id: str) -> dict[str, Any]:
    """Approve a filled form's report (its main record gets its id) and write its repeat records (victims,
    finds) linked to that id, in one transaction; the record's history names the submitter as author and
    the approver in its reason. Needs ``approve`` on every kind; nobody approves their own submission. On a
    report approved already (through the general workflow), writes only the repeat records still waiting.
    """
    kept = load_form_submission(store, principal, instance_id)
    form = form_definition(kept["form_id"])
    for part in form.parts:
        require(principal, "approve", part.kind, organisation=kept["organisation"])
    if kept.get("repeats_applied") is not None:
        raise InputError(f"filled form {instance_id} is approved already (report {kept['report_id']})")
    why = f"form {instance_id} (report {kept['report_id']}) by {kept['author']}, approved by {principal.name}"
    with acting_as(principal), store.transaction():
        report = show_report(store, principal, kept["report_id"]).report
        if report["status"] != "approved":
            approve_report(store, principal, kept["report_id"], reason=f"form {instance_id}")
            report = show_report(store, principal, kept["report_id"]).report
        applied = report.get("applied") or {}
        ids = [*applied.get("inserted", ()), *applied.get("updated", ())]
        if not ids and kept["repeats"]:
            raise InputError(
                f"report {kept['report_id']} wrote no {form.main.kind} record to link the repeats to"
            )
        written = _write_repeats(store, kept, ids[0], why) if kept["repeats"] else {}
        done = {**kept, "repeats_applied": written, "approved_by": principal.name, "approved_at": _now()}
        store.save_document(FORM_SUBMISSIONS, instance_id, done, author=principal.name, reason="approve")
        record(store, "approve", f"form:{instance_id}", {"report": kept["report_id"], "written": written})
    return to_jsonable({**done, "applied": {form.main.kind: ids[:1], **written}})
