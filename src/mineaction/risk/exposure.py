"""Expected casualties per hazardous area from the risk surface and the people who use the land.

Past accidents say where people were hurt; they say little about an area nobody has entered yet, and
nothing about where people will go when they return. Here the expected casualties of a hazardous area
are its **risk** (the mean probability of contamination over its cells, from the risk surface) times its
**exposure** (the people who will use the land), scaled so that all open areas together expect the
casualties a year the country has actually had:

    casualties_a_year(area) = total_a_year * risk(area) * exposure(area) / sum over areas of the same

Exposure counts the people planned to return to each settlement or asset (``people_planned``) within
``reach_m`` of the area, weighted by ``exp(-distance / decay_m)`` (people walk, farm and graze near home),
and multiplies by a land-use factor of the assets the area blocks or touches: farmland, water, roads and
cemeteries are entered daily, the rest less (``USE_FACTORS``). Areas with no one near still carry a small
floor of exposure (``floor_people``), since herders and scrap collectors go everywhere.

The result is a mapping ``{hazardous area id: casualties a year}`` that the planner takes as
``casualty_rate`` (``mineaction.plan.build_problem``): with the same areas and the same past accidents, a
different risk surface gives different expected casualties. Distances in the metric CRS given (m).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.errors import InputError
from mineaction.risk.grid import Grid

__all__ = ["USE_FACTORS", "area_risk", "expected_casualties", "land_exposure"]

#: How often people enter land of each asset kind, relative to a settlement's surroundings (design choice:
#: farmland, water, roads and cemeteries are where most accidents of the twin and of FACTS.md happen).
USE_FACTORS: dict[str, float] = {
    "farmland": 2.0,
    "water": 1.5,
    "road": 1.5,
    "cemetery": 1.5,
    "settlement": 1.0,
    "school": 1.0,
    "health_site": 1.0,
    "power_line": 0.5,
    "industrial": 0.5,
}


def area_risk(grid: Grid, surface: np.ndarray, areas_metric: gpd.GeoDataFrame) -> np.ndarray:
    """Mean risk (probability of contamination, 0-1) over the cells whose centres lie in each area.

    Areas smaller than a cell take the cell under their representative point; NaN cells (outside the area of
    interest) are ignored; an area with no scored cell gets the surface's median.
    """
    if surface.shape != grid.shape:
        raise InputError(f"surface shape {surface.shape} does not match the grid {grid.shape}")
    xs, ys = grid.centres()
    centres = shapely.points(xs.ravel(), ys.ravel())
    values = surface.ravel().astype(float)
    tree = shapely.STRtree(centres)
    geoms = areas_metric.geometry.to_numpy()
    area_idx, cell_idx = tree.query(geoms, predicate="contains")
    ok = np.isfinite(values[cell_idx])
    sums = np.bincount(area_idx[ok], weights=values[cell_idx][ok], minlength=len(geoms))
    counts = np.bincount(area_idx[ok], minlength=len(geoms))
    risk = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    for i in np.flatnonzero(counts == 0):
        risk[i] = _value_at(grid, values, shapely.point_on_surface(geoms[i]))
    fallback = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
    return np.where(np.isfinite(risk), risk, fallback)


def _value_at(grid: Grid, values: np.ndarray, point: shapely.Point) -> float:
    col, row = ~grid.transform @ (point.x, point.y)
    r, c = int(np.floor(row)), int(np.floor(col))
    if 0 <= r < grid.shape[0] and 0 <= c < grid.shape[1]:
        return float(values[r * grid.shape[1] + c])
    return float("nan")


def land_exposure(
    areas_metric: gpd.GeoDataFrame,
    assets_metric: gpd.GeoDataFrame,
    *,
    reach_m: float = 5000.0,
    decay_m: float = 1500.0,
    floor_people: float = 10.0,
) -> np.ndarray:
    """People who use each area's land: people planned within ``reach_m``, distance-weighted, times the
    land-use factor of the assets within 100 m of the area (the largest), plus ``floor_people``."""
    if reach_m <= 0 or decay_m <= 0:
        raise InputError(f"reach_m ({reach_m}) and decay_m ({decay_m}) must be positive, in metres")
    n = len(areas_metric)
    people: np.ndarray = np.zeros(n)
    use = np.ones(n)
    if len(assets_metric):
        geoms = areas_metric.geometry.to_numpy()
        planned = assets_metric.get("people_planned", pd.Series(0.0, index=assets_metric.index))
        pop = np.nan_to_num(pd.to_numeric(planned, errors="coerce").to_numpy(dtype=float))
        tree = shapely.STRtree(assets_metric.geometry.to_numpy())
        a_idx, s_idx = tree.query(geoms, predicate="dwithin", distance=reach_m)
        dist = shapely.distance(geoms[a_idx], assets_metric.geometry.to_numpy()[s_idx])
        people = np.bincount(a_idx, weights=pop[s_idx] * np.exp(-dist / decay_m), minlength=n)
        kinds = assets_metric.get("asset_kind", pd.Series("settlement", index=assets_metric.index))
        factor = kinds.map(USE_FACTORS).fillna(1.0).to_numpy(float)
        near = dist <= 100.0
        if near.any():
            best = pd.Series(factor[s_idx[near]]).groupby(a_idx[near]).max()
            use[best.index.to_numpy()] = best.to_numpy()
    return (people + floor_people) * use


def expected_casualties(
    grid: Grid,
    surface: np.ndarray,
    areas: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame | None,
    *,
    total_per_year: float,
    crs: str,
    reach_m: float = 5000.0,
    decay_m: float = 1500.0,
) -> Mapping[str, float]:
    """Expected casualties a year of each hazardous area from risk x exposure, summing to ``total_per_year``.

    Parameters
    ----------
    grid, surface : Grid and array
        The risk surface (probability 0-1 per cell, NaN outside the area of interest) on its grid.
    areas : GeoDataFrame
        Hazardous areas with ``id`` (EPSG:4326 or any CRS set on the frame).
    assets : GeoDataFrame or None
        Settlements and assets with ``people_planned`` and ``asset_kind``.
    total_per_year : float
        Casualties a year the areas together should expect (e.g. the mean since the ceasefire), people.
    crs : str
        Metric CRS of the grid (distances in m).
    reach_m, decay_m : float
        Exposure reach and distance decay, m (see :func:`land_exposure`).

    Returns
    -------
    dict
        Casualties a year (people) by hazardous-area id.
    """
    if "id" not in areas.columns:
        raise InputError("hazardous areas need an id column to key the expected casualties")
    if total_per_year < 0:
        raise InputError(f"total_per_year {total_per_year} must be zero or more (people a year)")
    areas_m = areas.to_crs(crs)
    assets_m = (
        assets.to_crs(crs) if assets is not None and len(assets) else gpd.GeoDataFrame(geometry=[], crs=crs)
    )
    weight = area_risk(grid, surface, areas_m) * land_exposure(
        areas_m, assets_m, reach_m=reach_m, decay_m=decay_m
    )
    total = weight.sum()
    rates = weight / total * total_per_year if total > 0 else np.zeros(len(weight))
    return dict(zip(areas["id"].astype(str), rates.astype(float), strict=True))
