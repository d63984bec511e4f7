"""The simulated landscape: districts, terrain (DEM), rivers, roads, settlements and assets, former front
line.

Everything is built in the metric CRS (UTM 38N, EPSG:32638) from the approximate geography of
``mineaction.simulate.geography``; villages, roads and assets are SIMULATED and do not describe real places.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.ndimage import gaussian_filter

from mineaction.simulate.assets import place_assets
from mineaction.simulate.geography import DISTRICTS, FRONT_LINE, OUTLINE, RIVERS
from mineaction.simulate.scales import METRIC_CRS, Scale, stream

__all__ = ["CELL_M", "Landscape", "build_landscape", "district_of", "to_metric_xy", "to_wgs84_xy"]

#: Side of the grid cells used for densities and suspicion scores, m.
CELL_M = 500.0

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def to_metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees (WGS84) to metres (UTM 38N)."""
    return _TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))


def to_wgs84_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres (UTM 38N) to degrees (WGS84)."""
    return _TO_WGS84.transform(np.asarray(x, float), np.asarray(y, float))


def _metric_coords(points: tuple[tuple[float, float], ...]) -> np.ndarray:
    arr = np.asarray(points, float)
    x, y = to_metric_xy(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


@dataclass
class Landscape:
    """The simulated landscape, in UTM 38N (metres) unless said otherwise.

    ``dem`` is elevation in metres on a WGS84 grid whose upper-left corner and cell size (degrees) are
    ``dem_origin`` and ``dem_step``; ``assets`` has the columns of the ``assets`` schema plus ``geometry``;
    ``armenian_side`` is the sign (+1/-1) of the signed distance to the front line on the side held by
    Armenian forces before 2020; ``factor`` is the scale factor (intensity x area share of the region).
    """

    region: shapely.Polygon
    districts: gpd.GeoDataFrame
    dem: np.ndarray
    dem_origin: tuple[float, float]
    dem_step: float
    front_line: shapely.LineString
    rivers: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame
    armenian_side: int
    factor: float = 1.0
    area_share: float = 1.0
    _cells: pd.DataFrame | None = None

    def elevation(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Elevation (m) at metric points, nearest DEM cell."""
        lon, lat = to_wgs84_xy(x, y)
        col = np.clip(((lon - self.dem_origin[0]) / self.dem_step).astype(int), 0, self.dem.shape[1] - 1)
        row = np.clip(((self.dem_origin[1] - lat) / self.dem_step).astype(int), 0, self.dem.shape[0] - 1)
        return self.dem[row, col]

    def cells(self) -> pd.DataFrame:
        """Centres of the CELL_M grid cells inside the region (``x, y``, m) with their distances (m) to the
        front line and the nearest settlement, road, spring and cemetery, and ``held`` (on the side held by
        Armenian forces before 2020); computed once."""
        if self._cells is None:
            minx, miny, maxx, maxy = self.region.bounds
            gx, gy = np.meshgrid(
                np.arange(minx, maxx, CELL_M) + CELL_M / 2, np.arange(miny, maxy, CELL_M) + CELL_M / 2
            )
            x, y = gx.ravel(), gy.ravel()
            keep = shapely.contains_xy(self.region, x, y)
            x, y = x[keep], y[keep]
            pts = shapely.points(x, y)
            cells = pd.DataFrame({"x": x, "y": y, "d_front": shapely.distance(pts, self.front_line)})
            for kind, column in (
                ("settlement", "d_settle"),
                ("road", "d_road"),
                ("water", "d_water"),
                ("cemetery", "d_cemetery"),
            ):
                geoms = self.assets.loc[self.assets["asset_kind"] == kind].geometry.to_numpy()
                _, dist = shapely.STRtree(geoms).query_nearest(pts, return_distance=True, all_matches=False)
                cells[column] = dist
            cells["held"] = self.front_side(x, y) == self.armenian_side
            self._cells = cells
        return self._cells

    def front_side(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """+1/-1 side of the front line of each point (see ``armenian_side``)."""
        return _side_of_line(self.front_line, np.asarray(x, float), np.asarray(y, float))


def _left_of_line(line: shapely.LineString, far_m: float = 300_000.0) -> shapely.Polygon:
    """The half-plane left of ``line`` (walking from its first to its last vertex), as a large polygon: the
    line extended by ``far_m`` at both ends and closed ``far_m`` away on its left."""
    xy = np.asarray(line.coords)
    start_dir = (xy[0] - xy[1]) / np.hypot(*(xy[0] - xy[1]))
    end_dir = (xy[-1] - xy[-2]) / np.hypot(*(xy[-1] - xy[-2]))
    start, end = xy[0] + start_dir * far_m, xy[-1] + end_dir * far_m
    left_start = start + np.array([start_dir[1], -start_dir[0]]) * far_m
    left_end = end + np.array([-end_dir[1], end_dir[0]]) * far_m
    return shapely.Polygon(np.vstack([start, xy, end, left_end, left_start]))


def _side_of_line(line: shapely.LineString, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """+1 for points left of ``line`` (walking along it), -1 for points right of it."""
    left = _left_of_line(line)
    shapely.prepare(left)
    return np.where(shapely.contains_xy(left, x, y), 1, -1)


def _districts(region: shapely.Polygon, names: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    centres = _metric_coords(tuple((d.lon, d.lat) for d in DISTRICTS))
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=region)
    cell_list = list(shapely.get_parts(cells))
    tree = shapely.STRtree(cell_list)
    geoms = []
    for x, y in centres:
        idx = tree.query(shapely.Point(x, y), predicate="intersects")
        geoms.append(shapely.intersection(cell_list[int(idx[0])], region))
    frame = gpd.GeoDataFrame(
        {
            "name": [d.name for d in DISTRICTS],
            "name_az": [d.name_az for d in DISTRICTS],
            "name_ru": [d.name_ru for d in DISTRICTS],
            "code": [d.code for d in DISTRICTS],
            "highland": [d.highland for d in DISTRICTS],
            "centre_x": centres[:, 0],
            "centre_y": centres[:, 1],
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )
    if names is not None:
        frame = frame.loc[frame["name"].isin(names)].reset_index(drop=True)
    return frame


def district_of(districts: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Name of the district holding each metric point (nearest district for points just outside)."""
    tree = shapely.STRtree(districts.geometry.to_numpy())
    idx = tree.query_nearest(shapely.points(x, y), return_distance=False, all_matches=False)
    out = np.empty(len(np.atleast_1d(x)), dtype=object)
    out[idx[0]] = districts["name"].to_numpy()[idx[1]]
    return out


def _dem(scale: Scale, bounds: tuple[float, float, float, float], seed: int) -> tuple[np.ndarray, tuple]:
    """Synthetic elevation (m): rising to the west, Murovdag ridge, Lachin/Kalbajar highlands, Araz valley."""
    step = scale.dem_step_deg
    west, south, east, north = bounds
    lon = west + step * (np.arange(int(np.ceil((east - west) / step))) + 0.5)
    lat = north - step * (np.arange(int(np.ceil((north - south) / step))) + 0.5)
    glon, glat = np.meshgrid(lon, lat)
    base = 180.0 + 2300.0 / (1.0 + np.exp(-(46.7 - glon) / 0.22))
    ridge = 1100.0 * np.exp(-(((glat - 40.24) / 0.05) ** 2)) * (glon < 46.7)
    highland = 700.0 * np.exp(-(((glon - 46.2) / 0.25) ** 2 + ((glat - 39.9) / 0.3) ** 2))
    valley = -150.0 * np.exp(-(((glat - (39.0 + 0.42 * (glon - 46.6))) / 0.06) ** 2))
    rng = stream(seed, "dem")
    noise = gaussian_filter(rng.normal(size=glon.shape), sigma=max(1.0, 0.04 / step))
    noise *= 250.0 / max(noise.std(), 1e-9)
    dem = np.maximum(base + ridge + highland + valley + noise * (0.3 + (base - 180.0) / 2300.0), 20.0)
    return dem.astype("float32"), (west, north)


def build_landscape(scale: Scale, seed: int) -> Landscape:
    """Build the landscape of ``scale`` (districts, DEM, rivers, settlements, assets), seeded by ``seed``."""
    outline = shapely.Polygon(_metric_coords(OUTLINE))
    districts = _districts(outline, scale.districts)
    region = shapely.union_all(districts.geometry.to_numpy()) if scale.districts else outline
    lon_lat = np.asarray(OUTLINE)
    bounds = (
        lon_lat[:, 0].min() - 0.05,
        lon_lat[:, 1].min() - 0.05,
        lon_lat[:, 0].max() + 0.05,
        lon_lat[:, 1].max() + 0.05,
    )
    dem, origin = _dem(scale, bounds, seed)
    land = Landscape(
        region,
        districts,
        dem,
        origin,
        scale.dem_step_deg,
        shapely.LineString(_metric_coords(FRONT_LINE)),
        gpd.GeoDataFrame(),
        gpd.GeoDataFrame(),
        1,
    )
    shusha = _metric_coords(((46.75, 39.76),))
    land.armenian_side = int(land.front_side(shusha[:, 0], shusha[:, 1])[0])
    land.rivers = _rivers(region, stream(seed, "rivers"))
    land.area_share = region.area / outline.area
    land.factor = scale.intensity * land.area_share
    land.assets = place_assets(
        districts, land.elevation, land.rivers, scale=scale, factor=land.factor, seed=seed
    )
    return land


def _rivers(region: shapely.Polygon, rng: np.random.Generator) -> gpd.GeoDataFrame:
    names, geoms = [], []
    for name, verts in RIVERS:
        line = shapely.segmentize(shapely.LineString(_metric_coords(verts)), 2000.0)
        xy = shapely.get_coordinates(line)
        xy[1:-1] += rng.normal(scale=300.0, size=(len(xy) - 2, 2))
        clipped = shapely.intersection(shapely.LineString(xy), region.buffer(2000.0))
        if not clipped.is_empty:
            names.append(f"{name} river (SIMULATED course)")
            geoms.append(clipped)
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=METRIC_CRS)
