"""The audit log: append-only, hash-chained entries of who did what, when and from where; and its check.

Each entry holds the SHA-256 of the one before (``prev_hash``) and its own ``hash`` over its sequence number,
time, actor, organisation, action, target, detail, origin and ``prev_hash``. Editing, deleting or reordering
any entry breaks the chain from that entry on, and ``verify_chain`` names the first broken one. The head row
(``mineaction_audit_head``) holds the last sequence number and hash: every append updates it first, which
serialises appends across processes (a row lock in PostgreSQL, the write lock in SQLite) so the chain never
forks, and it shows when entries were cut from the end.

Who is acting comes from ``acting(Origin(...))``, a context the server sets per request (and the command line
per command): the store's own writes and deletes are logged with it whoever calls them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mineaction.store.codec import format_instant
from mineaction.store.security import AUDIT_GENESIS

if TYPE_CHECKING:  # any SQL store: the base that has query, execute and transaction
    from mineaction.store.documents import SettingsAndDocuments

__all__ = [
    "AuditCheck",
    "AuditEntry",
    "Origin",
    "acting",
    "append_audit",
    "audit_change",
    "audit_entries",
    "audit_personal_read",
    "current_origin",
    "entry_hash",
    "verify_chain",
]

_IDS_SHOWN = 20  # ids named in a write's entry; the rest are covered by the digest of all
_COLUMNS = "seq, at, actor, organisation, action, target, detail, origin, prev_hash, hash"


@dataclass(frozen=True)
class Origin:
    """Who is acting and from where: the authenticated ``actor`` (user name), their ``organisation``, the
    client ``address`` (IP) and the ``channel`` (``api``, ``cli``, ``dashboard``...).

    ``confine`` is what the store lets them change, a second wall behind the access rules: None for any
    record, an organisation's code for records that organisation owns only (``owner_org``), ``""`` for no
    record at all (``mineaction.store.ownership``).
    """

    actor: str | None = None
    organisation: str | None = None
    address: str | None = None
    channel: str | None = None
    confine: str | None = None

    def describe(self) -> str | None:
        """``channel address`` as stored in an entry's ``origin`` (None when neither is known)."""
        text = " ".join(p for p in (self.channel, self.address) if p)
        return text or None


_ORIGIN: ContextVar[Origin | None] = ContextVar("mineaction_audit_origin", default=None)


@contextlib.contextmanager
def acting(origin: Origin) -> Iterator[Origin]:
    """Within this block, audit entries name ``origin`` (per request or command; contexts do not leak
    between threads or tasks)."""
    token = _ORIGIN.set(origin)
    try:
        yield origin
    finally:
        _ORIGIN.reset(token)


