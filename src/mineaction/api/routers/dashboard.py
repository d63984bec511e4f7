"""The dashboard: its page and bundled assets (``/dashboard/``), and browser sign-in (``/dashboard/session``).

Everything the page loads comes from this server: the script, styles and map worker are built from npm
packages into ``mineaction/web/static`` (docs/dashboard.md), sent gzipped to browsers that accept it (each
file compressed once per process), the chunks named by their content's hash kept by the browser for a
year, the rest revalidated by their ETag; and every response of the dashboard carries a
Content-Security-Policy that allows this origin only, so a page could not reach another host even if it
tried. Sign-in uses the access package's browser sessions: ``POST /dashboard/session`` checks the password
(and the second factor of verifiers and administrators) and sets the ``__Host-`` session cookie
(``Secure``, ``HttpOnly``, ``SameSite=Strict``); the page keeps the CSRF token it is given and sends it in
``X-CSRF-Token`` with every change; ``DELETE /dashboard/session`` signs out.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from mineaction import __version__
from mineaction.access import COOKIE_NAME, end_session, session_cookie, sign_in
from mineaction.access.sessions import csrf_token
from mineaction.api.app import UnsupportedMediaType
from mineaction.api.deps import Caller, LentStore, Query, Server
from mineaction.api.openapi import register_paths
from mineaction.api.openapi_components import error_responses
from mineaction.api.params import reject_unknown
from mineaction.api.render import json_response
from mineaction.errors import InputError, NotFoundError

__all__ = ["CSP", "STATIC", "router", "security_headers"]

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
#: Only this origin: scripts, styles, images, fonts, the map's worker and every request the page makes.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
_MEDIA = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
}
_LOGIN_FIELDS = {"name", "password", "code"}
_COMPRESSIBLE = {".js", ".mjs", ".css", ".json", ".html", ".txt"}
_HASHED_NAME = re.compile(
    r"-[A-Z0-9]{8}\.js$"
)  # the build's chunks: dashboard.js imports them by these names

router = APIRouter()


def security_headers() -> dict[str, str]:
    """Headers of every dashboard response: the CSP, no sniffing, no framing, no referrer."""
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def _static_file(name: str) -> Path:
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise NotFoundError(f"no dashboard file {name!r}")
    return path


@router.get("/dashboard", include_in_schema=False)
def dashboard_redirect() -> Response:
    return RedirectResponse("/dashboard/", status_code=308)


@router.get("/dashboard/", include_in_schema=False)
def dashboard_page(query: Query) -> Response:
    reject_unknown(query, ("lang",))
    body = _static_file("index.html").read_bytes()
    headers = {**security_headers(), "Cache-Control": "no-cache"}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@functools.lru_cache(maxsize=64)
def _asset(path: Path, modified_ns: int) -> tuple[bytes, bytes | None, str]:
    """A static file's bytes, their gzip (None when it would not be smaller) and its entity tag, read and
    compressed once per file and version (``modified_ns``, the file's modification time)."""
    body = path.read_bytes()
    packed = gzip.compress(body, compresslevel=6, mtime=0) if path.suffix in _COMPRESSIBLE else None
    if packed is not None and len(packed) >= len(body):
        packed = None
    return body, packed, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/dashboard/static/{name:path}", include_in_schema=False)
def dashboard_asset(name: str, request: Request) -> Response:
    path = _static_file(name)
    body, packed, tag = _asset(path, path.stat().st_mtime_ns)
    zipped = packed is not None and "gzip" in request.headers.get("accept-encoding", "")
    if zipped:
        tag = tag[:-1] + '-gzip"'
    # A chunk's name holds the hash of its content: it never changes, so the browser may keep it for a year.
    lifetime = "public, max-age=31536000, immutable" if _HASHED_NAME.search(path.name) else "no-cache"
    headers = {**security_headers(), "ETag": tag, "Cache-Control": lifetime, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    media = _MEDIA.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if zipped:
        return Response(packed, media_type=media, headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type=media, headers=headers)


def _session_view(request: Request, who: Any, state: Any, csrf: str | None) -> dict[str, Any]:
    from mineaction.api.routers import ROUTERS, reports  # the package imports this module: import late

    signed_in = who.role != "public"
    return {
        "user": who.to_dict() if signed_in else None,
        "csrf": csrf if signed_in else None,
        "simulated": state.simulated,
        "version": __version__,
        # whether this server has the approval workflow's endpoints (the queue view lists its reports)
        "approvals": reports.router in ROUTERS,
    }


@router.get("/dashboard/session")
def current_session(request: Request, query: Query, state: Server, who: Caller) -> Response:
    reject_unknown(query, ())
    session_id = request.cookies.get(COOKIE_NAME)
    csrf = csrf_token(session_id) if session_id and who.via == "session" else None
    return json_response(_session_view(request, who, state, csrf), headers={"Cache-Control": "no-store"})


async def _login_form(request: Request) -> dict[str, str]:
    media = (request.headers.get("content-type") or "").split(";")[0].strip()
    if media != "application/json":
        raise UnsupportedMediaType(f"send the sign-in as application/json, not {media or 'no content type'}")
    try:
        form = json.loads(await request.body())
    except ValueError as exc:
        raise InputError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(form, dict) or not {"name", "password"} <= set(form) or set(form) - _LOGIN_FIELDS:
        raise InputError('send {"name": ..., "password": ...} and, for verifiers and admins, "code"')
    if not all(isinstance(v, str) and len(v) <= 512 for v in form.values()):
        raise InputError("name, password and code must be text of at most 512 characters")
    return form


@router.post("/dashboard/session")
async def open_session(request: Request, query: Query, state: Server, store: LentStore) -> Response:
    reject_unknown(query, ())
    form = await _login_form(request)
    address = request.client.host if request.client else None
    session = await run_in_threadpool(
        sign_in,
        store,
        form["name"],
        form["password"],
        second_factor=form.get("code") or None,
        address=address,
        settings=state.settings,
    )
    from mineaction.access import authenticate_session

    who = authenticate_session(store, session.session_id, settings=state.settings)
    response = json_response(
        _session_view(request, who, state, session.csrf), headers={"Cache-Control": "no-store"}
    )
    response.set_cookie(**session_cookie(session, settings=state.settings))
    return response


@router.delete("/dashboard/session")
def close_session(request: Request, query: Query, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    session_id = request.cookies.get(COOKIE_NAME)
    if session_id and who.via == "session":  # the CSRF token was checked when the caller was authenticated
        end_session(store, session_id)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="strict")
    return response


def _paths(state: Any) -> dict[str, Any]:
    session = {
        "type": "object",
        "properties": {
            "user": {"type": "object", "nullable": True},
            "csrf": {"type": "string", "nullable": True},
            "simulated": {"type": "boolean"},
            "version": {"type": "string"},
            "approvals": {"type": "boolean"},
        },
    }
    body = {"application/json": {"schema": session}}
    login = {
        "type": "object",
        "required": ["name", "password"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "maxLength": 512},
            "password": {"type": "string", "maxLength": 512},
            "code": {"type": "string", "maxLength": 512},
        },
    }
    return {
        "/dashboard/session": {
            "get": {
                "summary": "The caller, its session's CSRF token, whether the data are simulated",
                "responses": {
                    "200": {"description": "The session", "content": body},
                    **error_responses("400", "401", "503"),
                },
            },
            "post": {
                "summary": "Sign in (password; TOTP code for verifiers and admins): sets the cookie",
                "requestBody": {"required": True, "content": {"application/json": {"schema": login}}},
                "responses": {
                    "200": {"description": "Signed in", "content": body},
                    **error_responses("400", "401", "415", "503"),
                    "429": {
                        "description": "Too many failed sign-ins: locked out for a while (Retry-After)",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                },
            },
            "delete": {
                "summary": "Sign out: ends the session (needs X-CSRF-Token)",
                "responses": {
                    "204": {"description": "Signed out"},
                    **error_responses("400", "401", "403", "503"),
                },
            },
        }
    }


register_paths(_paths)
