"""Clearance progress in the twin: each activity works its polygon lane by lane, so finds and worked land
follow the order of the lanes (SIMULATED).

A clearance, BAC or technical survey (TS) activity works its polygon in lanes ``LANE_M`` wide that run
parallel to the polygon's long axis (the longer side of its minimum rotated rectangle), one lane after the
other from one side to the other (the side drawn at random per activity), at an even pace in area: the
*progress* of a point is the share of the polygon's area that lies before it in that sweep, and the point is
worked on ``start + ceil(progress * duration)`` days. So

- a device is found on the day its lane is worked (``mineaction.simulate.operations.detect``);
- an activity still in progress on 30 June 2025 has worked exactly the part of its polygon whose progress is
  at most the elapsed share of its duration, which is the worked polygon the observed data show;
- the lanes with the days each was worked form ``truth["lanes"]``, from which the worked land of any
  activity on any day can be rebuilt (``worked_part``) to measure estimates against the true mines.

The sweep is described per activity by an angle, the sweep coordinate of the first and last point, and the
cumulative share of area at ``NODES`` evenly spaced sweep positions (linear between them); all in UTM 38N
(metres).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.simulate.scales import END, METRIC_CRS, stream

__all__ = [
    "LANE_M",
    "NODES",
    "SWEPT_KINDS",
    "add_sweeps",
    "elapsed_share",
    "lane_table",
    "sweep_progress",
    "worked_part",
]

#: Width of a lane, m (the unit of the truth's lane table; progress itself is continuous).
LANE_M = 10.0
#: Sweep positions at which the cumulative share of area is tabulated.
NODES = 17
#: Activity kinds whose polygon is worked lane by lane.
SWEPT_KINDS = ("clearance", "BAC", "TS")
_FAR = 1e8  # half-size of the half-planes used to cut polygons, m (beyond any UTM coordinate)


def _long_axis_angles(geoms: np.ndarray) -> np.ndarray:
    """Direction (radians) of the longer side of each geometry's minimum rotated rectangle."""
    rects = shapely.oriented_envelope(geoms)
    angles = np.zeros(len(geoms))
    for k, rect in enumerate(rects):
        coords = shapely.get_coordinates(rect)
        if len(coords) < 4:
            continue
        a, b = coords[1] - coords[0], coords[2] - coords[1]
        side = a if np.hypot(*a) >= np.hypot(*b) else b
        angles[k] = np.arctan2(side[1], side[0])
    return angles


