"""Simulated settlements and assets: villages with return targets, roads, bridges, power lines, water,
cemeteries,
farmland and schools, in UTM 38N (metres).

Families planned follow the Great Return's first phase (34,500 families, FACTS.md) times the scale factor.
All names say SIMULATED; none of these places is real apart from the district towns' approximate centres.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

from mineaction.domain.schema import entity, format_id
from mineaction.simulate.geography import HORADIZ
from mineaction.simulate.scales import METRIC_CRS, Scale, stream

__all__ = ["GREAT_RETURN_FAMILIES", "PEOPLE_PER_FAMILY", "place_assets", "place_villages"]

#: Families the Great Return's first phase plans to bring back (FACTS.md), before scaling.
GREAT_RETURN_FAMILIES = 34_500
PEOPLE_PER_FAMILY = 3.9

Elevation = Callable[[np.ndarray, np.ndarray], np.ndarray]


def place_villages(districts: gpd.GeoDataFrame, per: int, elevation: Elevation, seed: int) -> pd.DataFrame:
    """Each district's town at its centre plus up to ``per`` villages at least 3 km apart, favouring low
    land."""
    rng = stream(seed, "villages")
    rows = []
    for name, geom, cx, cy in districts[["name", "geometry", "centre_x", "centre_y"]].itertuples(index=False):
        minx, miny, maxx, maxy = geom.bounds
        cand = np.column_stack([rng.uniform(minx, maxx, 40 * per), rng.uniform(miny, maxy, 40 * per)])
        cand = cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]
        keep = rng.uniform(size=len(cand)) < np.clip(
            1.6 - elevation(cand[:, 0], cand[:, 1]) / 2000.0, 0.15, 1
        )
        placed = [(float(cx), float(cy))]
        for px, py in cand[keep]:
            if len(placed) > per:
                break
            if min((px - qx) ** 2 + (py - qy) ** 2 for qx, qy in placed) > 3000.0**2:
                placed.append((float(px), float(py)))
        for k, (px, py) in enumerate(placed):
            label = f"{name} town (SIMULATED)" if k == 0 else f"SIMULATED {name} village {k:02d}"
            rows.append((name, label, k == 0, px, py))
    return pd.DataFrame(rows, columns=["district", "name", "town", "x", "y"])


def _road_edges(pts: np.ndarray, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Minimum spanning tree of the settlements' Delaunay graph plus some short extra links."""
    if len(pts) < 3:
        return [(0, 1)] if len(pts) == 2 else []
    tri = Delaunay(pts)
    edges = np.array(
        sorted({tuple(sorted((int(s[i]), int(s[(i + 1) % 3])))) for s in tri.simplices for i in range(3)})
    )
    length = np.hypot(*(pts[edges[:, 0]] - pts[edges[:, 1]]).T)
    graph = coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(len(pts), len(pts)))
    mst = minimum_spanning_tree(graph).tocoo()
    chosen = {(min(int(a), int(b)), max(int(a), int(b))) for a, b in zip(mst.row, mst.col, strict=True)}
    extra = edges[(length < np.quantile(length, 0.3)) & (rng.uniform(size=len(length)) < 0.4)]
    chosen |= {(int(a), int(b)) for a, b in extra}
    return sorted(chosen)


