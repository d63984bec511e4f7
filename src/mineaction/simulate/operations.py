"""Survey and clearance since November 2020 (activities AT-...) at the national pace, and what they find.

Hazardous areas are worked in priority order (the 2022 discovery of new mines at once, handed-over records as
they arrive, then the most suspect tiles) at the yearly pace of FACTS.md times the scale factor. Non-technical
survey cancels part of some tiles, technical survey reduces others after sampling lanes, clearance and battle
area clearance (BAC) work the rest. Detection is imperfect, so residual devices remain in released land.
Productivity (m2 per deminer, dog or machine day) and cost (US$ 0.20 per m2 cleared) are FACTS.md defaults.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import format_id
from mineaction.simulate.progress import add_sweeps, sweep_progress
from mineaction.simulate.scales import END, METRIC_CRS, stream

__all__ = ["DETECTION", "RELEASED_HA", "detect", "schedule_activities"]

#: Hectares released nationally per year (2021-2024 and January-June 2025; 2022-2023 from FACTS.md, the rest
#: chosen so the total reaches about 218,000 ha by July 2025).
RELEASED_HA = {2020: 1_000, 2021: 45_000, 2022: 41_915, 2023: 53_082, 2024: 60_000, 2025: 18_000}
#: Probability that a pass detects a device in its polygon, by activity kind and device group.
DETECTION = {
    "clearance": {"mine": 0.95, "uxo": 0.97},
    "BAC": {"mine": 0.6, "uxo": 0.92},
    "TS": {"mine": 0.15, "uxo": 0.15},
}
#: Area worked a day by one team, m2 (manual 30 deminers x 25; dogs 4 x 400; machines 2 x 3,000).
TEAM_M2_PER_DAY = {"manual": 750.0, "dog": 1600.0, "mechanical": 6000.0, "mixed": 3000.0}
COST_USD_PER_M2 = {"cleared": 0.20, "reduced": 0.05, "cancelled": 0.005}
#: 2023 shares of land released by operator (FACTS.md).
OPERATOR_SHARES = {
    "OP-000001": 32_824,
    "OP-000002": 6_939,
    "OP-000003": 670,
    "OP-000004": 842,
    "OP-000005": 2_952,
    "OP-000006": 2_952,
    "OP-000007": 2_952,
    "OP-000008": 2_952,
}


def _timeline(factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative released m2 at the start of each period, and the period start dates (datetime64[D])."""
    starts = [np.datetime64("2020-11-15")] + [np.datetime64(f"{y}-01-01") for y in range(2021, 2026)]
    starts.append(np.datetime64(END))
    cum = np.concatenate([[0.0], np.cumsum([RELEASED_HA[y] * 1e4 * factor for y in sorted(RELEASED_HA)])])
    return cum, np.array(starts, dtype="datetime64[D]")


def _date_at(cum_m2: np.ndarray, cum: np.ndarray, starts: np.ndarray) -> np.ndarray:
    days = (starts - starts[0]).astype(float)
    return starts[0] + np.interp(cum_m2, cum, days, right=days[-1] + 1e9).astype("timedelta64[D]")


