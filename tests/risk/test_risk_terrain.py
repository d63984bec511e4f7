"""Hillshade of a DEM: a slope facing the sun is brighter than flat ground, one facing away darker, flat
ground takes the sine of the sun's altitude, and cells without elevation stay without shade."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.risk import hillshade


def test_slopes_facing_the_sun_are_brighter_and_flat_ground_takes_the_altitude() -> None:
    x = np.arange(20, dtype=float)
    rising_east = np.tile(x * 10.0, (20, 1))  # 10 m up for every 10 m cell eastwards: faces west
    flat = np.zeros((20, 20))
    west_sun = hillshade(rising_east, dx_m=10, dy_m=10, azimuth_deg=270, altitude_deg=45)
    east_sun = hillshade(rising_east, dx_m=10, dy_m=10, azimuth_deg=90, altitude_deg=45)
    level = hillshade(flat, dx_m=10, dy_m=10, altitude_deg=45)
    assert np.allclose(level, np.sin(np.radians(45)))
    assert np.allclose(west_sun[5:15, 5:15], 1.0)  # a 45 degree slope facing a 45 degree sun
    assert np.allclose(east_sun[5:15, 5:15], 0.0)  # turned away: in shadow
    assert west_sun.min() >= 0.0 and west_sun.max() <= 1.0


def test_missing_elevation_stays_missing_and_bad_grids_are_refused() -> None:
    dem = np.random.default_rng(0).normal(100, 5, (8, 9))
    dem[2, 3] = np.nan
    shade = hillshade(dem, dx_m=30, dy_m=30)
    assert (
        shade.shape == dem.shape
        and np.isnan(shade[2, 3])
        and np.isfinite(np.delete(shade.ravel(), 2 * 9 + 3)).all()
    )
    with pytest.raises(ValueError, match="2-D"):
        hillshade(np.zeros(5), dx_m=1, dy_m=1)
    with pytest.raises(ValueError, match="positive"):
        hillshade(np.zeros((3, 3)), dx_m=0, dy_m=1)