def _bent_line(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> shapely.LineString:
    mid = (a + b) / 2 + rng.normal(scale=0.08 * float(np.hypot(*(b - a))), size=2)
    return shapely.LineString([a, mid, b])


def _around(xy: np.ndarray, rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi, len(xy))
    dist = rng.uniform(low, high, len(xy))
    return xy + np.column_stack([np.cos(angle), np.sin(angle)]) * dist[:, None]


def _settlement_rows(villages: pd.DataFrame, factor: float, rng: np.random.Generator) -> pd.DataFrame:
    weight = np.where(villages["town"], 6.0, 1.0) * rng.lognormal(0, 0.4, len(villages))
    total = GREAT_RETURN_FAMILIES * factor
    families = np.floor(total * weight / weight.sum()).astype(int)
    families[np.argsort(-weight)[: int(round(total)) - families.sum()]] += 1
    target = [date(2022, 6, 30) + timedelta(days=int(d)) for d in rng.integers(0, 4 * 365, len(villages))]
    return pd.DataFrame(
        {
            "asset_kind": "settlement",
            "name": villages["name"],
            "district": villages["district"],
            "families_planned": families,
            "people_planned": np.round(families * PEOPLE_PER_FAMILY).astype(int),
            "target_on": [d.isoformat() for d in target],
            "value_usd": families * 60_000.0,
            "geometry": shapely.points(villages[["x", "y"]].to_numpy()),
        }
    )


def _network_rows(villages: pd.DataFrame, rivers: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    pts = villages[["x", "y"]].to_numpy()
    names = villages["name"].to_numpy()
    edges = _road_edges(pts, rng)
    roads = [_bent_line(pts[a], pts[b], rng) for a, b in edges]
    frames = [
        pd.DataFrame(
            {
                "asset_kind": "road",
                "name": [f"SIMULATED road {names[a]} - {names[b]}" for a, b in edges],
                "district": villages["district"].to_numpy()[[a for a, _ in edges]],
                "value_usd": [line.length / 1000.0 * 400_000.0 for line in roads],
                "geometry": roads,
            }
        )
    ]
    river_union = (
        shapely.union_all(rivers.geometry.to_numpy()) if len(rivers) else shapely.GeometryCollection()
    )
    crossings = shapely.get_parts(shapely.intersection(np.asarray(roads, dtype=object), river_union))
    bridges = [p for p in crossings if p.geom_type == "Point"]
    frames.append(
        pd.DataFrame(
            {
                "asset_kind": "road",
                "name": [f"SIMULATED bridge {k + 1:03d}" for k in range(len(bridges))],
                "value_usd": 2_000_000.0,
                "geometry": bridges,
            }
        )
    )
    towns = villages.loc[villages["town"], ["x", "y"]].to_numpy()
    hub = np.array(shapely.get_coordinates(_hub_point()))
    grid_pts = np.vstack([hub, towns])
    lines = [shapely.LineString([grid_pts[a], grid_pts[b]]) for a, b in _road_edges(grid_pts, rng)]
    frames.append(
        pd.DataFrame(
            {
                "asset_kind": "power_line",
                "name": [f"SIMULATED power line {k + 1:02d}" for k in range(len(lines))],
                "value_usd": [line.length / 1000.0 * 150_000.0 for line in lines],
                "geometry": lines,
            }
        )
    )
    return pd.concat(frames, ignore_index=True)


def _hub_point() -> shapely.Point:
    from mineaction.simulate.landscape import to_metric_xy

    x, y = to_metric_xy(np.array([HORADIZ[0]]), np.array([HORADIZ[1]]))
    return shapely.Point(float(x[0]), float(y[0]))


def _local_rows(villages: pd.DataFrame, elevation: Elevation, rng: np.random.Generator) -> pd.DataFrame:
    pts = villages[["x", "y"]].to_numpy()
    district = villages["district"].to_numpy()
    label = villages["name"].to_numpy()
    springs = _around(pts, rng, 300, 900)
    graves = _around(pts, rng, 200, 700)
    low = elevation(pts[:, 0], pts[:, 1]) < 1400
    fields = _around(np.repeat(pts[low], 2, axis=0), rng, 600, 1800)
    half = rng.uniform(150, 450, len(fields))
    farms = shapely.box(fields[:, 0] - half, fields[:, 1] - half, fields[:, 0] + half, fields[:, 1] + half)
    towns = villages["town"].to_numpy()
    return pd.DataFrame(
        {
            "asset_kind": ["water"] * len(pts)
            + ["cemetery"] * len(pts)
            + ["farmland"] * len(fields)
            + ["school"] * int(towns.sum()),
            "name": [f"SIMULATED spring near {n}" for n in label]
            + [f"SIMULATED cemetery of {n}" for n in label]
            + [f"SIMULATED fields of {n}" for n in np.repeat(label[low], 2)]
            + [f"SIMULATED school of {n}" for n in label[towns]],
            "district": np.concatenate([district, district, np.repeat(district[low], 2), district[towns]]),
            "value_usd": np.concatenate(
                [
                    np.full(len(pts), 50_000.0),
                    np.full(len(pts), 0.0),
                    shapely.area(farms) / 1e4 * 2_000.0,
                    np.full(int(towns.sum()), 1.5e6),
                ]
            ),
            "geometry": np.concatenate(
                [shapely.points(springs), shapely.points(graves), farms, shapely.points(pts[towns] + 120.0)]
            ),
        }
    )


def place_assets(
    districts: gpd.GeoDataFrame,
    elevation: Elevation,
    rivers: gpd.GeoDataFrame,
    *,
    scale: Scale,
    factor: float,
    seed: int,
) -> gpd.GeoDataFrame:
    """Settlements and assets with the ``assets`` schema's columns, in UTM 38N.

    Parameters
    ----------
    districts : GeoDataFrame
        Simulated districts (UTM 38N) with ``centre_x``, ``centre_y`` (m).
    elevation : callable
        Elevation (m) at metric points.
    rivers : GeoDataFrame
        Rivers (UTM 38N); roads crossing them get a bridge.
    scale : Scale
        Villages per district.
    factor : float
        Scale factor applied to the Great Return's families.
    seed : int
        Random seed.
    """
    rng = stream(seed, "assets")
    villages = place_villages(districts, scale.villages_per_district, elevation, seed)
    frame = pd.concat(
        [
            _settlement_rows(villages, factor, rng),
            _network_rows(villages, rivers, rng),
            _local_rows(villages, elevation, rng),
        ],
        ignore_index=True,
    )
    frame["id"] = [format_id("ST", k + 1) for k in range(len(frame))]
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=METRIC_CRS)
    roads = gdf.loc[gdf["geometry"].geom_type == "LineString"]
    roads = roads.loc[roads["asset_kind"] == "road"]
    settle = gdf["asset_kind"] == "settlement"
    if len(roads):
        idx = shapely.STRtree(roads.geometry.to_numpy()).query_nearest(
            gdf.geometry.to_numpy()[settle.to_numpy()], return_distance=False, all_matches=False
        )
        access = np.empty(int(settle.sum()), dtype=object)
        access[idx[0]] = roads["id"].to_numpy()[idx[1]]
        gdf.loc[settle, "access_road"] = access
    missing = gdf["district"].isna()
    if missing.any():
        from mineaction.simulate.landscape import district_of

        cent = shapely.get_coordinates(shapely.centroid(gdf.geometry.to_numpy()[missing.to_numpy()]))
        gdf.loc[missing, "district"] = district_of(districts, cent[:, 0], cent[:, 1])
    for name in entity("assets").field_names:
        if name not in gdf.columns:
            gdf[name] = None
    gdf["source"] = "SIMULATED landscape"
    gdf["source_doc"] = "SIMULATED assets register"
    return gdf
