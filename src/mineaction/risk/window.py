"""Grid features of any window of a grid, the same values whichever window a cell is computed in.

``feature_inputs(grid, layers, ...)`` does once what every window needs: the layers projected to the grid's
CRS and sorted by feature, the record weights and land-cover codes, and the Gaussian densities smoothed on
their coarse cells over the whole grid (a few million values at most). ``window_features(inputs, window)``
then gives the features of the cells of one window, each exactly as the whole grid would give them:

- distances rasterise the layers on the window padded by the distance cap (so every geometry within the cap
  of a cell counts, whatever window it falls in) and crop the distance transform back;
- densities read the coarse smoothed surface (wide kernels) or smooth the counts of the window padded by
  the kernel's reach (narrow kernels), with nothing counted outside the grid, as on the whole grid;
- slope is taken on the elevation of the window grown by one cell inside the grid.

The whole grid is one window (the in-process engine); blocks of a few thousand cells a side are the windows
of the Dask engine (``mineaction.risk.engine``). Inputs are plain arrays and frozen dataclasses, so they
travel to worker processes by pickling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from mineaction.errors import InputError
from mineaction.risk.grid import Grid

__all__ = ["DISTANCE_CAP_M", "Density", "FeatureInputs", "Window", "window_features"]

#: Distances are exact (to a cell) up to this far, m; farther ones read this value.
DISTANCE_CAP_M = 10_000.0

#: A function giving elevation (m, float32) on any grid: the DEM resampled to it.
DemSampler = Callable[[Grid], np.ndarray]


@dataclass(frozen=True)
class Window:
    """Rows ``row0`` to ``row0 + rows`` and columns ``col0`` to ``col0 + cols`` of a grid."""

    row0: int
    col0: int
    rows: int
    cols: int

    @classmethod
    def whole(cls, grid: Grid) -> Window:
        return cls(0, 0, grid.shape[0], grid.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def grid(self, grid: Grid, *, pad: int = 0) -> Grid:
        """The cells of this window of ``grid`` (grown by ``pad`` cells on every side) as a grid."""
        return Grid(
            grid.west + (self.col0 - pad) * grid.cell_m,
            grid.north - (self.row0 - pad) * grid.cell_m,
            grid.cell_m,
            (self.rows + 2 * pad, self.cols + 2 * pad),
            grid.crs,
        )


@dataclass(frozen=True)
class Density:
    """A Gaussian density of weighted points (per km2) on a grid, ready to be read window by window.

    Wide kernels (``factor`` >= 2) are smoothed once on cells ``factor`` times coarser (``coarse``, over the
    whole grid) and interpolated back bilinearly; narrow ones keep the points' cells (``rows``, ``cols``,
    ``weights``) and are smoothed window by window with a halo of the kernel's reach.
    """

    sigma_cells: float
    factor: int
    coarse: np.ndarray | None = None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class FeatureInputs:
    """Everything ``window_features`` needs, prepared once for one grid (see ``feature_inputs``).

    ``distances`` maps a distance feature to its geometries (grid CRS) and their bounds; ``weighted`` maps a
    rasterised feature to (geometries, values); ``densities`` maps a density feature to its ``Density``.
    """

    grid: Grid
    distances: Mapping[str, tuple[np.ndarray, np.ndarray]]
    weighted: Mapping[str, tuple[np.ndarray, np.ndarray]]
    densities: Mapping[str, Density]
    order: tuple[str, ...]
    land_cover_codes: Mapping[str, int]
    dem: DemSampler | np.ndarray | None = None
    cap_m: float = DISTANCE_CAP_M


# --- preparing --------------------------------------------------------------------------------------------


def with_bounds(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries and their bounds (n x 4: west, south, east, north)."""
    return geoms, shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))


