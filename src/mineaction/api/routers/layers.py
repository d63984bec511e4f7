"""The dashboard map's computed layers: today's risk surface with the survey candidates, and the hillshade of
the store's DEM for the basemap.

``GET /risk/layers`` gives the surface's legend, units, corners (WGS84) and figures, the model's counts and
the candidates as GeoJSON with their scores; ``GET /risk/layers/surface.png`` the surface as an image. The
work (``workflows.risk_layers``: fit, predict, candidates) runs in a worker thread, never in the event loop,
and is kept keyed by the store's last change (``Store.last_change``), so a second request is answered
at once and an approved edit makes the next one compute afresh. A store with too little evidence for a model
answers ``available: false`` with the reason. The surface is learnt from finds and accidents: the caller
must be allowed to read the finds (stricter than the hazardous areas, which are public).

``GET /basemap/hillshade`` says whether the store holds a DEM and where its hillshade lies;
``GET /basemap/hillshade.png`` is the image (404 without a DEM). The DEM is a context layer: readable by
whoever may read the context layers.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mineaction.api.auth import require_read
from mineaction.api.deps import Caller, LentStore, Query, Server
from mineaction.api.imagery import RISK_CLASSES, greys_png, legend, ramp_png
from mineaction.api.openapi import register_paths
from mineaction.api.openapi_components import error_responses
from mineaction.api.params import reject_unknown
from mineaction.api.render import json_response
from mineaction.api.results_cache import ResultCache, kept
from mineaction.errors import NotFoundError

__all__ = ["CACHE", "router"]

router = APIRouter()
#: The computed layers of this process, by store, layer and the store's last change.
CACHE = ResultCache(size=6)
PNG = "image/png"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _version(image: bytes | None) -> str:
    return hashlib.sha256(image or b"").hexdigest()[:16]


def _compute_risk(store: Any, state: Any) -> dict[str, Any]:
    from mineaction.workflows import risk_layers, to_jsonable

    result = risk_layers(store, settings=state.settings)
    document = to_jsonable(result.to_dict())
    image = None
    if result.surface is not None:
        image = ramp_png(result.surface.surface, RISK_CLASSES)
        document["surface"].update(
            unit="probability of contamination (0-1) of a cell",
            legend=legend(RISK_CLASSES),
            image=f"/risk/layers/surface.png?v={_version(image)}",
        )
    document["candidates_geojson"] = {
        "type": "FeatureCollection",
        "features": to_jsonable(result.candidate_features()),
    }
    document["computed_at"] = _now()
    return {"document": document, "image": image}


def _risk_entry(store: Any, state: Any) -> dict[str, Any]:
    from mineaction.workflows import LAYER_KINDS  # the kinds the risk model reads: their changes renew it

    name = f"risk/{state.settings.report_risk_cell_m}"
    entry: dict[str, Any] = kept(
        state, store, name, lambda: _compute_risk(store, state), kinds=LAYER_KINDS, cache=CACHE
    )
    return entry


def _compute_hillshade(store: Any, state: Any) -> dict[str, Any]:
    from mineaction.workflows import hillshade_layer, to_jsonable

    shade = hillshade_layer(store, settings=state.settings)
    if shade is None:
        return {"document": {"available": False}, "image": None}
    image = greys_png(shade.shade)
    document = {
        "available": True,
        **to_jsonable(shade.to_dict()),
        "image": f"/basemap/hillshade.png?v={_version(image)}",
        "computed_at": _now(),
    }
    return {"document": document, "image": image}


def _hillshade_entry(store: Any, state: Any) -> dict[str, Any]:
    compute = lambda: _compute_hillshade(store, state)  # noqa: E731
    entry: dict[str, Any] = kept(state, store, "hillshade", compute, kinds=("context_layers",), cache=CACHE)
    return entry


def _image(entry: dict[str, Any], missing: str) -> Response:
    if entry["image"] is None:
        raise NotFoundError(missing)
    # the address carries the image's version (?v=): the browser may keep it, privately
    headers = {"Cache-Control": "private, max-age=3600", "Vary": "Cookie, Authorization"}
    return Response(entry["image"], media_type=PNG, headers=headers)


@router.get("/risk/layers")
async def risk_layers(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    require_read(who, "finds")
    entry = await run_in_threadpool(_risk_entry, store, state)
    return json_response(entry["document"])


@router.get("/risk/layers/surface.png")
async def risk_surface_image(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ("v",))
    require_read(who, "finds")
    entry = await run_in_threadpool(_risk_entry, store, state)
    return _image(entry, "no risk surface: the store has too little evidence for a model (GET /risk/layers)")


@router.get("/basemap/hillshade")
async def hillshade(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ())
    require_read(who, "context_layers")
    entry = await run_in_threadpool(_hillshade_entry, store, state)
    return json_response(entry["document"])


@router.get("/basemap/hillshade.png")
async def hillshade_image(query: Query, state: Server, store: LentStore, who: Caller) -> Response:
    reject_unknown(query, ("v",))
    require_read(who, "context_layers")
    entry = await run_in_threadpool(_hillshade_entry, store, state)
    return _image(entry, "no hillshade: the store holds no DEM (a context layer of kind dem)")


def _security(path: str) -> dict[str, Any]:
    """The risk layers need an account that may read the finds; the hillshade is public."""
    return {"security": [{"bearerAuth": []}]} if path.startswith("/risk/") else {}


def _paths(state: Any) -> dict[str, Any]:
    any_json = {"application/json": {"schema": {"type": "object"}}}
    image = {PNG: {"schema": {"type": "string", "format": "binary"}}}
    version = {"name": "v", "in": "query", "required": False, "schema": {"type": "string"}}
    documents = {
        "/risk/layers": (
            "Today's risk surface (probability of contamination per cell, its legend and corners) and the "
            "survey candidates as GeoJSON with their scores; available false, with the reason, when the "
            "store has too little evidence for a model",
            error_responses("400", "401", "403", "503"),
        ),
        "/basemap/hillshade": (
            "Whether the store holds a DEM, and its hillshade's corners (WGS84) and cell size (m)",
            error_responses("400", "401", "403", "503"),
        ),
    }
    paths: dict[str, Any] = {
        path: {
            "get": {
                "summary": summary,
                **_security(path),
                "responses": {"200": {"description": "The layer", "content": any_json}, **failures},
            }
        }
        for path, (summary, failures) in documents.items()
    }
    images = {
        "/risk/layers/surface.png": "The risk surface as a PNG image (classes of probability: the legend)",
        "/basemap/hillshade.png": "The hillshade of the store's DEM as a translucent grey PNG image",
    }
    for path, summary in images.items():
        paths[path] = {
            "get": {
                "summary": summary,
                **_security(path),
                "parameters": [version],
                "responses": {
                    "200": {"description": "The image", "content": image},
                    **error_responses("400", "401", "403", "404", "503"),
                },
            }
        }
    return paths


register_paths(_paths)
