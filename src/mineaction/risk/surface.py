"""From a store's frames to a risk surface: grid, features, labels, fit, predict and grid-mode evaluation.

The cut-off date splits time: features use only what was known before it (records received, hazards open,
past events), labels use only results from it onwards. Predicting today's surface uses everything known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from mineaction.errors import InputError
from mineaction.risk.cover import cell_mask
from mineaction.risk.engine import GridPlan, gather_features
from mineaction.risk.features import FeatureStack, compute_features, feature_inputs, layer_geometries
from mineaction.risk.grid import Grid, grid_from_bounds
from mineaction.risk.labels import Background, background_cells, event_dates, reland_labels
from mineaction.risk.model import RiskModel
from mineaction.risk.validation import (
    block_folds,
    block_ids,
    compare_schemes,
    coordinate_regions,
    shuffled_folds,
)
from mineaction.risk.window import DemSampler

__all__ = [
    "CellData",
    "aoi_mask",
    "default_cutoff",
    "evaluate_layers",
    "grid_for_layers",
    "predict_surface",
    "prepare_cells",
]

GEOMETRY_KINDS = (
    "context_layers",
    "assets",
    "minefield_records",
    "hazardous_areas",
    "finds",
    "accidents",
    "activities",
)


@dataclass(frozen=True)
class CellData:
    """Features and labels on one grid, with the cut-off that separates them."""

    stack: FeatureStack
    labels: np.ndarray
    mask: np.ndarray | None
    cutoff: date | None
    background: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    @property
    def label_basis(self) -> str:
        """``processed land`` (RELand labels) or ``presence-background`` (``mineaction.risk.labels``)."""
        return "presence-background" if len(self.background) else "processed land"

    @property
    def grid(self) -> Grid:
        return self.stack.grid

    @property
    def rows(self) -> np.ndarray:
        """Flat (row-major) indices of the scored cells: inside the area of interest, near evidence."""
        if self.stack.cells is not None:
            return self.stack.cells
        assert self.mask is not None
        return np.flatnonzero(self.mask.ravel())

    def frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        """Features of the scored cells, and their labels (flat, row-major)."""
        rows = self.rows
        return self.stack.to_frame(rows), self.labels.ravel()[rows].astype(np.int64)


def grid_for_layers(
    layers: Mapping[str, pd.DataFrame],
    *,
    cell_m: float = 100.0,
    crs: str = "EPSG:32638",
    pad_m: float = 1000.0,
) -> Grid:
    """A grid over the area of interest (``context_layers`` of kind ``area_of_interest``), else over every
    geometry in the layers, padded by ``pad_m`` m."""
    aoi = layer_geometries(layers.get("context_layers"), crs, layer_kind="area_of_interest")
    geoms = (
        aoi
        if len(aoi)
        else np.concatenate(
            [layer_geometries(layers.get(k), crs) for k in GEOMETRY_KINDS] + [np.array([], dtype=object)]
        )
    )
    if not len(geoms):
        raise InputError(
            "the store holds no geometry to lay a grid over; import an area of interest or layers"
        )
    import shapely

    west, south, east, north = shapely.total_bounds(geoms)
    pad = 0.0 if len(aoi) else pad_m
    return grid_from_bounds((west - pad, south - pad, east + pad, north + pad), cell_m, crs)


def aoi_mask(grid: Grid, layers: Mapping[str, pd.DataFrame]) -> np.ndarray:
    """Cells inside the area of interest; every cell when the layers define none."""
    aoi = layer_geometries(layers.get("context_layers"), grid.crs, layer_kind="area_of_interest")
    return grid.rasterize(aoi) > 0 if len(aoi) else np.ones(grid.shape, dtype=bool)


def _quantile_date(sorted_dates: pd.Series, share: float) -> date:
    """The date at ``share`` of a sorted series of dates (lower value, no interpolation)."""
    return pd.Timestamp(sorted_dates.iloc[int(share * (len(sorted_dates) - 1))]).date()


def default_cutoff(layers: Mapping[str, pd.DataFrame], *, share: float = 0.3) -> date | None:
    """The date before which ``share`` of the dated finds and accidents happened (None without any)."""
    dates = event_dates(layers)
    return None if dates.empty else _quantile_date(dates, share)


def prepare_cells(
    layers: Mapping[str, pd.DataFrame],
    *,
    grid: Grid | None = None,
    cell_m: float = 100.0,
    crs: str = "EPSG:32638",
    cutoff: date | None = None,
    record_weights: Mapping[str, float] | None = None,
    dem: DemSampler | np.ndarray | None = None,
    plan: GridPlan | None = None,
    background: Background | None = None,
) -> CellData:
    """Features known before ``cutoff`` and labels from ``cutoff`` on, on ``grid`` (laid over the layers
    with ``cell_m`` m cells when not given), for the cells inside the area of interest within reach of
    evidence and hazards. A ``plan`` with the Dask engine gathers only those cells' features, block by
    block, instead of whole-grid arrays. With too few known negatives, ``background`` (default
    ``Background()``) labels cells far from every event 0 (``CellData.label_basis`` says so)."""
    grid = plan.grid if plan is not None else (grid or grid_for_layers(layers, cell_m=cell_m, crs=crs))
    labels = reland_labels(grid, layers, start=cutoff)
    if plan is not None and plan.engine != "numpy":
        inputs = feature_inputs(grid, layers, cutoff=cutoff, record_weights=record_weights, dem=dem)
        cells = CellData(gather_features(inputs, plan), labels, None, cutoff)
    else:
        stack = compute_features(grid, layers, cutoff=cutoff, record_weights=record_weights, dem=dem)
        mask = plan.mask if plan is not None else cell_mask(grid, layers)
        cells = CellData(stack, labels, mask.whole(), cutoff)
    drawn = background_cells(grid, layers, labels, cells.rows, background or Background())
    if len(drawn):
        labels.ravel()[drawn] = 0  # reland_labels made this array for us alone
        cells = CellData(cells.stack, labels, cells.mask, cutoff, drawn)
    return cells


def predict_surface(
    model: RiskModel, stack: FeatureStack, *, mask: np.ndarray | None = None, chunk_cells: int = 1_000_000
) -> np.ndarray:
    """Calibrated probability of contamination of every cell (float32, grid shape; NaN outside ``mask``
    and, for a sparse stack, outside its cells), predicted in chunks to bound memory."""
    out = np.full(stack.grid.size, np.nan, dtype=np.float32)
    rows = np.flatnonzero(np.ones(stack.grid.size, bool) if mask is None else mask.ravel())
    if stack.cells is not None:
        rows = np.intersect1d(rows, stack.cells, assume_unique=True)
    for start in range(0, len(rows), chunk_cells):
        part = rows[start : start + chunk_cells]
        out[part] = model.predict_proba(stack.to_frame(part))[:, 1]
    return out.reshape(stack.grid.shape)


def evaluate_layers(
    layers: Mapping[str, pd.DataFrame],
    *,
    model: RiskModel | None = None,
    cell_m: float = 100.0,
    crs: str = "EPSG:32638",
    cutoff: date | None = None,
    split: date | None = None,
    block_m: float = 5000.0,
    folds: int = 5,
    record_weights: Mapping[str, float] | None = None,
    truth: pd.DataFrame | None = None,
    grid: Grid | None = None,
    dem: DemSampler | np.ndarray | None = None,
    plan: GridPlan | None = None,
    random_state: int = 0,
    background: Background | None = None,
) -> dict[str, Any]:
    """Shuffled, spatial-block, region and temporal validation side by side on a store's layers.

    The region scheme (the headline) holds out ``folds`` contiguous regions cut from the cell centres in
    turn; its figures carry the untuned reference models on the same folds. Intervals of ROC-AUC and capture
    resample whole ``block_m`` blocks.

    Parameters
    ----------
    cutoff : date, optional
        Features before it, labels from it (default: when 30 % of the finds and accidents had happened).
    split : date, optional
        Temporal split: train on results in ``[cutoff, split)``, test on those after (default: the median
        date of the results after the cut-off).
    block_m : float
        Side of the square blocks held out together in spatial validation, m.
    truth : frame, optional
        True mines (simulated data): adds the capture of all true mines.
    grid, dem : optional
        The grid (else laid over the layers with ``cell_m`` m cells) and a DEM resampled to it, m.
    plan : GridPlan, optional
        The engine and scored cells of the grid (``mineaction.risk.engine.plan_grid``).
    background : Background, optional
        Background labels where known negatives are too few (``prepare_cells``); the temporal scheme's
        labels get the same background cells.
    """
    from mineaction.risk.labels import truth_counts

    cutoff = cutoff or default_cutoff(layers)
    rule = Background(seed=random_state) if background is None else background
    cells = prepare_cells(
        layers,
        grid=grid,
        cell_m=cell_m,
        crs=crs,
        cutoff=cutoff,
        record_weights=record_weights,
        dem=dem,
        plan=plan,
        background=rule,
    )
    X, labels = cells.frame()
    grid, rows = cells.grid, cells.rows
    xs, ys = grid.centres_of(rows)
    after = event_dates(layers)
    after = after[after >= pd.Timestamp(cutoff)] if cutoff else after
    split = split or (_quantile_date(after, 0.5) if len(after) else None)
    temporal = None
    if split is not None:
        train = _with_background(reland_labels(grid, layers, start=cutoff, end=split), cells.background)[rows]
        test = _with_background(reland_labels(grid, layers, start=split), cells.background)[rows]
        temporal = (train.astype(np.int64), test.astype(np.int64), split.isoformat())
    true = None if truth is None else truth_counts(grid, truth).ravel()[rows]
    blocks = block_ids(xs, ys, block_m=block_m)
    result = compare_schemes(
        model or RiskModel(random_state=random_state),
        X,
        labels,
        folds={
            "shuffled": shuffled_folds(len(X), k=folds, random_state=random_state),
            "spatial": block_folds(xs, ys, block_m=block_m, k=folds, random_state=random_state),
            "region": coordinate_regions(xs, ys, k=folds),
        },
        temporal=temporal,
        truth=true,
        interval_groups={"spatial": blocks, "region": blocks, "temporal": blocks},
        random_state=random_state,
    )
    result.update(
        {
            "cutoff": None if cutoff is None else cutoff.isoformat(),
            "cell_m": grid.cell_m,
            "block_m": block_m,
            "grid": grid.to_dict(),
            "features": list(X.columns),
            "label_basis": cells.label_basis,
            "background_cells": len(cells.background),
            "background_gap_m": rule.gap_m if len(cells.background) else None,
        }
    )
    return result


def _with_background(labels: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Flat labels with the background cells (unknown in every window: far from every event) set to 0."""
    flat = labels.ravel()
    flat[background] = 0
    return flat
