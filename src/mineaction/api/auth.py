"""Who is asking: the one place the server turns an ``Authorization`` header into a principal and checks what
that principal may do.

No header means the anonymous ``public`` principal, which may read only the collections marked public.
``Authorization: Bearer TOKEN`` is checked against the store's hashed API tokens by ``mineaction.access``;
a token that is unknown, expired or revoked is refused (401), never treated as anonymous. Writes always need
an authenticated principal allowed to write the kind.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from mineaction.errors import MineActionError

__all__ = ["AuthError", "Forbidden", "Principal", "authenticate", "may_read", "require_read", "require_write"]


class AuthError(MineActionError):
    """No valid credentials where they are needed (the server answers 401)."""


class Forbidden(MineActionError):
    """Valid credentials that do not allow this (the server answers 403)."""


@dataclass(frozen=True)
class Principal:
    """The caller as the server sees it (the anonymous one when no token was given)."""

    name: str
    authenticated: bool = False
    roles: tuple[str, ...] = ()
    source: Any = field(default=None, compare=False)  # the access layer's own principal, when it has one


PUBLIC = Principal("public")


def _access() -> Any | None:
    """``mineaction.access`` when it is installed with this version (it owns users, roles and tokens)."""
    try:
        return importlib.import_module("mineaction.access")
    except ImportError:
        return None


def authenticate(store: Any, header: str | None) -> Principal:
    """The principal of an ``Authorization`` header; AuthError for a malformed, unknown or expired token."""
    if header is None or not header.strip():
        return PUBLIC
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(
            "Authorization must be 'Bearer <token>'; create a token with `mineaction users token`"
        )
    access = _access()
    if access is None or not hasattr(access, "authenticate_token"):
        raise AuthError("this server has no user accounts yet; tokens cannot be checked")
    try:
        found = access.authenticate_token(store, token.strip())
    except MineActionError as exc:
        raise AuthError(f"token refused: {exc}") from None
    if found is None:
        raise AuthError("token unknown, expired or revoked; create a new one with `mineaction users token`")
    name = str(getattr(found, "name", None) or getattr(found, "user", None) or found)
    roles = tuple(getattr(found, "roles", ()) or ())
    return Principal(name, authenticated=True, roles=roles, source=found)


def _allowed(principal: Principal, action: str, kind: str) -> bool:
    access = _access()
    if access is None or not hasattr(access, "require") or principal.source is None:
        return False
    try:
        access.require(principal.source, action, kind)
    except MineActionError:
        return False
    return True


def may_read(principal: Principal, kind: str, public: tuple[str, ...]) -> bool:
    """Whether ``principal`` may read collection ``kind`` (public ones: everybody)."""
    if kind in public:
        return True
    return principal.authenticated and _allowed(principal, "read", kind)


def require_read(principal: Principal, kind: str, public: tuple[str, ...]) -> None:
    """AuthError (anonymous) or Forbidden (signed in) unless ``principal`` may read ``kind``."""
    if may_read(principal, kind, public):
        return
    if not principal.authenticated:
        raise AuthError(f"{kind} is not public; send 'Authorization: Bearer <token>'")
    raise Forbidden(f"{principal.name} may not read {kind}")


def require_write(principal: Principal, kind: str) -> None:
    """AuthError (anonymous) or Forbidden (signed in) unless ``principal`` may change ``kind``."""
    if not principal.authenticated:
        raise AuthError(f"changing {kind} needs a token; send 'Authorization: Bearer <token>'")
    if not _allowed(principal, "write", kind):
        raise Forbidden(f"{principal.name} may not change {kind}")
