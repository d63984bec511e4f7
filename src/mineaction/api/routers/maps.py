"""The dashboard's data: vector tiles of the record (now or ``as_of`` a date), a record's history of
revisions, the time span the history covers, and the land release, casualty and funding figures.

Tiles follow the path layout of OGC API Tiles (``/collections/{kind}/tiles/WebMercatorQuad/{z}/{row}/{col}``,
Mapbox Vector Tiles) and are made from the store (``store.tiles``) or taken from the server's cache of made
tiles, whose key holds the kind's last change: an approved edit shows in the next tile. Who may read a
kind's tiles and history is the access rules' decision, as for its items (checked before the cache). The
figures are the workflows' JSON (``mineaction.workflows.figures``); casualty counts from 1 to 4 read
``"<5"`` for callers without the personal-data permission.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mineaction.access import require
from mineaction.api.auth import require_read
from mineaction.api.deps import Caller, LentStore, Query, Server
from mineaction.api.openapi import register_paths
from mineaction.api.openapi_components import error_responses
from mineaction.api.params import parse_as_of, reject_unknown
from mineaction.api.render import json_response
from mineaction.errors import NotFoundError
from mineaction.store.tiles import MAX_ZOOM, TILE_PROPERTIES, TileQuery, cached_tile, history_span

__all__ = ["MVT", "router"]

MVT = "application/vnd.mapbox-vector-tile"
router = APIRouter()


@router.get("/collections/{kind}/tiles/WebMercatorQuad/{z}/{y}/{x}")
async def tile(
    kind: str,
    z: int,
    y: int,
    x: int,
    request: Request,
    query: Query,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    reject_unknown(query, ("as_of",))
    if kind not in TILE_PROPERTIES:
        raise NotFoundError(f"no tiles of {kind!r}; tiles exist of {', '.join(TILE_PROPERTIES)}")
    require_read(who, kind)  # before the cache: a refused caller gets nothing from it either
    as_of = parse_as_of(query["as_of"][0] if "as_of" in query else None)
    made = await run_in_threadpool(
        cached_tile, store, TileQuery(kind, z, x, y, as_of=as_of), state.tiles, scope=who.role
    )
    # Tiles change when the record does: the browser asks again each time, and gets 304 when nothing changed.
    headers = {"ETag": made.etag, "Cache-Control": "no-cache", "Vary": "Cookie, Authorization"}
    if request.headers.get("if-none-match") == made.etag:
        return Response(status_code=304, headers=headers)
    return Response(made.body, status_code=200 if made.body else 204, media_type=MVT, headers=headers)


@router.get("/collections/{kind}/items/{record_id}/history")
def record_history(kind: str, record_id: str, query: Query, store: LentStore, who: Caller) -> Response:
    from mineaction.workflows import frame_rows

    reject_unknown(query, ())
    if kind not in TILE_PROPERTIES:
        raise NotFoundError(f"no history of {kind!r} here; histories exist of {', '.join(TILE_PROPERTIES)}")
    require_read(who, kind)
    revisions = store.history(kind, record_id)  # never the personal fields
    if revisions.empty:
        raise NotFoundError(f"{kind}: no record {record_id!r} in the history")
    shown = revisions.drop(columns=["geometry"], errors="ignore")
    return json_response({"kind": kind, "id": record_id, "revisions": frame_rows(shown)})


@router.get("/history-span")
def span(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    first, last = history_span(store, cache=state.tiles)
    return json_response({"first": first, "last": last})


def _figures(name: str, kind: str, action: str) -> Any:
    def endpoint(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
        import mineaction.workflows as workflows

        reject_unknown(query, ())
        require(who, action, kind)
        options: dict[str, Any] = {}
        if name == "casualty_figures":
            options["small_counts_hidden"] = not who.can("read_personal", "victims")
        result = getattr(workflows, name)(store, settings=state.settings, **options)
        return json_response(json.loads(json.dumps(result.to_dict(), default=str)))

    endpoint.__name__ = name
    return endpoint


# path: (workflow function, kind, action the caller needs, summary)
_FIGURES = {
    "/land-release": (
        "land_release",
        "activities",
        "read_aggregate",
        "Land released (m2) and its cost (US$) by year, district, operator and method",
    ),
    "/casualties": (
        "casualty_figures",
        "victims",
        "read_aggregate",
        "Casualties (people) by year, district, setting, group, age band and sex; counts under 5 as <5",
    ),
    "/funding": (
        "funding_figures",
        "funding",
        "read",
        "Funding (US$) by year and donor kind, the foreign share with its 95 % interval",
    ),
}
for _path, (_name, _kind, _action, _) in _FIGURES.items():
    router.add_api_route(_path, _figures(_name, _kind, _action), methods=["GET"])


def _paths(state: Any) -> dict[str, Any]:
    any_json = {"application/json": {"schema": {"type": "object"}}}
    errors = error_responses("400", "401", "403", "503")
    paths: dict[str, Any] = {
        path: {
            "get": {
                "summary": summary,
                "responses": {"200": {"description": "The figures", "content": any_json}, **errors},
            }
        }
        for path, (_, _, _, summary) in _FIGURES.items()
    }
    kinds = {
        "name": "kind",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(TILE_PROPERTIES)},
    }
    whole = {"type": "integer", "minimum": 0}
    paths["/collections/{kind}/tiles/WebMercatorQuad/{z}/{y}/{x}"] = {
        "get": {
            "summary": "A Mapbox Vector Tile of the kind's records (now, or as known at the end of as_of)",
            "parameters": [
                kinds,
                {"name": "z", "in": "path", "required": True, "schema": {**whole, "maximum": MAX_ZOOM}},
                {"name": "y", "in": "path", "required": True, "schema": whole},
                {"name": "x", "in": "path", "required": True, "schema": whole},
                {
                    "name": "as_of",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "format": "date"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The tile",
                    "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
                },
                "204": {"description": "No record lies in the tile"},
                **error_responses("400", "401", "403", "404", "503"),
            },
        }
    }
    paths["/collections/{kind}/items/{featureId}/history"] = {
        "get": {
            "summary": "Every revision of one record, oldest first: operation, time, author, reason",
            "parameters": [
                kinds,
                {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "The revisions", "content": any_json},
                **error_responses("400", "401", "403", "404", "503"),
            },
        }
    }
    paths["/history-span"] = {
        "get": {
            "summary": "The first and last moments of the record's history (the dashboard's time slider)",
            "responses": {"200": {"description": "The span", "content": any_json}, **errors},
        }
    }
    return paths


register_paths(_paths)
