"""The server application: ``create_app(settings, store_url=...)`` builds the FastAPI app over one store.

One router per resource family (landing, collections, items, transactions, jobs, workflows); errors of the
package's error tree become one JSON message with the right status (400 bad input, 401 no or bad token, 403
not allowed, 404 not found, 409/412 conflicts, 413 body too large, 422 refused record, 503 database down);
anything unexpected is logged and answered 500 without details. The process keeps no state of its own beyond
the store pool: several processes can serve one PostGIS store.

``app_from_environment()`` is the factory ``mineaction serve`` hands to uvicorn (one per worker process); it
reads the store URL from ``MINEACTION_SERVE_STORE`` and the settings like the command line does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mineaction import __version__
from mineaction.api.render import json_response
from mineaction.api.state import ServerState
from mineaction.errors import (
    AccessError,
    ConfigError,
    InputError,
    MineActionError,
    NotAuthenticated,
    NotFoundError,
    PermissionDenied,
    PlanError,
    RateLimited,
    StoreError,
    TooManyAttempts,
    UnavailableError,
    ValidationError,
)
from mineaction.settings import Settings, load_settings
from mineaction.store.pool import StorePool, open_pool

__all__ = [
    "BodyTooLarge",
    "Conflict",
    "PreconditionFailed",
    "UnsupportedMediaType",
    "app_from_environment",
    "create_app",
    "error_response",
]

log = logging.getLogger("mineaction.api")
STORE_VARIABLE = "MINEACTION_SERVE_STORE"


class BodyTooLarge(MineActionError):
    """A request body over ``server_max_body_bytes`` (the server answers 413)."""


class Conflict(MineActionError):
    """A write that conflicts with the stored state (the server answers 409)."""


class PreconditionFailed(MineActionError):
    """``If-Match`` does not match the record's current ETag (the server answers 412)."""


class UnsupportedMediaType(InputError):
    """A body of a media type the operation does not take (the server answers 415)."""


_STATUS: tuple[tuple[type[BaseException], int, str], ...] = (
    (BodyTooLarge, 413, "PayloadTooLarge"),
    (TooManyAttempts, 429, "TooManyRequests"),
    (RateLimited, 429, "TooManyRequests"),
    (NotAuthenticated, 401, "Unauthorized"),
    (PermissionDenied, 403, "Forbidden"),
    (AccessError, 403, "Forbidden"),
    (PreconditionFailed, 412, "PreconditionFailed"),
    (UnsupportedMediaType, 415, "UnsupportedMediaType"),
    (Conflict, 409, "Conflict"),
    (ValidationError, 422, "InvalidRecord"),
    (PlanError, 422, "Unprocessable"),
    (NotFoundError, 404, "NotFound"),
    (UnavailableError, 503, "ServiceUnavailable"),
    (InputError, 400, "InvalidParameterValue"),
    (ConfigError, 400, "InvalidParameterValue"),
    (StoreError, 503, "ServiceUnavailable"),
    (MineActionError, 400, "BadRequest"),
)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one error body: ``{"code", "description"}`` (the OGC exception shape)."""
    return json_response({"code": code, "description": message}, status=status, headers=headers)


async def _mineaction_error(request: Request, exc: Exception) -> Response:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            headers = {}
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="mineaction"'
            if status == 503:
                headers["Retry-After"] = "5"
            if status == 429:
                headers["Retry-After"] = str(int(getattr(exc, "retry_after_s", 60) or 60))
            return error_response(status, code, str(exc), headers)
    return await _unexpected(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail)
    if exc.status_code == 404:
        message = f"no resource at {request.url.path}; start from / (the landing page)"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(exc.status_code, "HttpError", message, dict(exc.headers or {}))


async def _request_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return error_response(400, "InvalidParameterValue", f"{where}: {first.get('msg', 'invalid request')}")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "ServerError", "the server failed on this request; the server log has the details"
    )


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before any handler reads it whole."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        message = f"request body over {self.limit:,} bytes; send a smaller body (split large uploads)"
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(413, "PayloadTooLarge", message)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            incoming = await receive()
            seen += len(incoming.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(message)
            return incoming

        await self.app(scope, counted, send)


#: Headers every response carries unless its handler set them (the dashboard sets its own CSP): no MIME
#: sniffing, no framing, no referrer leaving the server.
BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """ASGI middleware: the ``BASE_HEADERS`` on every response, and ``Cache-Control: no-store`` on answers
    to requests that carried credentials (a shared cache must never keep a user's data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = {name for name, _ in scope.get("headers") or []}
        private = b"authorization" in sent or b"cookie" in sent

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in BASE_HEADERS if k not in present]
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    settings: Settings | None = None, *, store_url: str | None = None, pool: StorePool | None = None
) -> FastAPI:
    """The server over the store at ``store_url`` (or an open ``pool``); see the module docstring."""
    from mineaction.api.jobs import JobRunner
    from mineaction.api.routers import ROUTERS

    settings = settings or Settings()
    if pool is None:
        if store_url is None:
            raise ConfigError("create_app needs store_url (a .gpkg path or postgresql:// URL) or a pool")
        pool = open_pool(store_url, size=settings.server_pool_size)
    state = ServerState.start(settings, pool)

    runner = JobRunner(pool, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        yield
        runner.stop()
        state.close()

    app = FastAPI(
        title="mineaction",
        version=__version__,
        openapi_url=None,  # the OGC API definition is served at /api (OpenAPI 3.0, self-contained)
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.server = state
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(MineActionError, _mineaction_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimit, limit=settings.server_max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> Any:
    """The app of one uvicorn worker: the store from ``MINEACTION_SERVE_STORE``, settings like the CLI."""
    url = os.environ.get(STORE_VARIABLE)
    if not url:
        raise ConfigError(f"{STORE_VARIABLE} is not set; start the server with `mineaction serve STORE`")
    return create_app(load_settings(os.environ.get("MINEACTION_SETTINGS")), store_url=url)
