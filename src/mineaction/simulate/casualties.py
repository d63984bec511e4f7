"""Accidents (AC-...) and victims (VI-...) since the November 2020 ceasefire, and 1991-2020 casualty
aggregates.

Yearly casualties follow the public series (FACTS.md) times the scale factor. Each accident is set off by a
true
device still live on its date, chosen by exposure (returned families, roads, fields, cemeteries, springs) x
contamination. The place of the accident is drawn stratum by stratum (inside or outside the minefield
records x
inside or outside the former front-line zone) in fixed proportions: that is the calibration of "about 60 % of
accidents outside the records" and "71 % outside the former line of contact" (FACTS.md). Victims' age, sex,
outcome and group are dealt in exact shares. All SIMULATED.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import format_id
from mineaction.simulate.landscape import Landscape, district_of
from mineaction.simulate.resources import returned_share
from mineaction.simulate.scales import METRIC_CRS, stream

__all__ = [
    "CASUALTIES",
    "HISTORY_TOTALS",
    "STRATA",
    "accident_frame",
    "exact_flags",
    "history_aggregates",
    "make_accidents",
    "make_victims",
]

#: Casualties (victims) a year since the ceasefire (2020: 10 Nov-31 Dec; 2025: January-June), FACTS.md series.
CASUALTIES = {2020: 30, 2021: 167, 2022: 60, 2023: 84, 2024: 41, 2025: 10}
#: Share of accidents per stratum (inside records, inside the front-line zone).
STRATA = {(True, True): 0.22, (True, False): 0.18, (False, True): 0.07, (False, False): 0.53}
#: Share of victims per group, post-war (FACTS.md: civilians 0.47).
GROUPS = {"military": 0.45, "deminer": 0.08, "civilian": 0.47}
KILLED_SHARE = 0.18
CHILD_SHARE_CIVILIAN = 0.10
WOMEN_SHARE_CIVILIAN = 0.01
#: Victims 10 Jan 1991 - 9 Nov 2020 (aggregates), chosen so the since-1991 totals match FACTS.md
#: (about 3,400 victims, 359 children, 38 women, 595 killed) once the post-war victims are added.
HISTORY_TOTALS = {"victims": 3_040, "killed": 530, "children": 345, "women": 36}
_CATEGORY_WEIGHT = {"AP": 1.0, "AT": 0.25, "UXO": 0.15, "cluster": 0.4}
_SIZES = np.array([1, 2, 3, 4])
_SIZE_P = np.array([0.72, 0.18, 0.07, 0.03])


def exact_flags(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean array of ``n`` with exactly round(share x n) True values at random places."""
    flags = np.zeros(n, bool)
    flags[rng.permutation(n)[: int(round(share * n))]] = True
    return flags


