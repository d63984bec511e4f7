"""Candidate new suspected hazardous areas: connected high-risk cells outside the hazardous areas known today.

Cells in the top share of the surface (or above a probability threshold) that no open hazardous area touches
are grouped into 8-connected patches (``scipy.ndimage.label``); each patch large enough becomes one polygon
(the union of its cells) with its evidence: highest and mean risk, area, and the finds and accidents recorded
within a distance of it. These are proposals for non-technical survey, not hazards: the evidence says why.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from mineaction.errors import ConfigError
from mineaction.risk.features import layer_geometries, open_hazard_mask, open_hazards
from mineaction.risk.grid import Grid

__all__ = ["CANDIDATE_COLUMNS", "find_candidates", "high_risk_mask"]

CANDIDATE_COLUMNS = (
    "candidate_id",
    "max_risk",
    "mean_risk",
    "area_m2",
    "cells",
    "nearby_events",
    "nearby_m",
    "evidence",
)


def high_risk_mask(
    surface: np.ndarray, *, top_share_pct: float | None = 5.0, threshold: float | None = None
) -> np.ndarray:
    """Cells whose risk is at least ``threshold``, or in the top ``top_share_pct`` % of the valid cells."""
    valid = np.isfinite(surface)
    if threshold is None:
        if top_share_pct is None or not 0 < top_share_pct <= 100:
            raise ConfigError(f"top share {top_share_pct} % must lie in (0, 100]; or give a threshold")
        threshold = float(np.quantile(surface[valid], 1 - top_share_pct / 100.0)) if valid.any() else np.inf
    return valid & (surface >= threshold) & (surface > 0)


def _event_counts(grid: Grid, layers: Mapping[str, pd.DataFrame]) -> np.ndarray:
    counts = np.zeros(grid.shape)
    for kind in ("finds", "accidents"):
        geoms = layer_geometries(layers.get(kind), grid.crs)
        if len(geoms):
            pts = shapely.point_on_surface(geoms)
            counts += grid.count_points(shapely.get_x(pts), shapely.get_y(pts))
    return counts


def _polygons(grid: Grid, patches: np.ndarray, ids: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(np.isin(patches, ids))
    x0 = grid.west + cols * grid.cell_m
    y1 = grid.north - rows * grid.cell_m
    boxes = shapely.box(x0, y1 - grid.cell_m, x0 + grid.cell_m, y1)
    frame = gpd.GeoDataFrame({"patch": patches[rows, cols]}, geometry=boxes, crs=grid.crs)
    merged = frame.dissolve(by="patch")
    return np.asarray(merged.geometry.reindex(ids).values, dtype=object)


def find_candidates(
    grid: Grid,
    surface: np.ndarray,
    layers: Mapping[str, pd.DataFrame],
    *,
    top_share_pct: float | None = 5.0,
    threshold: float | None = None,
    min_cells: int = 3,
    nearby_m: float = 500.0,
    max_candidates: int = 500,
) -> gpd.GeoDataFrame:
    """Candidate SHA polygons (WGS84) from a risk surface, strongest first.

    Parameters
    ----------
    grid : Grid
        The surface's grid.
    surface : array
        Probability of contamination per cell (NaN outside the area of interest).
    layers : mapping of kind to frame
        ``hazardous_areas`` (open ones are excluded), ``finds`` and ``accidents`` (evidence).
    top_share_pct, threshold
        High risk is the top ``top_share_pct`` % of the area, or a probability of at least ``threshold``.
    min_cells : int
        Smallest patch kept, cells.
    nearby_m : float
        Finds and accidents within this distance of a patch count as its evidence, m.
    max_candidates : int
        At most this many patches, by highest risk.
    """
    high = high_risk_mask(surface, top_share_pct=top_share_pct, threshold=threshold)
    high &= ~open_hazard_mask(grid, layers.get("hazardous_areas"), None)
    patches, n = ndimage.label(high, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in CANDIDATE_COLUMNS}, geometry=[], crs="EPSG:4326")
    index = np.arange(1, n + 1)
    cells = ndimage.sum_labels(np.ones_like(surface), patches, index)
    max_risk = ndimage.maximum(surface, patches, index)
    mean_risk = ndimage.mean(surface, patches, index)
    reach = int(np.ceil(nearby_m / grid.cell_m))
    grown = ndimage.grey_dilation(patches, size=(2 * reach + 1, 2 * reach + 1))
    events = ndimage.sum_labels(_event_counts(grid, layers), grown, index)
    table = pd.DataFrame(
        {
            "patch": index,
            "cells": cells.astype(int),
            "max_risk": max_risk,
            "mean_risk": mean_risk,
            "nearby_events": events.astype(int),
        }
    )
    table = table[table["cells"] >= min_cells].sort_values(["max_risk", "cells"], ascending=False)
    table = table.head(max_candidates).reset_index(drop=True)
    geoms = _polygons(grid, patches, table["patch"].to_numpy()) if len(table) else np.array([], dtype=object)
    table["area_m2"] = table["cells"] * grid.cell_area_m2
    table["candidate_id"] = [f"CAND-{i + 1:04d}" for i in range(len(table))]
    table["nearby_m"] = nearby_m
    table["evidence"] = [
        f"risk model: max {m:.2f}, mean {a:.2f} over {c} cells ({c * grid.cell_area_m2 / 1e4:.1f} ha); "
        f"{e} finds/accidents within {nearby_m:g} m"
        for m, a, c, e in zip(
            table["max_risk"], table["mean_risk"], table["cells"], table["nearby_events"], strict=True
        )
    ]
    # Cells only touched by a hazard's edge are already excluded; cut the last slivers at its exact edge.
    hazards = layer_geometries(open_hazards(layers.get("hazardous_areas"), None), grid.crs)
    if len(hazards) and len(geoms):
        geoms = shapely.difference(geoms, shapely.union_all(hazards))
    out = gpd.GeoDataFrame(table[list(CANDIDATE_COLUMNS)], geometry=list(geoms), crs=grid.crs)
    out["area_m2"] = out.geometry.area  # m2 in the metric CRS, after the cut at hazard edges
    return out.to_crs("EPSG:4326")
