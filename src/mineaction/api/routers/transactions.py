"""Part 4 writes: create (POST), replace (PUT), update (PATCH, JSON merge patch) and delete features.

Every write needs a principal the access rules allow to ``write`` the kind, goes through the domain validation
(``Record.create``: a refused record is 422 naming the field) and lands in the store with a history revision
whose author is that principal. ``If-Match`` with the ETag last read guards against overwriting someone
else's change (412). Personal fields are not part of a feature: a replace keeps the stored ones.
"""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mineaction.access import Principal, acting_as
from mineaction.api.app import Conflict, PreconditionFailed, UnsupportedMediaType
from mineaction.api.auth import require_write
from mineaction.api.crs import OgcCrs
from mineaction.api.deps import Caller, LentStore, Root, Server
from mineaction.api.state import ServerState
from mineaction.domain.records import Record
from mineaction.domain.schema import EntitySchema
from mineaction.errors import InputError, NotFoundError
from mineaction.store.base import Store
from mineaction.store.features import read_feature

__all__ = ["router"]

router = APIRouter()
_FEATURE_TYPES = ("application/geo+json", "application/json")
_PATCH_TYPES = ("application/merge-patch+json", "application/json", "application/geo+json")


def _refuse_constant(name: str) -> Any:
    raise InputError(f"the body holds {name}, which is not a number JSON allows; send finite numbers")


async def _body(request: Request, accepted: tuple[str, ...]) -> dict[str, Any]:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in accepted:
        raise UnsupportedMediaType(f"the body must be {' or '.join(accepted)}, not {media or 'untyped'}")
    raw = await request.body()
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"the body is not valid JSON ({exc}); send a GeoJSON Feature") from None
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object (a GeoJSON Feature)")
    return body


def _geometry(state: ServerState, value: Any, crs: OgcCrs) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict) or "type" not in value:
        raise InputError("geometry must be a GeoJSON geometry object or null")
    try:
        shape = shapely.from_geojson(json.dumps(value))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise InputError(f"geometry cannot be read ({exc}); send a GeoJSON geometry") from None
    if shape is None or shape.is_empty:
        return None
    if not all(math.isfinite(v) for v in shape.bounds):
        raise InputError("geometry has coordinates that are not finite numbers")
    return state.crs.to_crs84(shape, crs, parameter="Content-Crs")


def _content_crs(state: ServerState, request: Request) -> OgcCrs:
    given = request.headers.get("content-crs")
    return state.crs.get(given.strip().strip("<>") if given else None, parameter="Content-Crs")


