"""Reusable pieces of the OpenAPI 3.0 document: response schemas (landing page, conformance, collections,
GeoJSON features, exceptions), standard responses and parameters. Everything is local (``#/components/...``):
the document needs nothing from the network, so clients and test tools can read it offline.
"""

from __future__ import annotations

from typing import Any

__all__ = ["COMPONENTS", "error_responses", "ref"]

_GEOMETRY_TYPES = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
]


def ref(name: str, section: str = "schemas") -> dict[str, str]:
    """A local reference to ``#/components/<section>/<name>``."""
    return {"$ref": f"#/components/{section}/{name}"}


_LINK = {
    "type": "object",
    "required": ["href"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
        "hreflang": {"type": "string"},
    },
}
_LINKS = {"type": "array", "items": ref("link")}
_GEOMETRY = {
    "type": "object",
    "nullable": True,
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": _GEOMETRY_TYPES},
        "coordinates": {"type": "array", "items": {}},
        "geometries": {"type": "array", "items": {"type": "object"}},
    },
}
_EXCEPTION = {
    "type": "object",
    "required": ["code"],
    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
}
_EXTENT = {
    "type": "object",
    "properties": {
        "spatial": {
            "type": "object",
            "properties": {
                "bbox": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                },
                "crs": {"type": "string"},
            },
        },
        "temporal": {
            "type": "object",
            "properties": {
                "interval": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "string", "format": "date-time", "nullable": True},
                    },
                },
                "trs": {"type": "string"},
            },
        },
    },
}
_COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "extent": ref("extent"),
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "links": _LINKS,
    },
}
_JSON_SCHEMA = {
    "type": "object",
    "required": ["type", "properties"],
    "properties": {"type": {"type": "string"}},
}

COMPONENTS: dict[str, Any] = {
    "schemas": {
        "link": _LINK,
        "geometry": _GEOMETRY,
        "exception": _EXCEPTION,
        "extent": _EXTENT,
        "collection": _COLLECTION,
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": _LINKS},
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": _LINKS,
                "collections": {"type": "array", "items": ref("collection")},
                "crs": {"type": "array", "items": {"type": "string"}},
            },
        },
        "queryables": _JSON_SCHEMA,
        "openapi": {"type": "object", "required": ["openapi", "paths"]},
        "html": {"type": "string"},
    },
    "responses": {
        name: {"description": text, "content": {"application/json": {"schema": ref("exception")}}}
        for name, text in (
            ("400", "A query parameter or the body is invalid; the description names it"),
            ("401", "No token, or a token that is unknown, expired or revoked"),
            ("403", "The token's user may not do this"),
            ("404", "No such collection or feature"),
            ("409", "The write conflicts with the stored record"),
            ("412", "If-Match does not match the feature's current ETag"),
            ("413", "The request body is too large"),
            ("415", "The body is not of a media type this operation takes"),
            ("422", "The record was refused by validation; the description names the field"),
            ("429", "Too many writes this minute; Retry-After says how many seconds to wait"),
            ("503", "The database cannot be reached now; retry later"),
        )
    },
    "securitySchemes": {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made with `mineaction users token`",
        }
    },
}


def error_responses(*codes: str) -> dict[str, Any]:
    """The standard responses ``codes`` (e.g. "400", "503") as references."""
    return {code: ref(code, "responses") for code in codes}
