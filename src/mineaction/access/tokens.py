"""API tokens: issued once, stored hashed, expiring, revocable, scoped to a role and an organisation.

A token reads ``mineaction_<id>_<secret>``: the 12-hex-digit ``id`` is public (it names the token in lists,
the audit log and ``users revoke``); the secret is 256 random bits, shown once when the token is issued and
kept in the store only as its SHA-256 (a fast hash is right for a random secret of this length, and keeps
each request's check to microseconds). The fixed prefix lets secret scanners recognise a leaked token.

A token acts with its own role (the user's role or a narrower one) in the user's organisation, with the
grants chosen when it was issued (none by default). At every use the user must still be active and their
current role must still cover the token's role; a token's use is written to the audit log at most once per
``Settings.token_audit_minutes``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mineaction.access._store import (
    audit,
    from_text,
    grants_json,
    later,
    now,
    parse_grants,
    sql_store,
    to_text,
)
from mineaction.access.accounts import get_user
from mineaction.access.principal import Principal
from mineaction.access.rules import ROLES, covers
from mineaction.errors import InputError, NotAuthenticated, NotFoundError
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = [
    "IssuedToken",
    "TOKEN_PATTERN",
    "TokenInfo",
    "authenticate_token",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "revoke_user_tokens",
]

TOKEN_PATTERN = re.compile(r"mineaction_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_INVALID = "the API token is not valid (unknown, expired, revoked or malformed); ask for a new one"
_TOKEN_COLUMNS = (
    "token_id, user_name, role, organisation, grants, label, created_at, expires_at, revoked_at, last_used_at"
)


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: ``token`` is the secret to hand over (shown this once, never stored)."""

    token: str
    token_id: str
    user: str
    role: str
    organisation: str
    grants: frozenset[str]
    expires_at: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"IssuedToken(token_id={self.token_id!r}, user={self.user!r}, expires_at={self.expires_at!r})"


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as lists show it (no secret, no hash)."""

    token_id: str
    user: str
    role: str
    organisation: str
    grants: frozenset[str]
    label: str | None
    created_at: str
    expires_at: str
    revoked_at: str | None
    last_used_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "grants": sorted(self.grants)}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def issue_token(
    store: Store,
    user: str,
    *,
    role: str | None = None,
    grants: tuple[str, ...] | frozenset[str] = (),
    days: float | None = None,
    label: str | None = None,
    settings: Settings | None = None,
) -> IssuedToken:
    """Issue a token for ``user`` and return it with its secret (show it once; it cannot be read again).

    Parameters
    ----------
    role
        The token's role: the user's (default) or one the user's role covers (a verifier may hand out a
        ``viewer`` token for a script that only reads).
    grants
        Explicit permissions the token carries; each must be one the user holds.
    days
        Validity in days (default ``Settings.token_days``; between 1 hour and 10 years).
    label
        What the token is for (``nightly export``), shown in lists.
    """
    account = get_user(store, user)
    if not account.active:
        raise InputError(f"user {user!r} is disabled; enable it before issuing tokens")
    scoped = role or account.role
    if scoped not in ROLES or scoped == "public" or not covers(account.role, scoped):
        raise InputError(f"a {account.role} cannot hold a token for role {scoped!r}; use {account.role}")
    extra = frozenset(grants) - account.grants
    if extra:
        raise InputError(f"user {user!r} does not hold {sorted(extra)}; grant it first or leave it out")
    valid_days = (settings or Settings()).token_days if days is None else days
    if not 1 / 24 <= valid_days <= 3650:
        raise InputError(f"a token's validity of {valid_days} days is out of range; use 1 hour to 3650 days")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    moment = now()
    expires = later(moment, days=valid_days)
    sql = sql_store(store)
    with sql.transaction():
        sql.execute(
            "INSERT INTO mineaction_tokens (token_id, secret_hash, user_name, role, organisation, grants, "
            "label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token_id,
                _digest(secret),
                user,
                scoped,
                account.organisation,
                grants_json(frozenset(grants)),
                label,
                to_text(moment),
                expires,
            ),
        )
        detail = {"role": scoped, "grants": sorted(grants), "expires_at": expires, "label": label}
        audit(store, "token_issue", f"token:{token_id}", {"user": user, **detail})
    token = f"mineaction_{token_id}_{secret}"
    return IssuedToken(token, token_id, user, scoped, account.organisation, frozenset(grants), expires)


def authenticate_token(store: Store, token: str, *, settings: Settings | None = None) -> Principal:
    """The principal a token stands for, or NotAuthenticated (one message whatever was wrong).

    Checks the format, the hash (in constant time), expiry, revocation, that the user is active and that
    the user's current role still covers the token's role; grants the user no longer holds are dropped.
    """
    match = TOKEN_PATTERN.fullmatch(token.strip()) if isinstance(token, str) else None
    if match is None:
        raise NotAuthenticated(_INVALID)
    token_id, secret = match.groups()
    sql = sql_store(store)
    rows = sql.query(
        "SELECT t.secret_hash, t.user_name, t.role, t.organisation, t.grants, t.expires_at, t.revoked_at, "
        "t.last_used_at, u.role, u.grants, u.disabled_at FROM mineaction_tokens t "
        "JOIN mineaction_users u ON u.name = t.user_name WHERE t.token_id = ?",
        [token_id],
    )
    if not rows or not hmac.compare_digest(rows[0][0], _digest(secret)):
        raise NotAuthenticated(_INVALID)
    _, user, role, org, grants, expires, revoked, last_used, user_role, user_grants, disabled = rows[0]
    moment = now()
    if revoked is not None or disabled is not None or from_text(expires) <= moment:
        raise NotAuthenticated(_INVALID)
    if not covers(user_role, role):
        raise NotAuthenticated(_INVALID)
    _note_use(store, token_id, user, last_used, moment, settings or Settings())
    held = parse_grants(grants) & parse_grants(user_grants)
    return Principal(user, role, org, held, via="token", token_id=token_id)


def _note_use(
    store: Store, token_id: str, user: str, last_used: str | None, moment: datetime, settings: Settings
) -> None:
    """Record the token's use (its ``last_used_at`` and an audit entry) unless it was recorded lately."""
    cutoff = later(moment, minutes=-settings.token_audit_minutes)
    if last_used is not None and last_used > cutoff and settings.token_audit_minutes > 0:
        return
    sql = sql_store(store)
    with sql.transaction():
        cursor = sql.execute(
            "UPDATE mineaction_tokens SET last_used_at = ? WHERE token_id = ? "
            "AND (last_used_at IS NULL OR last_used_at <= ?)",
            (to_text(moment), token_id, cutoff if settings.token_audit_minutes > 0 else to_text(moment)),
        )
        if cursor.rowcount:  # another process may have just recorded it
            audit(store, "token_use", f"token:{token_id}", {"user": user}, actor=user)