def _half_planes(angle: np.ndarray, sign: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Half-planes of points whose sweep coordinate (along the unit normal ``sign * (-sin, cos)``) is at most
    ``w``, as large rectangles; all arguments broadcast to one array of polygons."""
    nx, ny = -np.sin(angle) * sign, np.cos(angle) * sign
    tx, ty = np.cos(angle), np.sin(angle)
    lo = w - 2 * _FAR
    corners = [
        (nx * lo - tx * _FAR, ny * lo - ty * _FAR),
        (nx * w - tx * _FAR, ny * w - ty * _FAR),
        (nx * w + tx * _FAR, ny * w + ty * _FAR),
        (nx * lo + tx * _FAR, ny * lo + ty * _FAR),
    ]
    ring = np.stack([np.stack([cx, cy], axis=-1) for cx, cy in corners + corners[:1]], axis=-2)
    return shapely.polygons(ring)


def _sweep_coordinate(angle: np.ndarray, sign: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (-np.sin(angle) * x + np.cos(angle) * y) * sign


def add_sweeps(activities: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """``activities`` with the sweep of each worked polygon: ``sweep_angle`` (radians, direction of the
    lanes), ``sweep_sign`` (+1/-1, the side started from), ``sweep_w0``/``sweep_w1`` (sweep coordinate of
    the first and last point, m) and ``sweep_share`` (cumulative share of area at ``NODES`` positions);
    activities of kinds outside ``SWEPT_KINDS`` get no sweep (NaN, None)."""
    rng = stream(seed, "sweep")
    out = activities.copy()
    n = len(out)
    sign = rng.choice([-1.0, 1.0], n)
    swept = out["activity_kind"].isin(SWEPT_KINDS).to_numpy()
    geoms = out.geometry.to_numpy()
    angle = np.full(n, np.nan)
    w0, w1 = np.full(n, np.nan), np.full(n, np.nan)
    shares: list[np.ndarray | None] = [None] * n
    idx = np.flatnonzero(swept & ~shapely.is_empty(geoms))
    if len(idx):
        angle[idx] = _long_axis_angles(geoms[idx])
        coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
        w = _sweep_coordinate(angle[idx][owner], sign[idx][owner], coords[:, 0], coords[:, 1])
        w0[idx] = pd.Series(w).groupby(owner).min().to_numpy()
        w1[idx] = pd.Series(w).groupby(owner).max().to_numpy()
        nodes = w0[idx, None] + (w1[idx] - w0[idx])[:, None] * np.linspace(0, 1, NODES)[None, :]
        planes = _half_planes(angle[idx, None], sign[idx, None], nodes)
        cut = shapely.area(shapely.intersection(geoms[idx, None], planes))
        total = np.maximum(shapely.area(geoms[idx]), 1e-9)
        table = np.clip(cut / total[:, None], 0.0, 1.0)
        table[:, 0], table[:, -1] = 0.0, 1.0
        table = np.maximum.accumulate(table, axis=1)
        for k, i in enumerate(idx):
            shares[i] = table[k]
    out["sweep_angle"], out["sweep_sign"] = angle, sign
    out["sweep_w0"], out["sweep_w1"] = w0, w1
    out["sweep_share"] = pd.Series(shares, index=out.index, dtype=object)
    return out


def sweep_progress(activities: gpd.GeoDataFrame, act: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Progress (0-1, share of the polygon's area worked before it) of points ``x, y`` (m) in the sweeps of
    activities ``act`` (row positions in ``activities``); 0 for activities without a sweep."""
    act = np.asarray(act, dtype=np.int64)
    out = np.zeros(len(act))
    if len(act) == 0:
        return out
    angle = activities["sweep_angle"].to_numpy()[act]
    ok = np.isfinite(angle)
    w0, w1 = activities["sweep_w0"].to_numpy()[act], activities["sweep_w1"].to_numpy()[act]
    sign = activities["sweep_sign"].to_numpy()[act]
    w = _sweep_coordinate(angle, sign, np.asarray(x, float), np.asarray(y, float))
    pos = np.clip((w - w0) / np.where(w1 > w0, w1 - w0, 1.0), 0.0, 1.0) * (NODES - 1)
    tables = activities["sweep_share"].to_numpy()
    for a in np.unique(act[ok]):
        sel = ok & (act == a)
        out[sel] = np.interp(pos[sel], np.arange(NODES), tables[a])
    return out


def _position_at(table: np.ndarray, share: float) -> float:
    """Sweep position (0 to NODES - 1) at which the cumulative share reaches ``share``."""
    if share >= 1.0:
        return float(NODES - 1)
    hit = int(np.searchsorted(table, share, side="right"))
    lo, hi = max(hit - 1, 0), min(hit, NODES - 1)
    span = table[hi] - table[lo]
    return lo + (share - table[lo]) / span if span > 0 else float(lo)


def worked_part(activities: gpd.GeoDataFrame, share: np.ndarray) -> np.ndarray:
    """The part of each activity's polygon worked when its progress reached ``share`` (0-1, one per
    activity): the polygon cut at the matching sweep position; unchanged without a sweep or at share 1."""
    geoms = activities.geometry.to_numpy().copy()
    share = np.clip(np.asarray(share, float), 0.0, 1.0)
    angle = activities["sweep_angle"].to_numpy()
    todo = np.flatnonzero(np.isfinite(angle) & (share < 1.0))
    if len(todo) == 0:
        return geoms
    tables = activities["sweep_share"].to_numpy()
    pos = np.array([_position_at(tables[i], share[i]) for i in todo])
    w0, w1 = activities["sweep_w0"].to_numpy()[todo], activities["sweep_w1"].to_numpy()[todo]
    w = w0 + (w1 - w0) * pos / (NODES - 1)
    planes = _half_planes(angle[todo], activities["sweep_sign"].to_numpy()[todo], w)
    geoms[todo] = shapely.intersection(geoms[todo], planes)
    return geoms


def elapsed_share(activities: pd.DataFrame) -> np.ndarray:
    """Share (0-1) of each activity's duration elapsed on the last simulated day (30 June 2025)."""
    start = activities["start"].to_numpy().astype("datetime64[D]")
    span = (activities["end"].to_numpy().astype("datetime64[D]") - start).astype(float)
    done = (np.datetime64(END) - start).astype(float)
    return np.clip(done / np.maximum(span, 1.0), 0.0, 1.0)


def lane_table(activities: gpd.GeoDataFrame, ids: np.ndarray) -> gpd.GeoDataFrame:
    """Every lane worked by 30 June 2025: ``activity`` (id), ``lane`` (1, 2, ... in working order),
    ``worked_from``/``worked_to`` (dates) and the lane's polygon (UTM 38N), partly worked lanes cut."""
    rows: list[tuple] = []
    elapsed = elapsed_share(activities)
    start = activities["start"].to_numpy().astype("datetime64[D]")
    span = (activities["end"].to_numpy().astype("datetime64[D]") - start).astype(float)
    for i in np.flatnonzero(np.isfinite(activities["sweep_angle"].to_numpy())):
        w0, w1 = activities["sweep_w0"].iat[i], activities["sweep_w1"].iat[i]
        table = activities["sweep_share"].iat[i]
        w_end = w0 + (w1 - w0) * _position_at(table, elapsed[i]) / (NODES - 1)
        n = max(1, int(np.ceil((w1 - w0) / LANE_M)))
        edges = np.minimum(w0 + LANE_M * np.arange(n + 1), w_end)
        pos = (edges - w0) / max(w1 - w0, 1e-9) * (NODES - 1)
        share = np.interp(pos, np.arange(NODES), table)
        for k in np.flatnonzero(edges[1:] > edges[:-1]):
            rows.append((i, k + 1, edges[k], edges[k + 1], share[k], share[k + 1]))
    if not rows:
        return gpd.GeoDataFrame(
            {"activity": [], "lane": [], "worked_from": [], "worked_to": []}, geometry=[], crs=METRIC_CRS
        )
    lane = np.array(rows, dtype=float)
    owner = lane[:, 0].astype(int)
    angle, sign = activities["sweep_angle"].to_numpy()[owner], activities["sweep_sign"].to_numpy()[owner]
    geoms = activities.geometry.to_numpy()[owner]
    below = _half_planes(angle, sign, lane[:, 3])
    above = _half_planes(angle, sign, lane[:, 2])
    lanes = shapely.difference(shapely.intersection(geoms, below), above)
    first = start[owner] + np.ceil(lane[:, 4] * span[owner]).astype(int).astype("timedelta64[D]")
    last = start[owner] + np.ceil(lane[:, 5] * span[owner]).astype(int).astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "activity": np.asarray(ids)[owner],
            "lane": lane[:, 1].astype(int),
            "worked_from": first.astype(str),
            "worked_to": last.astype(str),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=lanes, crs=METRIC_CRS)
