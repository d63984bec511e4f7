"""Frame preparation shared by the analyses: metric projection, spatial look-ups and typed columns.

Distances are in metres and areas in m2.

Frames arrive in WGS84 (EPSG:4326); every distance and area is computed after projecting to a metric CRS: the
caller's (default EPSG:32638, UTM 38N, for Azerbaijan) or, with ``utm_crs_of``, the UTM zone of the data's
median point (used for Colombia and any other country).
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "as_geoframe",
    "column",
    "distance_to_nearest",
    "mine_row_lines",
    "to_metric",
    "to_timestamps",
    "utm_crs_of",
]


def utm_crs_of(frame: pd.DataFrame, *, default: str = "EPSG:32638") -> str:
    """The WGS84 UTM zone (``EPSG:326zz`` north, ``EPSG:327zz`` south) of the median point of ``frame``.

    Returns ``default`` when the frame has no usable geometry.
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
        return default
    geoms = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if geoms.empty:
        return default
    points = shapely.point_on_surface(geoms.to_numpy())
    lon = float(np.median(shapely.get_x(points)))
    lat = float(np.median(shapely.get_y(points)))
    if not (-180 <= lon <= 180 and -84 <= lat <= 84):
        return default
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def as_geoframe(frame: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """``frame`` as a GeoDataFrame in EPSG:4326, dropping rows without geometry (an empty frame if None)."""
    if frame is None or "geometry" not in getattr(frame, "columns", []):
        return gpd.GeoDataFrame({"id": pd.Series(dtype=object)}, geometry=gpd.GeoSeries([], crs=4326))
    gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame, geometry="geometry")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    return gdf.loc[keep]


def to_metric(frame: pd.DataFrame | None, crs: str) -> gpd.GeoDataFrame:
    """``frame`` without empty geometries, projected to the metric ``crs``."""
    return as_geoframe(frame).to_crs(crs)


def column(frame: pd.DataFrame, name: str, *, numeric: bool = False, fill: Any = None) -> pd.Series:
    """Column ``name`` of ``frame`` (all missing when absent), as numbers if ``numeric``, NaN/None filled."""
    values = frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    if numeric:
        values = pd.to_numeric(values, errors="coerce")
    if fill is None:
        return values
    if isinstance(fill, str) and not pd.api.types.is_string_dtype(values.dtype):
        values = values.astype(object)  # an all-missing column may come back as float64
    return values.fillna(fill)


def to_timestamps(values: Any) -> pd.Series:
    """Dates (python dates, strings or datetimes) as a datetime64 Series; unparseable values become NaT."""
    return pd.to_datetime(pd.Series(values), errors="coerce")


def distance_to_nearest(points: gpd.GeoSeries, targets: gpd.GeoSeries) -> np.ndarray:
    """Distance (in the units of their common CRS, metres when metric) from each point to the nearest target.

    Infinite where there are no targets. Uses the STRtree nearest query, so it scales to large frames.
    """
    out = np.full(len(points), np.inf)
    if len(points) == 0 or len(targets) == 0:
        return out
    tree = shapely.STRtree(targets.to_numpy())
    idx, dist = tree.query_nearest(points.to_numpy(), return_distance=True, all_matches=False)
    out[idx[0]] = dist
    return out


def _parse_rows(value: Any) -> list[dict[str, Any]]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            return []
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return number if np.isfinite(number) else float("nan")


def mine_row_lines(records: pd.DataFrame) -> gpd.GeoDataFrame:
    """The mine rows of minefield records as lines (EPSG:4326), one row per line, with the record ``id`` and
    the row's ``model``, ``count`` and ``spacing_m`` (NaN where the record leaves them out).

    ``mine_rows`` holds a list of ``{line: WKT, model, count, spacing_m}`` (JSON text or parsed); rows whose
    line is missing or not valid WKT are left out.
    """
    ids, lines, models, counts, spacings = [], [], [], [], []
    for record_id, rows in zip(records.get("id", []), records.get("mine_rows", []), strict=False):
        for row in _parse_rows(rows):
            try:
                geom = shapely.from_wkt(row.get("line"))
            except (shapely.errors.GEOSException, TypeError):
                continue
            if geom is not None and not geom.is_empty:
                ids.append(record_id)
                lines.append(geom)
                models.append(row.get("model"))
                counts.append(_number(row.get("count")))
                spacings.append(_number(row.get("spacing_m")))
    frame = {"id": ids, "model": models, "count": counts, "spacing_m": spacings}
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, crs=4326))
