"""Where a risk grid is computed and what it costs: the cover of evidence and hazards, and memory estimates.

A store's grid spans the bounding box of its area of interest (or of its records), but most of a country has
no evidence at all. The **cover** keeps the land within a reach of evidence and hazards (finds, accidents,
minefield records, survey and clearance, hazardous areas), judged on coarse cells of about 1 km, inside
the area-of-interest polygon when the store has one. Cells outside the cover get no features and no risk
(NaN), and blocks of the grid with no covered cell are never computed.

The **memory estimate** says, before anything is allocated, how many bytes the in-process engine (the whole
grid as arrays in one process) and one block of the Dask engine need, so a job can pick the engine and the
cell size that fit, or refuse with one line saying what would fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mineaction.risk.features import distance_to, layer_geometries
from mineaction.risk.grid import Grid
from mineaction.risk.window import DISTANCE_CAP_M, Window

__all__ = [
    "COVER_KINDS",
    "CellMask",
    "Cover",
    "block_bytes",
    "blocks_of",
    "cell_mask",
    "cover_of",
    "in_process_bytes",
]

#: The kinds of record whose neighbourhood the cover keeps: evidence and hazards.
COVER_KINDS = ("finds", "accidents", "minefield_records", "activities", "hazardous_areas")
_COVER_CELL_M = 1000.0  # side of the coarse cells the cover is judged on, m (at least one grid cell)
_BASE_BYTES = 400 * 2**20  # the interpreter, libraries and the layers, bytes
_PREDICT_ROWS = 1_000_000  # cells predicted at a time (``predict_surface``)


@dataclass(frozen=True)
class Cover:
    """Coarse cells (``step`` x ``step`` cells of ``grid``) within reach of evidence and hazards."""

    grid: Grid
    step: int
    coarse: np.ndarray  # bool, ceil(rows / step) x ceil(cols / step)
    reach_m: float

    def window(self, window: Window) -> np.ndarray:
        """Whether each cell of ``window`` is covered (bool, the window's shape)."""
        rows = (np.arange(window.row0, window.row0 + window.rows) // self.step)[:, None]
        cols = (np.arange(window.col0, window.col0 + window.cols) // self.step)[None, :]
        return self.coarse[rows, cols]

    def touches(self, window: Window) -> bool:
        """Whether any cell of ``window`` is covered."""
        r0, c0 = window.row0 // self.step, window.col0 // self.step
        r1 = (window.row0 + window.rows - 1) // self.step + 1
        c1 = (window.col0 + window.cols - 1) // self.step + 1
        return bool(self.coarse[r0:r1, c0:c1].any())

    @property
    def covered_cells(self) -> int:
        """Number of grid cells covered (coarse cells at the grid's edge counted as far as the grid goes)."""
        rows, cols = self.grid.shape
        heights = np.minimum(self.step, rows - np.arange(self.coarse.shape[0]) * self.step)
        widths = np.minimum(self.step, cols - np.arange(self.coarse.shape[1]) * self.step)
        return int((self.coarse * heights[:, None] * widths[None, :]).sum())


def cover_of(grid: Grid, layers: Mapping[str, pd.DataFrame], *, reach_m: float = DISTANCE_CAP_M) -> Cover:
    """The cells of ``grid`` within ``reach_m`` m of any finds, accidents, minefield records, activities or
    hazardous areas (every cell when the layers hold none of them)."""
    step = max(1, int(round(_COVER_CELL_M / grid.cell_m)))
    rows, cols = grid.shape
    coarse_grid = Grid(
        grid.west, grid.north, grid.cell_m * step, (-(-rows // step), -(-cols // step)), grid.crs
    )
    parts = [layer_geometries(layers.get(kind), grid.crs) for kind in COVER_KINDS]
    geoms = np.concatenate([p for p in parts if len(p)] or [np.array([], dtype=object)])
    if not len(geoms):
        return Cover(grid, step, np.ones(coarse_grid.shape, dtype=bool), reach_m)
    # a coarse cell is kept when some part of it may lie within reach: its centre within reach + half-diagonal
    slack = coarse_grid.cell_m * np.sqrt(0.5)
    dist = distance_to(coarse_grid, geoms, cap_m=reach_m + 2 * slack)
    assert dist is not None
    return Cover(grid, step, dist <= reach_m + slack, reach_m)


@dataclass(frozen=True)
class CellMask:
    """The cells a risk grid scores: inside the area-of-interest polygons (when there are any) and covered."""

    cover: Cover
    aoi: np.ndarray  # polygons of the area of interest, grid CRS (empty: no polygon)

    @property
    def grid(self) -> Grid:
        return self.cover.grid

    def window(self, window: Window) -> np.ndarray:
        """Whether each cell of ``window`` is scored (bool, the window's shape)."""
        mask = self.cover.window(window)
        if len(self.aoi) and mask.any():
            mask &= window.grid(self.grid).rasterize(self.aoi) > 0
        return mask

    def whole(self) -> np.ndarray:
        return self.window(Window.whole(self.grid))


def cell_mask(grid: Grid, layers: Mapping[str, pd.DataFrame], *, reach_m: float = DISTANCE_CAP_M) -> CellMask:
    """The scored cells of ``grid``: inside the area of interest (context layers of kind
    ``area_of_interest``, when there are any) and within ``reach_m`` m of evidence and hazards."""
    aoi = layer_geometries(layers.get("context_layers"), grid.crs, layer_kind="area_of_interest")
    return CellMask(cover_of(grid, layers, reach_m=reach_m), aoi)


def blocks_of(grid: Grid, block_cells: int) -> list[Window]:
    """The grid cut into square windows of ``block_cells`` cells a side (smaller at the east and south
    edges), row by row."""
    rows, cols = grid.shape
    return [
        Window(r, c, min(block_cells, rows - r), min(block_cells, cols - c))
        for r in range(0, rows, block_cells)
        for c in range(0, cols, block_cells)
    ]


def _padded_cells(rows: int, cols: int, cell_m: float, cap_m: float) -> int:
    pad = int(np.ceil(cap_m / cell_m))
    return (rows + 2 * pad) * (cols + 2 * pad)


def in_process_bytes(grid: Grid, *, n_features: int, scored_cells: int, cap_m: float = DISTANCE_CAP_M) -> int:
    """Estimated peak memory (bytes) of features and prediction for the whole grid in one process.

    Per cell: the float32 features, the surface and masks; per cell of the grid padded by the distance
    cap: one distance transform at a time (float64 layer, float64 distance, two int32 indices); per
    scored cell the features as a table for the model, a million at a time; plus the process itself.
    """
    rows, cols = grid.shape
    per_cell = 4 * n_features + 4 + 2 + 8
    transform = 24 * _padded_cells(rows, cols, grid.cell_m, cap_m)
    table = 8 * n_features * min(scored_cells, _PREDICT_ROWS)
    return _BASE_BYTES + per_cell * rows * cols + transform + table


def block_bytes(grid: Grid, block_cells: int, *, n_features: int, cap_m: float = DISTANCE_CAP_M) -> int:
    """Estimated peak memory (bytes) of one block of the Dask engine (without the process itself)."""
    side = min(block_cells, max(grid.shape))
    cells = side * side
    transform = 24 * _padded_cells(side, side, grid.cell_m, cap_m)
    return (4 * n_features + 4 + 2 + 8) * cells + transform + 8 * n_features * cells
