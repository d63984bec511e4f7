"""Observed frames of a scenario: what a user would import, in WGS84 with the schema's columns, and the truth.

Turns the simulator's working frames (metric CRS, with truth columns) into one frame per kind of
``mineaction.domain.schema.ENTITIES``: finds from the devices the activities found, hazardous areas with their
status, released date and blocked assets (plus CHAs opened after accidents), admin areas and context layers.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import entity, format_id
from mineaction.simulate.hazards import blocked_assets
from mineaction.simulate.landscape import Landscape, to_wgs84_xy
from mineaction.simulate.progress import elapsed_share, lane_table, sweep_progress, worked_part
from mineaction.simulate.scales import END, METRIC_CRS, stream

__all__ = ["finds_frame", "observed_layers", "with_schema"]


def with_schema(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns of ``kind`` in order (missing ones empty), plus geometry
    in EPSG:4326 for kinds that have one."""
    spec = entity(kind)
    out = pd.DataFrame(
        {name: frame[name].to_numpy() if name in frame else None for name in spec.field_names},
        index=frame.index,
    )
    if spec.geometry is None:
        return out.reset_index(drop=True)
    geo = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=frame.crs or METRIC_CRS)
    return geo.to_crs("EPSG:4326").reset_index(drop=True)


def finds_frame(
    devices: pd.DataFrame, hits: pd.DataFrame, activities: gpd.GeoDataFrame, seed: int
) -> gpd.GeoDataFrame:
    """Finds (EO-...) of the devices in ``hits``, in UTM 38N, ordered by date; ``device`` links the truth."""
    rng = stream(seed, "finds")
    d = hits["device"].to_numpy()
    a = hits["activity"].to_numpy()
    dev = devices.iloc[d]
    model = dev["model"].to_numpy()
    readable = (model == "PMN-E") | (rng.uniform(size=len(d)) < 0.35)
    found = hits["found_on"].to_numpy().astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "source": "SIMULATED operator find reports",
            "source_doc": activities["id"].to_numpy()[a],
            "recorded_at": [f"{s}T16:00:00Z" for s in np.minimum(found + 1, np.datetime64(END)).astype(str)],
            "category": dev["category"].to_numpy(),
            "model": model,
            "manufacture_year": pd.array(
                np.where(readable, dev["manufacture_year"].to_numpy(), 0), dtype="Int64"
            ),
            "found_on": found.astype(str),
            "depth_cm": dev["depth_cm"].to_numpy(),
            "condition": rng.choice(
                ["armed", "unarmed", "damaged", "unknown"], len(d), p=[0.6, 0.15, 0.15, 0.1]
            ),
            "activity": activities["id"].to_numpy()[a],
            "hazardous_area": activities["hazardous_area"].to_numpy()[a],
            "district": activities["district"].to_numpy()[a],
            "device": d,
        }
    )
    frame.loc[~readable, "manufacture_year"] = pd.NA
    frame = gpd.GeoDataFrame(
        frame, geometry=shapely.points(dev["x"].to_numpy(), dev["y"].to_numpy()), crs=METRIC_CRS
    )
    # within a day, finds are numbered in the order their lanes were worked
    frame["progress"] = sweep_progress(activities, a, dev["x"].to_numpy(), dev["y"].to_numpy())
    frame = frame.sort_values(["found_on", "activity", "progress", "device"], kind="stable")
    frame = frame.drop(columns="progress").reset_index(drop=True)
    frame.insert(0, "id", [format_id("EO", k + 1) for k in range(len(frame))])
    return frame


