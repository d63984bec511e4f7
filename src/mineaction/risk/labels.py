"""Cell labels as RELand defines them: 1 contaminated, 0 processed with nothing found, -1 unknown.

A cell is **1** where a find or an accident (with a known location) lies in it; **0** where survey or
clearance processed it (clearance, technical survey, battle-area clearance, non-technical survey that
cancelled land, or a hazardous area released) and nothing was found; **-1** everywhere else. Unknown cells
are never used as negatives. A time window keeps labels apart from the features made before the cut-off.

A store of events alone (a national register of accidents and finds, with no survey or clearance results)
has no known negatives, and RELand labels cannot train a model. ``Background`` then labels a random sample
of the scored cells far from every known event as 0 (**presence-background** labels, as species-distribution
models do without absence data): the model then ranks cells by how much they resemble event cells, and its
validation figures measure the separation of event cells from that background, not from land proven clear
(they are optimistic, since the background was chosen far from every event). Results say which basis was
used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import shapely

from mineaction.risk.features import layer_geometries
from mineaction.risk.grid import Grid

__all__ = [
    "MIN_KNOWN_NEGATIVES",
    "NEGATIVE_ACTIVITY_KINDS",
    "Background",
    "background_cells",
    "event_dates",
    "reland_labels",
    "truth_counts",
]

NEGATIVE_ACTIVITY_KINDS = ("clearance", "TS", "BAC")
#: Fewer known negatives (processed land, label 0) than this among the scored cells: background labels.
MIN_KNOWN_NEGATIVES = 30


@dataclass(frozen=True)
class Background:
    """How background cells are drawn where a store holds fewer than ``MIN_KNOWN_NEGATIVES`` known
    negatives: cells at least ``gap_m`` m from every find and accident (of any date), ``ratio`` of them per
    positive cell (all of them when fewer), drawn with ``seed``. ``ratio`` 0 draws none."""

    gap_m: float = 2000.0
    ratio: float = 3.0
    seed: int = 0


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


def background_cells(
    grid: Grid, layers: Mapping[str, pd.DataFrame], labels: np.ndarray, rows: np.ndarray, rule: Background
) -> np.ndarray:
    """Flat (row-major) indices of the background cells among the scored ``rows``: none when the rows hold
    ``MIN_KNOWN_NEGATIVES`` known negatives or more, or no positive, or ``rule.ratio`` is 0.

    Parameters
    ----------
    labels : ndarray
        The RELand labels of the grid (its shape), from which the positives and known negatives are counted.
    rows : ndarray
        Flat indices of the scored cells.
    """
    from scipy.spatial import cKDTree

    scored = labels.ravel()[rows]
    n_positive = int((scored == 1).sum())
    if rule.ratio <= 0 or n_positive == 0 or int((scored == 0).sum()) >= MIN_KNOWN_NEGATIVES:
        return np.array([], dtype=np.int64)
    ever = np.flatnonzero(_positive_mask(grid, layers, None, None).ravel())  # events of every date
    xs, ys = grid.centres_of(ever)
    unknown = rows[scored == -1]
    ux, uy = grid.centres_of(unknown)
    distance, _ = cKDTree(np.column_stack([xs, ys])).query(
        np.column_stack([ux, uy]), distance_upper_bound=rule.gap_m
    )
    far = unknown[~np.isfinite(distance)]
    wanted = int(np.ceil(rule.ratio * n_positive))
    if len(far) > wanted:
        far = np.random.default_rng(rule.seed).choice(far, size=wanted, replace=False)
    return np.sort(far).astype(np.int64)


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
