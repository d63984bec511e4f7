"""One call per request: the principal behind an HTTP request's credentials, whatever kind they are.

The server calls ``authenticate_request`` once per request with the ``Authorization`` header, the session
cookie and the CSRF header as they came, then ``require`` before each action. An API token (``Authorization:
Bearer mineaction_...``) wins over a cookie; a browser session needs the CSRF token on every method that may
change something; no credentials at all is the anonymous ``PUBLIC`` principal, never an error.
"""

from __future__ import annotations

from mineaction.access.principal import PUBLIC, Principal
from mineaction.access.sessions import authenticate_session, check_csrf
from mineaction.access.tokens import authenticate_token
from mineaction.errors import NotAuthenticated
from mineaction.settings import Settings
from mineaction.store import Store

__all__ = ["SAFE_METHODS", "authenticate_request"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate_request(
    store: Store,
    *,
    authorization: str | None = None,
    session_id: str | None = None,
    csrf: str | None = None,
    method: str = "GET",
    settings: Settings | None = None,
) -> Principal:
    """The principal of a request.

    Parameters
    ----------
    authorization
        The ``Authorization`` header as received (``Bearer <token>``), or None.
    session_id
        The value of the session cookie (``mineaction.access.sessions.COOKIE_NAME``), or None.
    csrf
        The ``X-CSRF-Token`` header (or form field), needed with a session on methods outside
        ``SAFE_METHODS``.
    method
        The HTTP method.

    Raises
    ------
    NotAuthenticated
        Credentials were sent but are not valid (a malformed header, an unknown, expired or revoked token,
        an ended session): 401, so a client with stale credentials learns it instead of silently getting
        the public view.
    PermissionDenied
        A session request that may change something came without its CSRF token (403).
    """
    if authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticated("send the API token as `Authorization: Bearer mineaction_...`")
        return authenticate_token(store, credentials.strip(), settings=settings)
    if session_id:
        principal = authenticate_session(store, session_id, settings=settings)
        if method.upper() not in SAFE_METHODS:
            check_csrf(session_id, csrf)
        return principal
    return PUBLIC
