"""Grid features as whole arrays: distance transforms of burnt-in layers, densities, terrain, land cover.

Every distance is ``scipy.ndimage.distance_transform_edt`` of a rasterised layer (cell-centre distance, m),
not a nearest join per cell. Densities of past finds and accidents count only events dated **before** the
cut-off, so no label leaks into a feature. A layer that is absent gives no feature (the column is left out,
not filled with a made-up value); the model remembers the features it was trained on.

Input frames carry the domain schema's columns (``mineaction.domain.schema``) with geometries in WGS84; they
are projected to the grid's metric CRS here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from mineaction.domain.schema import entity
from mineaction.errors import InputError
from mineaction.risk.grid import Grid

__all__ = [
    "DISTANCE_CAP_M",
    "FEATURE_HELP",
    "FeatureStack",
    "compute_features",
    "dated_before",
    "distance_to",
    "layer_geometries",
    "open_hazard_mask",
    "open_hazards",
]

#: Distances are exact (to a cell) up to this far, m; farther ones read this value.
DISTANCE_CAP_M = 10_000.0

FEATURE_HELP = {
    "dist_front_line_m": "distance to the former front line, m",
    "dist_road_m": "distance to the nearest road, m",
    "dist_settlement_m": "distance to the nearest settlement, m",
    "dist_water_m": "distance to the nearest river, water body or water asset, m",
    "dist_record_m": "distance to the nearest minefield record known at the cut-off, m",
    "record_weight": "reliability weight of the minefield record covering the cell (0 when none), 0 to 1",
    "dist_hazardous_area_m": "distance to the nearest hazardous area open at the cut-off, m",
    "past_event_density": "finds and accidents before the cut-off, Gaussian density, events per km2",
    "elevation_m": "elevation from the DEM, m",
    "slope_deg": "slope from the DEM, degrees",
    "land_cover": "land-cover class code (see the model's land_cover_codes)",
    "population_density": "people planned to return, Gaussian density, people per km2",
}


@dataclass(frozen=True)
class FeatureStack:
    """Feature arrays (float32, the grid's shape) by name, on one grid."""

    grid: Grid
    arrays: Mapping[str, np.ndarray]
    land_cover_codes: Mapping[str, int]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.arrays)

    def to_frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """One row per cell (row-major, or only the flat indices ``rows``), one column per feature."""
        cols = {n: (a.ravel() if rows is None else a.ravel()[rows]) for n, a in self.arrays.items()}
        return pd.DataFrame(cols, copy=False)


def dated_before(frame: pd.DataFrame, kind: str, cutoff: date | None) -> pd.DataFrame:
    """Rows of ``frame`` whose event date (the schema's ``date_field``) is before ``cutoff``; undated rows
    are kept (they count as known). All rows when ``cutoff`` is None."""
    field = entity(kind).date_field
    if cutoff is None or field is None or field not in frame.columns or frame.empty:
        return frame
    when = pd.to_datetime(frame[field], errors="coerce")
    return frame[when.isna() | (when < pd.Timestamp(cutoff))]


def layer_geometries(frame: pd.DataFrame | None, crs: str, **equal: Any) -> np.ndarray:
    """Geometries (projected to ``crs``) of the rows of ``frame`` whose columns equal the given values
    (a value may be a tuple of accepted values); an empty array when there are none."""
    if frame is None or len(frame) == 0 or "geometry" not in frame.columns:
        return np.array([], dtype=object)
    keep = np.ones(len(frame), dtype=bool)
    for column, accepted in equal.items():
        if column not in frame.columns:
            return np.array([], dtype=object)
        accepted = accepted if isinstance(accepted, tuple) else (accepted,)
        keep &= frame[column].isin(accepted).to_numpy()
    gs = gpd.GeoSeries(frame.loc[keep, "geometry"].to_numpy(), crs=getattr(frame, "crs", None) or "EPSG:4326")
    gs = gs[~(gs.isna() | gs.is_empty)]
    return np.asarray(gs.to_crs(crs).values, dtype=object) if len(gs) else np.array([], dtype=object)


def distance_to(grid: Grid, geoms: np.ndarray, *, cap_m: float = DISTANCE_CAP_M) -> np.ndarray | None:
    """Distance (m, float32, grid shape) from every cell centre to the nearest of ``geoms`` (grid CRS),
    capped at ``cap_m``.

    A Euclidean distance transform on the grid padded by ``cap_m``, so geometries outside the grid count:
    any geometry within ``cap_m`` of a cell lies in the padded grid, so distances up to the cap are right
    (to a cell); beyond it they read ``cap_m`` ("that far or farther"). None when there is no geometry.
    """
    if not len(geoms):
        return None
    pad = int(np.ceil(cap_m / grid.cell_m))
    rows, cols = grid.shape
    padded = Grid(
        grid.west - pad * grid.cell_m,
        grid.north + pad * grid.cell_m,
        grid.cell_m,
        (rows + 2 * pad, cols + 2 * pad),
        grid.crs,
    )
    mask = padded.rasterize(geoms) > 0
    if not mask.any():
        return np.full(grid.shape, cap_m, dtype=np.float32)
    dist = ndimage.distance_transform_edt(~mask, sampling=grid.cell_m)[pad : pad + rows, pad : pad + cols]
    return np.minimum(dist, cap_m).astype(np.float32)


