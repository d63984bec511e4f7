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

from mineaction.domain.schema import entity
from mineaction.errors import InputError
from mineaction.risk.grid import Grid
from mineaction.risk.window import (
    DISTANCE_CAP_M,
    DemSampler,
    Density,
    FeatureInputs,
    Window,
    density_of,
    window_distance,
    window_features,
    with_bounds,
)

__all__ = [
    "DISTANCE_CAP_M",
    "FEATURE_HELP",
    "FeatureStack",
    "compute_features",
    "dated_before",
    "distance_to",
    "feature_inputs",
    "layer_geometries",
    "open_hazard_mask",
    "open_hazards",
]

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
    """Feature arrays (float32) by name, on one grid: of the grid's shape, or, when ``cells`` (sorted flat
    row-major indices) is given, one value per cell of ``cells`` (the scored cells of a large grid)."""

    grid: Grid
    arrays: Mapping[str, np.ndarray]
    land_cover_codes: Mapping[str, int]
    cells: np.ndarray | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.arrays)

    def to_frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """One row per cell (row-major, or only the flat indices ``rows``, which a sparse stack must hold),
        one column per feature."""
        if self.cells is not None and rows is not None:
            rows = np.searchsorted(self.cells, rows)
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
    inputs = FeatureInputs(grid, {}, {}, {}, (), {}, cap_m=cap_m)
    return window_distance(inputs, Window.whole(grid), *with_bounds(geoms))


def _points_xy(frame: pd.DataFrame | None, crs: str) -> tuple[np.ndarray, np.ndarray]:
    geoms = layer_geometries(frame, crs)
    if not len(geoms):
        return np.array([]), np.array([])
    pts = gpd.GeoSeries(geoms).representative_point()
    return pts.x.to_numpy(), pts.y.to_numpy()


