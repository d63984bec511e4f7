"""Long work as records in the store: jobs kept as versioned documents (collection ``jobs``), so that they
outlive the server process that took them and several processes can share them.

A job is a JSON document: ``id``, ``kind``, ``params``, ``status`` (queued, running, succeeded, failed),
``submitted_by``, ``submitted_at``, ``started_at``, ``finished_at``, ``lease_until``, ``result`` or ``error``.
Every change is a new version of the document (the history of a job is kept). ``claim_job`` takes a queued job
(or one whose runner's lease ran out: its process stopped) with a compare-and-set on the version, so two
processes never both run it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mineaction.errors import NotFoundError
from mineaction.store.codec import format_instant

__all__ = ["JOB_COLLECTION", "claim_job", "finish_job", "list_jobs", "load_job", "submit_job"]

JOB_COLLECTION = "jobs"
_RECENT = 200  # jobs looked at when searching for work


def _now() -> datetime:
    return datetime.now(UTC)


def _latest(store: Any, key: str) -> tuple[int, dict[str, Any]] | None:
    rows = store.query(
        "SELECT version, payload FROM mineaction_documents WHERE collection = ? AND key = ? "
        "ORDER BY version DESC LIMIT 1",
        [JOB_COLLECTION, key],
    )
    return (int(rows[0][0]), dict(json.loads(rows[0][1]))) if rows else None


def _save_if(store: Any, key: str, version: int, job: dict[str, Any], *, author: str, reason: str) -> bool:
    """Save ``job`` as version ``version + 1`` only if ``version`` is still the latest; whether it was."""
    with store.transaction():
        latest = store.query(
            "SELECT COALESCE(MAX(version), 0) FROM mineaction_documents WHERE collection = ? AND key = ?",
            [JOB_COLLECTION, key],
        )[0][0]
        if int(latest) != version:
            return False
        store.execute(
            "INSERT INTO mineaction_documents (collection, key, version, saved_at, author, reason, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                JOB_COLLECTION,
                key,
                version + 1,
                format_instant(_now()),
                author,
                reason,
                json.dumps(job, default=str),
            ),
        )
    return True


def submit_job(store: Any, kind: str, params: dict[str, Any], *, user: str) -> dict[str, Any]:
    """Queue a job of ``kind`` with ``params`` for ``user``; returns the job document."""
    job_id = uuid.uuid4().hex[:16]
    job: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "params": params,
        "status": "queued",
        "submitted_by": user,
        "submitted_at": format_instant(_now()),
        "started_at": None,
        "finished_at": None,
        "lease_until": None,
        "result": None,
        "error": None,
    }
    _save_if(store, job_id, 0, job, author=user, reason=f"{kind} job submitted")
    return job


def load_job(store: Any, job_id: str) -> dict[str, Any]:
    """The latest state of a job; NotFoundError when there is none."""
    found = _latest(store, job_id)
    if found is None:
        raise NotFoundError(f"no job {job_id!r}; list your jobs at /jobs")
    return found[1]


def list_jobs(store: Any, *, user: str | None = None, latest: int = 50) -> list[dict[str, Any]]:
    """The most recent jobs (of ``user`` when given), newest first."""
    rows = store.query(
        "SELECT key FROM mineaction_documents WHERE collection = ? GROUP BY key ORDER BY MIN(fid) DESC",
        [JOB_COLLECTION],
    )
    jobs = []
    for (key,) in rows[: max(latest * 4, _RECENT)]:
        job = load_job(store, key)
        if user is None or job["submitted_by"] == user:
            jobs.append(job)
        if len(jobs) >= latest:
            break
    return jobs


def claim_job(store: Any, *, runner: str, lease_s: float) -> dict[str, Any] | None:
    """Take the oldest queued job (or one whose lease expired) for ``runner``; None when there is none."""
    now = _now()
    rows = store.query(
        "SELECT key FROM mineaction_documents WHERE collection = ? GROUP BY key ORDER BY MIN(fid) DESC",
        [JOB_COLLECTION],
    )
    for (key,) in reversed(rows[:_RECENT]):
        found = _latest(store, key)
        if found is None:
            continue
        version, job = found
        stale = (
            job["status"] == "running" and job.get("lease_until") and job["lease_until"] < format_instant(now)
        )
        if job["status"] != "queued" and not stale:
            continue
        job = {
            **job,
            "status": "running",
            "started_at": format_instant(now),
            "lease_until": format_instant(now + timedelta(seconds=lease_s)),
            "runner": runner,
        }
        if _save_if(store, key, version, job, author=runner, reason="job started"):
            return job
    return None


def finish_job(
    store: Any, job: dict[str, Any], *, result: Any = None, error: str | None = None
) -> dict[str, Any]:
    """Record a job's end: its result (JSON) or the error that stopped it."""
    found = _latest(store, job["id"])
    version = found[0] if found else 0
    done = {
        **job,
        "status": "failed" if error else "succeeded",
        "finished_at": format_instant(_now()),
        "lease_until": None,
        "result": result,
        "error": error,
    }
    _save_if(store, job["id"], version, done, author=job.get("runner", "server"), reason="job finished")
    return done