def current_origin() -> Origin:
    """The origin set by the innermost ``acting`` block (an empty Origin outside any)."""
    return _ORIGIN.get() or Origin()


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log as stored."""

    seq: int
    at: str
    actor: str | None
    organisation: str | None
    action: str
    target: str | None
    detail: str
    origin: str | None
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """The entry with its detail parsed (for JSON output)."""
        fields = dict(self.__dict__)
        fields["detail"] = json.loads(self.detail)
        return fields


def entry_hash(
    seq: int,
    at: str,
    actor: str | None,
    organisation: str | None,
    action: str,
    target: str | None,
    detail: str,
    origin: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of an entry's fields as canonical JSON: the one definition appends and checks share."""
    text = json.dumps(
        [int(seq), at, actor, organisation, action, target, detail, origin, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append_audit(
    store: SettingsAndDocuments,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
    organisation: str | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry (in the caller's transaction, if any) and return it.

    ``actor``, ``organisation`` and ``address`` default to the current ``acting`` origin. ``detail`` must
    hold no secret (passwords, tokens, session ids): it is kept for ever in clear.
    """
    origin = current_origin()
    if address is not None:
        origin = dataclasses.replace(origin, address=address)
    text = json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str)
    at = format_instant(datetime.now(UTC))
    who = actor if actor is not None else origin.actor
    org = organisation if organisation is not None else origin.organisation
    with store.transaction():
        # Taking the head row first serialises appends: the chain cannot fork between processes.
        store.execute("UPDATE mineaction_audit_head SET seq = seq + 1")
        seq, prev = store.query("SELECT seq, hash FROM mineaction_audit_head")[0]
        digest = entry_hash(int(seq), at, who, org, action, target, text, origin.describe(), prev)
        entry = AuditEntry(int(seq), at, who, org, action, target, text, origin.describe(), prev, digest)
        store.execute(
            f"INSERT INTO mineaction_audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(entry.__dict__.values()),
        )
        store.execute("UPDATE mineaction_audit_head SET hash = ?", (digest,))
    return entry


def audit_change(
    store: SettingsAndDocuments,
    kind: str,
    inserted: Sequence[str],
    updated: Sequence[str],
    deleted: Sequence[str],
    author: str,
    reason: str,
    source_doc: str | None,
) -> None:
    """Log one write (``inserted``, ``updated`` ids) or delete (``deleted`` ids) of ``kind`` by the store
    itself; nothing when nothing changed. The actor is the acting origin's user, else ``author``.

    The entry names the first ids and the SHA-256 of all of them (a million-row import stays one small
    entry); the revisions themselves are in ``<kind>_history``, with the same author and reason.
    """
    ids = [*inserted, *updated, *deleted]
    if not ids or not store.has_audit_log():
        return
    counts = (
        {"inserted": len(inserted), "updated": len(updated)} if not deleted else {"deleted": len(deleted)}
    )
    detail = {
        "kind": kind,
        **counts,
        "ids": ids[:_IDS_SHOWN],
        "ids_sha256": hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest(),
        "author": author,
        "reason": reason,
        "source_doc": source_doc,
    }
    actor = current_origin().actor or author
    append_audit(store, "delete" if deleted else "write", kind, detail, actor=actor)


def audit_personal_read(store: SettingsAndDocuments, kind: str, ids: Sequence[str]) -> None:
    """Log a read of people's personal data (the kind and the records' ids, never the values) made on
    someone's behalf: inside an ``acting`` block (a request, a command). Reads by code working on the store
    directly (a migration re-keying records, a test) are not people reading and are not logged."""
    if not ids or _ORIGIN.get() is None or not store.has_audit_log():
        return
    detail = {
        "kind": kind,
        "records": len(ids),
        "ids": list(ids[:_IDS_SHOWN]),
        "ids_sha256": hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest(),
    }
    append_audit(store, "read_personal", kind, detail)


def audit_entries(
    store: SettingsAndDocuments, *, after: int = 0, limit: int | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Entries with ``seq`` greater than ``after``, in order (optionally one ``action`` only)."""
    where, params = "WHERE seq > ?", list[Any]([int(after)])
    if action is not None:
        where += " AND action = ?"
        params.append(action)
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    rows = store.query(f"SELECT {_COLUMNS} FROM mineaction_audit {where} ORDER BY seq{tail}", params)
    return [AuditEntry(int(r[0]), *r[1:]) for r in rows]


@dataclass(frozen=True)
class AuditCheck:
    """The result of checking the chain: ``ok``, entries checked, the first broken entry's sequence number
    (or None) and why it is broken; ``head_hash`` is the last good hash, worth writing down elsewhere."""

    ok: bool
    entries: int
    first_broken: int | None
    problem: str | None
    head_seq: int
    head_hash: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _broken(entries: int, seq: int, problem: str, head_seq: int, head_hash: str) -> AuditCheck:
    return AuditCheck(False, entries, seq, problem, head_seq, head_hash)


def verify_chain(
    store: SettingsAndDocuments, *, anchors: Mapping[int, str] | None = None, batch: int = 10_000
) -> AuditCheck:
    """Walk the whole log in order and check every link and hash, and the head row against the last entry.

    Entries are fetched ``batch`` at a time. The first problem found is reported: a sequence
    number missing or out of place (a deleted or reordered entry), a ``prev_hash`` that is not the previous
    entry's hash, a ``hash`` that does not match the entry's content (an edited entry), or a head row that
    does not match the last entry (entries cut from the end), or an entry whose hash differs from an
    **anchor**, a ``{seq: hash}`` written down outside the store earlier (the chain was rewritten and
    re-hashed by someone with write access to the database: only an anchor kept elsewhere shows that).
    """
    anchors = dict(anchors or {})
    expected_seq, prev, checked = 1, AUDIT_GENESIS, 0
    cursor = store.execute(f"SELECT {_COLUMNS} FROM mineaction_audit ORDER BY seq, fid")
    while rows := cursor.fetchmany(batch):
        for row in rows:
            entry = AuditEntry(int(row[0]), *row[1:])
            if entry.seq != expected_seq:
                problem = f"expected entry {expected_seq} here but found entry {entry.seq}: missing or moved"
                return _broken(checked, expected_seq, problem, expected_seq - 1, prev)
            if entry.prev_hash != prev:
                problem = "its prev_hash is not the hash of the entry before: entries removed or reordered"
                return _broken(checked, entry.seq, problem, entry.seq - 1, prev)
            fields = (entry.at, entry.actor, entry.organisation, entry.action, entry.target, entry.detail)
            if entry_hash(entry.seq, *fields, entry.origin, entry.prev_hash) != entry.hash:
                problem = "its content does not match its hash: the entry was edited"
                return _broken(checked, entry.seq, problem, entry.seq - 1, prev)
            if anchors.get(entry.seq, entry.hash) != entry.hash:
                problem = "its hash is not the one recorded outside the store: the log was rewritten"
                return _broken(checked, entry.seq, problem, entry.seq - 1, prev)
            prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head_seq, head_hash = store.query("SELECT seq, hash FROM mineaction_audit_head")[0]
    missing = sorted(seq for seq in anchors if seq > checked)
    if missing:
        problem = f"entry {missing[0]} was recorded outside the store but is no longer in the log"
        return _broken(checked, checked + 1, problem, checked, prev)
    if int(head_seq) != checked or head_hash != prev:
        problem = (
            f"the log ends at entry {checked} but its head records entry {int(head_seq)}: entries "
            "were removed from the end"
        )
        return _broken(checked, checked + 1, problem, checked, prev)
    return AuditCheck(True, checked, None, None, checked, prev)