def _density_per_km2(grid: Grid, counts: np.ndarray, sigma_m: float) -> np.ndarray:
    """Gaussian density of ``counts`` per km2. A wide kernel is run on cells ``k`` times coarser (at least
    four coarse cells per sigma) and interpolated back bilinearly: the same smooth surface, 1/k2 the cost."""
    sigma = max(sigma_m / grid.cell_m, 0.5)
    k = int(sigma // 4)
    if k < 2:
        smooth = ndimage.gaussian_filter(
            counts.astype(np.float32), sigma=sigma, mode="constant", truncate=3.0
        )
        return (smooth / (grid.cell_area_m2 / 1e6)).astype(np.float32)
    rows, cols = counts.shape
    padded = np.pad(counts.astype(np.float32), ((0, -rows % k), (0, -cols % k)))
    coarse = padded.reshape(padded.shape[0] // k, k, padded.shape[1] // k, k).sum(axis=(1, 3))
    smooth = ndimage.gaussian_filter(coarse, sigma=sigma / k, mode="constant", truncate=3.0)
    fine = _upsample(_upsample(smooth, k, rows, axis=0), k, cols, axis=1)
    return (fine / (k * k * grid.cell_area_m2 / 1e6)).astype(np.float32)


def _upsample(coarse: np.ndarray, k: int, n: int, *, axis: int) -> np.ndarray:
    """Linear interpolation of block-centred ``coarse`` values at ``n`` fine cell centres along ``axis``."""
    pos = (np.arange(n) + 0.5) / k - 0.5
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, coarse.shape[axis] - 1)
    i1 = np.minimum(i0 + 1, coarse.shape[axis] - 1)
    w = np.clip(pos - i0, 0.0, 1.0).astype(np.float32)
    shape = [1, 1]
    shape[axis] = n
    w = w.reshape(shape)
    return np.take(coarse, i0, axis=axis) * (1 - w) + np.take(coarse, i1, axis=axis) * w


def _points_xy(frame: pd.DataFrame | None, crs: str) -> tuple[np.ndarray, np.ndarray]:
    geoms = layer_geometries(frame, crs)
    if not len(geoms):
        return np.array([]), np.array([])
    pts = gpd.GeoSeries(geoms).representative_point()
    return pts.x.to_numpy(), pts.y.to_numpy()


def _distance_features(grid: Grid, layers: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray | None]:
    ctx, assets, crs = layers.get("context_layers"), layers.get("assets"), grid.crs

    def near(*parts: np.ndarray) -> np.ndarray | None:
        found = [p for p in parts if len(p)]
        return distance_to(grid, np.concatenate(found)) if found else None

    return {
        "dist_front_line_m": near(layer_geometries(ctx, crs, layer_kind="front_line")),
        "dist_road_m": near(
            layer_geometries(ctx, crs, layer_kind="road"), layer_geometries(assets, crs, asset_kind="road")
        ),
        "dist_settlement_m": near(layer_geometries(assets, crs, asset_kind="settlement")),
        "dist_water_m": near(
            layer_geometries(ctx, crs, layer_kind=("river", "water")),
            layer_geometries(assets, crs, asset_kind="water"),
        ),
    }


def _record_features(
    grid: Grid, records: pd.DataFrame | None, record_weights: Mapping[str, float] | None
) -> dict[str, np.ndarray | None]:
    geoms = layer_geometries(records, grid.crs)
    if records is None or not len(geoms):
        return {}
    has_geom = ~(records.geometry.isna() | records.geometry.is_empty).to_numpy()
    ids = records["id"].to_numpy()[has_geom] if "id" in records.columns else np.array([None] * len(geoms))
    weights: np.ndarray
    if record_weights is None:
        weights = np.ones(len(ids))
    else:
        # Records the reliability measure has not reached yet take the mean of those it has.
        given = pd.Series(record_weights, dtype=float)
        weights = pd.Series(ids).map(given).fillna(given.mean() if len(given) else 1.0).to_numpy(float)
    if np.any((weights < 0) | (weights > 1)):
        raise InputError("record weights must lie between 0 and 1 (a measured reliability); rescale them")
    weight = grid.rasterize(geoms, values=weights, reduce="max")
    return {
        "dist_record_m": distance_to(grid, geoms),
        "record_weight": weight.astype(np.float32),
    }


def open_hazards(hazardous_areas: pd.DataFrame | None, cutoff: date | None) -> pd.DataFrame | None:
    """Hazardous areas known and not released at ``cutoff`` (the open ones when None)."""
    if hazardous_areas is None or hazardous_areas.empty:
        return hazardous_areas
    ha = dated_before(hazardous_areas, "hazardous_areas", cutoff)
    if cutoff is None:
        return ha[ha["status"] != "released"] if "status" in ha.columns else ha
    if "released_on" in ha.columns:
        released = pd.to_datetime(ha["released_on"], errors="coerce")
        ha = ha[released.isna() | (released >= pd.Timestamp(cutoff))]
    return ha


def open_hazard_mask(grid: Grid, hazardous_areas: pd.DataFrame | None, cutoff: date | None) -> np.ndarray:
    """Cells inside or touched by hazardous areas known and not released at ``cutoff`` (all open ones
    when None)."""
    geoms = layer_geometries(open_hazards(hazardous_areas, cutoff), grid.crs)
    return grid.rasterize(geoms) > 0 if len(geoms) else np.zeros(grid.shape, dtype=bool)


def _terrain(grid: Grid, dem: np.ndarray | None) -> dict[str, np.ndarray | None]:
    if dem is None:
        return {}
    dem = np.asarray(dem, dtype=np.float32)
    if dem.shape != grid.shape:
        raise InputError(
            f"DEM array has shape {dem.shape}, the grid {grid.shape}; resample the DEM to the grid"
        )
    gy, gx = np.gradient(dem, grid.cell_m)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    return {"elevation_m": dem, "slope_deg": slope.astype(np.float32)}


def _land_cover(grid: Grid, ctx: pd.DataFrame | None) -> tuple[np.ndarray | None, dict[str, int]]:
    if ctx is None or ctx.empty or "layer_kind" not in ctx.columns:
        return None, {}
    lc = (
        ctx[(ctx["layer_kind"] == "land_cover") & ctx["value"].notna()] if "value" in ctx.columns else ctx[:0]
    )
    if lc.empty:
        return None, {}
    codes = {v: i + 1 for i, v in enumerate(sorted(lc["value"].astype(str).unique()))}
    values = lc["value"].astype(str).map(codes).to_numpy(float)
    has = ~(lc.geometry.isna() | lc.geometry.is_empty).to_numpy()
    geoms = layer_geometries(lc, grid.crs)
    return grid.rasterize(geoms, values=values[has], reduce="max").astype(np.float32), codes


def _population(grid: Grid, assets: pd.DataFrame | None, sigma_m: float) -> np.ndarray | None:
    if assets is None or assets.empty or "people_planned" not in assets.columns:
        return None
    people = pd.to_numeric(assets["people_planned"], errors="coerce").fillna(0.0)
    sel = assets[(people > 0).to_numpy()]
    if sel.empty:
        return None
    x, y = _points_xy(sel, grid.crs)
    counts = grid.count_points(x, y, weights=people[(people > 0).to_numpy()].to_numpy())
    return _density_per_km2(grid, counts, sigma_m)


def compute_features(
    grid: Grid,
    layers: Mapping[str, pd.DataFrame],
    *,
    cutoff: date | None = None,
    record_weights: Mapping[str, float] | None = None,
    dem: np.ndarray | None = None,
    density_sigma_m: float = 1000.0,
) -> FeatureStack:
    """Every feature the layers allow, as arrays on ``grid``.

    Parameters
    ----------
    grid : Grid
        Cells in a metric CRS.
    layers : mapping of kind to frame
        Frames with the domain schema's columns (``context_layers``, ``assets``, ``minefield_records``,
        ``hazardous_areas``, ``finds``, ``accidents``), geometries in WGS84.
    cutoff : date, optional
        Only what was known before this date is used (records received, hazards open, events for the
        densities); everything when None (for predicting today's surface).
    record_weights : mapping of record id to weight, optional
        Measured reliability of each minefield record, 0 to 1 (records missing from it take the mean
        weight); every record weighs 1 when omitted.
    dem : array, optional
        Elevation, m, already resampled to ``grid`` (same shape).
    density_sigma_m : float
        Gaussian kernel of the densities, m.
    """
    arrays: dict[str, np.ndarray | None] = {}
    arrays.update(_distance_features(grid, layers))
    records = layers.get("minefield_records")
    arrays.update(
        _record_features(
            grid,
            None if records is None else dated_before(records, "minefield_records", cutoff),
            record_weights,
        )
    )
    hazards = layer_geometries(open_hazards(layers.get("hazardous_areas"), cutoff), grid.crs)
    arrays["dist_hazardous_area_m"] = distance_to(grid, hazards)
    counts = np.zeros(grid.shape)
    for kind in ("finds", "accidents"):
        x, y = _points_xy(dated_before(layers.get(kind, pd.DataFrame()), kind, cutoff), grid.crs)
        counts += grid.count_points(x, y)
    # Always present: "no event known before the cut-off" is a true zero, not a made-up value.
    arrays["past_event_density"] = _density_per_km2(grid, counts, density_sigma_m)
    arrays.update(_terrain(grid, dem))
    arrays["land_cover"], codes = _land_cover(grid, layers.get("context_layers"))
    arrays["population_density"] = _population(grid, layers.get("assets"), density_sigma_m)
    kept = {k: v for k, v in arrays.items() if v is not None}
    return FeatureStack(grid, kept, codes)
