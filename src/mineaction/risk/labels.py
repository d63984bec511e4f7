"""Cell labels as RELand defines them: 1 contaminated, 0 processed with nothing found, -1 unknown.

A cell is **1** where a find or an accident (with a known location) lies in it; **0** where survey or
clearance processed it (clearance, technical survey, battle-area clearance, non-technical survey that
cancelled land, or a hazardous area released) and nothing was found; **-1** everywhere else. Unknown cells
are never used as negatives. A time window keeps labels apart from the features made before the cut-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
import shapely

from mineaction.risk.features import layer_geometries
from mineaction.risk.grid import Grid

__all__ = ["NEGATIVE_ACTIVITY_KINDS", "event_dates", "reland_labels", "truth_counts"]

NEGATIVE_ACTIVITY_KINDS = ("clearance", "TS", "BAC")


def _in_window(when: pd.Series, start: date | None, end: date | None) -> np.ndarray:
    when = pd.to_datetime(when, errors="coerce")
    keep = when.notna().to_numpy().copy()
    if start is not None:
        keep &= (when >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (when < pd.Timestamp(end)).to_numpy()
    return keep


def _positive_mask(
    grid: Grid, layers: Mapping[str, pd.DataFrame], start: date | None, end: date | None
) -> np.ndarray:
    counts = np.zeros(grid.shape)
    for kind, field in (("finds", "found_on"), ("accidents", "occurred_on")):
        frame = layers.get(kind)
        if frame is None or frame.empty or field not in frame.columns:
            continue
        keep = _in_window(frame[field], start, end)
        if "location_known" in frame.columns:
            keep &= frame["location_known"].fillna(True).astype(bool).to_numpy()
        geoms = layer_geometries(frame[keep], grid.crs)
        if len(geoms):
            xy = _xy(geoms)
            counts += grid.count_points(xy[:, 0], xy[:, 1])
    return counts > 0


def _xy(geoms: np.ndarray) -> np.ndarray:
    pts = shapely.point_on_surface(geoms)
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def _negative_mask(
    grid: Grid, layers: Mapping[str, pd.DataFrame], start: date | None, end: date | None
) -> np.ndarray:
    parts = []
    act = layers.get("activities")
    if act is not None and not act.empty and "activity_kind" in act.columns:
        when = act["ended_on"].fillna(act["started_on"]) if "ended_on" in act.columns else act["started_on"]
        cancelled = pd.to_numeric(act.get("cancelled_m2", pd.Series(0.0, index=act.index)), errors="coerce")
        processed = act["activity_kind"].isin(NEGATIVE_ACTIVITY_KINDS) | (
            (act["activity_kind"] == "NTS") & (cancelled.fillna(0) > 0)
        )
        parts.append(layer_geometries(act[processed.to_numpy() & _in_window(when, start, end)], grid.crs))
    ha = layers.get("hazardous_areas")
    if ha is not None and not ha.empty and "released_on" in ha.columns:
        parts.append(layer_geometries(ha[_in_window(ha["released_on"], start, end)], grid.crs))
    geoms = [p for p in parts if len(p)]
    if not geoms:
        return np.zeros(grid.shape, dtype=bool)
    # Only cells whose centre lies inside processed land: a boundary cell was not wholly processed.
    return _centres_inside(grid, np.concatenate(geoms))


def _centres_inside(grid: Grid, geoms: np.ndarray) -> np.ndarray:
    mask = np.zeros(grid.shape, dtype=bool)
    polys = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
    if len(polys):
        inside = grid.rasterize(polys) > 0
        # rasterize also marks boundary cells; keep those whose centre is inside
        xs, ys = grid.centres()
        union = shapely.union_all(polys)
        shapely.prepare(union)
        rows, cols = np.nonzero(inside)
        mask[rows, cols] = shapely.contains_xy(union, xs[rows, cols], ys[rows, cols])
    return mask


def reland_labels(
    grid: Grid, layers: Mapping[str, pd.DataFrame], *, start: date | None = None, end: date | None = None
) -> np.ndarray:
    """Label of every cell (int8 array of the grid's shape) from results dated in ``[start, end)``.

    Parameters
    ----------
    grid : Grid
        Cells in a metric CRS.
    layers : mapping of kind to frame
        ``finds``, ``accidents``, ``activities`` and ``hazardous_areas`` frames (schema columns, WGS84).
    start, end : date, optional
        Window of the results used (finds by ``found_on``, accidents by ``occurred_on``, activities by
        ``ended_on`` or else ``started_on``, hazardous areas by ``released_on``); open when None.
    """
    labels = np.full(grid.shape, -1, dtype=np.int8)
    labels[_negative_mask(grid, layers, start, end)] = 0
    labels[_positive_mask(grid, layers, start, end)] = 1
    return labels


def truth_counts(grid: Grid, mines: pd.DataFrame) -> np.ndarray:
    """True mines per cell (simulated data only): point geometries in WGS84 counted on ``grid``."""
    geoms = layer_geometries(mines, grid.crs)
    if not len(geoms):
        return np.zeros(grid.shape)
    xy = _xy(geoms)
    return grid.count_points(xy[:, 0], xy[:, 1])


def event_dates(layers: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Dates of every find and accident, sorted (for choosing cut-off and split dates)."""
    parts = []
    for kind, field in (("finds", "found_on"), ("accidents", "occurred_on")):
        frame = layers.get(kind)
        if frame is not None and not frame.empty and field in frame.columns:
            parts.append(pd.to_datetime(frame[field], errors="coerce"))
    if not parts:
        return pd.Series([], dtype="datetime64[ns]")
    return pd.concat(parts).dropna().sort_values(ignore_index=True)
