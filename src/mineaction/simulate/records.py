"""Handed-over minefield records (MR-...) with realistic errors, and which true minefield each one describes.

A share of the true minefields laid by the side that held the territory is "handed over" as records in the
layout of the CCW Amended Protocol II annex. Each record has a *fate*:

- ``good``: offset under 8 m, rotation under 0.5 degrees, claimed count within -15 %/+20 % of the truth;
- ``count_wrong``: well placed but the claimed count is 2.2-4 times or 0.15-0.4 times the truth;
- ``partial``: slid 85-100 % of its length along its rows and turned 2-5 degrees (it overlaps one end of the
  true minefield: finds are too few for its claimed count);
- ``shifted``: shifted 80-400 m, mostly across its rows, and rotated 3-20 degrees (finds miss it);
- ``phantom``: placed on empty land, 300 m to 6 km from the front line: it describes mines that do not exist.

Fates are dealt in shuffled blocks along the order in which the records will be worked (``priority``), so
any prefix of that order holds close to the block's proportions: this is how record accuracy is calibrated
to about 0.25 (FACTS.md). All records are SIMULATED.
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
#: Share of the eligible minefields handed over as records (with FATE_BLOCK, sets record recall before the
#: scattered nuisance mines bring it to its target).
COVERAGE = 0.45


def _fates(n: int, rng: np.random.Generator, block: tuple[str, ...]) -> np.ndarray:
    blocks = max(1, int(np.ceil(n / len(block))))
    seq = np.concatenate([rng.permutation(np.array(block, dtype=object)) for _ in range(blocks)])
    return seq[:n]


def _distortion(
    fate: np.ndarray, rng: np.random.Generator, angle: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, ...]:
    n = len(fate)
    rot = np.select(
        [fate == "shifted", fate == "partial"],
        [rng.uniform(3, 20, n), rng.uniform(2, 5, n)],
        rng.uniform(0, 0.5, n),
    ) * rng.choice([-1, 1], n)
    dist = np.select(
        [fate == "shifted", fate == "partial"],
        [rng.uniform(80, 400, n), rng.uniform(0.85, 1.0, n) * length],
        rng.uniform(0, 8, n),
    )
    across = np.where(fate == "partial", rng.choice([0.0, np.pi], n), rng.uniform(1.1, np.pi / 2, n))
    direction = np.where(
        np.isin(fate, ["partial", "shifted"]),
        angle + across * np.where(fate == "partial", 1, rng.choice([-1, 1], n)),
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


def _phantom_sites(
    land: Landscape, n: int, minefields: gpd.GeoDataFrame, rng: np.random.Generator
) -> np.ndarray:
    """``n`` sites (m) on the side held by Armenian forces, 300 m to 6 km from the front line and at least
    400 m from every true minefield: where a phantom record's minefield is drawn."""
    pos = rng.uniform(0, land.front_line.length, 30 * n + 30)
    here = shapely.get_coordinates(shapely.line_interpolate_point(land.front_line, pos))
    ang = rng.uniform(0, 2 * np.pi, len(pos))
    cand = here + np.column_stack([np.cos(ang), np.sin(ang)]) * rng.uniform(300, 6000, len(pos))[:, None]
    ok = shapely.contains_xy(land.region, cand[:, 0], cand[:, 1])
    ok &= land.front_side(cand[:, 0], cand[:, 1]) == land.armenian_side
    tree = shapely.STRtree(minefields.geometry.to_numpy())
    ok[tree.query(shapely.points(cand), predicate="dwithin", distance=400.0)[0]] = False
    sites = cand[ok][:n]
    if len(sites) < n:  # too little empty land: fall back to sites 5 km north-west of the last ones
        sites = np.vstack(
            [sites, np.tile([[-5000.0, 5000.0]], (n - len(sites), 1)) + (sites[-1] if len(sites) else 0.0)]
        )
    return sites


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
    columns ``minefield`` (the MF-... the record was drawn from), ``fate`` and ``priority`` (work order: by
    date received, then at random). A phantom record is drawn from a true minefield but placed on empty land,
    so it describes mines that do not exist.
    """
    rng = stream(seed, "records")
    eligible = minefields.loc[
        (minefields["side"] == "armenian") & minefields["kind"].isin(["belt", "defensive"])
    ]
    chosen = eligible.loc[rng.uniform(size=len(eligible)) < COVERAGE].reset_index(drop=True)
    received = np.array([RECEIVED.get(d, _LATER) for d in chosen["district"]], dtype="datetime64[D]")
    priority = np.empty(len(chosen), int)
    priority[np.lexsort((rng.uniform(size=len(chosen)), received))] = np.arange(len(chosen))
    fates = _fates(len(chosen), rng, FATE_BLOCK)[priority]
    rot, dx, dy, ratio = _distortion(fates, rng, chosen["angle"].to_numpy(), chosen["length"].to_numpy())
    centre = chosen[["cx", "cy"]].to_numpy()
    fake = np.flatnonzero(fates == "phantom")
    sites = _phantom_sites(land, len(fake), minefields, rng)
    dx[fake], dy[fake] = sites[:, 0] - centre[fake, 0], sites[:, 1] - centre[fake, 1]
    geoms = chosen.geometry.to_numpy()
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    moved = _transform(coords, centre[index], rot[index], dx[index], dy[index])
    perimeter = shapely.set_coordinates(geoms.copy(), moved)
    rec_rows = _record_rows(rows, chosen)
    r = rec_rows["record"].to_numpy()
    for end in ("0", "1"):
        xy = _transform(rec_rows[[f"x{end}", f"y{end}"]].to_numpy(), centre[r], rot[r], dx[r], dy[r])
        rec_rows[f"x{end}"], rec_rows[f"y{end}"] = xy[:, 0], xy[:, 1]
    rec_rows["count"] = np.maximum(1, np.round(rec_rows["count"] * ratio[r])).astype(int)
    base = pd.DataFrame({"cx": centre[:, 0] + dx, "cy": centre[:, 1] + dy, "minefield": chosen["minefield"]})
    district = district_of(land.districts, base["cx"].to_numpy(), base["cy"].to_numpy())
    return _record_frame(base, district, received, perimeter, rec_rows, fates, priority, rng)


def _record_rows(rows: pd.DataFrame, chosen: gpd.GeoDataFrame) -> pd.DataFrame:
    pos = pd.Series(np.arange(len(chosen)), index=chosen["minefield"].to_numpy())
    real = rows.loc[rows["minefield"].isin(pos.index)].copy()
    real["record"] = pos.loc[real["minefield"]].to_numpy()
    cols = ["record", "x0", "y0", "x1", "y1", "model", "count", "spacing_m"]
    return real[cols].sort_values(["record", "y0", "x0"], kind="stable")


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
