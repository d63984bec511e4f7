"""Calibration figures of a scenario: each FACTS.md target next to the value the generated data actually has.

Every figure is computed from the *observed* frames a user would import (records, finds, activities,
accidents,
victims, funding, the 1991-2020 aggregates and the front-line context layer), in the metric CRS (UTM 38N,
metres), with the definitions of DESIGN.md section 5 (the same as ``mineaction.analysis``), so an analysis of
the imported data recovers them:

- **record_accuracy**: share of fully processed records (at least 90 % of the perimeter's area covered by the
  polygons of ended activities of any kind) that are *confirmed* (at least one AP/AT find within 25 m of the
  perimeter), *complete* (those finds / ``claimed_total`` within 0.5-1.5) and *positioned* (median distance of
  those finds to the record's nearest mine row, or to the perimeter without rows, at most 25 m);
- **record_recall**: share of AP/AT finds lying within 25 m of any record's perimeter;
- **outside_share_records**: share of located accidents strictly outside every record's perimeter;
- **outside_share_front_line**: share of located accidents farther than ``FRONT_ZONE_M`` (3 km) from the
  former
  line of contact (context layer ``front_line``);
- **casualties_per_year**: victims of accidents in the last full calendar year (2024);
- **killed_share**: killed / all victims since the ceasefire;
- **children_share**, **women_share**: victims under 18 / female, since 1991 (aggregates plus victim records);
- **hectares_released_per_year**: mean over 2021-2024 of cancelled + reduced + cleared ha of activities ended
  in the year;
- **finds_per_ha**: finds (all categories) / hectares cleared (``cleared_m2``) by all activities;
- **foreign_share**: funding from donors other than the national state / all funding (US$).
- **eore_children_per_year**: children (girls and boys) reached by risk education in schools a year, mean
  over 2021-2024 (people; FACTS.md: about 55,000 a year in 1,200 schools).

National figures (casualties, hectares, money) are multiplied by the scenario's scale factor. Record recall
has no direct public figure: FACTS.md quotes maps "2 % effective" (probably mine level) and Bosnia's records
holding 50-60 % of the mines; 0.20 is a design value between them, consistent with records 25 % accurate.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.simulate.eore import children_per_year
from mineaction.simulate.scales import METRIC_CRS

__all__ = ["FRONT_ZONE_M", "TARGETS", "TOLERANCE_M", "calibration_report", "measure", "record_table"]

#: Width of the former front-line zone on each side of the line of contact, m.
FRONT_ZONE_M = 3000.0
#: Positional tolerance (m) and completeness band of the record metrics (the settings' defaults).
TOLERANCE_M = 25.0
BAND = (0.5, 1.5)
PROCESSED_MIN = 0.9

#: target, whether it scales with the scenario, and the tolerance: ("abs", d) or ("range", lo, hi) or
#: ("rel", r).
TARGETS: dict[str, tuple[float, bool, tuple]] = {
    "record_accuracy": (0.25, False, ("abs", 0.05)),
    "record_recall": (0.20, False, ("rel", 0.2)),
    "outside_share_records": (0.60, False, ("range", 0.55, 0.65)),
    "outside_share_front_line": (0.71, False, ("rel", 0.2)),
    "casualties_per_year": (40.0, True, ("rel", 0.2)),
    "killed_share": (0.18, False, ("rel", 0.2)),
    "children_share": (0.105, False, ("rel", 0.2)),
    "women_share": (0.011, False, ("rel", 0.2)),
    "hectares_released_per_year": (55_000.0, True, ("rel", 0.2)),
    "finds_per_ha": (0.6, False, ("rel", 0.2)),
    "foreign_share": (0.06, False, ("rel", 0.2)),
    "eore_children_per_year": (55_000.0, True, ("rel", 0.2)),
}


def _metric(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs).to_crs(METRIC_CRS)


def _row_lines(records: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    lines: dict[str, shapely.Geometry] = {}
    for rid, text in zip(records["id"], records["mine_rows"], strict=True):
        rows = json.loads(text) if isinstance(text, str) and text else []
        if rows:
            geoms = gpd.GeoSeries.from_wkt([r["line"] for r in rows], crs="EPSG:4326").to_crs(METRIC_CRS)
            lines[rid] = shapely.union_all(geoms.to_numpy())
    return lines


def record_table(
    records: gpd.GeoDataFrame, finds: gpd.GeoDataFrame, activities: gpd.GeoDataFrame
) -> pd.DataFrame:
    """One row per record: ``id, processed_share, n_finds, median_offset_m, confirmed, complete, positioned,
    accurate`` (frames in any CRS; distances in m)."""
    rec, fnd, act = _metric(records), _metric(finds), _metric(activities)
    ended = act.loc[act["ended_on"].notna()].geometry.to_numpy()
    covered = shapely.union_all(ended) if len(ended) else shapely.GeometryCollection()
    geoms = rec.geometry.to_numpy()
    share = shapely.area(shapely.intersection(geoms, covered)) / shapely.area(geoms)
    mines = fnd.loc[fnd["category"].isin(["AP", "AT"])]
    f_idx, r_idx = shapely.STRtree(geoms).query(
        mines.geometry.to_numpy(), predicate="dwithin", distance=TOLERANCE_M
    )
    pts = mines.geometry.to_numpy()[f_idx]
    lines = _row_lines(rec)
    ids = rec["id"].to_numpy()
    target = np.array([lines.get(ids[r], geoms[r]) for r in r_idx], dtype=object)
    matched = pd.DataFrame({"record": ids[r_idx], "offset": shapely.distance(pts, target)})
    stats = matched.groupby("record")["offset"].agg(["size", "median"])
    out = pd.DataFrame({"id": ids, "processed_share": share})
    out["n_finds"] = out["id"].map(stats["size"]).fillna(0).astype(int)
    out["median_offset_m"] = out["id"].map(stats["median"])
    ratio = out["n_finds"] / rec["claimed_total"].astype(float).where(lambda s: s > 0).to_numpy()
    out["confirmed"] = out["n_finds"] > 0
    out["complete"] = ratio.between(*BAND).fillna(False).astype(bool)
    out["positioned"] = (out["median_offset_m"] <= TOLERANCE_M).fillna(False).astype(bool)
    out["accurate"] = out["confirmed"] & out["complete"] & out["positioned"]
    out["processed"] = out["processed_share"] >= PROCESSED_MIN
    return out


def _outside(points: gpd.GeoDataFrame, geoms: np.ndarray, distance: float) -> np.ndarray:
    outside = np.ones(len(points), bool)
    if len(geoms) and len(points):
        idx = shapely.STRtree(geoms).query(
            points.geometry.to_numpy(),
            predicate="dwithin" if distance > 0 else "intersects",
            **({"distance": distance} if distance > 0 else {}),
        )
        outside[idx[0]] = False
    return outside


def measure(layers: dict[str, pd.DataFrame], history: pd.DataFrame) -> dict[str, float]:
    """The actual value of every figure of ``TARGETS`` in ``layers`` (observed frames keyed by kind)."""
    rec, finds, acts = layers["minefield_records"], layers["finds"], layers["activities"]
    table = record_table(rec, finds, acts)
    done = table.loc[table["processed"]]
    acc = _metric(layers["accidents"].loc[layers["accidents"]["geometry"].notna()])
    rec_m = _metric(rec).geometry.to_numpy()
    mines = _metric(finds.loc[finds["category"].isin(["AP", "AT"])])
    ctx = _metric(layers["context_layers"])
    front = ctx.loc[ctx["layer_kind"] == "front_line"].geometry.to_numpy()
    victims = layers["victims"].merge(
        layers["accidents"][["id", "occurred_on"]], left_on="accident", right_on="id", suffixes=("", "_acc")
    )
    year = victims["occurred_on"].astype(str).str[:4].astype(int)
    ended = acts.loc[acts["ended_on"].notna()]
    released = (ended["cancelled_m2"] + ended["reduced_m2"] + ended["cleared_m2"]) / 1e4
    by_year = released.groupby(ended["ended_on"].astype(str).str[:4].astype(int)).sum()
    funding = layers["funding"]
    n_all = len(victims) + history["victims"].sum()
    return {
        "record_accuracy": float(done["accurate"].mean()) if len(done) else float("nan"),
        "record_recall": float((~_outside(mines, rec_m, TOLERANCE_M)).mean()) if len(mines) else float("nan"),
        "outside_share_records": float(_outside(acc, rec_m, 0.0).mean()) if len(acc) else float("nan"),
        "outside_share_front_line": float(_outside(acc, front, FRONT_ZONE_M).mean())
        if len(acc)
        else float("nan"),
        "casualties_per_year": float((year == 2024).sum()),
        "killed_share": float((victims["outcome"] == "killed").mean()) if len(victims) else float("nan"),
        "children_share": float(((victims["age"] < 18).sum() + history["children"].sum()) / max(n_all, 1)),
        "women_share": float(((victims["sex"] == "female").sum() + history["women"].sum()) / max(n_all, 1)),
        "hectares_released_per_year": float(by_year.reindex(range(2021, 2025), fill_value=0.0).mean()),
        "finds_per_ha": float(len(finds) / max(acts["cleared_m2"].sum() / 1e4, 1e-9)),
        "foreign_share": float(
            funding.loc[funding["donor_kind"] != "national_state", "amount_usd"].sum()
            / funding["amount_usd"].sum()
        ),
        "eore_children_per_year": children_per_year(layers["risk_education"])
        if "risk_education" in layers
        else float("nan"),
    }


def _tolerance(target: float, rule: tuple) -> tuple[float, float]:
    if rule[0] == "abs":
        return target - rule[1], target + rule[1]
    if rule[0] == "range":
        return rule[1], rule[2]
    return target * (1 - rule[1]), target * (1 + rule[1])


def calibration_report(
    layers: dict[str, pd.DataFrame], history: pd.DataFrame, factor: float
) -> dict[str, Any]:
    """``{figure: {"target", "actual", "low", "high", "within"}}`` for every figure of ``TARGETS``; national
    targets are multiplied by ``factor``; ``low``/``high`` are the accepted range."""
    actual = measure(layers, history)
    out: dict[str, Any] = {}
    for name, (target, scaled, rule) in TARGETS.items():
        goal = target * factor if scaled else target
        low, high = _tolerance(goal, rule)
        value = actual[name]
        out[name] = {
            "target": round(goal, 4),
            "actual": round(value, 4),
            "low": round(low, 4),
            "high": round(high, 4),
            "within": bool(low <= value <= high),
        }
    return out
