"""JSON Schemas drawn from the domain schema: a collection's queryables (OGC API Features Part 3) and
the properties of its features (used by the OpenAPI document and the queryables alike).

A field's JSON type follows its schema type (text, integer, number, boolean, ``date``/``date-time`` strings,
any JSON for JSON fields); vocabularies become ``enum``s of their codes; bounds become
``minimum``/``maximum``.
Personal fields are never listed.
"""

from __future__ import annotations

from typing import Any

from mineaction.domain.schema import EntitySchema, Field
from mineaction.domain.vocab import VOCABULARIES
from mineaction.store.cql import queryable_fields

__all__ = ["GEOMETRY_FORMATS", "field_schema", "geometry_schema", "properties_schema", "queryables_schema"]

GEOMETRY_FORMATS = {
    "point": "geometry-point",
    "line": "geometry-linestring-or-multilinestring",
    "polygon": "geometry-polygon-or-multipolygon",
    "any": "geometry-any",
}
_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


def field_schema(field: Field, *, nullable: bool = False, openapi: bool = False) -> dict[str, Any]:
    """JSON Schema of one field's value (``nullable`` as OpenAPI 3.0 writes it, or a type list)."""
    if field.type == "json":
        out: dict[str, Any] = {"description": field.help}
        if openapi and nullable:
            out["nullable"] = True
        return out
    out = dict(_TYPES[field.type])
    out["title"] = field.name.replace("_", " ")
    if field.help:
        out["description"] = field.help
    if field.vocabulary and field.vocabulary in VOCABULARIES:
        out["enum"] = list(VOCABULARIES[field.vocabulary])
    if field.minimum is not None:
        out["minimum"] = field.minimum
    if field.maximum is not None:
        out["maximum"] = field.maximum
    if nullable:
        if openapi:
            out["nullable"] = True
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
    return out


def geometry_schema(schema: EntitySchema) -> dict[str, Any]:
    """Queryables entry of the geometry: a ``format`` and no ``type`` (Part 3)."""
    assert schema.geometry is not None
    return {"format": GEOMETRY_FORMATS[schema.geometry], "title": "geometry", "description": "WGS84 geometry"}


def queryables_schema(schema: EntitySchema, uri: str) -> dict[str, Any]:
    """The queryables of a collection as a JSON Schema (draft 2020-12) whose ``$id`` is ``uri``."""
    properties = {name: field_schema(f) for name, f in queryable_fields(schema).items()}
    for name, f in queryable_fields(schema).items():
        if f.type == "json":  # Part 3 wants a type on every non-spatial queryable; JSON fields hold text
            properties[name] = {"type": "string", "title": name.replace("_", " "), "description": f.help}
    if schema.geometry is not None:
        properties["geometry"] = geometry_schema(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": uri,
        "type": "object",
        "title": schema.label,
        "properties": properties,
        "additionalProperties": False,
    }


def properties_schema(schema: EntitySchema, *, openapi: bool = True) -> dict[str, Any]:
    """Schema of a feature's ``properties`` as the server writes them (every non-personal field but id)."""
    return {
        "type": "object",
        "properties": {
            f.name: field_schema(f, nullable=True, openapi=openapi)
            for f in schema.fields
            if f.name != "id" and not f.personal
        },
    }