def _properties(schema: EntitySchema, body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise InputError("properties must be a JSON object")
    personal = sorted(f.name for f in schema.fields if f.personal and f.name in props)
    if personal:
        raise InputError(
            f"{', '.join(personal)}: personal data is not written through features; use the records API"
        )
    return props


def _acting(request: Request, who: Principal) -> Any:
    """Act as the caller for the store: its audit entries name them, their organisation and address, and
    its wall refuses what their write rules do not allow."""
    return acting_as(who, address=request.client.host if request.client else None, channel="api")


def _write(
    state: ServerState,
    store: Store,
    kind: str,
    values: dict[str, Any],
    geometry: Any,
    author: str,
    reason: str,
) -> str:
    record = Record.create(kind, geometry=geometry, aoi=state.settings.aoi, **values)
    result = store.write(kind, record.to_frame(), author=author, reason=reason, source_doc="api")
    written = (*result.inserted, *result.updated)
    if not written and values.get("id") is None:
        raise Conflict(f"{kind}: a record with the same content exists already; nothing was added")
    return written[0] if written else str(values["id"])


def _check_etag(request: Request, store: Store, kind: str, feature_id: str) -> None:
    current = read_feature(store, kind, feature_id).content_keys[0]
    wanted = request.headers.get("if-match")
    if (
        wanted is not None
        and wanted.strip() != "*"
        and current not in [t.strip().strip('"') for t in wanted.split(",")]
    ):
        raise PreconditionFailed(
            f"{kind}/{feature_id} changed since it was read (ETag {current}); read it again"
        )


def _done(root: str, kind: str, store: Store, feature_id: str, status: int) -> Response:
    etag = read_feature(store, kind, feature_id).content_keys[0]
    headers = {"ETag": f'"{etag}"', "Location": f"{root}/collections/{kind}/items/{feature_id}"}
    return Response(status_code=status, headers=headers)


@router.post("/collections/{collection_id}/items")
async def create(
    collection_id: str, request: Request, root: Root, state: Server, store: LentStore, who: Caller
) -> Response:
    schema = state.schema(collection_id)
    require_write(who, collection_id)
    body = await _body(request, _FEATURE_TYPES)
    values = _properties(schema, body)
    if body.get("id") is not None or values.get("id") is not None:
        raise InputError(
            "POST adds a new record and the store gives its id; to replace a record use PUT on its URL"
        )
    geometry = _geometry(state, body.get("geometry"), _content_crs(state, request))

    def run() -> Response:
        with _acting(request, who):
            new_id = _write(state, store, collection_id, values, geometry, who.name, "added through the API")
        return _done(root, collection_id, store, new_id, 201)

    return await run_in_threadpool(run)


@router.put("/collections/{collection_id}/items/{feature_id}")
async def replace(
    collection_id: str,
    feature_id: str,
    request: Request,
    root: Root,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    schema = state.schema(collection_id)
    require_write(who, collection_id)
    body = await _body(request, _FEATURE_TYPES)
    values = _properties(schema, body)
    if values.get("id", feature_id) != feature_id or body.get("id", feature_id) != feature_id:
        raise InputError(f"the body's id differs from {feature_id}; a record's id cannot change")
    geometry = _geometry(state, body.get("geometry"), _content_crs(state, request))

    def run() -> Response:
        with _acting(request, who), store.transaction():
            _check_etag(request, store, collection_id, feature_id)
            stored = store.get(collection_id, feature_id, include_personal=True)
            kept = {f.name: stored.get(f.name) for f in schema.fields if f.personal}
            merged = {**kept, **values, "id": feature_id}
            _write(state, store, collection_id, merged, geometry, who.name, "replaced through the API")
        return _done(root, collection_id, store, feature_id, 204)

    return await run_in_threadpool(run)


@router.patch("/collections/{collection_id}/items/{feature_id}")
async def update(
    collection_id: str,
    feature_id: str,
    request: Request,
    root: Root,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    schema = state.schema(collection_id)
    require_write(who, collection_id)
    body = await _body(request, _PATCH_TYPES)
    changes = _properties(schema, body)
    if changes.get("id", feature_id) != feature_id:
        raise InputError(f"a patch cannot change the id of {feature_id}")
    new_geometry = (
        _geometry(state, body["geometry"], _content_crs(state, request)) if "geometry" in body else None
    )

    def run() -> Response:
        with _acting(request, who), store.transaction():
            _check_etag(request, store, collection_id, feature_id)
            stored = store.get(collection_id, feature_id, include_personal=True)
            geometry = new_geometry if "geometry" in body else stored.get("geometry")
            values = {k: v for k, v in stored.items() if k in schema.field_names}
            values.update(changes)
            _write(state, store, collection_id, values, geometry, who.name, "changed through the API")
        return _done(root, collection_id, store, feature_id, 204)

    return await run_in_threadpool(run)


@router.delete("/collections/{collection_id}/items/{feature_id}")
def delete(
    collection_id: str, feature_id: str, request: Request, state: Server, store: LentStore, who: Caller
) -> Response:
    state.schema(collection_id)
    require_write(who, collection_id)
    with _acting(request, who), store.transaction():
        _check_etag(request, store, collection_id, feature_id)
        try:
            store.delete(
                collection_id,
                [feature_id],
                author=who.name,
                reason="deleted through the API",
                source_doc="api",
            )
        except NotFoundError:
            raise NotFoundError(f"{collection_id}: no record {feature_id!r}") from None
    return Response(status_code=204)
