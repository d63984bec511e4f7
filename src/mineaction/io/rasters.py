"""Rasters in and out: the risk surface as a GeoTIFF QGIS opens, and a DEM read onto a grid.

A grid is any object with ``shape``, ``transform`` (affine, metres), ``crs`` and ``profile()`` (rasterio
profile), as :class:`mineaction.risk.Grid` has. Writes are atomic (:func:`~mineaction.io.atomic.atomic_path`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mineaction.errors import InputError
from mineaction.io.atomic import atomic_path

__all__ = ["NODATA", "read_dem", "write_risk_geotiff"]

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
    import rasterio

    data = np.where(np.isnan(surface), NODATA, surface).astype(np.float32)
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **grid.profile()) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "probability of contamination (0-1)")
        dst.update_tags(
            units="probability 0-1",
            cell_m=str(grid.cell_m),
            model="mineaction risk",
            simulated="yes: simulated data" if simulated else "no",
        )
    return Path(path)


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
