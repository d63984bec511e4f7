"""Handed-over minefield records (MR-...) with realistic errors, and which true minefield each one describes.

A share of the true minefields laid by the side that held the territory is "handed over" as records in the
layout of the CCW Amended Protocol II annex. Each record has a *fate*:

- ``good``: offset under 8 m, rotation under 0.5 degrees, claimed count within -15 %/+20 % of the truth;
- ``count_wrong``: well placed but the claimed count is 2.2-4 times or 0.15-0.4 times the truth;
- ``partial``: shifted 45-80 m obliquely to its rows and turned 2-5 degrees (finds fall near the perimeter
  but away from the rows);
- ``shifted``: shifted 80-400 m and rotated 3-20 degrees (finds miss it);
- ``phantom``: describes a minefield that does not exist.

Fates are dealt in shuffled blocks along the order in which the records will be worked (``priority``), so any
prefix of that order holds close to the block's proportions: this is how record accuracy is calibrated to
about
0.25 (FACTS.md). All records are SIMULATED.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import format_id
from mineaction.simulate.landscape import Landscape, district_of, to_wgs84_xy
from mineaction.simulate.scales import METRIC_CRS, stream

__all__ = ["FATE_BLOCK", "RECEIVED", "make_records"]

#: One block of fates; the proportions are the calibration knob of record accuracy.
FATE_BLOCK = ("good",) * 5 + ("count_wrong",) * 3 + ("partial",) * 2 + ("shifted",) * 7 + ("phantom",) * 3
#: Date each district's records were received (the 2021 Aghdam, Fuzuli and Zangilan maps; others in 2024).
RECEIVED = {"Aghdam": "2021-06-12", "Fuzuli": "2021-07-03", "Zangilan": "2021-07-03"}
_LATER = "2024-02-15"
COVERAGE = 0.4


def _fates(n: int, rng: np.random.Generator, block: tuple[str, ...]) -> np.ndarray:
    blocks = max(1, int(np.ceil(n / len(block))))
    seq = np.concatenate([rng.permutation(np.array(block, dtype=object)) for _ in range(blocks)])
    return seq[:n]


def _distortion(fate: np.ndarray, rng: np.random.Generator, angle: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(fate)
    rot = np.select(
        [fate == "shifted", fate == "partial"],
        [rng.uniform(3, 20, n), rng.uniform(2, 5, n)],
        rng.uniform(0, 0.5, n),
    ) * rng.choice([-1, 1], n)
    dist = np.select(
        [fate == "shifted", fate == "partial"],
        [rng.uniform(80, 400, n), rng.uniform(45, 80, n)],
        rng.uniform(0, 8, n),
    )
    direction = np.where(
        fate == "partial",
        angle + rng.uniform(0.6, 1.0, n) * rng.choice([-1, 1], n),
        rng.uniform(0, 2 * np.pi, n),
    )
    ratio = np.select(
        [fate == "count_wrong"],
        [np.where(rng.uniform(size=n) < 0.5, rng.uniform(2.2, 4, n), rng.uniform(0.15, 0.4, n))],
        rng.uniform(0.85, 1.2, n),
    )
    return np.radians(rot), dist * np.cos(direction), dist * np.sin(direction), ratio


def _transform(
    xy: np.ndarray, centre: np.ndarray, rot: np.ndarray, dx: np.ndarray, dy: np.ndarray
) -> np.ndarray:
    rel = xy - centre
    c, s = np.cos(rot), np.sin(rot)
    return np.column_stack(
        [centre[:, 0] + c * rel[:, 0] - s * rel[:, 1] + dx, centre[:, 1] + s * rel[:, 0] + c * rel[:, 1] + dy]
    )


def _phantoms(
    land: Landscape, n: int, minefields: gpd.GeoDataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    pos = rng.uniform(0, land.front_line.length, 20 * n + 20)
    here = shapely.get_coordinates(shapely.line_interpolate_point(land.front_line, pos))
    ang = rng.uniform(0, 2 * np.pi, len(pos))
    cand = here + np.column_stack([np.cos(ang), np.sin(ang)]) * rng.uniform(300, 6000, len(pos))[:, None]
    ok = shapely.contains_xy(land.region, cand[:, 0], cand[:, 1])
    ok &= land.front_side(cand[:, 0], cand[:, 1]) == land.armenian_side
    tree = shapely.STRtree(minefields.geometry.to_numpy())
    near = tree.query(shapely.points(cand), predicate="dwithin", distance=400.0)[0]
    ok[near] = False
    cand = cand[ok][:n]
    m = len(cand)
    return pd.DataFrame(
        {
            "cx": cand[:, 0],
            "cy": cand[:, 1],
            "angle": rng.uniform(0, np.pi, m),
            "length": rng.uniform(150, 500, m),
            "n_rows": rng.integers(1, 4, m),
            "row_spacing": rng.uniform(10, 20, m),
        }
    )


def _phantom_rows(ph: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    idx = np.repeat(np.arange(len(ph)), ph["n_rows"].to_numpy())
    r = np.concatenate([np.arange(k) for k in ph["n_rows"].to_numpy()]) if len(ph) else np.zeros(0, int)
    v = (r - (ph["n_rows"].to_numpy()[idx] - 1) / 2) * ph["row_spacing"].to_numpy()[idx]
    a, half = ph["angle"].to_numpy()[idx], ph["length"].to_numpy()[idx] / 2
    cx, cy = ph["cx"].to_numpy()[idx], ph["cy"].to_numpy()[idx]
    return pd.DataFrame(
        {
            "record": idx,
            "x0": cx - half * np.cos(a) - v * np.sin(a),
            "y0": cy - half * np.sin(a) + v * np.cos(a),
            "x1": cx + half * np.cos(a) - v * np.sin(a),
            "y1": cy + half * np.sin(a) + v * np.cos(a),
            "model": "PMN-2",
            "count": np.floor(2 * half / 5).astype(int) + 1,
            "spacing_m": 5.0,
        }
    )


def _row_json(rows: pd.DataFrame, n_records: int) -> tuple[list[str], list[str], np.ndarray, list[str]]:
    lon0, lat0 = to_wgs84_xy(rows["x0"].to_numpy(), rows["y0"].to_numpy())
    lon1, lat1 = to_wgs84_xy(rows["x1"].to_numpy(), rows["y1"].to_numpy())
    per: list[list[dict]] = [[] for _ in range(n_records)]
    for rec, a, b, c, d, model, count, spacing in zip(
        rows["record"], lon0, lat0, lon1, lat1, rows["model"], rows["count"], rows["spacing_m"], strict=True
    ):
        per[rec].append(
            {
                "line": f"LINESTRING ({a:.6f} {b:.6f}, {c:.6f} {d:.6f})",
                "model": model,
                "count": int(count),
                "spacing_m": round(float(spacing), 1),
            }
        )
    mine_rows, counts, totals, raw = [], [], np.zeros(n_records, int), []
    for k, items in enumerate(per):
        by_model: dict[str, int] = {}
        for item in items:
            by_model[item["model"]] = by_model.get(item["model"], 0) + item["count"]
        mine_rows.append(json.dumps(items, sort_keys=True))
        counts.append(json.dumps(dict(sorted(by_model.items())), sort_keys=True))
        totals[k] = sum(by_model.values())
        first = items[0]["line"][12:-1].split(",")[0].split() if items else ["0", "0"]
        raw.append(f"RP1 {_dms(float(first[1]), 'N')} {_dms(float(first[0]), 'E')}; rows as drawn on the map")
    return mine_rows, counts, totals, raw


def _dms(value: float, hemi: str) -> str:
    deg = int(value)
    minutes = (value - deg) * 60
    return f"{hemi} {deg}°{int(minutes):02d}'{(minutes - int(minutes)) * 60:04.1f}\""


def make_records(
    land: Landscape, minefields: gpd.GeoDataFrame, rows: pd.DataFrame, seed: int
) -> gpd.GeoDataFrame:
    """Minefield records with the ``minefield_records`` schema's columns (UTM 38N geometry) plus the truth
    columns ``minefield`` (the MF-... described, empty for phantoms), ``fate`` and ``priority`` (work order:
    by date received, then at random).
    """
    rng = stream(seed, "records")
    eligible = minefields.loc[
        (minefields["side"] == "armenian") & minefields["kind"].isin(["belt", "defensive"])
    ]
    chosen = eligible.loc[rng.uniform(size=len(eligible)) < COVERAGE]
    n_fake = int(
        round(len(chosen) * FATE_BLOCK.count("phantom") / (len(FATE_BLOCK) - FATE_BLOCK.count("phantom")))
    )
    ph = _phantoms(land, n_fake, minefields, rng)
    base = pd.concat(
        [
            chosen[["cx", "cy", "angle", "length", "n_rows", "row_spacing", "minefield"]].reset_index(
                drop=True
            ),
            ph,
        ],
        ignore_index=True,
    )
    district = district_of(land.districts, base["cx"].to_numpy(), base["cy"].to_numpy())
    received = np.array([RECEIVED.get(d, _LATER) for d in district], dtype="datetime64[D]")
    priority = np.empty(len(base), int)
    priority[np.lexsort((rng.uniform(size=len(base)), received))] = np.arange(len(base))
    fates = np.full(len(base), "phantom", dtype=object)
    real = np.arange(len(chosen))
    dealt = _fates(len(real), rng, tuple(f for f in FATE_BLOCK if f != "phantom"))
    fates[real[np.argsort(priority[real])]] = dealt
    rot, dx, dy, ratio = _distortion(fates, rng, base["angle"].to_numpy())
    geoms = np.concatenate([chosen.geometry.to_numpy(), _phantom_polygons(ph)])
    centre = base[["cx", "cy"]].to_numpy()
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    perimeter = shapely.set_coordinates(
        geoms.copy(), _transform(coords, centre[index], rot[index], dx[index], dy[index])
    )
    rec_rows = _record_rows(rows, chosen, ph, rng)
    r = rec_rows["record"].to_numpy()
    for end in ("0", "1"):
        xy = _transform(rec_rows[[f"x{end}", f"y{end}"]].to_numpy(), centre[r], rot[r], dx[r], dy[r])
        rec_rows[f"x{end}"], rec_rows[f"y{end}"] = xy[:, 0], xy[:, 1]
    rec_rows["count"] = np.maximum(1, np.round(rec_rows["count"] * ratio[r])).astype(int)
    return _record_frame(base, district, received, perimeter, rec_rows, fates, priority, rng)


def _phantom_polygons(ph: pd.DataFrame) -> np.ndarray:
    from mineaction.simulate.truth import _rectangles

    return _rectangles(ph.assign(jitter=0.7)) if len(ph) else np.zeros(0, dtype=object)


def _record_rows(
    rows: pd.DataFrame, chosen: gpd.GeoDataFrame, ph: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    pos = pd.Series(np.arange(len(chosen)), index=chosen["minefield"].to_numpy())
    real = rows.loc[rows["minefield"].isin(pos.index)].copy()
    real["record"] = pos.loc[real["minefield"]].to_numpy()
    fake = _phantom_rows(ph, rng)
    fake["record"] += len(chosen)
    cols = ["record", "x0", "y0", "x1", "y1", "model", "count", "spacing_m"]
    return pd.concat([real[cols], fake[cols]], ignore_index=True).sort_values(
        ["record", "y0", "x0"], kind="stable"
    )


def _record_frame(
    base: pd.DataFrame,
    district: np.ndarray,
    received: np.ndarray,
    perimeter: np.ndarray,
    rec_rows: pd.DataFrame,
    fates: np.ndarray,
    priority: np.ndarray,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    n = len(base)
    mine_rows, counts, totals, raw = _row_json(rec_rows, n)
    order = np.lexsort((priority, received))
    rp_lon, rp_lat = to_wgs84_xy(base["cx"].to_numpy() + 150.0, base["cy"].to_numpy() + 90.0)
    frame = pd.DataFrame(
        {
            "record_ref": [f"SIM-MAP-{d[:3].upper()}-{k + 1:04d}" for k, d in enumerate(district)],
            "handed_over_by": "SIMULATED handing-over party",
            "received_on": received.astype(str),
            "laid_on": (
                np.datetime64("1993-01-01") + rng.integers(0, 9000, n).astype("timedelta64[D]")
            ).astype(str),
            "district": district,
            "reference_points": [
                json.dumps(
                    [{"lat": round(float(b), 6), "lon": round(float(a), 6), "name": "RP1"}], sort_keys=True
                )
                for a, b in zip(rp_lon, rp_lat, strict=True)
            ],
            "mine_rows": mine_rows,
            "claimed_counts": counts,
            "claimed_total": totals,
            "emplacement_method": np.where(rng.uniform(size=n) < 0.8, "hand", "mechanical"),
            "anti_handling": rng.uniform(size=n) < 0.1,
            "raw_coordinates": raw,
            "source": "SIMULATED handed-over minefield maps",
            "source_doc": [f"SIMULATED map batch {r}" for r in received.astype(str)],
            "recorded_at": [f"{d}T09:00:00Z" for d in (received + 7).astype(str)],
            "minefield": base["minefield"].to_numpy(),
            "fate": fates,
            "priority": priority,
        }
    )
    frame = gpd.GeoDataFrame(frame, geometry=perimeter, crs=METRIC_CRS).iloc[order].reset_index(drop=True)
    frame.insert(0, "id", [format_id("MR", k + 1) for k in range(n)])
    return frame