def _deal(n: int, shares: dict, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels in exact proportions (largest remainder), shuffled."""
    keys = list(shares)
    raw = np.array([shares[k] for k in keys]) * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts))[: n - counts.sum()]] += 1
    labels = np.empty(n, dtype=object)
    labels[:] = [keys[i] for i in np.repeat(np.arange(len(keys)), counts)]
    return labels[rng.permutation(n)]


def _accident_plan(factor: float, rng: np.random.Generator) -> pd.DataFrame:
    cum = np.cumsum([v for v in CASUALTIES.values()]) * factor
    per_year = np.diff(np.concatenate([[0], np.round(cum)])).astype(int)
    rows = []
    for year, victims in zip(CASUALTIES, per_year, strict=True):
        lo = np.datetime64("2020-11-10") if year == 2020 else np.datetime64(f"{year}-01-01")
        hi = np.datetime64("2025-06-30") if year == 2025 else np.datetime64(f"{year}-12-31")
        while victims > 0:
            size = int(min(victims, rng.choice(_SIZES, p=_SIZE_P)))
            rows.append((year, lo + int(rng.integers(0, int((hi - lo).astype(int)) + 1)), size))
            victims -= size
    plan = pd.DataFrame(rows, columns=["year", "date", "victims"]).sort_values("date", kind="stable")
    return plan.reset_index(drop=True)


def _exposure(land: Landscape, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Static exposure parts of each point: (settlement index, settlement weight, other weight)."""
    pts = shapely.points(x, y)
    assets = land.assets
    settle = assets.loc[assets["asset_kind"] == "settlement"]
    s_idx, d_s = shapely.STRtree(settle.geometry.to_numpy()).query_nearest(
        pts, return_distance=True, all_matches=False
    )
    other = np.full(len(x), 0.05)
    for kind, scale_m, weight in (
        ("road", 200.0, 0.5),
        ("cemetery", 300.0, 0.4),
        ("water", 300.0, 0.4),
        ("farmland", 50.0, 0.8),
    ):
        geoms = assets.loc[assets["asset_kind"] == kind].geometry.to_numpy()
        if len(geoms):
            _, d = shapely.STRtree(geoms).query_nearest(pts, return_distance=True, all_matches=False)
            other = other + weight * np.exp(-d / scale_m)
    return s_idx[1], np.exp(-d_s / 1500.0), other


def make_accidents(
    land: Landscape,
    devices: pd.DataFrame,
    found_on: np.ndarray,
    records: gpd.GeoDataFrame,
    returns: pd.DataFrame,
    front_zone_m: float,
    seed: int,
) -> pd.DataFrame:
    """Accidents on true devices: ``year, date, victims, stratum, group, device`` (row of ``devices``).

    ``found_on`` (datetime64[D], NaT if never) is when each device would be found; a device is live on a day
    when laid before it and not found or set off by then. Deminers' accidents happen on a device an
    activity was about to find, on that day.
    """
    rng = stream(seed, "accidents")
    plan = _accident_plan(land.factor, rng)
    x, y = devices["x"].to_numpy(), devices["y"].to_numpy()
    pts = shapely.points(x, y)
    in_rec = np.zeros(len(x), bool)
    if len(records):
        in_rec[shapely.STRtree(records.geometry.to_numpy()).query(pts, predicate="intersects")[0]] = True
    in_front = shapely.distance(pts, land.front_line) <= front_zone_m
    s_idx, s_w, other = _exposure(land, x, y)
    base = np.array([_CATEGORY_WEIGHT.get(c, 0.2) for c in devices["category"]]) * other
    settle_ids = land.assets.loc[land.assets["asset_kind"] == "settlement", "id"].to_numpy()
    share = {
        year: returned_share(returns, land.assets, year).reindex(settle_ids).to_numpy()[s_idx]
        for year in CASUALTIES
    }
    laid = devices["laid_on"].to_numpy().astype("datetime64[D]")
    plan["stratum"] = _deal(len(plan), STRATA, rng)
    plan["group"] = _groups(plan, rng)
    dates = plan["date"].to_numpy().astype("datetime64[D]")
    used = np.zeros(len(x), bool)
    chosen = np.full(len(plan), -1)
    for i, (year, stratum, group) in enumerate(plan[["year", "stratum", "group"]].itertuples(index=False)):
        in_stratum = (in_rec == stratum[0]) & (in_front == stratum[1])
        if group == "deminer":
            year_end = np.datetime64(f"{year}-12-31") if year < 2025 else np.datetime64("2025-06-30")
            near = (found_on >= dates[i]) & (found_on <= min(dates[i] + 90, year_end)) & ~used
            pool = near & in_stratum if (near & in_stratum).any() else near
            if pool.any():
                chosen[i] = rng.choice(np.flatnonzero(pool))
                dates[i] = found_on[chosen[i]]
                used[chosen[i]] = True
                continue
        live = (laid < dates[i]) & ~used & ~(found_on <= dates[i])
        pool = live & in_stratum if (live & in_stratum).any() else live
        if not pool.any():
            continue
        w = np.where(pool, base + s_w * (0.3 + share[year]), 0.0)
        chosen[i] = rng.choice(len(w), p=w / w.sum())
        used[chosen[i]] = True
    plan["device"] = chosen
    plan["date"] = dates
    plan = plan.loc[plan["device"] >= 0].sort_values("date", kind="stable")
    return plan.reset_index(drop=True)


def _groups(plan: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    key = rng.uniform(size=len(plan)) + np.where(plan["year"] <= 2021, 0.6, 0.0)
    order = np.argsort(-key, kind="stable")
    cum = np.cumsum(plan["victims"].to_numpy()[order]) / max(plan["victims"].sum(), 1)
    labels = np.where(
        cum <= GROUPS["military"] + 1e-9,
        "military",
        np.where(cum <= GROUPS["military"] + GROUPS["deminer"] + 1e-9, "deminer", "civilian"),
    )
    out = np.empty(len(plan), dtype=object)
    out[order] = labels
    return out


def _setting(land: Landscape, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pts = shapely.points(x, y)
    assets = land.assets
    out = np.where(land.elevation(x, y) > 1000, "forest", "pasture").astype(object)
    for kind, dist, label in (
        ("water", 150.0, "water_source"),
        ("cemetery", 150.0, "cemetery"),
        ("farmland", 0.0, "farmland"),
        ("road", 60.0, "road"),
        ("settlement", 400.0, "settlement"),
    ):
        geoms = assets.loc[assets["asset_kind"] == kind].geometry.to_numpy()
        if len(geoms):
            hit = shapely.STRtree(geoms).query(pts, predicate="dwithin", distance=max(dist, 1e-6))[0]
            out[hit] = label
    return out


_ACTIVITY = {
    "farmland": "farming",
    "pasture": "herding",
    "road": "travelling",
    "settlement": "construction",
    "cemetery": "other",
    "water_source": "collecting",
    "forest": "collecting",
    "infrastructure_site": "construction",
}


def accident_frame(land: Landscape, plan: pd.DataFrame, devices: pd.DataFrame) -> gpd.GeoDataFrame:
    """Accidents with the ``accidents`` schema's columns (UTM 38N points) plus ``device`` and ``group``."""
    d = plan["device"].to_numpy()
    x, y = devices["x"].to_numpy()[d], devices["y"].to_numpy()[d]
    setting = _setting(land, x, y)
    group = plan["group"].to_numpy()
    activity = np.where(
        group == "deminer",
        "demining",
        np.where(group == "military", "military", [_ACTIVITY.get(s, "other") for s in setting]),
    )
    date = plan["date"].to_numpy().astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "id": [format_id("AC", k + 1) for k in range(len(plan))],
            "source": "SIMULATED police and ANAMA incident reports",
            "source_doc": [f"SIMULATED incident report {k + 1}" for k in range(len(plan))],
            "recorded_at": [f"{s}T10:00:00Z" for s in (date + 2).astype(str)],
            "occurred_on": date.astype(str),
            "category": devices["category"].to_numpy()[d],
            "model": devices["model"].to_numpy()[d],
            "setting": setting,
            "activity_at_time": activity,
            "demining": group == "deminer",
            "district": district_of(land.districts, x, y),
            "location_known": True,
            "device": d,
            "group": group,
            "victims": plan["victims"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=METRIC_CRS)


def make_victims(accidents: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Victims with the ``victims`` schema's columns: exact shares of killed (0.18), and among civilians of
    children (0.10) and women (0.01); military and deminers are adult men."""
    rng = stream(seed, "victims")
    acc = np.repeat(np.arange(len(accidents)), accidents["victims"].to_numpy())
    group = accidents["group"].to_numpy()[acc]
    n = len(acc)
    civ = np.flatnonzero(group == "civilian")
    child = np.zeros(n, bool)
    child[civ] = exact_flags(len(civ), CHILD_SHARE_CIVILIAN, rng)
    female = np.zeros(n, bool)
    female[civ] = exact_flags(len(civ), WOMEN_SHARE_CIVILIAN, rng)
    age = np.where(
        child,
        rng.integers(6, 18, n),
        np.where(group == "civilian", rng.integers(18, 76, n), rng.integers(19, 50, n)),
    )
    return pd.DataFrame(
        {
            "id": [format_id("VI", k + 1) for k in range(n)],
            "source": "SIMULATED victim register",
            "source_doc": "SIMULATED victim register",
            "recorded_at": accidents["recorded_at"].to_numpy()[acc],
            "accident": accidents["id"].to_numpy()[acc],
            "age": age,
            "sex": np.where(female, "female", "male"),
            "outcome": np.where(exact_flags(n, KILLED_SHARE, rng), "killed", "injured"),
            "victim_group": group,
            "name": None,
            "contact": None,
        }
    )


def history_aggregates(factor: float) -> pd.DataFrame:
    """Yearly casualty aggregates 1991 to 9 Nov 2020 (``year, victims, killed, injured, children, women,
    note``), HISTORY_TOTALS x ``factor`` spread over the years (most in the 1991-1994 war)."""
    years = np.arange(1991, 2021)
    weight = np.where(years <= 1994, 10.0, np.maximum(1.0, 6.0 - 0.35 * (years - 1995)))
    frame = pd.DataFrame({"year": years})
    for col, total in HISTORY_TOTALS.items():
        raw = weight / weight.sum() * total * factor
        counts = np.floor(raw).astype(int)
        counts[np.argsort(-(raw - counts))[: int(round(total * factor)) - counts.sum()]] += 1
        frame[col] = counts
    frame["children"] = np.minimum(frame["children"], frame["victims"])
    frame["women"] = np.minimum(frame["women"], frame["victims"])
    frame["killed"] = np.minimum(frame["killed"], frame["victims"])
    frame["injured"] = frame["victims"] - frame["killed"]
    frame["note"] = "aggregate: SIMULATED yearly split of the public since-1991 totals, scaled"
    return frame[["year", "victims", "killed", "injured", "children", "women", "note"]]
