"""The risk grid: square cells in a metric CRS, and geometries burnt into it as arrays.

A ``Grid`` is a north-up raster: ``origin`` is the top-left corner (west, north) in metres of ``crs``,
row 0 is the northern row, and cell ``(row, col)`` covers ``[west + col * cell_m, west + (col + 1) *
cell_m)`` eastwards and ``(north - (row + 1) * cell_m, north - row * cell_m]`` southwards. Everything
here works on whole arrays (numpy / shapely 2 vectorised), never one Python call per cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

from mineaction.errors import ConfigError, InputError

__all__ = ["MAX_CELL_M", "MIN_CELL_M", "Grid", "grid_from_bounds"]

MIN_CELL_M = 25.0
MAX_CELL_M = 1000.0


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells.

    Parameters
    ----------
    west, north : float
        Top-left corner of the grid, m in ``crs``.
    cell_m : float
        Side of a cell, m (25 to 1,000).
    shape : tuple of int
        ``(rows, cols)``.
    crs : str
        Metric CRS, e.g. ``"EPSG:32638"`` (UTM 38N).
    """

    west: float
    north: float
    cell_m: float
    shape: tuple[int, int]
    crs: str = "EPSG:32638"

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(self.shape[0] * self.shape[1])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), m in ``crs``."""
        rows, cols = self.shape
        return (self.west, self.north - rows * self.cell_m, self.west + cols * self.cell_m, self.north)

    @property
    def transform(self) -> Affine:
        """Affine transform from (col, row) to (x, y), as GDAL and rasterio use it."""
        return Affine(self.cell_m, 0.0, self.west, 0.0, -self.cell_m, self.north)

    @property
    def cell_area_m2(self) -> float:
        return float(self.cell_m * self.cell_m)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre, m in ``crs``, each of shape ``self.shape``."""
        rows, cols = self.shape
        xs = self.west + (np.arange(cols) + 0.5) * self.cell_m
        ys = self.north - (np.arange(rows) + 0.5) * self.cell_m
        return np.meshgrid(xs, ys)

    def centres_of(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x and y (m in ``crs``) of the centres of the cells with flat row-major indices ``cells``."""
        rows, cols = np.divmod(np.asarray(cells, dtype=np.int64), self.shape[1])
        return self.west + (cols + 0.5) * self.cell_m, self.north - (rows + 0.5) * self.cell_m

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row and column of points (m in ``crs``) and a mask of those that fall inside the grid."""
        col = np.floor((np.asarray(x, float) - self.west) / self.cell_m).astype(np.int64)
        row = np.floor((self.north - np.asarray(y, float)) / self.cell_m).astype(np.int64)
        inside = (row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1])
        return row, col, inside

    def count_points(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Number (or sum of ``weights``) of points in every cell, float64 array of ``self.shape``."""
        row, col, inside = self.cell_of(x, y)
        flat = row[inside] * self.shape[1] + col[inside]
        w = None if weights is None else np.asarray(weights, float)[inside]
        counts = np.bincount(flat, weights=w, minlength=self.size)
        return counts.reshape(self.shape).astype(np.float64)

    def rasterize(
        self, geometries: Any, *, values: np.ndarray | None = None, fill: float = 0.0, reduce: str = "max"
    ) -> np.ndarray:
        """Burn geometries (in ``crs``) into a float64 array of ``self.shape``.

        Points mark their cell; lines mark every cell they pass through (densified at half a cell); polygons
        mark the cells whose centre lies inside and the cells their boundary passes through. Where several
        geometries touch a cell the ``reduce`` (``"max"`` or ``"min"``) of their ``values`` (default 1.0)
        is kept.
        """
        geoms = (
            np.asarray(gpd.GeoSeries(geometries).values, dtype=object)
            if not isinstance(geometries, np.ndarray)
            else geometries
        )
        vals = np.ones(len(geoms)) if values is None else np.asarray(values, dtype=float)
        if len(vals) != len(geoms):
            raise InputError(
                f"rasterize: {len(vals)} values for {len(geoms)} geometries; give one per geometry"
            )
        out = np.full(self.shape, np.nan)
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms, vals = geoms[keep], vals[keep]
        if len(geoms):
            self._burn_lines(out, geoms, vals, reduce)
            polys = np.isin(shapely.get_type_id(geoms), (3, 6))
            if polys.any():
                self._burn_polygons(out, geoms[polys], vals[polys], reduce)
        out[np.isnan(out)] = fill
        return out

    def _burn_lines(self, out: np.ndarray, geoms: np.ndarray, vals: np.ndarray, reduce: str) -> None:
        # segmentize densifies lines and polygon rings alike; points pass through unchanged
        dense = shapely.segmentize(geoms, self.cell_m / 2.0)
        coords, index = shapely.get_coordinates(dense, return_index=True)
        row, col, inside = self.cell_of(coords[:, 0], coords[:, 1])
        _reduce_at(out, row[inside], col[inside], vals[index[inside]], reduce)

    def _windows(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """First row, first column, rows and columns of the cell window of every geometry's bounds."""
        b = shapely.bounds(geoms)
        rows, cols, _ = self.cell_of(np.r_[b[:, 0], b[:, 2]], np.r_[b[:, 3], b[:, 1]])
        n = len(geoms)
        r0, r1 = np.maximum(rows[:n], 0), np.minimum(rows[n:], self.shape[0] - 1)
        c0, c1 = np.maximum(cols[:n], 0), np.minimum(cols[n:], self.shape[1] - 1)
        return r0, c0, np.maximum(r1 - r0 + 1, 0), np.maximum(c1 - c0 + 1, 0)

    def _burn_polygons(
        self, out: np.ndarray, geoms: np.ndarray, vals: np.ndarray, reduce: str, chunk_cells: int = 2_000_000
    ) -> None:
        """Mark the cells whose centre lies in each polygon: every polygon's window of candidate cells is
        tested in one vectorised ``contains_xy`` call per chunk of about ``chunk_cells`` cells."""
        r0, c0, nr, nc = self._windows(geoms)
        sizes = nr * nc
        shapely.prepare(geoms)
        order = np.flatnonzero(sizes > 0)
        bounds = np.searchsorted(
            np.cumsum(sizes[order]),
            np.arange(chunk_cells, sizes.sum() + chunk_cells, chunk_cells),
            side="right",
        )
        for part in np.split(order, np.unique(np.clip(bounds, 1, len(order)))[:-1]):
            if not len(part):
                continue
            idx = np.repeat(part, sizes[part])
            starts = np.repeat(np.cumsum(sizes[part]) - sizes[part], sizes[part])
            offset = np.arange(len(idx)) - starts
            rr, cc = r0[idx] + offset // nc[idx], c0[idx] + offset % nc[idx]
            x = self.west + (cc + 0.5) * self.cell_m
            y = self.north - (rr + 0.5) * self.cell_m
            inside = shapely.contains_xy(geoms[idx], x, y)
            _reduce_at(out, rr[inside], cc[inside], vals[idx[inside]], reduce)

    def profile(self, *, dtype: str = "float32", nodata: float | None = -9999.0) -> dict[str, Any]:
        """A GeoTIFF profile: the keyword arguments a rasterio dataset opened for writing takes."""
        return {
            "driver": "GTiff",
            "dtype": dtype,
            "count": 1,
            "height": self.shape[0],
            "width": self.shape[1],
            "crs": self.crs,
            "transform": self.transform,
            "nodata": nodata,
            "compress": "deflate",
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
        }

    @classmethod
    def from_profile(cls, profile: dict[str, Any]) -> Grid:
        """The grid of a north-up raster profile (square cells); the error names what does not fit."""
        t = Affine(*tuple(profile["transform"])[:6])
        if abs(t.a + t.e) > 1e-6 * abs(t.a) or t.b or t.d:
            raise InputError(
                f"raster transform {tuple(t)[:6]} is not north-up with square cells; resample first"
            )
        return cls(
            float(t.c),
            float(t.f),
            float(t.a),
            (int(profile["height"]), int(profile["width"])),
            str(profile["crs"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """The grid spec as plain JSON values."""
        return {
            "west": self.west,
            "north": self.north,
            "cell_m": self.cell_m,
            "shape": list(self.shape),
            "crs": self.crs,
        }

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Grid:
        return cls(
            float(spec["west"]),
            float(spec["north"]),
            float(spec["cell_m"]),
            (int(spec["shape"][0]), int(spec["shape"][1])),
            str(spec["crs"]),
        )


def _reduce_at(out: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, reduce: str) -> None:
    """Combine ``vals`` into ``out`` at (rows, cols); NaN in ``out`` means "nothing yet"."""
    if reduce not in ("max", "min"):
        raise ConfigError(f"reduce {reduce!r} is not known; use 'max' or 'min'")
    ufunc = np.fmax if reduce == "max" else np.fmin
    ufunc.at(out, (rows, cols), vals)


def grid_from_bounds(
    bounds: tuple[float, float, float, float], cell_m: float = 100.0, crs: str = "EPSG:32638"
) -> Grid:
    """A grid covering ``bounds`` (west, south, east, north; m in ``crs``) with square cells of ``cell_m`` m.

    The origin snaps outwards to a multiple of ``cell_m`` so grids of the same cell size line up.
    """
    if not MIN_CELL_M <= cell_m <= MAX_CELL_M:
        raise ConfigError(
            f"cell size {cell_m} m is outside {MIN_CELL_M:g} to {MAX_CELL_M:g} m; pick one in range"
        )
    west, south, east, north = (float(b) for b in bounds)
    if not (east > west and north > south):
        raise InputError(f"bounds {bounds} are empty or inverted; give (west, south, east, north) in metres")
    west = np.floor(west / cell_m) * cell_m
    north = np.ceil(north / cell_m) * cell_m
    cols = int(np.ceil((east - west) / cell_m))
    rows = int(np.ceil((north - south) / cell_m))
    return Grid(float(west), float(north), float(cell_m), (rows, cols), crs)
