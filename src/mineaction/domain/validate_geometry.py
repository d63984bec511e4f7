"""Geometry rules of validation: presence, type, finite and in-range coordinates, area of interest, areas.

Used by ``mineaction.domain.validate.validate_frame``; every rule is one vectorised shapely pass. Geometries
are in WGS84 (EPSG:4326); areas are measured in a metric CRS (m2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

from mineaction.domain.issues import IssueCollector
from mineaction.domain.schema import EntitySchema

__all__ = ["AREA_TOLERANCE", "MAX_PLAUSIBLE_AREA_KM2", "check_geometry", "check_worked_area"]

AREA_TOLERANCE = 0.05  # share by which cancelled + reduced + cleared may exceed the worked polygon's area
MAX_PLAUSIBLE_AREA_KM2 = 1_000.0  # a hazard, record or worked polygon larger than this is a warning
_HAZARD_KINDS = frozenset({"hazardous_areas", "minefield_records", "activities"})
_REFERENCE_KINDS = frozenset({"context_layers"})  # rivers, roads, a front line: they may run beyond the area
_GEOMETRY_TYPES = {"point": {0}, "line": {1, 5}, "polygon": {3, 6}}
_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _inside(x: np.ndarray, y: np.ndarray, aoi: Sequence[float]) -> np.ndarray:
    west, south, east, north = aoi
    return (x >= west) & (x <= east) & (y >= south) & (y <= north)


def check_geometry(
    schema: EntitySchema, frame: pd.DataFrame, out: IssueCollector, aoi: Sequence[float] | None
) -> np.ndarray | None:
    if schema.geometry is None:
        return None
    n = len(frame)
    geoms = (
        np.asarray(frame.geometry, dtype=object) if "geometry" in frame else np.full(n, None, dtype=object)
    )
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():  # an empty geometry is no geometry: kept as missing (never in the caller's frame)
        geoms = np.where(missing, np.asarray(None, dtype=object), geoms)
    if schema.geometry_required:
        out.add(
            missing,
            "geometry",
            geoms,
            f"no geometry; a {schema.label} needs a {schema.geometry}",
            "give coordinates (lon/lat columns, a WKT column or a spatial file)",
        )
    allowed = _GEOMETRY_TYPES.get(schema.geometry)
    type_ids = shapely.get_type_id(geoms)
    wrong = ~missing & (~np.isin(type_ids, list(allowed)) if allowed else np.zeros(n, dtype=bool))
    if wrong.any():
        names = np.vectorize(lambda t: _TYPE_NAMES.get(int(t), "geometry"), otypes=[object])(type_ids)
        out.add(
            wrong,
            "geometry",
            geoms,
            "a " + names + f", but a {schema.label} needs a {schema.geometry}",
            f"give a {schema.geometry} geometry",
        )
    usable = ~missing & ~wrong
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[index[~np.isfinite(coords).all(axis=1)]] = True
    out.add(
        usable & nonfinite,
        "geometry",
        _wkt(geoms, usable & nonfinite),
        "a coordinate is empty, NaN or infinite",
        "fill in both lon and lat with numbers",
    )
    usable &= ~nonfinite
    _check_ranges(geoms, usable, out, aoi, within=schema.kind not in _REFERENCE_KINDS)
    _check_sizes(schema, geoms, usable, out)
    invalid = usable & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = np.full(n, "", dtype=object)
        reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
        out.add(
            invalid,
            "geometry",
            _wkt(geoms, invalid),
            "invalid geometry: " + reasons,
            "repair it (e.g. QGIS Fix geometries or shapely.make_valid) and import again",
        )
    return geoms


def _wkt(geoms: np.ndarray, mask: np.ndarray) -> np.ndarray:
    text = np.full(len(geoms), "", dtype=object)
    if mask.any():
        text[mask] = shapely.to_wkt(geoms[mask], rounding_precision=6, trim=True)
    return text


def _check_ranges(
    geoms: np.ndarray, usable: np.ndarray, out: IssueCollector, aoi: Sequence[float] | None, *, within: bool
) -> None:
    """Coordinates within WGS84's ranges and inside the area of interest (wholly, with ``within``; points,
    lines and polygons alike), with a hint when swapped or negated coordinates would be inside."""
    bounds = shapely.bounds(geoms)
    west, south, east, north = (bounds[:, i] for i in range(4))
    off_world = usable & ((west < -180) | (east > 180) | (south < -90) | (north > 90))
    x, y = (west + east) / 2, (south + north) / 2
    if off_world.any():
        metric = np.abs(np.nan_to_num(bounds)).max(axis=1) > 1000
        swapped = _inside(y, x, (-180, -90, 180, 90))
        fix = np.where(
            metric,
            "these look like metric coordinates: declare the file's CRS (--crs, e.g. "
            "EPSG:32638, or crs: in the mapping)",
            np.where(swapped, "lon and lat look swapped: swap the columns", "check the coordinates"),
        )
        out.add(
            off_world,
            "geometry",
            _wkt(geoms, off_world),
            "coordinates outside lon -180 to 180, lat -90 to 90 (WGS84)",
            fix,
        )
    if aoi is None:
        return
    w, s, e, n = aoi
    outside = usable & ~off_world & ((east < w) | (west > e) | (north < s) | (south > n))
    if outside.any():
        fix = np.select(
            [_inside(y, x, aoi), _inside(-x, y, aoi), _inside(x, -y, aoi), _inside(-y, -x, aoi)],
            [
                "lon and lat look swapped: swap the columns",
                "the longitude's sign looks wrong: flip it",
                "the latitude's sign looks wrong: flip it",
                "lon and lat look swapped and negated",
            ],
            "check the coordinates and the declared CRS",
        )
        out.add(
            outside,
            "geometry",
            _wkt(geoms, outside),
            f"outside the area of interest (lon {w:g} to {e:g}, lat {s:g} to {n:g})",
            fix,
        )
    if not within:
        return
    across = usable & ~off_world & ~outside & ((west < w) | (east > e) | (south < s) | (north > n))
    out.add(
        across,
        "geometry",
        _wkt(geoms, across),
        f"reaches outside the area of interest (lon {w:g} to {e:g}, lat {s:g} to {n:g})",
        "check the coordinates (a record lies inside the store's area of interest)",
    )


def _check_sizes(schema: EntitySchema, geoms: np.ndarray, usable: np.ndarray, out: IssueCollector) -> None:
    """Warn about polygons far larger than any plausible hazard (area in km2, EPSG:6933 equal-area)."""
    if schema.kind not in _HAZARD_KINDS:
        return
    bounds = shapely.bounds(geoms)
    box_deg2 = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    on_earth = (  # beyond these the area-of-interest check refuses the row; no edge to follow
        (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
    )
    candidates = (
        usable & on_earth & np.isin(shapely.get_type_id(geoms), [3, 6]) & (np.nan_to_num(box_deg2) > 0.05)
    )
    if not candidates.any():
        return
    import geopandas as gpd

    # edges followed as drawn (lines of constant lon or lat), measured in an equal-area projection (EPSG:6933)
    drawn = gpd.GeoSeries(geoms[candidates], crs="EPSG:4326").segmentize(0.1)
    area_km2 = np.zeros(len(geoms))
    area_km2[candidates] = drawn.to_crs("EPSG:6933").area.to_numpy() / 1e6
    huge = candidates & (area_km2 > MAX_PLAUSIBLE_AREA_KM2)
    out.add(
        huge,
        "geometry",
        _wkt(geoms, huge),
        pd.Series(area_km2).map(
            lambda a: f"covers {a:,.0f} km2, far larger than any plausible {schema.label}"
        ),
        "check the coordinates and the polygon (a whole district is rarely one area)",
        severity="warning",
    )


def check_worked_area(
    parsed: dict[str, pd.Series], geoms: np.ndarray | None, out: IssueCollector, metric_crs: str
) -> None:
    if geoms is None or not {"cancelled_m2", "reduced_m2", "cleared_m2"} <= set(parsed):
        return
    claimed = sum(
        parsed[c].fillna(0).to_numpy(dtype=float) for c in ("cancelled_m2", "reduced_m2", "cleared_m2")
    )
    polygons = np.isin(shapely.get_type_id(geoms), [3, 6]) & shapely.is_valid(geoms) & (claimed > 0)
    if not polygons.any():
        return
    import geopandas as gpd

    series = gpd.GeoSeries(geoms[polygons], crs="EPSG:4326")
    crs = series.estimate_utm_crs() if metric_crs == "auto" else metric_crs
    area = np.zeros(len(geoms))
    area[polygons] = series.to_crs(crs).area.to_numpy()
    too_much = polygons & (claimed > area * (1 + AREA_TOLERANCE))
    out.add(
        too_much,
        "cleared_m2",
        pd.Series(claimed).round(1),
        "cancelled + reduced + cleared m2 exceeds the worked polygon's area ("
        + pd.Series(area).round(0).astype(str)
        + f" m2 in {crs}, 5 % tolerance)",
        "check the areas (m2, not ha) and the polygon",
    )