def _distance_layers(grid: Grid, layers: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    ctx, assets, crs = layers.get("context_layers"), layers.get("assets"), grid.crs

    def joined(*parts: np.ndarray) -> np.ndarray:
        return np.concatenate([p for p in parts if len(p)] or [np.array([], dtype=object)])

    return {
        "dist_front_line_m": layer_geometries(ctx, crs, layer_kind="front_line"),
        "dist_road_m": joined(
            layer_geometries(ctx, crs, layer_kind="road"), layer_geometries(assets, crs, asset_kind="road")
        ),
        "dist_settlement_m": layer_geometries(assets, crs, asset_kind="settlement"),
        "dist_water_m": joined(
            layer_geometries(ctx, crs, layer_kind=("river", "water")),
            layer_geometries(assets, crs, asset_kind="water"),
        ),
    }


def _record_layers(
    grid: Grid, records: pd.DataFrame | None, record_weights: Mapping[str, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Geometries of the minefield records (grid CRS) and their reliability weights (0-1)."""
    geoms = layer_geometries(records, grid.crs)
    if records is None or not len(geoms):
        return geoms, np.zeros(0)
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
    return geoms, weights


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


def _land_cover(grid: Grid, ctx: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Land-cover polygons (grid CRS), their class codes and the codes by class name."""
    none: tuple[np.ndarray, np.ndarray, dict[str, int]] = (np.array([], dtype=object), np.zeros(0), {})
    if ctx is None or ctx.empty or "layer_kind" not in ctx.columns:
        return none
    lc = (
        ctx[(ctx["layer_kind"] == "land_cover") & ctx["value"].notna()] if "value" in ctx.columns else ctx[:0]
    )
    if lc.empty:
        return none
    codes = {v: i + 1 for i, v in enumerate(sorted(lc["value"].astype(str).unique()))}
    values = lc["value"].astype(str).map(codes).to_numpy(float)
    has = ~(lc.geometry.isna() | lc.geometry.is_empty).to_numpy()
    return layer_geometries(lc, grid.crs), values[has], codes


def _population(grid: Grid, assets: pd.DataFrame | None, sigma_m: float) -> Density | None:
    if assets is None or assets.empty or "people_planned" not in assets.columns:
        return None
    people = pd.to_numeric(assets["people_planned"], errors="coerce").fillna(0.0)
    sel = assets[(people > 0).to_numpy()]
    if sel.empty:
        return None
    x, y = _points_xy(sel, grid.crs)
    return density_of(grid, x, y, people[(people > 0).to_numpy()].to_numpy(), sigma_m)


def _past_events(
    grid: Grid, layers: Mapping[str, pd.DataFrame], cutoff: date | None, sigma_m: float
) -> Density:
    xs, ys = [], []
    for kind in ("finds", "accidents"):
        x, y = _points_xy(dated_before(layers.get(kind, pd.DataFrame()), kind, cutoff), grid.crs)
        xs.append(x)
        ys.append(y)
    return density_of(grid, np.concatenate(xs), np.concatenate(ys), None, sigma_m)


def feature_inputs(
    grid: Grid,
    layers: Mapping[str, pd.DataFrame],
    *,
    cutoff: date | None = None,
    record_weights: Mapping[str, float] | None = None,
    dem: DemSampler | np.ndarray | None = None,
    density_sigma_m: float = 1000.0,
) -> FeatureInputs:
    """What every window of ``grid`` needs to compute its features (parameters as ``compute_features``):
    the layers projected and sorted by feature, weights, codes, and the densities smoothed once."""
    distances = {k: v for k, v in _distance_layers(grid, layers).items() if len(v)}
    records = layers.get("minefield_records")
    records = None if records is None else dated_before(records, "minefield_records", cutoff)
    record_geoms, weights = _record_layers(grid, records, record_weights)
    weighted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if len(record_geoms):
        distances["dist_record_m"] = record_geoms
        weighted["record_weight"] = (record_geoms, weights)
    hazards = layer_geometries(open_hazards(layers.get("hazardous_areas"), cutoff), grid.crs)
    if len(hazards):
        distances["dist_hazardous_area_m"] = hazards
    # Always present: "no event known before the cut-off" is a true zero, not a made-up value.
    densities = {"past_event_density": _past_events(grid, layers, cutoff, density_sigma_m)}
    cover_geoms, cover_values, codes = _land_cover(grid, layers.get("context_layers"))
    if len(cover_geoms):
        weighted["land_cover"] = (cover_geoms, cover_values)
    people = _population(grid, layers.get("assets"), density_sigma_m)
    if people is not None:
        densities["population_density"] = people
    present = {*distances, *weighted, *densities, *(() if dem is None else ("elevation_m", "slope_deg"))}
    return FeatureInputs(
        grid=grid,
        distances={k: with_bounds(v) for k, v in distances.items()},
        weighted=weighted,
        densities=densities,
        order=tuple(name for name in FEATURE_HELP if name in present),
        land_cover_codes=codes,
        dem=dem,
    )


def compute_features(
    grid: Grid,
    layers: Mapping[str, pd.DataFrame],
    *,
    cutoff: date | None = None,
    record_weights: Mapping[str, float] | None = None,
    dem: DemSampler | np.ndarray | None = None,
    density_sigma_m: float = 1000.0,
) -> FeatureStack:
    """Every feature the layers allow, as arrays on ``grid`` (the whole grid as one window).

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
    dem : array or callable, optional
        Elevation, m: an array already resampled to ``grid`` (same shape), or a function giving it on any
        grid (``mineaction.io.DemSource.sample``).
    density_sigma_m : float
        Gaussian kernel of the densities, m.
    """
    inputs = feature_inputs(
        grid, layers, cutoff=cutoff, record_weights=record_weights, dem=dem, density_sigma_m=density_sigma_m
    )
    return FeatureStack(grid, window_features(inputs, Window.whole(grid)), inputs.land_cover_codes)
