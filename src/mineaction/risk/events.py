"""Features and labels of cells given as points, from a register of dated point events.

A national register of mine events (accidents, finds, demining, suspected-minefield reports, each with a
place and a year) is enough to build a risk table for any part of a country with no other layer: features
from the events up to a cut-off year, labels from the accidents after it. This is how the model is tested
on land and years it has never seen (docs/risk.md, "Colombia"). Coordinates are metric (x, y in metres of
one projected CRS); years are whole calendar years.

Region-relative features (:func:`relative_to_region`) replace a value by its quantile within the region
being predicted, for features whose level differs between regions (reporting intensity, road density)
while their ranking inside a region still carries the signal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from mineaction.errors import InputError

__all__ = ["event_features", "event_labels", "relative_to_region"]

_FAR_M = 100_000.0


def _check(xy: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(xy, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"{what} must be an (n, 2) array of metric x, y; got shape {arr.shape}")
    if arr.size and not np.isfinite(arr).all():
        raise InputError(f"{what} holds missing or infinite coordinates; drop or fix those rows")
    return arr


def _counts(tree: cKDTree | None, cells: np.ndarray, radius_m: float) -> np.ndarray:
    if tree is None:
        return np.zeros(len(cells))
    return np.asarray(tree.query_ball_point(cells, r=radius_m, return_length=True), dtype=float)


def _nearest(tree: cKDTree | None, cells: np.ndarray) -> np.ndarray:
    if tree is None:
        return np.full(len(cells), _FAR_M)
    dist, _ = tree.query(cells, k=1, distance_upper_bound=_FAR_M)
    return np.minimum(dist, _FAR_M)


def event_features(
    cells_xy: np.ndarray,
    events_xy: np.ndarray,
    years: Sequence[int] | np.ndarray,
    kinds: Sequence[str] | np.ndarray,
    *,
    cutoff_year: int,
    groups: Mapping[str, Sequence[str]],
    radii_m: Sequence[float] = (1000.0, 5000.0),
) -> pd.DataFrame:
    """Per-cell features from the events of years up to and including ``cutoff_year``.

    Parameters
    ----------
    cells_xy : array (n, 2)
        Cell centres, metric x, y (m).
    events_xy : array (m, 2)
        Event places in the same CRS (m).
    years : array of int
        Calendar year of every event.
    kinds : array of str
        Kind of every event (the register's own codes).
    cutoff_year : int
        Last year whose events are used (no later event is looked at).
    groups : mapping of str to sequence of str
        Named families of kinds, e.g. ``{"accident": ["1", "2"], "suspected": ["8"]}``; the family ``all``
        is every kind and need not be given.
    radii_m : sequence of float
        Radii of the event counts, m.

    Returns
    -------
    DataFrame
        One row per cell: ``{family}_within_{r}m`` (count of past events), ``dist_{family}_m`` (distance to
        the nearest past event of the family, m, capped at 100 km) and ``years_since_event`` (years from the
        last event within the largest radius to the cut-off; 100 without one).
    """
    cells = _check(cells_xy, "cells_xy")
    events = _check(events_xy, "events_xy")
    yr = np.asarray(years, dtype=np.int64)
    kd = np.asarray(kinds).astype(str)
    if not (len(events) == len(yr) == len(kd)):
        raise InputError(f"{len(events)} events but {len(yr)} years and {len(kd)} kinds; give one of each")
    past = yr <= cutoff_year
    families = {"all": None, **{k: [str(v) for v in vals] for k, vals in groups.items()}}
    out: dict[str, np.ndarray] = {}
    for family, members in families.items():
        sel = past if members is None else past & np.isin(kd, members)
        tree = cKDTree(events[sel]) if sel.any() else None
        for r in radii_m:
            out[f"{family}_within_{r:g}m"] = _counts(tree, cells, r)
        out[f"dist_{family}_m"] = _nearest(tree, cells)
    out["years_since_event"] = _years_since(cells, events[past], yr[past], cutoff_year, max(radii_m))
    return pd.DataFrame(out)


def _years_since(
    cells: np.ndarray, events: np.ndarray, years: np.ndarray, cutoff: int, radius: float
) -> np.ndarray:
    result = np.full(len(cells), 100.0)
    if not len(events):
        return result
    tree = cKDTree(events)
    for i, near in enumerate(tree.query_ball_point(cells, r=radius)):
        if near:
            result[i] = float(cutoff - years[near].max())
    return result


def event_labels(
    cells_xy: np.ndarray,
    events_xy: np.ndarray,
    *,
    max_distance_m: float,
) -> tuple[np.ndarray, int]:
    """Label 1 for each cell nearest to at least one event within ``max_distance_m`` of it, else 0.

    Each event labels one cell (its nearest), so overlapping cells never double-count. Returns the labels and
    the count of events farther than ``max_distance_m`` from every cell (outside the table's land).
    """
    cells = _check(cells_xy, "cells_xy")
    events = _check(events_xy, "events_xy")
    labels = np.zeros(len(cells), dtype=np.int64)
    if not len(events):
        return labels, 0
    dist, idx = cKDTree(cells).query(events, k=1)
    near = dist <= max_distance_m
    labels[np.unique(idx[near])] = 1
    return labels, int((~near).sum())


def relative_to_region(frame: pd.DataFrame, regions: Any, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``{column}_q``: each value's quantile (0-1, ties averaged) within its region.

    The quantile is taken over the cells of the region the cell belongs to, i.e. the region being predicted
    when a model is applied to new land; it uses no label.
    """
    keys = pd.Series(np.asarray(regions).astype(str), index=frame.index)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"no column(s) {', '.join(missing)} to make region-relative")
    ranked = frame[list(columns)].groupby(keys).rank(pct=True)
    return frame.assign(**{f"{c}_q": ranked[c].to_numpy() for c in columns})
