"""Reports awaiting approval, kept in the store: every version of every report, and their source references.

A report (records an operator or a field team submits for the national record) is a JSON document of the
collection ``reports`` under a readable id (``RP-000001``); each step of its life (submitted, flagged,
returned, resubmitted, approved) saves a new version, so nothing a report ever said is lost. A save is a
compare-and-set on the version (``save_report_if``), so two verifiers deciding on one report at once cannot
both win. The people's personal fields of a report's records live in a collection of their own
(``report_personal``) so that reading a report never reads them by accident.

``new_report`` makes submissions idempotent: the first report naming an organisation's source reference (a
form's instance id, an operator's own report number) takes it, and a later submission with the same reference
finds that report instead of making a second one.

This module knows nothing of who may do what: ``mineaction.workflows.reports`` decides, then calls it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mineaction.errors import NotFoundError, StoreError
from mineaction.store.codec import format_instant

__all__ = [
    "REPORT_COLLECTION",
    "REPORT_PERSONAL_COLLECTION",
    "REPORT_PREFIX",
    "latest_reports",
    "load_report",
    "load_report_personal",
    "new_report",
    "report_versions",
    "save_report_if",
    "save_report_personal",
]

REPORT_COLLECTION = "reports"
REPORT_PERSONAL_COLLECTION = "report_personal"
_REFS_COLLECTION = "report_refs"
REPORT_PREFIX = "RP"


def _now_text() -> str:
    return format_instant(datetime.now(UTC))


def _latest(store: Any, collection: str, key: str) -> tuple[int, dict[str, Any]] | None:
    rows = store.query(
        "SELECT version, payload FROM mineaction_documents WHERE collection = ? AND key = ? "
        "ORDER BY version DESC LIMIT 1",
        [collection, key],
    )
    return (int(rows[0][0]), dict(json.loads(rows[0][1]))) if rows else None


def _insert_if(
    store: Any, collection: str, key: str, version: int, payload: dict[str, Any], *, author: str, reason: str
) -> bool:
    """Save ``payload`` as version ``version + 1`` of ``collection/key`` only if ``version`` is still the
    latest (0: the key is new); whether it was saved."""
    with store.transaction():
        latest = store.query(
            "SELECT COALESCE(MAX(version), 0) FROM mineaction_documents WHERE collection = ? AND key = ?",
            [collection, key],
        )[0][0]
        if int(latest) != version:
            return False
        store.execute(
            "INSERT INTO mineaction_documents (collection, key, version, saved_at, author, reason, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (collection, key, version + 1, _now_text(), author, reason, json.dumps(payload, sort_keys=True)),
        )
    return True


def _serialise(store: Any) -> None:
    """Within a transaction: make other processes' new reports wait for this one (PostgreSQL reads another
    transaction's new rows only once it commits; SQLite already lets one writer in at a time)."""
    from mineaction.store.postgis import PostGISStore

    if isinstance(store, PostGISStore):
        store.query("SELECT pg_advisory_xact_lock(hashtext('mineaction_reports'))::text")


def new_report(
    store: Any,
    payload: dict[str, Any],
    *,
    author: str,
    reason: str,
    source_ref: tuple[str | None, str] | None = None,
) -> tuple[str, bool]:
    """Save ``payload`` as version 1 of a new report under the next id (``RP-`` and six digits, put in its
    ``id``); returns the id and True. With ``source_ref`` (organisation, reference) already taken by a
    report, saves nothing and returns that report's id and False."""
    with store.transaction():
        _serialise(store)
        key = None if source_ref is None else f"{source_ref[0] or ''}\n{source_ref[1]}"
        if key is not None and (taken := _latest(store, _REFS_COLLECTION, key)) is not None:
            return str(taken[1]["report"]), False
        count = store.query(
            "SELECT COUNT(DISTINCT key) FROM mineaction_documents WHERE collection = ?", [REPORT_COLLECTION]
        )[0][0]
        report_id = f"{REPORT_PREFIX}-{int(count) + 1:06d}"
        saved = _insert_if(
            store, REPORT_COLLECTION, report_id, 0, {**payload, "id": report_id}, author=author, reason=reason
        )
        if not saved:
            raise StoreError(f"{store.url}: report id {report_id} is taken already; the reports are damaged")
        if key is not None:
            _insert_if(store, _REFS_COLLECTION, key, 0, {"report": report_id}, author=author, reason=reason)
    return report_id, True


def load_report(store: Any, report_id: str) -> tuple[int, dict[str, Any]]:
    """The latest version number of a report and its content; NotFoundError when there is none."""
    found = _latest(store, REPORT_COLLECTION, report_id)
    if found is None:
        raise NotFoundError(f"no report {report_id!r}; list the reports with `mineaction reports list`")
    return found


def save_report_if(
    store: Any, report_id: str, version: int, payload: dict[str, Any], *, author: str, reason: str
) -> bool:
    """Save the next version of a report only if ``version`` is still its latest; whether it was saved
    (False: someone else changed the report meanwhile)."""
    return _insert_if(store, REPORT_COLLECTION, report_id, version, payload, author=author, reason=reason)


def report_versions(store: Any, report_id: str) -> list[dict[str, Any]]:
    """Every version of a report, oldest first, each with ``version``, ``saved_at``, ``author``, ``reason``
    and ``payload``."""
    rows = store.query(
        "SELECT version, saved_at, author, reason, payload FROM mineaction_documents "
        "WHERE collection = ? AND key = ? ORDER BY version",
        [REPORT_COLLECTION, report_id],
    )
    return [
        {"version": int(v), "saved_at": at, "author": who, "reason": why, "payload": json.loads(payload)}
        for v, at, who, why, payload in rows
    ]


def latest_reports(store: Any) -> list[dict[str, Any]]:
    """The latest version of every report, newest report first."""
    rows = store.query(
        "SELECT d.payload FROM mineaction_documents d JOIN (SELECT key, MAX(version) AS version, MIN(fid) "
        "AS first FROM mineaction_documents WHERE collection = ? GROUP BY key) m "
        "ON d.key = m.key AND d.version = m.version WHERE d.collection = ? ORDER BY m.first DESC",
        [REPORT_COLLECTION, REPORT_COLLECTION],
    )
    return [dict(json.loads(payload)) for (payload,) in rows]


def save_report_personal(
    store: Any, report_id: str, values: list[dict[str, Any]], *, author: str, reason: str
) -> None:
    """Keep the personal fields of a report's records (one dict per record, in order) apart from it."""
    found = _latest(store, REPORT_PERSONAL_COLLECTION, report_id)
    version = found[0] if found else 0
    if not _insert_if(
        store,
        REPORT_PERSONAL_COLLECTION,
        report_id,
        version,
        {"records": values},
        author=author,
        reason=reason,
    ):
        raise StoreError(f"{report_id}: its personal data changed meanwhile; try again")


def load_report_personal(store: Any, report_id: str) -> list[dict[str, Any]] | None:
    """The personal fields of a report's records (None when it has none)."""
    found = _latest(store, REPORT_PERSONAL_COLLECTION, report_id)
    return None if found is None else list(found[1]["records"])