def _hazard_status(hazards: gpd.GeoDataFrame, activities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = hazards.copy()
    idx = activities["hazard_index"].to_numpy()
    ended = activities["ended_on"].notna().to_numpy()
    started = pd.Series(True, index=np.unique(idx))
    all_done = pd.Series(ended).groupby(idx).all()
    last = pd.Series(activities["ended_on"].to_numpy()).groupby(idx).max()
    status = np.full(len(out), "open", dtype=object)
    status[started.index.to_numpy()] = "in_progress"
    done = all_done.index.to_numpy()[all_done.to_numpy()]
    status[done] = "released"
    out["status"] = status
    out["released_on"] = None
    out.loc[done, "released_on"] = last.loc[done].to_numpy()
    first = pd.Series(activities["started_on"].to_numpy()).groupby(idx).min()
    changed = out["reported_on"].to_numpy().copy()
    changed[started.index.to_numpy()] = first.loc[started.index].to_numpy()
    changed[done] = last.loc[done].to_numpy()
    out["changed_on"] = changed
    return out


def _accident_hazards(accidents: gpd.GeoDataFrame, hazards: gpd.GeoDataFrame, start: int) -> gpd.GeoDataFrame:
    """A CHA (100 m radius) around each accident that lay outside every hazardous area, reported a week on."""
    inside = np.zeros(len(accidents), bool)
    inside[
        shapely.STRtree(hazards.geometry.to_numpy()).query(
            accidents.geometry.to_numpy(), predicate="intersects"
        )[0]
    ] = True
    acc = accidents.loc[~inside]
    reported = (acc["occurred_on"].to_numpy().astype("datetime64[D]") + 7).astype(str)
    frame = pd.DataFrame(
        {
            "id": [format_id("HA", start + k + 1) for k in range(len(acc))],
            "name": "SIMULATED CHA after accident " + acc["id"],
            "hazard_kind": "CHA",
            "status": "open",
            "district": acc["district"].to_numpy(),
            "contamination": np.where(acc["category"].isin(["AP", "AT"]), acc["category"], "UXO"),
            "reported_on": reported,
            "evidence": [
                json.dumps(
                    [{"direct": True, "ids": [a], "kind": "accident", "source": "SIMULATED incident report"}],
                    sort_keys=True,
                )
                for a in acc["id"]
            ],
            "confidence": 0.9,
            "source": "SIMULATED national mine action database",
            "source_doc": "SIMULATED hazard register",
        }
    )
    return gpd.GeoDataFrame(
        frame, geometry=shapely.buffer(acc.geometry.to_numpy(), 100.0, quad_segs=4), crs=METRIC_CRS
    )


def _admin_areas(land: Landscape) -> gpd.GeoDataFrame:
    d = land.districts
    frame = pd.DataFrame(
        {
            "id": [format_id("AD", k + 1) for k in range(len(d))],
            "code": d["code"],
            "name": d["name"],
            "level": "district",
            "parent_code": "AZ",
            "name_az": d["name_az"],
            "name_ru": d["name_ru"],
            "source": "SIMULATED district outlines (Voronoi of centres)",
            "source_doc": "SIMULATED admin boundaries",
            "recorded_at": "2020-12-01T00:00:00Z",
        }
    )
    return gpd.GeoDataFrame(frame, geometry=d.geometry.to_numpy(), crs=METRIC_CRS)


def _context(land: Landscape) -> gpd.GeoDataFrame:
    roads = land.assets.loc[
        (land.assets["asset_kind"] == "road") & (land.assets.geometry.geom_type == "LineString")
    ]
    lon0, lat0 = land.dem_origin
    h, w = land.dem.shape
    dem_box = shapely.box(lon0, lat0 - h * land.dem_step, lon0 + w * land.dem_step, lat0)
    dem_geom = gpd.GeoSeries([dem_box], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    rows = (
        [
            (
                "front_line",
                "SIMULATED former line of contact (1994-2020), approximate",
                land.front_line,
                None,
            ),
            ("area_of_interest", "SIMULATED region outline", land.region, None),
            ("dem", "SIMULATED digital elevation model", dem_geom, "dem.tif"),
        ]
        + [("river", n, g, None) for n, g in zip(land.rivers["name"], land.rivers.geometry, strict=True)]
        + [("road", n, g, None) for n, g in zip(roads["name"], roads.geometry, strict=True)]
    )
    frame = pd.DataFrame(
        {
            "id": [format_id("CL", k + 1) for k in range(len(rows))],
            "layer_kind": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "observed_on": "2020-12-01",
            "raster_path": [r[3] for r in rows],
            "source": "SIMULATED landscape",
            "source_doc": "SIMULATED context layers",
            "recorded_at": "2020-12-01T00:00:00Z",
        }
    )
    return gpd.GeoDataFrame(frame, geometry=[r[2] for r in rows], crs=METRIC_CRS)


def _worked_now(acts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Activities whose worked polygon is the land worked by 30 June 2025 (cut along the lanes for work still
    in progress). An activity tasked but not begun by then (it starts later) keeps its task polygon: cut at
    nothing worked, it would be an empty polygon or a sliver of its edge, which no register accepts."""
    share = np.where(acts["ended_on"].notna().to_numpy(), 1.0, elapsed_share(acts))
    worked = worked_part(acts, share)
    not_begun = share <= 0.0
    worked[not_begun] = acts.geometry.to_numpy()[not_begun]
    return acts.set_geometry(gpd.GeoSeries(worked, index=acts.index, crs=acts.crs))


def _true_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The true mine rows as WKT lines in WGS84: ``minefield, line, category, model, count, spacing_m``."""
    lon0, lat0 = to_wgs84_xy(rows["x0"].to_numpy(), rows["y0"].to_numpy())
    lon1, lat1 = to_wgs84_xy(rows["x1"].to_numpy(), rows["y1"].to_numpy())
    lines = [
        f"LINESTRING ({a:.7f} {b:.7f}, {c:.7f} {d:.7f})"
        for a, b, c, d in zip(lon0, lat0, lon1, lat1, strict=True)
    ]
    return pd.DataFrame(
        {
            "minefield": rows["minefield"].to_numpy(),
            "line": lines,
            "category": rows["category"].to_numpy(),
            "model": rows["model"].to_numpy(),
            "count": rows["count"].to_numpy(),
            "spacing_m": np.round(rows["spacing_m"].to_numpy(), 2),
        }
    )


def _truth(parts: dict[str, Any], finds: gpd.GeoDataFrame, accidents: gpd.GeoDataFrame) -> dict[str, Any]:
    devices = parts["devices"].copy()
    lon, lat = (
        gpd.GeoSeries(shapely.points(devices["x"], devices["y"]), crs=METRIC_CRS)
        .to_crs("EPSG:4326")
        .pipe(lambda s: (s.x.to_numpy(), s.y.to_numpy()))
    )
    devices.insert(0, "device_id", [f"TD-{k + 1:07d}" for k in range(len(devices))])
    devices["lon"], devices["lat"] = lon, lat
    devices["laid_on"] = devices["laid_on"].to_numpy().astype("datetime64[D]").astype(str)
    devices["find"] = (
        pd.Series(finds["id"].to_numpy(), index=finds["device"].to_numpy()).reindex(devices.index).to_numpy()
    )
    devices["accident"] = (
        pd.Series(accidents["id"].to_numpy(), index=accidents["device"].to_numpy())
        .reindex(devices.index)
        .to_numpy()
    )
    devices = devices.drop(columns=["x", "y"])
    mf = parts["minefields"]
    minefields = gpd.GeoDataFrame(
        mf[["minefield", "kind", "side", "district"]].assign(
            laid_on=mf["laid_on"].to_numpy().astype("datetime64[D]").astype(str)
        ),
        geometry=mf.geometry.to_numpy(),
        crs=METRIC_CRS,
    ).to_crs("EPSG:4326")
    records = parts["records"][["id", "minefield", "fate", "priority"]].rename(columns={"id": "record"})
    acts = parts["activities"]
    lanes = lane_table(acts, acts["id"].to_numpy()).to_crs("EPSG:4326")
    return {
        "devices": devices,
        "minefields": minefields,
        "records": records,
        "mine_rows": _true_rows(parts["rows"]),
        "lanes": lanes,
    }


def observed_layers(
    parts: dict[str, Any],
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, Any]]:
    """Observed frames keyed by kind (EPSG:4326, schema columns; the state on 30 June 2025, ``recorded_at``
    the date of that state), earlier states keyed by kind (hazardous areas as first reported, all open), and
    the truth frames, from the simulator's working ``parts`` (see ``mineaction.simulate.scenario``)."""
    land, acts = parts["land"], parts["activities"]
    finds = finds_frame(parts["devices"], parts["hits"], acts, parts["seed"])
    hazards = _hazard_status(parts["hazards"], acts)
    extra = _accident_hazards(parts["accidents"], hazards, len(hazards))
    hazards = gpd.GeoDataFrame(
        pd.concat([hazards, extra], ignore_index=True), geometry="geometry", crs=METRIC_CRS
    )
    hazards["blocks"] = blocked_assets(hazards, land.assets)
    hazards["changed_on"] = hazards["changed_on"].fillna(hazards["reported_on"])
    reported = hazards.assign(
        status="open", released_on=None, recorded_at=[f"{d}T08:00:00Z" for d in hazards["reported_on"]]
    )
    hazards["recorded_at"] = [f"{d}T08:00:00Z" for d in hazards["changed_on"]]
    layers = {
        "hazardous_areas": with_schema(hazards, "hazardous_areas"),
        "minefield_records": with_schema(parts["records"], "minefield_records"),
        "activities": with_schema(_worked_now(acts), "activities"),
        "finds": with_schema(finds, "finds"),
        "accidents": with_schema(parts["accidents"], "accidents"),
        "victims": with_schema(parts["victims"], "victims"),
        "risk_education": with_schema(parts["risk_education"], "risk_education"),
        "survivor_needs": with_schema(parts["survivor_needs"], "survivor_needs"),
        "survivor_services": with_schema(parts["survivor_services"], "survivor_services"),
        "funding": with_schema(parts["funding"], "funding"),
        "assets": with_schema(land.assets.assign(recorded_at="2021-03-01T00:00:00Z"), "assets"),
        "operators": with_schema(parts["operators"], "operators"),
        "admin_areas": with_schema(_admin_areas(land), "admin_areas"),
        "context_layers": with_schema(_context(land), "context_layers"),
    }
    earlier = {"hazardous_areas": with_schema(reported, "hazardous_areas")}
    return layers, earlier, _truth(parts, finds, parts["accidents"])
