"""Rasters in and out: the risk surface as a GeoTIFF QGIS opens, and a DEM read onto a grid.

A grid is any object with ``shape``, ``transform`` (affine, metres), ``crs`` and ``profile()`` (rasterio
profile), as :class:`mineaction.risk.Grid` has. Writes are atomic (:func:`~mineaction.io.atomic.atomic_path`).
GeoTIFFs are tiled (256 x 256) and deflate-compressed; ``RiskRasterWriter`` writes one a window at a time,
so a surface larger than memory is never held whole (tiles never written read as nodata). A DEM is read
once (``read_dem_source``) and resampled onto any grid or window of one (``DemSource.sample``), so blocks
computed elsewhere need no access to the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mineaction.errors import InputError
from mineaction.io.atomic import atomic_path

__all__ = ["NODATA", "DemSource", "RiskRasterWriter", "read_dem", "read_dem_source", "write_risk_geotiff"]

NODATA = -9999.0


def write_risk_geotiff(path: str | Path, grid: Any, surface: np.ndarray, *, simulated: bool) -> Path:
    """Write a risk surface (probability of contamination 0-1 per cell; NaN as nodata -9999) as a GeoTIFF.

    Parameters
    ----------
    path : path
        GeoTIFF to write (replaced atomically).
    grid : Grid
        The surface's grid (metric CRS, cell side in metres).
    surface : ndarray
        Probability 0-1 per cell, grid shape, NaN outside the area of interest.
    simulated : bool
        Tag the file as simulated data.
    """
    with RiskRasterWriter.open(path, grid, simulated=simulated) as writer:
        writer.write(0, 0, surface)
    return Path(path)


class RiskRasterWriter:
    """A risk GeoTIFF written a window at a time (tiled, deflate, BigTIFF when needed), renamed into place
    when complete; windows never written read as nodata.

    ``with RiskRasterWriter.open(path, grid, simulated=False) as out: out.write(row0, col0, block)``
    """

    def __init__(self, dataset: Any) -> None:
        self._dst = dataset

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: str | Path, grid: Any, *, simulated: bool) -> Iterator[RiskRasterWriter]:
        import rasterio

        profile = {**grid.profile(), "predictor": 3, "sparse_ok": True, "bigtiff": "IF_SAFER"}
        with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.set_band_description(1, "probability of contamination (0-1)")
            dst.update_tags(
                units="probability 0-1",
                cell_m=str(grid.cell_m),
                model="mineaction risk",
                simulated="yes: simulated data" if simulated else "no",
            )
            yield cls(dst)

    def write(self, row0: int, col0: int, block: np.ndarray) -> None:
        """Write ``block`` (probability 0-1, NaN as nodata) with its top-left cell at (``row0``, ``col0``)."""
        from rasterio.windows import Window

        data = np.where(np.isnan(block), NODATA, block).astype(np.float32)
        self._dst.write(data, 1, window=Window(col0, row0, data.shape[1], data.shape[0]))


@dataclass(frozen=True)
class DemSource:
    """A DEM read into memory (elevation, m, NaN where it has none) with its georeference."""

    elevation: np.ndarray
    transform: Any
    crs: str

    def sample(self, grid: Any) -> np.ndarray:
        """Elevation resampled (bilinear, exact transformer) onto ``grid``, float32, NaN where none."""
        from rasterio.warp import Resampling, reproject

        out = np.full(grid.shape, np.nan, dtype=np.float32)
        reproject(
            self.elevation,
            out,
            src_transform=self.transform,
            src_crs=self.crs,
            src_nodata=np.nan,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=Resampling.bilinear,
            dst_nodata=np.nan,
            ERROR_THRESHOLD=0,
        )
        return out


def read_dem_source(path: str | Path) -> DemSource:
    """A DEM GeoTIFF read into memory (band 1, its nodata as NaN).

    Raises
    ------
    InputError
        The file is missing or not a raster GDAL can read.
    """
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(path) as src:
            data = src.read(1, masked=True).astype(np.float32).filled(np.nan)
            return DemSource(data, src.transform, str(src.crs))
    except (RasterioError, OSError) as exc:
        raise InputError(
            f"{path}: cannot read the DEM ({exc}); give a GeoTIFF of elevation in metres"
        ) from None


def read_dem(path: str | Path, grid: Any) -> np.ndarray:
    """A DEM GeoTIFF resampled (bilinear) onto ``grid``: elevation in metres per cell, NaN where it has none.

    Raises
    ------
    InputError
        The file is missing or not a raster GDAL can read.
    """
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.warp import Resampling, reproject

    out = np.full(grid.shape, np.nan, dtype=np.float32)
    try:
        with rasterio.open(path) as src:
            reproject(
                rasterio.band(src, 1),
                out,
                dst_transform=grid.transform,
                dst_crs=grid.crs,
                resampling=Resampling.bilinear,
                dst_nodata=np.nan,
            )
    except (RasterioError, OSError) as exc:
        raise InputError(
            f"{path}: cannot read the DEM ({exc}); give a GeoTIFF of elevation in metres"
        ) from None
    return out
