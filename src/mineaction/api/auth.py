"""Who is asking and what they may do, for the server: one call to ``mineaction.access`` per request.

``authenticate`` turns a request's ``Authorization: Bearer`` header (or the session cookie with its CSRF
header) into an ``access.Principal``; no credentials is the anonymous ``PUBLIC`` principal, which may read
only the kinds the access rules publish. Credentials that are malformed, unknown, expired or revoked are
refused (401), never treated as anonymous. ``require_read`` and ``require_write`` ask the rules; records about
people are served only to principals allowed to read all of them (no own-organisation listings here).
"""

from __future__ import annotations

from typing import Any

from mineaction.access import COOKIE_NAME, PUBLIC, Principal, authenticate_request, require
from mineaction.errors import PermissionDenied

__all__ = ["PUBLIC", "Principal", "authenticate", "may_read", "require_read", "require_write"]


def authenticate(store: Any, headers: Any, cookies: Any, method: str) -> Principal:
    """The principal of a request (headers and cookies as Starlette gives them)."""
    return authenticate_request(
        store,
        authorization=headers.get("authorization"),
        session_id=cookies.get(COOKIE_NAME),
        csrf=headers.get("x-csrf-token"),
        method=method,
    )


def may_read(principal: Principal, kind: str) -> bool:
    """Whether ``principal`` may read every record of ``kind``."""
    return principal.scope("read", kind) == "all"


def require_read(principal: Principal, kind: str) -> None:
    """NotAuthenticated (anonymous) or PermissionDenied unless ``principal`` may read all of ``kind``."""
    require(principal, "read", kind)
    if not may_read(principal, kind):
        raise PermissionDenied(
            f"{principal.name} may read {kind} of its own organisation only, not through the API"
        )


def require_write(principal: Principal, kind: str) -> None:
    """NotAuthenticated (anonymous) or PermissionDenied unless ``principal`` may change ``kind`` directly."""
    require(principal, "write", kind)
