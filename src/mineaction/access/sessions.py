"""Browser sessions: opaque ids kept hashed in the store, idle and absolute time-outs, secure cookies, CSRF.

A session id is 256 random bits, sent to the browser once in a cookie and kept in the store only as its
SHA-256, so a copy of the database opens no session. A session ends after ``Settings.session_idle_minutes``
without use, ``Settings.session_hours`` after login whatever its use, at logout, when the password changes
or the user is disabled. The cookie is ``__Host-`` prefixed, ``Secure``, ``HttpOnly``, ``SameSite=Strict``,
``Path=/`` (``session_cookie``). Requests that change anything must also carry the CSRF token
(``csrf_token(session_id)``, an HMAC of the session id, so it needs no storage and tells nothing about the
id); ``check_csrf`` compares it in constant time.

The server mounts these: login (``mineaction.access.login``) creates the session, ``authenticate_session``
reads it on every request, ``end_session`` is logout.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from mineaction.access._store import audit, from_text, later, now, parse_grants, sql_store, to_text
from mineaction.access.principal import Principal
from mineaction.access.rules import SECOND_FACTOR_ROLES
from mineaction.errors import NotAuthenticated, PermissionDenied
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = [
    "COOKIE_NAME",
    "NewSession",
    "authenticate_session",
    "check_csrf",
    "create_session",
    "csrf_token",
    "end_session",
    "session_cookie",
]

COOKIE_NAME = "__Host-mineaction-session"
_ENDED = "the session has ended (signed out, timed out or replaced); sign in again"


@dataclass(frozen=True)
class NewSession:
    """A session just created: ``session_id`` goes in the cookie, ``csrf`` in the page (never logged)."""

    session_id: str
    csrf: str
    user: str
    expires_at: str

    def __repr__(self) -> str:
        return f"NewSession(user={self.user!r}, expires_at={self.expires_at!r})"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def csrf_token(session_id: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of its id (hex); the page sends it back in ``X-CSRF-Token``
    or a form field with every request that changes something."""
    return hmac.new(session_id.encode("ascii", "replace"), b"mineaction csrf", hashlib.sha256).hexdigest()


def check_csrf(session_id: str, token: str | None) -> None:
    """Raise PermissionDenied unless ``token`` is the session's CSRF token."""
    if not token or not hmac.compare_digest(csrf_token(session_id), token):
        raise PermissionDenied("the request lacks a valid CSRF token; reload the page and try again")


def create_session(
    store: Store,
    user: str,
    *,
    second_factor: bool,
    address: str | None = None,
    settings: Settings | None = None,
) -> NewSession:
    """Start a session for ``user`` (after a successful login) and return its id and CSRF token."""
    policy = settings or Settings()
    session_id = secrets.token_urlsafe(32)
    moment = now()
    expires = later(moment, minutes=policy.session_hours * 60)
    sql = sql_store(store)
    with sql.transaction():
        sql.execute(
            "INSERT INTO mineaction_sessions (session_hash, user_name, second_factor, address, created_at, "
            "last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _digest(session_id),
                user,
                bool(second_factor),
                address,
                to_text(moment),
                to_text(moment),
                expires,
            ),
        )
    return NewSession(session_id, csrf_token(session_id), user, expires)


def authenticate_session(store: Store, session_id: str, *, settings: Settings | None = None) -> Principal:
    """The principal of a live session (and its idle timer restarted), or NotAuthenticated."""
    if not isinstance(session_id, str) or not 20 <= len(session_id) <= 100:
        raise NotAuthenticated(_ENDED)
    policy = settings or Settings()
    sql = sql_store(store)
    rows = sql.query(
        "SELECT s.user_name, s.second_factor, s.last_seen_at, s.expires_at, s.ended_at, u.role, "
        "u.organisation, u.grants, u.disabled_at FROM mineaction_sessions s "
        "JOIN mineaction_users u ON u.name = s.user_name WHERE s.session_hash = ?",
        [_digest(session_id)],
    )
    if not rows:
        raise NotAuthenticated(_ENDED)
    user, second, seen, expires, ended, role, org, grants, disabled = rows[0]
    moment = now()
    idle_limit = from_text(seen).timestamp() + policy.session_idle_minutes * 60
    if ended or disabled or from_text(expires) <= moment or idle_limit <= moment.timestamp():
        raise NotAuthenticated(_ENDED)
    if role in SECOND_FACTOR_ROLES and not second:  # the role changed since: sign in again with TOTP
        raise NotAuthenticated(_ENDED)
    # The idle timer is restarted at most once a minute: one write per minute, not per request.
    if moment.timestamp() - from_text(seen).timestamp() >= 60:
        with sql.transaction():
            sql.execute(
                "UPDATE mineaction_sessions SET last_seen_at = ? WHERE session_hash = ?",
                (to_text(moment), _digest(session_id)),
            )
    return Principal(user, role, org, parse_grants(grants), via="session", second_factor=bool(second))


def end_session(store: Store, session_id: str) -> None:
    """Log out: end the session (ending an unknown or ended one does nothing)."""
    sql = sql_store(store)
    with sql.transaction():
        rows = sql.query(
            "SELECT user_name FROM mineaction_sessions WHERE session_hash = ? AND ended_at IS NULL",
            [_digest(session_id)],
        )
        if rows:
            sql.execute(
                "UPDATE mineaction_sessions SET ended_at = ? WHERE session_hash = ?",
                (to_text(now()), _digest(session_id)),
            )
            audit(store, "logout", f"user:{rows[0][0]}", actor=rows[0][0])


def session_cookie(session: NewSession, *, settings: Settings | None = None) -> dict[str, Any]:
    """Keyword arguments for Starlette's ``response.set_cookie`` that set the session cookie securely
    (``__Host-`` prefix: Secure, Path=/, no Domain; HttpOnly; SameSite=Strict; expires with the session)."""
    policy = settings or Settings()
    return {
        "key": COOKIE_NAME,
        "value": session.session_id,
        "max_age": int(policy.session_hours * 3600),
        "path": "/",
        "secure": True,
        "httponly": True,
        "samesite": "strict",
    }
