"""Small hand-built scenes for the analysis tests: schema columns, placed in metres (UTM 38N), in WGS84."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

from mineaction.domain.schema import entity

X0, Y0 = 600_000.0, 4_400_000.0  # about 46.17 E 39.74 N, inside the Azerbaijan area of interest


def frame(kind: str, rows: list[dict[str, Any]], geoms: list[Any] | None = None) -> pd.DataFrame:
    """A frame of ``kind`` with every schema column; geometries given in metres relative to (X0, Y0)."""
    names = entity(kind).field_names
    data = pd.DataFrame([{n: row.get(n) for n in names} for row in rows], columns=list(names))
    if geoms is None:
        return data
    shifted = [shapely.affinity.translate(g, X0, Y0) if g is not None else None for g in geoms]
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(shifted, crs=32638)).to_crs(4326)


def build_records_scene() -> dict[str, pd.DataFrame]:
    """Three records, all processed: MR-1 accurate, MR-2 shifted 100 m from its mines, MR-3 has no mines.

    MR-4 is not processed (no activity covers it)."""
    rec_geoms = [box(0, 0, 100, 100), box(300, 0, 400, 100), box(600, 0, 700, 100), box(2000, 0, 2100, 100)]
    rows = [LineString([(10, 50), (90, 50)]), LineString([(310, 50), (390, 50)])]
    records = frame(
        "minefield_records",
        [
            {
                "id": "MR-000001",
                "handed_over_by": "side A",
                "claimed_total": 10,
                "mine_rows": json.dumps(
                    [{"line": shapely.affinity.translate(rows[0], X0, Y0).wkt, "model": "PMN-2", "count": 10}]
                ),
            },
            {"id": "MR-000002", "handed_over_by": "side A", "claimed_total": 10},
            {"id": "MR-000003", "handed_over_by": "side B", "claimed_total": 20},
            {"id": "MR-000004", "handed_over_by": "side B", "claimed_total": 5},
        ],
        rec_geoms,
    )
    # the mine_rows WKT must be in WGS84: rebuild it from the metric line
    line = gpd.GeoSeries([shapely.affinity.translate(rows[0], X0, Y0)], crs=32638).to_crs(4326).iloc[0]
    records.loc[0, "mine_rows"] = json.dumps([{"line": line.wkt, "model": "PMN-2", "count": 10}])
    finds_pts = [Point(10 + 8 * i, 50) for i in range(10)]  # on MR-1's row
    finds_pts += [Point(310 + 10 * i, 160) for i in range(8)]  # MR-2's mines lie 60 m north of it
    finds_pts += [Point(320, 110), Point(330, 115)]  # two within 25 m of MR-2's perimeter
    finds_pts += [Point(1500, 50)]  # a mine outside every record
    finds_pts += [Point(50, 40)]  # UXO inside MR-1: not a mine
    n = len(finds_pts)
    cats = ["AP"] * (n - 1) + ["UXO"]
    finds = frame(
        "finds",
        [
            {"id": f"EO-{i:06d}", "category": c, "found_on": date(2022, 5, 1), "activity": "AT-000001"}
            for i, c in enumerate(cats, 1)
        ],
        finds_pts,
    )
    activities = frame(
        "activities",
        [
            {
                "id": "AT-000001",
                "activity_kind": "clearance",
                "started_on": date(2022, 1, 1),
                "ended_on": date(2022, 6, 1),
                "cleared_m2": 100_000.0,
                "method": "manual",
                "deminer_days": 4000.0,
                "cost_usd": 20_000.0,
                "district": "Lachin",
                "operator": "OP-000001",
            }
        ],
        [box(-50, -50, 1600, 250)],
    )
    return {"minefield_records": records, "finds": finds, "activities": activities}
