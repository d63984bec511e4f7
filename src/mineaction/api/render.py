"""How the server writes its answers: JSON, GeoJSON and HTML bodies, links, and features from a store page.

Features are assembled as text from what the database built (each record's properties as JSON text) and the
geometries written by shapely in one vectorised call, so a page of thousands of features costs little Python.
HTML pages come from one packaged template; they load nothing from the network.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import numpy as np
import shapely
from starlette.responses import Response

from mineaction.api.crs import CrsSet, OgcCrs
from mineaction.store.features import FeaturePage

__all__ = [
    "GEOJSON",
    "HTML",
    "JSON",
    "OPENAPI",
    "SCHEMA_JSON",
    "feature_texts",
    "html_response",
    "json_response",
    "link",
]

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"


def link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    """One link object (``href``, ``rel``, ``type`` and, when given, ``title``)."""
    out = {"href": href, "rel": rel, "type": media}
    if title:
        out["title"] = title
    return out


def json_response(
    payload: Any, *, media: str = JSON, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Response(body, status_code=status, media_type=media, headers=dict(headers or {}))


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mineaction.api", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def html_response(
    root: str,
    title: str,
    *,
    description: str = "",
    links: Sequence[Mapping[str, str]] = (),
    tables: Sequence[Mapping[str, Any]] = (),
    notes: Sequence[str] = (),
    code: str = "",
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An HTML page: title, description, links, tables (``title``, ``header``, ``rows``) and code."""
    page = (
        _templates()
        .get_template("page.html.j2")
        .render(
            root=root,
            title=title,
            description=description,
            links=links,
            tables=tables,
            notes=notes,
            code=code,
        )
    )
    return Response(page.encode(), status_code=status, media_type=HTML, headers=dict(headers or {}))


def _geometry_texts(page: FeaturePage, crs_set: CrsSet, crs: OgcCrs) -> list[str]:
    wkb = np.array(page.geometries, dtype=object)
    present = np.array([w is not None for w in page.geometries], dtype=bool)
    out = ["null"] * len(page)
    if present.any():
        shapes = shapely.from_wkb(wkb[present])
        shapes = crs_set.to_output(shapes, crs)
        texts = shapely.to_geojson(shapes)
        for i, text in zip(np.flatnonzero(present), texts, strict=True):
            out[int(i)] = text
    return out


def feature_texts(page: FeaturePage, crs_set: CrsSet, crs: OgcCrs) -> list[str]:
    """Each record of ``page`` as GeoJSON Feature text, geometry in ``crs`` (its axis order)."""
    geometry = _geometry_texts(page, crs_set, crs)
    return [
        f'{{"type":"Feature","id":{json.dumps(i)},"geometry":{g},"properties":{p}}}'
        for i, g, p in zip(page.ids, geometry, page.properties, strict=True)
    ]
