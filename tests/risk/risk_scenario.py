"""A small seeded scenario (simulated) in schema frames, for risk tests that must not wait for the full twin.

A 16 x 16 km square in UTM 38N near Aghdam: a former front line running north-south, two roads, settlements,
a river; true mines in belts along the front line and clusters by the roads; minefield records that cover a
few belts (shifted); clearance activities over hazardous areas with the finds their land held; accidents near
settlements and roads. Every frame carries the domain schema's columns with geometries in WGS84.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import shapely

from mineaction.domain.schema import entity

CRS = "EPSG:32638"
X0, Y0, SIZE = 620_000.0, 4_420_000.0, 16_000.0


def _frame(kind: str, rows: dict, geoms: list | np.ndarray) -> gpd.GeoDataFrame:
    n = len(geoms)
    cols = {name: rows.get(name, [None] * n) for name in entity(kind).field_names}
    gdf = gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(list(geoms), crs=CRS)).to_crs("EPSG:4326")
    return gdf


def _belts(rng: np.random.Generator) -> list[shapely.Polygon]:
    belts = []
    for y in np.arange(Y0 + 1000, Y0 + SIZE - 1000, 1400):
        x = X0 + 8000 + rng.normal(0, 300)
        belts.append(shapely.box(x - 150, y, x + 150, y + 900))
    for x in np.arange(X0 + 1500, X0 + SIZE - 1500, 2500):
        belts.append(shapely.box(x, Y0 + 4000 - 120, x + 600, Y0 + 4000 + 120))
    return belts


def scenario(seed: int = 0, *, new_finds: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """Frames by kind plus ``truth`` (true mines as points), all simulated."""
    rng = np.random.default_rng(seed)
    front = shapely.LineString([(X0 + 8000, Y0), (X0 + 8200, Y0 + SIZE)])
    roads = [
        shapely.LineString([(X0, Y0 + 4000), (X0 + SIZE, Y0 + 4000)]),
        shapely.LineString([(X0 + 3000, Y0), (X0 + 3500, Y0 + SIZE)]),
    ]
    river = shapely.LineString([(X0, Y0 + 12000), (X0 + SIZE, Y0 + 11000)])
    aoi = shapely.box(X0, Y0, X0 + SIZE, Y0 + SIZE)
    ctx = _frame(
        "context_layers",
        {"layer_kind": ["front_line", "road", "road", "river", "area_of_interest"]},
        [front, *roads, river, aoi],
    )
    belts = _belts(rng)
    mines = []
    for b in belts:
        minx, miny, maxx, maxy = b.bounds
        k = rng.integers(20, 60)
        mines.append(np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)]))
    mines_xy = np.concatenate(mines)
    truth = _frame("finds", {"category": ["AP"] * len(mines_xy)}, shapely.points(mines_xy))
    settle_xy = np.array(
        [[X0 + 2000, Y0 + 2000], [X0 + 5000, Y0 + 9000], [X0 + 12000, Y0 + 6000], [X0 + 10000, Y0 + 14000]]
    )
    assets = _frame(
        "assets",
        {"asset_kind": ["settlement"] * 4, "people_planned": [500, 800, 300, 1200]},
        shapely.points(settle_xy),
    )
    shifted = [shapely.affinity.translate(b, rng.normal(0, 200), rng.normal(0, 200)) for b in belts[::3]]
    records = _frame(
        "minefield_records",
        {
            "id": [f"MR-{i:06d}" for i in range(1, len(shifted) + 1)],
            "received_on": [date(2021, 6, 1)] * len(shifted),
        },
        shifted,
    )
    worked = [b.buffer(300) for b in belts[::2]] + [shapely.box(X0 + 500, Y0 + 9000, X0 + 4000, Y0 + 15000)]
    start = date(2021, 1, 1)
    days = np.sort(rng.integers(0, 4 * 365, len(worked)))
    ended = [start + timedelta(days=int(d)) for d in days]
    if new_finds:  # a 2024 survey result: mines where nothing was known (feeds back into the model)
        worked.append(shapely.box(X0 + 12000, Y0 + 9000, X0 + 15500, Y0 + 15500))
        ended.append(date(2024, 6, 1))
    acts = _frame(
        "activities",
        {"activity_kind": ["clearance"] * len(worked), "started_on": ended, "ended_on": ended},
        worked,
    )
    has = _frame(
        "hazardous_areas",
        {
            "id": [f"HA-{i:06d}" for i in range(len(worked))],
            "hazard_kind": ["SHA"] * len(worked),
            "status": ["open"] * len(worked),
            "reported_on": [date(2020, 12, 1)] * len(worked),
        },
        worked,
    )
    finds_xy, found_on = [], []
    for poly, when in zip(worked, ended, strict=True):
        inside = shapely.contains_xy(poly, mines_xy[:, 0], mines_xy[:, 1])
        pick = inside & (rng.random(len(mines_xy)) < 0.8)
        finds_xy.append(mines_xy[pick])
        found_on += [when] * int(pick.sum())
    if new_finds:
        finds_xy.append(
            np.column_stack([rng.uniform(12500, 15000, 40) + X0, rng.uniform(9500, 15000, 40) + Y0])
        )
        found_on += [date(2024, 6, 1)] * 40
    finds_xy = np.concatenate(finds_xy)
    finds = _frame(
        "finds", {"category": ["AP"] * len(finds_xy), "found_on": found_on}, shapely.points(finds_xy)
    )
    acc_idx = rng.choice(len(mines_xy), 40, replace=False)
    acc_days = rng.integers(-5 * 365, 4 * 365, 40)
    accidents = _frame(
        "accidents",
        {"occurred_on": [start + timedelta(days=int(d)) for d in acc_days], "location_known": [True] * 40},
        shapely.points(mines_xy[acc_idx]),
    )
    return {
        "context_layers": ctx,
        "assets": assets,
        "minefield_records": records,
        "activities": acts,
        "hazardous_areas": has,
        "finds": finds,
        "accidents": accidents,
        "truth": truth,
    }
