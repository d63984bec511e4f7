"""Filled field forms kept as submitted reports until a verifier approves them into the national record.

A filled form (an OpenRosa submission, or one form of an ODK Central or KoboToolbox export) is kept whole as
one report: the document ``form_submissions/<instanceID>`` holds its form, version, author, organisation,
status and records by kind (geometry as WKT, EPSG:4326, personal fields left out); the personal fields are
kept apart in ``form_submission_personal/<instanceID>``; attachments (the photo) are files
``form_files/<instanceID>/<name>``. The instance id keys it, so posting or importing the same filled form
again adds nothing. Nothing reaches the national record before ``approve_form_submission``, which writes the
main record, links the repeat records (victims, finds) to its new id and writes them, in one transaction.
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
from mineaction.errors import InputError, NotFoundError, PermissionDenied, ValidationError
from mineaction.forms import FormRecords, form_definition, read_export
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, frame_rows, to_jsonable

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
    """One filled form kept: its instance id, form, status, records by kind and attachments; ``created`` is
    False when the same instance had arrived before (nothing was added)."""

    instance_id: str
    form_id: str
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


def submit_form(
    store: Store,
    principal: Principal,
    read: FormRecords,
    files: Mapping[str, tuple[bytes, str]] | None = None,
) -> FormSubmitted:
    """Keep a filled form as a submitted report (idempotent by its instance id).

    ``files`` maps attachment names to (bytes, media type); only the attachments the answers name are
    kept, each at most ``MAX_ATTACHMENT_BYTES``. Needs ``submit`` on every kind the form holds and
    ``write_personal`` when personal fields are filled. Everything is kept in one transaction, or nothing.
    """
    _check_submitter(principal, read)
    files = files or {}
    _attachments(read, files)
    counts = read.counts
    with acting_as(principal), store.transaction():
        if _existing(store, read.instance_id) is not None:
            return FormSubmitted(read.instance_id, read.form_id, "submitted", counts, read.attachments, False)
        records, personal = _encoded(principal, read)
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
            "status": "submitted",
            "author": principal.name,
            "organisation": principal.organisation,
            "submitted_at": _now(),
            "records": records,
            "has_personal": bool(personal),
            "attachments": kept,
            "steps": [{"action": "submit", "by": principal.name, "at": _now()}],
        }
        store.save_document(
            FORM_SUBMISSIONS, read.instance_id, payload, author=principal.name, reason="submit"
        )
        if personal:
            store.save_document(
                FORM_PERSONAL, read.instance_id, personal, author=principal.name, reason="submit"
            )
        record(store, "submit", f"form:{read.instance_id}", {"form": read.form_id, "records": counts})
    return FormSubmitted(read.instance_id, read.form_id, "submitted", counts, read.attachments)


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
    """A kept filled form (without personal fields) for its author or a reviewer; NotFoundError otherwise."""
    kept = _existing(store, instance_id)
    if kept is None or not (
        kept["author"] == principal.name
        or all(principal.can("review", k, organisation=kept["organisation"]) for k in kept["records"])
    ):
        raise NotFoundError(f"no filled form {instance_id!r}")
    return kept


def _frame(kind: str, rows: list[dict[str, Any]], people: list[dict[str, Any]] | None) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if people:
        frame = pd.concat([frame, pd.DataFrame(people, index=frame.index)], axis=1)
    if "geometry" in frame:
        geometry = shapely.from_wkt(frame.pop("geometry").to_numpy(dtype=object))
        frame = gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")
    return frame


def approve_form_submission(store: Store, principal: Principal, instance_id: str) -> dict[str, Any]:
    """Apply a submitted filled form to the national record: the main record, then its repeat records
    linked to the main record's new id, in one transaction; the report becomes ``approved`` and keeps the
    ids written. Needs ``approve`` on every kind; nobody approves their own submission."""
    kept = load_form_submission(store, principal, instance_id)
    for kind in kept["records"]:
        require(principal, "approve", kind, organisation=kept["organisation"])
    if kept["author"] == principal.name:
        raise PermissionDenied(f"{principal.name} submitted {instance_id}; another verifier must approve it")
    if kept["status"] != "submitted":
        raise InputError(f"filled form {instance_id} is {kept['status']}; only a submitted one is approved")
    form = form_definition(kept["form_id"])
    personal = store.load_document(FORM_PERSONAL, instance_id) if kept["has_personal"] else {}
    why = f"form {instance_id} by {kept['author']}, approved by {principal.name}"
    written: dict[str, list[str]] = {}
    with acting_as(principal), store.transaction():
        main_id = None
        for part in form.parts:
            rows = kept["records"].get(part.kind)
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
            main_id = main_id or (result.inserted[0] if result.inserted else None)
        step = {"action": "approve", "by": principal.name, "at": _now()}
        approved = {**kept, "status": "approved", "applied": written, "steps": [*kept["steps"], step]}
        store.save_document(FORM_SUBMISSIONS, instance_id, approved, author=principal.name, reason="approve")
        record(store, "approve", f"form:{instance_id}", {"form": kept["form_id"], "written": written})
    return to_jsonable(approved)
