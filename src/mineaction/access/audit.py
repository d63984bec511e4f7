"""The audit log as the front ends use it: who is acting (per request or command), recording events, reading
the log and verifying its hash chain.

The chain itself (its table, hash and check) is ``mineaction.store.audit``; the store logs its own writes and
deletes there whoever calls them. Front ends wrap each request or command in ``acting_as(principal,
address=...)`` so that every entry made inside names the user, their organisation and where they came from,
and call ``record`` for what the store cannot see: logins, approvals, reads of personal data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from mineaction.access._store import sql_store
from mineaction.access.principal import Principal
from mineaction.domain.schema import ENTITIES
from mineaction.store import Store
from mineaction.store.audit import (
    AuditCheck,
    AuditEntry,
    Origin,
    acting,
    append_audit,
    audit_entries,
    verify_chain,
)

__all__ = ["AUDIT_ACTIONS", "acting_as", "confinement", "read_audit", "record", "verify_audit"]

# Every action written to the log, with what it means (docs/access.md lists them).
AUDIT_ACTIONS: dict[str, str] = {
    "write": "records inserted or updated through the store (kind, counts, ids)",
    "delete": "records deleted through the store (kind, ids)",
    "setting": "a store setting changed",
    "document": "a document (plan, model card) saved",
    "organisation_add": "an organisation added",
    "user_add": "a user added",
    "role_change": "a user's role or organisation changed",
    "grant": "an explicit permission given to a user",
    "ungrant": "an explicit permission taken away",
    "password_change": "a user's password set",
    "user_disable": "a user disabled (tokens revoked, sessions ended)",
    "user_enable": "a user enabled again",
    "token_issue": "an API token issued (its public id only)",
    "token_revoke": "an API token revoked",
    "token_use": "an API token used (at most once per token_audit_minutes)",
    "login": "a successful login (password, and the second factor where required)",
    "login_failed": "a failed login (unknown user, wrong password or second factor)",
    "lockout": "an account or address locked out after too many failed logins",
    "logout": "a browser session ended by its user",
    "totp_enrol": "a second factor (TOTP) enrolled, with new recovery codes",
    "recovery_code_used": "a recovery code used in place of the TOTP code",
    "read_personal": "people's personal data read (kind, ids)",
    "submit": "a report submitted or resubmitted for approval",
    "approve": "a report approved and applied to the record",
    "return": "a report returned to its author with comments",
    "flag": "a report flagged by a verifier with a finding",
}


@contextlib.contextmanager
def acting_as(
    principal: Principal, *, address: str | None = None, channel: str | None = None
) -> Iterator[Origin]:
    """Within this block every audit entry (the store's own included) names ``principal`` and comes from
    ``address`` (the client's IP) over ``channel`` (``api``, ``cli``, ``dashboard``); and the store refuses
    writes and deletes the principal's ``write`` rules do not allow (a second wall behind ``require``)."""
    origin = Origin(
        principal.name, principal.organisation, address, channel or principal.via, confinement(principal)
    )
    with acting(origin) as active:
        yield active


def confinement(principal: Principal) -> str | None:
    """What the store lets ``principal`` change (``Origin.confine``): None when it may ``write`` every kind
    of every organisation, its organisation when some ``write`` scope is narrower, ``""`` when it may write
    nothing."""
    scopes = {principal.scope("write", kind) for kind in ENTITIES}
    if scopes == {"all"}:
        return None
    if scopes & {"all", "own"}:
        return principal.organisation or ""
    return ""


def record(
    store: Store,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    principal: Principal | None = None,
) -> AuditEntry:
    """Append an entry for ``action`` on ``target`` (``user:ana``, ``report:RP-000012``).

    ``principal`` names the actor when no ``acting_as`` block does. ``detail`` must hold no secret.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to AUDIT_ACTIONS with its meaning")
    who: dict[str, Any] = {}
    if principal is not None:
        who = {"actor": principal.name, "organisation": principal.organisation}
    return append_audit(sql_store(store), action, target, detail, **who)


def read_audit(
    store: Store, *, after: int = 0, limit: int | None = 1000, action: str | None = None
) -> list[AuditEntry]:
    """Entries after sequence number ``after``, oldest first (``limit`` at a time; None for all)."""
    return audit_entries(sql_store(store), after=after, limit=limit, action=action)


def verify_audit(store: Store, *, anchors: Mapping[int, str] | None = None) -> AuditCheck:
    """Check the whole hash chain (and any ``{seq: hash}`` anchors kept outside the store); the result
    names the first broken entry, if any."""
    return verify_chain(sql_store(store), anchors=anchors)