def density_of(
    grid: Grid, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, sigma_m: float
) -> Density:
    """The ``Density`` of points (m in the grid's CRS, optional weights) with a kernel of ``sigma_m`` m;
    points outside the grid count nowhere (as a grid's own counts)."""
    sigma = max(sigma_m / grid.cell_m, 0.5)
    k = int(sigma // 4)
    row, col, inside = grid.cell_of(x, y)
    w = np.ones(len(row)) if weights is None else np.asarray(weights, float)
    row, col, w = row[inside], col[inside], w[inside]
    if k < 2:
        return Density(sigma, 1, None, row, col, w)
    rows, cols = grid.shape
    shape = (-(-rows // k), -(-cols // k))
    counts = np.zeros(shape[0] * shape[1], dtype=np.float64)
    np.add.at(counts, (row // k) * shape[1] + col // k, w)
    smooth = ndimage.gaussian_filter(
        counts.reshape(shape).astype(np.float32), sigma=sigma / k, mode="constant", truncate=3.0
    )
    return Density(sigma, k, smooth)


# --- one window -------------------------------------------------------------------------------------------


def _near(geoms: np.ndarray, bounds: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    west, south, east, north = box
    keep = (bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north) & (bounds[:, 3] >= south)
    return geoms[keep]


def window_distance(
    inputs: FeatureInputs, window: Window, geoms: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Distance (m, float32) from every cell centre of ``window`` to the nearest geometry, capped."""
    grid, cap = inputs.grid, inputs.cap_m
    pad = int(np.ceil(cap / grid.cell_m))
    padded = window.grid(grid, pad=pad)
    near = _near(geoms, bounds, padded.bounds)
    if not len(near):
        return np.full(window.shape, cap, dtype=np.float32)
    mask = padded.rasterize(near) > 0
    if not mask.any():
        return np.full(window.shape, cap, dtype=np.float32)
    dist = ndimage.distance_transform_edt(~mask, sampling=grid.cell_m)
    return np.minimum(dist[pad : pad + window.rows, pad : pad + window.cols], cap).astype(np.float32)


def _weighted(inputs: FeatureInputs, window: Window, geoms: np.ndarray, values: np.ndarray) -> np.ndarray:
    sub = window.grid(inputs.grid)
    bounds = shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))
    west, south, east, north = sub.bounds
    keep = (bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north) & (bounds[:, 3] >= south)
    return sub.rasterize(geoms[keep], values=values[keep], reduce="max").astype(np.float32)


def _upsample(coarse: np.ndarray, k: int, first: int, n: int, total: int, *, axis: int) -> np.ndarray:
    """Fine cells ``first`` to ``first + n`` (of ``total`` coarse cells along ``axis``) interpolated linearly
    between the block-centred ``coarse`` values."""
    pos = (np.arange(first, first + n) + 0.5) / k - 0.5
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, total - 1)
    i1 = np.minimum(i0 + 1, total - 1)
    w = np.clip(pos - i0, 0.0, 1.0).astype(np.float32)
    shape = [1, 1]
    shape[axis] = n
    w = w.reshape(shape)
    return np.take(coarse, i0, axis=axis) * (1 - w) + np.take(coarse, i1, axis=axis) * w


def window_density(inputs: FeatureInputs, window: Window, density: Density) -> np.ndarray:
    """Density per km2 (float32) of the cells of ``window``."""
    cell_km2 = inputs.grid.cell_area_m2 / 1e6
    if density.coarse is not None:
        k, coarse = density.factor, density.coarse
        rows = _upsample(coarse, k, window.row0, window.rows, coarse.shape[0], axis=0)
        fine = _upsample(rows, k, window.col0, window.cols, coarse.shape[1], axis=1)
        return (fine / (k * k * cell_km2)).astype(np.float32)
    reach = int(3.0 * density.sigma_cells + 0.5) + 1
    r0, c0 = window.row0 - reach, window.col0 - reach
    shape = (window.rows + 2 * reach, window.cols + 2 * reach)
    r, c = density.rows - r0, density.cols - c0
    inside = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
    counts = np.bincount(
        r[inside] * shape[1] + c[inside], weights=density.weights[inside], minlength=shape[0] * shape[1]
    )
    smooth = ndimage.gaussian_filter(
        counts.reshape(shape).astype(np.float32), sigma=density.sigma_cells, mode="constant", truncate=3.0
    )
    return (smooth[reach : reach + window.rows, reach : reach + window.cols] / cell_km2).astype(np.float32)


def _terrain(inputs: FeatureInputs, window: Window) -> dict[str, np.ndarray]:
    grid, dem = inputs.grid, inputs.dem
    if dem is None:
        return {}
    # one cell more on every side that lies inside the grid, so the slope's differences are those of the grid
    top, left = min(window.row0, 1), min(window.col0, 1)
    bottom = min(grid.shape[0] - window.row0 - window.rows, 1)
    right = min(grid.shape[1] - window.col0 - window.cols, 1)
    grown = Window(
        window.row0 - top, window.col0 - left, window.rows + top + bottom, window.cols + left + right
    )
    if isinstance(dem, np.ndarray):
        if dem.shape != grid.shape:
            raise InputError(
                f"DEM array has shape {dem.shape}, the grid {grid.shape}; resample the DEM to the grid"
            )
        elevation = dem[grown.row0 : grown.row0 + grown.rows, grown.col0 : grown.col0 + grown.cols]
    else:
        elevation = dem(grown.grid(grid))
    elevation = np.asarray(elevation, dtype=np.float32)
    gy, gx = np.gradient(elevation, grid.cell_m)
    slope = np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
    crop = (slice(top, top + window.rows), slice(left, left + window.cols))
    return {
        "elevation_m": np.ascontiguousarray(elevation[crop]),
        "slope_deg": np.ascontiguousarray(slope[crop]),
    }


def window_features(inputs: FeatureInputs, window: Window) -> dict[str, np.ndarray]:
    """Every feature of ``inputs`` on the cells of ``window`` (float32 arrays of the window's shape), in the
    order of ``inputs.order``."""
    arrays: dict[str, np.ndarray] = {}
    for name, (geoms, bounds) in inputs.distances.items():
        arrays[name] = window_distance(inputs, window, geoms, bounds)
    for name, (geoms, values) in inputs.weighted.items():
        arrays[name] = _weighted(inputs, window, geoms, values)
    for name, density in inputs.densities.items():
        arrays[name] = window_density(inputs, window, density)
    arrays.update(_terrain(inputs, window))
    return {name: arrays[name] for name in inputs.order}


def feature_frame(arrays: Mapping[str, np.ndarray], cells: np.ndarray | None = None) -> pd.DataFrame:
    """One row per cell (row-major, or only the flat indices ``cells``), one column per feature."""
    cols = {n: (a.ravel() if cells is None else a.ravel()[cells]) for n, a in arrays.items()}
    return pd.DataFrame(cols, copy=False)
