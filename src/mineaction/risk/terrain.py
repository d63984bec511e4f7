"""Hillshade: the light a DEM's slopes catch from a low sun, the shading of the dashboard's basemap.

The classic formula (Horn's gradient, as GDAL's ``gdaldem hillshade``): for a sun at ``azimuth_deg``
(clockwise from north) and ``altitude_deg`` above the horizon, a cell's brightness is the cosine of the angle
between the sun and the cell's normal, from 0 (facing away) to 1 (facing the sun). Pure numpy: no file, no
network.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hillshade"]


def hillshade(
    elevation: np.ndarray,
    *,
    dx_m: float,
    dy_m: float,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 1.0,
) -> np.ndarray:
    """Brightness (0-1) of each cell of a DEM lit from ``azimuth_deg``; NaN where the elevation is NaN.

    Parameters
    ----------
    elevation : numpy.ndarray
        Elevation, m, rows from the north, 2-D.
    dx_m, dy_m : float
        Width and height of a cell, m (positive).
    azimuth_deg, altitude_deg : float
        The sun's direction (degrees clockwise from north) and height above the horizon (degrees).
    z_factor : float
        Vertical exaggeration (1: none).
    """
    z = np.asarray(elevation, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 2:
        raise ValueError(f"a hillshade needs a 2-D elevation of at least 2 x 2 cells, not shape {z.shape}")
    if dx_m <= 0 or dy_m <= 0:
        raise ValueError(f"cell sizes must be positive metres, not {dx_m} x {dy_m}")
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    padded = np.pad(filled, 1, mode="edge") * z_factor
    # Horn's 3 x 3 gradient: x grows to the east, y to the north (rows run from the north)
    a, b, c = padded[:-2, :-2], padded[:-2, 1:-1], padded[:-2, 2:]
    d, f = padded[1:-1, :-2], padded[1:-1, 2:]
    g, h, i = padded[2:, :-2], padded[2:, 1:-1], padded[2:, 2:]
    dz_dx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx_m)
    dz_dy = ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy_m)
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(-dz_dx, -dz_dy)  # the direction the slope faces, clockwise from north
    zenith = np.radians(90.0 - altitude_deg)
    sun = np.radians(azimuth_deg)
    shade = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(sun - aspect)
    out = np.clip(shade, 0.0, 1.0)
    out[~np.isfinite(z)] = np.nan
    return out
