"""Scales, simulated period and seeded random streams of the simulator.

A scale names the districts simulated and an *intensity*: the share of the national densities (mines, work,
casualties, money) that the scenario carries. Its *factor* is intensity x the selected districts' share of the
region's area; every national figure of FACTS.md (hectares a year, casualties a year, budget, families) is
multiplied by that factor, while ratios (shares, finds per hectare) are not.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from mineaction.errors import ConfigError

__all__ = [
    "CEASEFIRE",
    "END",
    "METRIC_CRS",
    "SCALES",
    "WAR_START",
    "Scale",
    "get_scale",
    "stream",
]

#: Metric CRS of the simulation (UTM 38N); every geometry is built in it and written in WGS84.
METRIC_CRS = "EPSG:32638"
#: Start of the 2020 war, end of it (the ceasefire) and the last day simulated.
WAR_START = date(2020, 9, 27)
CEASEFIRE = date(2020, 11, 10)
END = date(2025, 6, 30)


@dataclass(frozen=True)
class Scale:
    """A scenario size.

    Parameters
    ----------
    name : str
        tiny, small, full or huge.
    districts : tuple of str or None
        District names simulated; None for the whole region.
    intensity : float
        Share of the national densities carried (1.0 = full).
    dem_step_deg : float
        DEM cell size, degrees.
    villages_per_district : int
        Villages placed per district besides its centre.
    """

    name: str
    districts: tuple[str, ...] | None
    intensity: float
    dem_step_deg: float = 0.01
    villages_per_district: int = 12


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", ("Fuzuli", "Jabrayil"), 0.25, dem_step_deg=0.02, villages_per_district=6),
    "small": Scale("small", None, 0.1),
    "full": Scale("full", None, 1.0, dem_step_deg=0.005),
    "huge": Scale("huge", None, 2.0, dem_step_deg=0.005, villages_per_district=20),
}


def get_scale(name: str) -> Scale:
    """The scale called ``name``; the error lists the scales there are."""
    try:
        return SCALES[name]
    except KeyError:
        raise ConfigError(f"unknown scale {name!r}; use one of: {', '.join(SCALES)}") from None


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random generator for one part of the simulation (so parts do not shift each other)."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])
