"""Collections: the list, one collection's metadata (extent, CRSs, links) and its queryables."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mineaction.api.auth import may_read, require_read
from mineaction.api.crs import CRS84
from mineaction.api.deps import Caller, LentStore, Query, Root, Server
from mineaction.api.params import parse_format, reject_unknown
from mineaction.api.render import GEOJSON, HTML, JSON, SCHEMA_JSON, html_response, json_response, link
from mineaction.api.schemas import queryables_schema
from mineaction.api.state import ServerState
from mineaction.store.base import Store
from mineaction.store.features import collection_extent

__all__ = ["QUERYABLES_REL", "collection_document", "router"]

QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
_TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

router = APIRouter()


def _instant(day: str | None) -> str | None:
    if day is None:
        return None
    return day if "T" in day else f"{day}T00:00:00Z"


def _end_instant(day: str | None) -> str | None:
    if day is None:
        return None
    return day if "T" in day else f"{day}T23:59:59Z"


def collection_document(state: ServerState, store: Store, kind: str, root: str) -> dict[str, Any]:
    """The metadata of one collection (OGC API Features collection object, Part 2 CRS members)."""
    schema = state.schema(kind)
    title, description = state.title(kind)
    base = f"{root}/collections/{kind}"
    bounds, times = collection_extent(store, kind)
    doc: dict[str, Any] = {"id": kind, "title": title, "description": description, "itemType": "feature"}
    extent: dict[str, Any] = {}
    if schema.geometry is not None:
        box = list(bounds) if bounds is not None else list(state.settings.aoi)
        extent["spatial"] = {"bbox": [box], "crs": CRS84}
        doc["crs"] = state.crs.uris
        doc["storageCrs"] = CRS84
    if schema.date_field is not None:
        extent["temporal"] = {"interval": [[_instant(times[0]), _end_instant(times[1])]], "trs": _TRS}
    if extent:
        doc["extent"] = extent
    doc["links"] = [
        link(f"{base}?f=json", "self", JSON, "This collection"),
        link(f"{base}?f=html", "alternate", HTML, "This collection as HTML"),
        link(f"{base}/items?f=json", "items", GEOJSON, f"{title} as GeoJSON"),
        link(f"{base}/items?f=html", "items", HTML, f"{title} as HTML"),
        link(f"{base}/queryables", QUERYABLES_REL, SCHEMA_JSON, "Properties a filter may use"),
    ]
    return doc


def _rows(docs: list[dict[str, Any]]) -> list[list[Any]]:
    return [[{"href": d["links"][1]["href"], "text": d["id"]}, d["title"], d["description"]] for d in docs]


@router.get("/collections")
def collections(
    request: Request,
    root: Root,
    query: Query,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    reject_unknown(query, ("f",))
    docs = [collection_document(state, store, k, root) for k in state.collections if may_read(who, k)]
    links = [
        link(f"{root}/collections?f=json", "self", JSON, "The collections"),
        link(f"{root}/collections?f=html", "alternate", HTML, "The collections as HTML"),
    ]
    if parse_format(query, request.headers.get("accept")) == "html":
        table = {"title": "Collections", "header": ["id", "title", "description"], "rows": _rows(docs)}
        notes = ["Signed out: only the public collections are listed."] if who.is_public else []
        return html_response(root, "Collections", links=links[1:], tables=[table], notes=notes)
    return json_response({"links": links, "collections": docs, "crs": state.crs.uris})


@router.get("/collections/{collection_id}")
def collection(
    collection_id: str,
    request: Request,
    root: Root,
    query: Query,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    reject_unknown(query, ("f",))
    state.schema(collection_id)
    require_read(who, collection_id)
    doc = collection_document(state, store, collection_id, root)
    if parse_format(query, request.headers.get("accept")) == "html":
        rows = [[k, str(v)] for k, v in doc.items() if k not in ("links", "id", "title", "description")]
        table = {"title": "Metadata", "header": ["member", "value"], "rows": rows}
        return html_response(
            root, doc["title"], description=doc["description"], links=doc["links"], tables=[table]
        )
    return json_response(doc)


@router.get("/collections/{collection_id}/queryables")
def queryables(
    collection_id: str,
    request: Request,
    root: Root,
    query: Query,
    state: Server,
    who: Caller,
) -> Response:
    reject_unknown(query, ("f",))
    schema = state.schema(collection_id)
    require_read(who, collection_id)
    uri = f"{root}/collections/{collection_id}/queryables"
    doc = queryables_schema(schema, uri)
    if parse_format(query, request.headers.get("accept")) == "html":
        rows = [
            [name, p.get("type", p.get("format")), p.get("description", "")]
            for name, p in doc["properties"].items()
        ]
        table = {"title": "Queryables", "header": ["name", "type", "description"], "rows": rows}
        return html_response(root, f"Queryables of {collection_id}", tables=[table])
    return json_response(doc, media=SCHEMA_JSON)
