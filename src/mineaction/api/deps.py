"""Request dependencies: the process's server state, a store lent by the pool for the request, the caller (the
principal of its token), the base URL links start from and the query parameters as a multi-mapping.

Authentication happens here and only here (``get_principal``), so every router sees the same principal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from mineaction.api.auth import Principal, authenticate
from mineaction.api.ratelimit import WRITE_METHODS, spend_write
from mineaction.api.state import ServerState
from mineaction.store.base import Store

__all__ = [
    "Caller",
    "LentStore",
    "Query",
    "Root",
    "Server",
    "get_principal",
    "get_query",
    "get_root",
    "get_server",
    "get_store",
]


async def get_server(request: Request) -> ServerState:
    """The server state of this process."""
    state: ServerState = request.app.state.server
    return state


def get_store(request: Request) -> Iterator[Store]:
    """A store for the length of the request (UnavailableError, hence 503, while the database is down)."""
    state: ServerState = request.app.state.server
    with state.pool.store() as store:
        yield store


def get_principal(request: Request, store: Annotated[Store, Depends(get_store)]) -> Principal:
    """The caller: anonymous without credentials; NotAuthenticated (401) for bad ones. A write request is
    counted against the caller's writes a minute (RateLimited, hence 429, past the limit)."""
    who = authenticate(store, request.headers, request.cookies, request.method)
    if request.method in WRITE_METHODS:
        state: ServerState = request.app.state.server
        anonymous = who.name == "public"
        address = request.client.host if request.client else "unknown"
        subject = f"address:{address}" if anonymous else f"user:{who.name}"
        spend_write(store, subject, per_minute=state.settings.server_writes_per_minute)  # type: ignore[arg-type]
    return who


async def get_root(request: Request) -> str:
    """The server's base URL without a trailing slash (links are absolute)."""
    return str(request.base_url).rstrip("/")


async def get_query(request: Request) -> dict[str, list[str]]:
    """The query parameters, each with every value it was given (repeats are refused later)."""
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return query


Server = Annotated[ServerState, Depends(get_server)]
LentStore = Annotated[Store, Depends(get_store)]
Caller = Annotated[Principal, Depends(get_principal)]
Root = Annotated[str, Depends(get_root)]
Query = Annotated[dict[str, list[str]], Depends(get_query)]