def _queue(hazards: gpd.GeoDataFrame, records: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Units to work in order with the date each becomes available."""
    h = hazards.reset_index(drop=True)
    avail = pd.to_datetime(h["reported_on"]).to_numpy().astype("datetime64[D]")
    key = np.zeros(len(h))
    rec = h["unit"].to_numpy() == "record"
    prio = records.set_index("id")["priority"]
    rank = prio.reindex(h.loc[rec, "record"]).to_numpy().astype(float)
    order = pd.Series(rank).rank(method="first").to_numpy()
    spread_days = np.where(avail[rec] > np.datetime64("2023-01-01"), 800.0, 300.0)
    avail[rec] = avail[rec] + (30 + order / max(len(order), 1) * spread_days).astype("timedelta64[D]")
    key[rec] = 1.0 + rank / max(len(rank), 1)
    tile = h["unit"].to_numpy() == "tile"
    key[tile] = 3.0 - h.loc[tile, "score"].to_numpy() / 10 + rng.uniform(0, 0.05, int(tile.sum()))
    return pd.DataFrame({"hazard": np.arange(len(h)), "key": key, "available": avail}).sort_values(
        "key", kind="stable"
    )


def _plan_unit(unit: str, contamination: str, rng: np.random.Generator) -> list[tuple[str, float]]:
    """Activities (kind, share of the area) for one hazardous area."""
    if unit != "tile":
        return [("clearance", 1.0)]
    draw = rng.uniform()
    if draw < 0.35:
        cancel = min(1.0, rng.uniform(0.3, 1.2))
        rest = "BAC" if contamination == "UXO" else "clearance"
        return [("NTS", cancel)] + ([(rest, 1.0 - cancel)] if cancel < 1.0 else [])
    if draw < 0.5:
        return [("TS", 1.0)]
    return [("BAC", 1.0)] if contamination == "UXO" else [("clearance", 1.0)]


def _split(geom: shapely.Geometry, share: float, first: bool) -> shapely.Geometry:
    minx, miny, maxx, maxy = geom.bounds
    cut = minx + share * (maxx - minx) if first else maxx - share * (maxx - minx)
    box = shapely.box(minx, miny, cut, maxy) if first else shapely.box(cut, miny, maxx, maxy)
    return shapely.intersection(geom, box)


def schedule_activities(
    hazards: gpd.GeoDataFrame, records: gpd.GeoDataFrame, *, factor: float, seed: int
) -> gpd.GeoDataFrame:
    """Activities with the ``activities`` schema's columns plus working columns ``area_m2`` and
    ``start``/``end``
    (datetime64); geometry is the worked (or cancelled) polygon in UTM 38N. Unfinished work on 30 June 2025
    has
    no ``ended_on``."""
    rng = stream(seed, "activities")
    cum, starts = _timeline(factor)
    used = 0.0
    rows = []
    geoms = hazards.geometry.to_numpy()
    for hz, avail in _queue(hazards, records, rng)[["hazard", "available"]].itertuples(index=False):
        unit, contamination = hazards["unit"].iat[hz], hazards["contamination"].iat[hz]
        if unit == "cluster":
            start = np.datetime64(hazards["reported_on"].iat[hz], "D") + 3
        else:
            start = max(_date_at(np.array([used]), cum, starts)[0], np.datetime64(avail, "D"))
        if start > np.datetime64(END):
            continue
        taken = 0.0
        for kind, share in _plan_unit(unit, contamination, rng):
            geom = (
                geoms[hz]
                if share >= 1.0
                else _split(geoms[hz], share if kind == "NTS" else 1 - taken, kind == "NTS")
            )
            rows.append((hz, kind, geom, start))
            taken += share
            start = start + int(rng.integers(5, 40))
        if unit != "cluster":
            used += float(shapely.area(geoms[hz]))
    return add_sweeps(_activity_frame(hazards, rows, rng), seed)


def _activity_frame(hazards: gpd.GeoDataFrame, rows: list, rng: np.random.Generator) -> gpd.GeoDataFrame:
    hz = np.array([r[0] for r in rows], int)
    kind = np.array([r[1] for r in rows], dtype=object)
    geom = np.array([r[2] for r in rows], dtype=object)
    start = np.array([r[3] for r in rows], dtype="datetime64[D]")
    area = shapely.area(geom)
    n = len(rows)
    method = np.where(
        kind == "clearance",
        rng.choice(["manual", "mechanical", "dog", "mixed"], n, p=[0.3, 0.35, 0.1, 0.25]),
        np.where(kind == "BAC", "mixed", np.where(kind == "TS", "mechanical", np.array(None, dtype=object))),
    )
    rate = np.array([TEAM_M2_PER_DAY.get(m, 20_000.0) if m else 20_000.0 for m in method])
    duration = np.clip(np.ceil(area / rate), 3, 240).astype(int)
    end = start + duration.astype("timedelta64[D]")
    done = end <= np.datetime64(END)
    elapsed = np.clip((np.datetime64(END) - start).astype(float) / duration, 0, 1)
    worked = area * np.where(done, 1.0, elapsed)
    cancelled = np.where(kind == "NTS", worked, 0.0)
    reduced = np.where(kind == "TS", 0.85 * worked, 0.0)
    cleared = np.where(
        kind == "TS", 0.15 * worked, np.where(np.isin(kind, ["clearance", "BAC"]), worked, 0.0)
    )
    frame = pd.DataFrame(
        {
            "activity_kind": kind,
            "hazardous_area": hazards["id"].to_numpy()[hz] if "id" in hazards else hz,
            "operator": _operators(rng, n),
            "district": hazards["district"].to_numpy()[hz],
            "started_on": start.astype(str),
            "ended_on": np.where(done, end.astype(str), None),
            "cancelled_m2": np.round(cancelled, 1),
            "reduced_m2": np.round(reduced, 1),
            "cleared_m2": np.round(cleared, 1),
            "method": method,
            **_effort(method, cleared, reduced, cancelled),
            "source": "SIMULATED operator completion reports",
            "source_doc": "SIMULATED monthly operations return",
            "recorded_at": [f"{d}T17:00:00Z" for d in np.minimum(end + 3, np.datetime64(END)).astype(str)],
            "area_m2": area,
            "start": start,
            "end": end,
            "hazard_index": hz,
        }
    )
    perm = frame.sort_values(["start", "hazard_index", "activity_kind"], kind="stable").index.to_numpy()
    frame = frame.iloc[perm].reset_index(drop=True)
    frame.insert(0, "id", [format_id("AT", k + 1) for k in range(len(frame))])
    return gpd.GeoDataFrame(frame, geometry=geom[perm], crs=METRIC_CRS)


def _operators(rng: np.random.Generator, n: int) -> np.ndarray:
    ids = np.array(list(OPERATOR_SHARES), dtype=object)
    share = np.array(list(OPERATOR_SHARES.values()), float)
    return ids[rng.choice(len(ids), n, p=share / share.sum())]


def _effort(method: np.ndarray, cleared: np.ndarray, reduced: np.ndarray, cancelled: np.ndarray) -> dict:
    manual = np.select([method == "manual", method == "mixed", method == "dog"], [1.0, 0.2, 0.1], 0.05)
    machine = np.select([method == "mechanical", method == "mixed"], [0.9, 0.7], 0.0)
    dog = np.select([method == "dog", method == "mixed"], [0.9, 0.1], 0.0)
    cost = cleared * COST_USD_PER_M2["cleared"] + reduced * COST_USD_PER_M2["reduced"]
    cost = cost + cancelled * COST_USD_PER_M2["cancelled"]
    return {
        "deminer_days": np.round(cleared * manual / 25.0, 1),
        "machine_days": np.round(cleared * machine / 3000.0, 1),
        "dog_days": np.round(cleared * dog / 400.0, 1),
        "cost_usd": np.round(cost, 2),
    }


def detect(devices: pd.DataFrame, activities: gpd.GeoDataFrame, seed: int, name: str) -> pd.DataFrame:
    """Which devices the activities find: ``device`` (row of ``devices``), ``activity`` (row of
    ``activities``) and ``found_on`` (datetime64[D]); the earliest detecting pass wins.

    A device is found on the day its lane is worked (``mineaction.simulate.progress``). A pass can only find
    a device laid before that day, and only on or before 30 June 2025.
    """
    rng = stream(seed, f"detect-{name}")
    worked = activities["activity_kind"].isin(list(DETECTION)).to_numpy()
    geoms = activities.geometry.to_numpy()
    tree = shapely.STRtree(np.where(worked, geoms, None))
    dev, act = tree.query(
        shapely.points(devices["x"].to_numpy(), devices["y"].to_numpy()), predicate="intersects"
    )
    group = np.where(np.isin(devices["category"].to_numpy()[dev], ["AP", "AT"]), "mine", "uxo")
    kinds = activities["activity_kind"].to_numpy()[act]
    p = np.array([DETECTION[k][g] for k, g in zip(kinds, group, strict=True)])
    start = activities["start"].to_numpy().astype("datetime64[D]")[act]
    span = (activities["end"].to_numpy().astype("datetime64[D]")[act] - start).astype(int)
    rng.uniform(size=len(act))  # drawn as before, so the detection draws below are unchanged
    progress = sweep_progress(activities, act, devices["x"].to_numpy()[dev], devices["y"].to_numpy()[dev])
    found_on = start + np.ceil(progress * span).astype(int).astype("timedelta64[D]")
    ok = (rng.uniform(size=len(act)) < p) & (found_on <= np.datetime64(END))
    ok &= devices["laid_on"].to_numpy().astype("datetime64[D]")[dev] < found_on
    hits = pd.DataFrame({"device": dev[ok], "activity": act[ok], "found_on": found_on[ok]})
    return (
        hits.sort_values(["found_on", "activity"], kind="stable")
        .drop_duplicates("device")
        .reset_index(drop=True)
    )
