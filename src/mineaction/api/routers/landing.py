"""The landing page, the conformance declaration and the API definition (OpenAPI 3.0, JSON and HTML)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from mineaction.api.deps import Query, Root, Server
from mineaction.api.openapi import openapi_document
from mineaction.api.params import parse_format, reject_unknown
from mineaction.api.render import HTML, JSON, OPENAPI, html_response, json_response, link

__all__ = ["CONFORMANCE", "router"]

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"

# Declared only where implemented and tested (tests/api/test_conformance_*.py name each abstract test).
CONFORMANCE = (
    f"{_F1}core",
    f"{_F1}geojson",
    f"{_F1}html",
    f"{_F1}oas30",
    f"{_F2}crs",
    f"{_F3}queryables",
    f"{_F3}queryables-query-parameters",
    f"{_F3}filter",
    f"{_F3}features-filter",
    f"{_CQL2}cql2-text",
    f"{_CQL2}cql2-json",
    f"{_CQL2}basic-cql2",
    f"{_CQL2}advanced-comparison-operators",
    f"{_CQL2}case-insensitive-comparison",
    f"{_CQL2}basic-spatial-functions",
    f"{_CQL2}basic-spatial-functions-plus",
    f"{_CQL2}spatial-functions",
    f"{_CQL2}temporal-functions",
    f"{_CQL2}property-property",
    f"{_F4}create-replace-delete",
    f"{_F4}update",
    f"{_F4}features",
)

router = APIRouter()


@router.get("/")
def landing(request: Request, root: Root, query: Query, state: Server) -> Response:
    reject_unknown(query, ("f",))
    links = [
        link(f"{root}/?f=json", "self", JSON, "This document"),
        link(f"{root}/?f=html", "alternate", HTML, "This document as HTML"),
        link(f"{root}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
        link(f"{root}/api.html", "service-doc", HTML, "The API documentation"),
        link(f"{root}/conformance", "conformance", JSON, "Conformance classes implemented"),
        link(f"{root}/collections", "data", JSON, "The collections"),
    ]
    title = "mineaction"
    description = (
        "Mine action records (hazardous areas, finds, accidents, activities ...) as OGC API Features"
    )
    if state.simulated:
        description += " (SIMULATED data: nothing here is a real mine location)"
    if parse_format(query, request.headers.get("accept")) == "html":
        return html_response(root, title, description=description, links=links[1:])
    return json_response({"title": title, "description": description, "links": links})


@router.get("/conformance")
def conformance(request: Request, root: Root, query: Query) -> Response:
    reject_unknown(query, ("f",))
    if parse_format(query, request.headers.get("accept")) == "html":
        rows = [[uri] for uri in CONFORMANCE]
        return html_response(
            root, "Conformance", tables=[{"title": "Classes", "header": ["URI"], "rows": rows}]
        )
    return json_response({"conformsTo": list(CONFORMANCE)})


@router.get("/api")
def api_definition(
    root: Root,
    query: Query,
    state: Server,
) -> Response:
    reject_unknown(query, ("f",))
    if query.get("f") == ["html"]:
        return api_page(root=root, query={}, state=state)
    return json_response(openapi_document(state, root), media=OPENAPI)


@router.get("/api.html")
def api_page(
    root: Root,
    query: Query,
    state: Server,
) -> Response:
    reject_unknown(query, ())
    document = openapi_document(state, root)
    rows = [
        [method.upper(), path, op.get("summary", "")]
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return html_response(
        root,
        "API documentation",
        description=document["info"]["description"],
        links=[link(f"{root}/api", "service-desc", OPENAPI, "OpenAPI 3.0 definition (JSON)")],
        tables=[{"title": "Operations", "header": ["method", "path", "what it does"], "rows": rows}],
    )
