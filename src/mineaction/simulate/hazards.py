"""Simulated hazardous areas (HA-...): CHAs from the handed-over records and the 2022 discovery of
post-ceasefire mines, and SHAs from a tiling of the most suspect land (front line, settlements, roads).

The SHA area totals about 11,667 km2 (FACTS.md) times the scale factor: the most suspect tiles of the full
scenario, thinned at random by the scale's intensity (so a small scenario is a sparse copy of the full one).
Geometry is in UTM 38N (metres).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.simulate.landscape import CELL_M, Landscape, district_of
from mineaction.simulate.scales import METRIC_CRS, stream

__all__ = ["SUSPECTED_KM2", "TILE_M", "blocked_assets", "hazard_tiles", "make_hazards"]

#: Suspected area of the liberated territories (FACTS.md), km2, before scaling.
SUSPECTED_KM2 = 11_667.0
#: Side of the square SHA tiles, m (the landscape's cells).
TILE_M = CELL_M
_DISCOVERED = {"Lachin": "2022-08-10", "Kalbajar": "2022-09-15"}


def _evidence(kind: str, source: str, ids: list[str] | None = None, direct: bool = False) -> str:
    return json.dumps([{"direct": direct, "ids": ids or [], "kind": kind, "source": source}], sort_keys=True)


def hazard_tiles(land: Landscape, seed: int) -> pd.DataFrame:
    """Every TILE_M square of the region with a suspicion score: ``x, y`` (centre, m), ``score``,
    ``d_front`` (m); near the front line, settlements and roads, and on the side held before 2020 is worse."""
    c = land.cells()
    rng = stream(seed, "tiles")
    score = (
        np.exp(-c["d_front"].to_numpy() / 3000.0)
        + 0.6 * np.exp(-c["d_settle"].to_numpy() / 1500.0)
        + 0.4 * np.exp(-c["d_road"].to_numpy() / 500.0)
        + 0.3 * c["held"].to_numpy()
        + rng.uniform(0, 0.5, len(c))
    )
    return pd.DataFrame({"x": c["x"], "y": c["y"], "score": score, "d_front": c["d_front"]})


def _record_chas(records: gpd.GeoDataFrame) -> pd.DataFrame:
    models = records["claimed_counts"].map(lambda s: set(json.loads(s)))
    at = models.map(lambda m: any(k.startswith("TM") for k in m))
    return pd.DataFrame(
        {
            "name": "SIMULATED CHA from record " + records["record_ref"],
            "hazard_kind": "CHA",
            "district": records["district"].to_numpy(),
            "contamination": np.where(at, "mixed", "AP"),
            "reported_on": records["received_on"].to_numpy(),
            "evidence": [
                _evidence("minefield_record", "SIMULATED handed-over minefield maps", [r], True)
                for r in records["id"]
            ],
            "confidence": 0.6,
            "unit": "record",
            "record": records["id"].to_numpy(),
            "geometry": shapely.buffer(records.geometry.to_numpy(), 20.0, join_style="mitre"),
        }
    )


def _cluster_chas(minefields: gpd.GeoDataFrame) -> pd.DataFrame:
    post = minefields.loc[minefields["kind"] == "post_ceasefire"]
    return pd.DataFrame(
        {
            "name": "SIMULATED CHA: newly laid AP mines found near " + post["district"],
            "hazard_kind": "CHA",
            "district": post["district"].to_numpy(),
            "contamination": "AP",
            "reported_on": [_DISCOVERED.get(d, "2022-09-15") for d in post["district"]],
            "evidence": [
                _evidence("find", "SIMULATED MoD report of 2021-made mines", [], True)
                for _ in range(len(post))
            ],
            "confidence": 0.95,
            "unit": "cluster",
            "record": None,
            "geometry": shapely.buffer(post.geometry.to_numpy(), 150.0, join_style="mitre"),
        }
    )


def _tile_shas(
    land: Landscape,
    tiles: pd.DataFrame,
    n: int,
    keep: float,
    taken: shapely.Geometry,
    rng: np.random.Generator,
) -> pd.DataFrame:
    top = tiles.sort_values("score", ascending=False, kind="stable").head(n)
    top = top.loc[rng.uniform(size=len(top)) < keep]
    x, y = top["x"].to_numpy(), top["y"].to_numpy()
    boxes = shapely.box(x - TILE_M / 2, y - TILE_M / 2, x + TILE_M / 2, y + TILE_M / 2)
    geoms = shapely.difference(boxes, taken) if not taken.is_empty else boxes
    front = top["d_front"].to_numpy() < 3000.0
    days = np.where(front, rng.integers(20, 220, len(top)), rng.integers(40, 420, len(top)))
    reported = (np.datetime64("2020-11-20") + days.astype("timedelta64[D]")).astype(str)
    kinds = np.where(front, "military_info", np.where(rng.uniform(size=len(top)) < 0.5, "witness", "visual"))
    return pd.DataFrame(
        {
            "name": "SIMULATED SHA tile",
            "hazard_kind": "SHA",
            "district": district_of(land.districts, x, y),
            "contamination": np.where(
                front, "mixed", np.where(rng.uniform(size=len(top)) < 0.6, "UXO", "mixed")
            ),
            "reported_on": reported,
            "evidence": [_evidence(k, "SIMULATED non-technical survey") for k in kinds],
            "confidence": np.round(np.clip(top["score"].to_numpy() / 2.5, 0.1, 0.9), 2),
            "unit": "tile",
            "record": None,
            "score": top["score"].to_numpy(),
            "geometry": geoms,
        }
    )


def make_hazards(
    land: Landscape, records: gpd.GeoDataFrame, minefields: gpd.GeoDataFrame, seed: int
) -> gpd.GeoDataFrame:
    """Hazardous areas with the schema's columns (``status``/``released_on``/``blocks`` filled later) plus the
    working columns ``unit`` (record, cluster, tile), ``record`` and ``score``; UTM 38N."""
    rng = stream(seed, "hazards")
    chas = pd.concat([_record_chas(records), _cluster_chas(minefields)], ignore_index=True)
    taken = shapely.union_all(chas["geometry"].to_numpy()) if len(chas) else shapely.GeometryCollection()
    intensity = land.factor / max(land.area_share, 1e-12)
    n_tiles = int(round(SUSPECTED_KM2 * 1e6 * land.area_share / TILE_M**2))
    shas = _tile_shas(land, hazard_tiles(land, seed), n_tiles, intensity, taken, rng)
    frame = pd.concat([chas, shas], ignore_index=True)
    frame = frame.loc[~shapely.is_empty(frame["geometry"].to_numpy())].reset_index(drop=True)
    frame["status"] = "open"
    frame["released_on"] = None
    frame["source"] = "SIMULATED national mine action database"
    frame["source_doc"] = "SIMULATED hazard register"
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=METRIC_CRS)


def blocked_assets(
    hazards: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, distance_m: float = 1000.0
) -> list[str]:
    """JSON list of the ids of settlements within ``distance_m`` of each hazard and of roads and power lines
    crossing it, one per hazard."""
    kinds = assets["asset_kind"].to_numpy()
    is_settle = kinds == "settlement"
    tree = shapely.STRtree(assets.geometry.to_numpy())
    h_idx, a_idx = tree.query(hazards.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
    geoms = assets.geometry.to_numpy()
    touching = shapely.intersects(hazards.geometry.to_numpy()[h_idx], geoms[a_idx])
    keep = is_settle[a_idx] | (touching & np.isin(kinds[a_idx], ["road", "power_line", "water", "school"]))
    pairs = pd.DataFrame({"h": h_idx[keep], "a": assets["id"].to_numpy()[a_idx[keep]]})
    grouped = pairs.groupby("h")["a"].agg(lambda s: json.dumps(sorted(s)))
    return [grouped.get(i, "[]") for i in range(len(hazards))]
