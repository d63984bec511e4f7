"""The API definition served at ``/api``: an OpenAPI 3.0 document written from the domain schema, with every
collection's paths spelled out (its own query parameters, feature schema and write operations), so that it
is self-contained and exact: no remote ``$ref``, every status code the server answers is listed.

Extra paths (the REST endpoints of the workflows, jobs) register themselves with ``register_paths``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from mineaction import __version__
from mineaction.api.crs import CRS84
from mineaction.api.openapi_components import COMPONENTS, error_responses, ref
from mineaction.api.params import simple_queryables
from mineaction.api.schemas import field_schema, properties_schema
from mineaction.domain.schema import EntitySchema

__all__ = ["openapi_document", "register_paths"]

_EXTRA: list[Callable[[Any], dict[str, Any]]] = []
_READ_SECURITY: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]
_WRITE_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_READ_ERRORS = ("400", "401", "403", "404", "503")


def register_paths(build: Callable[[Any], dict[str, Any]]) -> None:
    """Add paths to the document: ``build(state)`` returns an OpenAPI ``paths`` mapping (with ``schemas``
    of its own under the key ``x-schemas``, merged into the components)."""
    if build not in _EXTRA:
        _EXTRA.append(build)


def _param(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _format_param(*formats: str) -> dict[str, Any]:
    return _param(
        "f", {"type": "string", "enum": list(formats)}, "Response format (else the Accept header decides)"
    )


def _ok(description: str, **content: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": {m: {"schema": s} for m, s in content.items()}}}


def _get(
    summary: str, responses: dict[str, Any], params: list[dict[str, Any]], *errors: str
) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params,
        "security": _READ_SECURITY,
        "responses": {**responses, **error_responses(*(errors or _READ_ERRORS))},
    }


def _feature_schema(schema: EntitySchema) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": ref("geometry"),
            "properties": properties_schema(schema),
            "links": {"type": "array", "items": ref("link")},
        },
    }


def _collection_schema(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": ref(f"{kind}Feature")},
            "links": {"type": "array", "items": ref("link")},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
        },
    }


def _items_params(state: Any, schema: EntitySchema) -> list[dict[str, Any]]:
    crs = {"type": "string", "enum": state.crs.uris, "default": CRS84}
    params = [
        _format_param("json", "html"),
        _param(
            "limit",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": state.settings.server_max_limit,
                "default": state.settings.server_default_limit,
            },
            "Most features to return (larger values are clamped to the maximum)",
            style="form",
            explode=False,
        ),
        _param(
            "offset",
            {"type": "integer", "minimum": 0, "default": 0},
            "Matching features to skip (ordered by id)",
        ),
        _param(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "Only features intersecting this box: min x, min y, max x, max y (in bbox-crs; CRS84 by default)",
            style="form",
            explode=False,
        ),
        _param("bbox-crs", crs, "CRS of bbox"),
        _param(
            "datetime",
            {"type": "string"},
            "Instant or interval (RFC 3339, '..' for open ends) of the event date",
        ),
        _param("crs", crs, "CRS of the geometries in the response"),
        _param("filter", {"type": "string"}, "CQL2 filter (text or JSON, see filter-lang)"),
        _param(
            "filter-lang",
            {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
            "Language of filter",
        ),
        _param("filter-crs", crs, "CRS of the geometries in filter"),
        _param(
            "as_of",
            {"type": "string", "format": "date"},
            "The collection as known at the end of this day (UTC)",
        ),
    ]
    for name, f in simple_queryables(schema).items():
        params.append(_param(name, field_schema(f, openapi=True), f"Only features whose {name} equals this"))
    return params


def _write_ops(kind: str, schema: EntitySchema) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"required": True, "content": {"application/geo+json": {"schema": ref(f"{kind}Feature")}}}
    patch = {"required": True, "content": {"application/merge-patch+json": {"schema": {"type": "object"}}}}
    if_match = {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The ETag last read",
    }
    errors = error_responses("400", "401", "403", "404", "409", "412", "413", "415", "422", "429", "503")
    created = {"201": {"description": "Created; Location names the new feature"}}
    done = {"204": {"description": "Done"}}
    on_items = {
        "post": {
            "summary": f"Add a {schema.label}",
            "security": _WRITE_SECURITY,
            "requestBody": body,
            "responses": {**created, **errors},
        }
    }
    on_item = {
        "put": {
            "summary": f"Replace a {schema.label}",
            "security": _WRITE_SECURITY,
            "parameters": [if_match],
            "requestBody": body,
            "responses": {**done, **errors},
        },
        "patch": {
            "summary": f"Change some properties of a {schema.label}",
            "security": _WRITE_SECURITY,
            "parameters": [if_match],
            "requestBody": patch,
            "responses": {**done, **errors},
        },
        "delete": {
            "summary": f"Delete a {schema.label} (its history stays)",
            "security": _WRITE_SECURITY,
            "parameters": [if_match],
            "responses": {**done, **errors},
        },
    }
    return on_items, on_item


def _collection_paths(state: Any, kind: str, writes: bool) -> dict[str, Any]:
    schema = state.schema(kind)
    title, _ = state.title(kind)
    base = f"/collections/{kind}"
    feature_id = {
        "name": "featureId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "Record id, e.g. EO-000001",
    }
    item_params = [
        feature_id,
        _format_param("json", "html"),
        _param("crs", {"type": "string", "enum": state.crs.uris}, "CRS of the geometry"),
        _param("as_of", {"type": "string", "format": "date"}, "As known at the end of this day"),
    ]
    paths: dict[str, Any] = {
        base: {
            "get": _get(
                f"{title}: metadata",
                _ok("The collection", **{"application/json": ref("collection"), "text/html": ref("html")}),
                [_format_param("json", "html")],
            )
        },
        f"{base}/queryables": {
            "get": _get(
                f"{title}: queryables",
                _ok(
                    "Properties a filter may use",
                    **{"application/schema+json": ref("queryables"), "text/html": ref("html")},
                ),
                [_format_param("json", "html")],
            )
        },
        f"{base}/items": {
            "get": _get(
                f"{title}: features",
                _ok(
                    "A page of features",
                    **{"application/geo+json": ref(f"{kind}Collection"), "text/html": ref("html")},
                ),
                _items_params(state, schema),
            )
        },
        f"{base}/items/{{featureId}}": {
            "get": _get(
                f"{title}: one feature",
                _ok(
                    "The feature", **{"application/geo+json": ref(f"{kind}Feature"), "text/html": ref("html")}
                ),
                item_params,
            )
        },
    }
    if writes:
        on_items, on_item = _write_ops(kind, schema)
        paths[f"{base}/items"].update(on_items)
        for method in on_item.values():
            method["parameters"] = [feature_id, *method.get("parameters", [])]
        paths[f"{base}/items/{{featureId}}"].update(on_item)
    return paths


@functools.lru_cache(maxsize=8)
def _document(state: Any, writes: bool) -> dict[str, Any]:
    both = [_format_param("json", "html")]
    paths: dict[str, Any] = {
        "/": {
            "get": _get(
                "Landing page",
                _ok(
                    "Links to the API, conformance and collections",
                    **{"application/json": ref("landingPage"), "text/html": ref("html")},
                ),
                both,
                "400",
                "503",
            )
        },
        "/conformance": {
            "get": _get(
                "Conformance classes implemented",
                _ok(
                    "The conformance declaration",
                    **{"application/json": ref("confClasses"), "text/html": ref("html")},
                ),
                both,
                "400",
                "503",
            )
        },
        "/api": {
            "get": _get(
                "This API definition",
                _ok(
                    "OpenAPI 3.0",
                    **{
                        "application/vnd.oai.openapi+json;version=3.0": ref("openapi"),
                        "text/html": ref("html"),
                    },
                ),
                both,
                "400",
                "503",
            )
        },
        "/api.html": {
            "get": _get(
                "This API's documentation", _ok("HTML", **{"text/html": ref("html")}), [], "400", "503"
            )
        },
        "/collections": {
            "get": _get(
                "The collections",
                _ok(
                    "Collections the caller may read",
                    **{"application/json": ref("collections"), "text/html": ref("html")},
                ),
                both,
                "400",
                "401",
                "503",
            )
        },
    }
    components = copy.deepcopy(COMPONENTS)
    for kind in state.collections:
        schema = state.schema(kind)
        components["schemas"][f"{kind}Feature"] = _feature_schema(schema)
        components["schemas"][f"{kind}Collection"] = _collection_schema(kind)
        paths.update(_collection_paths(state, kind, writes))
    for build in _EXTRA:
        extra = build(state)
        components["schemas"].update(extra.pop("x-schemas", {}))
        paths.update(extra)
    _document_write_limit(paths)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mineaction",
            "version": __version__,
            "description": "Mine action information (hazardous areas, minefield records, activities, finds, "
            "accidents, funding, assets) as OGC API Features (Parts 1 to 4, CQL2 filters, CRSs) with the "
            "extension as_of, "
            "and the workflows of the mineaction command line as REST",
            "license": {"name": "Apache-2.0"},
        },
        "paths": paths,
        "components": components,
    }


def openapi_document(state: Any, root: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of this server, its ``servers`` entry at ``root``."""
    document = dict(_document(state, True))
    document["servers"] = [{"url": root}]
    return document


def _document_write_limit(paths: dict[str, Any]) -> None:
    """Every write operation may answer 429: each one spends the caller's writes a minute (``api.deps``)."""
    too_many = error_responses("429")
    for operations in paths.values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                operation["responses"] = {**too_many, **operation["responses"]}