def _token_info(row: tuple[Any, ...]) -> TokenInfo:
    token_id, user, role, org, grants, label, created, expires, revoked, last = row
    return TokenInfo(token_id, user, role, org, parse_grants(grants), label, created, expires, revoked, last)


def list_tokens(store: Store, *, user: str | None = None) -> list[TokenInfo]:
    """Every token (of one user, if given), oldest first, without secrets."""
    where, params = ("WHERE user_name = ?", [user]) if user else ("", [])
    rows = sql_store(store).query(
        f"SELECT {_TOKEN_COLUMNS} FROM mineaction_tokens {where} ORDER BY created_at, fid", params
    )
    return [_token_info(r) for r in rows]


def revoke_token(store: Store, token_id: str) -> TokenInfo:
    """Revoke one token by its public id (or by the whole token); revoking twice changes nothing."""
    match = TOKEN_PATTERN.fullmatch(token_id.strip())
    wanted = match.group(1) if match else token_id.strip()
    sql = sql_store(store)
    with sql.transaction():
        rows = sql.query(f"SELECT {_TOKEN_COLUMNS} FROM mineaction_tokens WHERE token_id = ?", [wanted])
        if not rows:
            raise NotFoundError(f"no token {wanted!r}; list them with: mineaction users tokens STORE")
        if rows[0][8] is None:
            sql.execute(
                "UPDATE mineaction_tokens SET revoked_at = ? WHERE token_id = ?", (to_text(now()), wanted)
            )
            audit(store, "token_revoke", f"token:{wanted}", {"user": rows[0][1]})
    return _token(store, wanted)


def _token(store: Store, token_id: str) -> TokenInfo:
    rows = sql_store(store).query(
        f"SELECT {_TOKEN_COLUMNS} FROM mineaction_tokens WHERE token_id = ?", [token_id]
    )
    return _token_info(rows[0])


def revoke_user_tokens(store: Store, user: str) -> int:
    """Revoke every live token of ``user``; returns how many were revoked."""
    get_user(store, user)
    sql = sql_store(store)
    with sql.transaction():
        cursor = sql.execute(
            "UPDATE mineaction_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL",
            (to_text(now()), user),
        )
        count = int(cursor.rowcount)
        audit(store, "token_revoke", f"user:{user}", {"tokens": count})
    return count
