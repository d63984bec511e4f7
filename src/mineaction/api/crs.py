"""Coordinate reference systems the server speaks (OGC API Features Part 2): CRS84 (the default), EPSG:4326
(latitude first) and the store's metric CRS (UTM 38N, EPSG:32638, for Azerbaijan).

The store keeps WGS84 longitude/latitude. ``to_output`` turns stored geometries into a requested CRS with its
own axis order; ``to_crs84`` turns a ``bbox-crs`` box or a ``filter-crs`` geometry into longitude/latitude. A
box in another CRS becomes the densified outline of that box, so that the area asked for is the area searched.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from mineaction.errors import InputError

__all__ = ["CRS84", "CrsSet", "OgcCrs", "crs_uri"]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
_local = threading.local()


def crs_uri(code: int) -> str:
    """The OGC URI of an EPSG code (4326 is EPSG:4326 with latitude first; CRS84 has its own URI)."""
    return f"{_EPSG}{code}"


@dataclass(frozen=True)
class OgcCrs:
    """One CRS the server offers: its URI, EPSG code and whether the first axis is latitude (northing)."""

    uri: str
    epsg: int
    lat_first: bool = False

    @property
    def is_crs84(self) -> bool:
        return self.uri == CRS84


def _transformer(source: int, target: int):  # type: ignore[no-untyped-def]
    """A pyproj transformer (x = longitude/easting in and out), one per thread."""
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = (source, target)
    if key not in cache:
        from pyproj import Transformer

        cache[key] = Transformer.from_crs(source, target, always_xy=True)
    return cache[key]


def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


class CrsSet:
    """The CRSs of one server: CRS84, EPSG:4326 and ``metric_epsg`` (e.g. 32638)."""

    def __init__(self, metric_epsg: int) -> None:
        self.crs84 = OgcCrs(CRS84, 4326)
        self.members = (
            self.crs84,
            OgcCrs(crs_uri(4326), 4326, lat_first=True),
            OgcCrs(crs_uri(metric_epsg), metric_epsg),
        )

    @classmethod
    def from_setting(cls, metric_crs: str) -> CrsSet:
        """From the ``metric_crs`` setting (``EPSG:32638``)."""
        text = metric_crs.strip().upper()
        if not text.startswith("EPSG:") or not text[5:].isdigit():
            raise InputError(f"metric_crs {metric_crs!r} is not an EPSG code such as EPSG:32638")
        return cls(int(text[5:]))

    @property
    def uris(self) -> list[str]:
        return [c.uri for c in self.members]

    def get(self, uri: str | None, *, parameter: str) -> OgcCrs:
        """The CRS named by ``uri`` (CRS84 when None); an InputError naming ``parameter`` otherwise."""
        if uri is None:
            return self.crs84
        for member in self.members:
            if uri.strip() == member.uri:
                return member
        raise InputError(f"{parameter} {uri!r} is not offered; use one of {', '.join(self.uris)}")

    def to_output(self, geoms: np.ndarray, crs: OgcCrs) -> np.ndarray:
        """Stored geometries (WGS84 lon/lat) in ``crs``, axis order included."""
        if crs.is_crs84:
            return geoms
        if crs.epsg == 4326:
            return _swap(geoms)
        out = shapely.transform(
            geoms, lambda xy: np.column_stack(_transformer(4326, crs.epsg).transform(xy[:, 0], xy[:, 1]))
        )
        return _swap(out) if crs.lat_first else out

    def to_crs84(self, shape: BaseGeometry, crs: OgcCrs, *, parameter: str) -> BaseGeometry:
        """A geometry given in ``crs`` as WGS84 lon/lat; InputError when it falls outside the CRS's area."""
        if crs.is_crs84:
            return shape
        if crs.lat_first:
            shape = shapely.transform(shape, lambda xy: xy[:, ::-1])
        if crs.epsg != 4326:
            try:  # densified first so that straight edges in the CRS stay the same edges here
                dense = shapely.segmentize(shape, _densify_step(shape)) if shape.length > 0 else shape
            except shapely.errors.GEOSException:
                dense = shape  # a degenerate box (a point): nothing to densify
            shape = shapely.transform(
                dense, lambda xy: np.column_stack(_transformer(crs.epsg, 4326).transform(xy[:, 0], xy[:, 1]))
            )
        bounds = shape.bounds
        if (
            not all(math.isfinite(v) for v in bounds)
            or bounds[0] < -180
            or bounds[2] > 180
            or abs(bounds[1]) > 90
            or abs(bounds[3]) > 90
        ):
            raise InputError(
                f"{parameter}: the coordinates do not lie inside {crs.uri}'s area; check the axis order"
            )
        return shape

    def box(self, values: Sequence[float], crs: OgcCrs, *, parameter: str) -> BaseGeometry:
        """The area of a bbox (min x, min y, max x, max y in ``crs``'s axis order) in WGS84 lon/lat."""
        minx, miny, maxx, maxy = values
        return self.to_crs84(shapely.box(minx, miny, maxx, maxy), crs, parameter=parameter)


@functools.lru_cache(maxsize=8)
def _step(width: float) -> float:
    return max(width / 16.0, 1e-9)


def _densify_step(shape: BaseGeometry) -> float:
    minx, miny, maxx, maxy = shape.bounds
    return _step(max(maxx - minx, maxy - miny, 1e-9))
