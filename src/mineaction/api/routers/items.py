"""Features of a collection: pages of items (bbox, datetime, filter, CRS, ``as_of``) and single items."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from mineaction.api.auth import require_read
from mineaction.api.crs import OgcCrs
from mineaction.api.deps import Caller, LentStore, Query, Root, Server
from mineaction.api.params import ItemsParams, parse_item, parse_items
from mineaction.api.render import GEOJSON, HTML, feature_texts, html_response, link
from mineaction.api.routers.collections import QUERYABLES_REL
from mineaction.store.features import FeaturePage, FeatureQuery, read_feature, read_features

__all__ = ["router"]

router = APIRouter()


def _feature_headers(crs: OgcCrs, root: str, kind: str) -> dict[str, str]:
    return {
        "Content-Crs": f"<{crs.uri}>",
        "Link": f'<{root}/collections/{kind}/queryables>; rel="{QUERYABLES_REL}"; '
        'type="application/schema+json"',
    }


def _page_links(root: str, kind: str, params: ItemsParams, page: FeaturePage) -> list[dict[str, str]]:
    base = f"{root}/collections/{kind}/items"

    def href(offset: int, f: str) -> str:
        query = {**params.echo, "limit": str(params.limit), "f": f}
        if offset:
            query["offset"] = str(offset)
        return f"{base}?{urlencode(query)}"

    links = [
        link(href(params.offset, "json"), "self", GEOJSON, "This page"),
        link(href(params.offset, "html"), "alternate", HTML, "This page as HTML"),
        link(f"{root}/collections/{kind}", "collection", "application/json", "The collection"),
    ]
    matched = page.number_matched or 0
    if params.offset + len(page) < matched:
        links.append(link(href(params.offset + params.limit, "json"), "next", GEOJSON, "Next page"))
    if params.offset > 0:
        links.append(
            link(href(max(params.offset - params.limit, 0), "json"), "prev", GEOJSON, "Previous page")
        )
    return links


def _html_features(root: str, kind: str, page: FeaturePage) -> dict[str, Any]:
    props = [json.loads(p) for p in page.properties]
    names = sorted(
        {k for p in props for k in p},
        key=lambda k: list(props[0]).index(k) if props and k in props[0] else 99,
    )
    rows = [
        [{"href": f"{root}/collections/{kind}/items/{i}?f=html", "text": i}, *(p.get(n) for n in names)]
        for i, p in zip(page.ids, props, strict=True)
    ]
    return {"title": "Features", "header": ["id", *names], "rows": rows}


@router.api_route("/collections/{collection_id}/items", methods=["GET", "HEAD"])
def items(
    collection_id: str,
    request: Request,
    root: Root,
    query: Query,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    schema = state.schema(collection_id)
    require_read(who, collection_id)
    settings = state.settings
    params = parse_items(
        query,
        schema,
        state.crs,
        default_limit=settings.server_default_limit,
        max_limit=settings.server_max_limit,
        accept=request.headers.get("accept"),
    )
    hook = None
    if params.filter_crs is not None and not params.filter_crs.is_crs84:
        hook = functools.partial(state.crs.to_crs84, crs=params.filter_crs, parameter="filter-crs")
    page = read_features(
        store,
        FeatureQuery(
            collection_id,
            area=params.area,
            interval=params.interval,
            filter=params.filter,
            filter_hook=hook,
            as_of=params.as_of,
            limit=params.limit,
            offset=params.offset,
        ),
    )
    crs = params.crs or state.crs.crs84
    headers = _feature_headers(crs, root, collection_id)
    links = _page_links(root, collection_id, params, page)
    if params.format == "html":
        title, description = state.title(collection_id)
        notes = [f"{len(page)} of {page.number_matched} features"]
        if state.simulated:
            notes.append("SIMULATED data: nothing here is a real mine location")
        return html_response(
            root,
            title,
            description=description,
            links=links[2:],
            tables=[_html_features(root, collection_id, page)],
            notes=notes,
            headers=headers,
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": len(page),
            "timeStamp": stamp,
            "links": links,
        },
        separators=(",", ":"),
    )
    body = head[:-1] + ',"features":[' + ",".join(feature_texts(page, state.crs, crs)) + "]}"
    return Response(body.encode(), media_type=GEOJSON, headers=headers)


@router.api_route("/collections/{collection_id}/items/{feature_id}", methods=["GET", "HEAD"])
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    root: Root,
    query: Query,
    state: Server,
    store: LentStore,
    who: Caller,
) -> Response:
    state.schema(collection_id)
    require_read(who, collection_id)
    crs, as_of, fmt = parse_item(query, state.crs, accept=request.headers.get("accept"))
    page = read_feature(store, collection_id, feature_id, as_of=as_of)
    headers = {**_feature_headers(crs, root, collection_id), "ETag": f'"{page.content_keys[0]}"'}
    base = f"{root}/collections/{collection_id}"
    suffix = f"&as_of={query['as_of'][0]}" if as_of is not None else ""
    links = [
        link(f"{base}/items/{feature_id}?f=json{suffix}", "self", GEOJSON, "This feature"),
        link(f"{base}/items/{feature_id}?f=html{suffix}", "alternate", HTML, "This feature as HTML"),
        link(base, "collection", "application/json", "The collection"),
    ]
    if fmt == "html":
        props = json.loads(page.properties[0])
        rows = [[k, v if not isinstance(v, (list, dict)) else json.dumps(v)] for k, v in props.items()]
        table = {"title": "Properties", "header": ["property", "value"], "rows": rows}
        return html_response(root, feature_id, links=links[1:], tables=[table], headers=headers)
    text = feature_texts(page, state.crs, crs)[0]
    body = text[:-1] + ',"links":' + json.dumps(links, separators=(",", ":")) + "}"
    return Response(body.encode(), media_type=GEOJSON, headers=headers)
