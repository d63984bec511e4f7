"""Measure the pattern model against known mines: release checks, clearance orders and record corrections.

Where the true mines are known (the simulated twin's ``truth/``, or a minefield cleared and documented to the
last mine), three measurements, each a frame with one row per area or record:

- ``release_truth``: for every area with a given status (released by default), the release check against
  the mines truly left in it: flagged or not, the expected residual and its interval against the true count;
- ``ordering_truth``: for every area holding at least ``min_targets`` mines laid in minefields, the area
  worked to find them all in lane-by-lane, record and pattern order (``replay_clearance``), and the share
  found at every 5 % of the area;
- ``record_correction``: for every record of a true minefield, the minefield is worked lane by lane until
  ``share`` of its mines are found; the record is then aligned to those finds, and the distances of all its
  true mines to the record's rows as drawn, as moved by the measured offset and rotation, and to the rows the
  model holds (the traced rows plus the moved record rows) are compared.

``summarise_*`` turn the frames into the headline figures. Metres in the metric ``crs`` throughout.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import to_metric
from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.evidence import EvidenceIndex, evidence_record_ids
from mineaction.patterns.fit import fit_pattern, segment_distance
from mineaction.patterns.order import lane_grid, lane_order
from mineaction.patterns.record import RecordRows, record_rows_from_frame
from mineaction.patterns.release import check_release
from mineaction.patterns.replay import STEPS, replay_clearance
from mineaction.patterns.settings import PatternSettings

__all__ = [
    "mines_xy_of",
    "ordering_truth",
    "record_correction",
    "release_truth",
    "summarise_correction",
    "summarise_ordering",
    "summarise_release",
]


def mines_xy_of(devices: pd.DataFrame, crs: str) -> np.ndarray:
    """Points (n x 2, m in ``crs``) of a frame with ``lon``/``lat`` columns (the twin's ``truth/devices``)."""
    points = gpd.GeoSeries(gpd.points_from_xy(devices["lon"], devices["lat"]), crs="EPSG:4326").to_crs(crs)
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def release_truth(
    layers: Mapping[str, pd.DataFrame],
    mines_left_xy: np.ndarray,
    *,
    settings: PatternSettings | None = None,
    crs: str = "EPSG:32638",
    status: str = "released",
    area_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The release check of every area of ``status`` (or of ``area_ids``) beside the mines truly left in it
    (``mines_left_xy``, n x 2, m): ``id, hazard_kind, n_finds, flagged, evidence_mines, expected, low, high,
    true_left``."""
    settings = settings or PatternSettings()
    areas = layers["hazardous_areas"]
    index = EvidenceIndex(
        hazardous_areas=areas,
        activities=layers.get("activities"),
        finds=layers.get("finds"),
        records=layers.get("minefield_records"),
        settings=settings,
        crs=crs,
    )
    rows = []
    ids = list(areas.loc[areas["status"] == status, "id"]) if area_ids is None else area_ids
    for area_id in ids:
        ev = index.evidence(area_id)
        pattern = fit_pattern(
            ev.finds_xy, records=ev.records, settings=settings, crs=crs, coverage=ev.coverage
        )
        check = check_release(pattern, ev.coverage, ev.area, area_id=area_id, settings=settings)
        res = check.residual
        left = int(shapely.contains_xy(ev.area, mines_left_xy[:, 0], mines_left_xy[:, 1]).sum())
        found = int(ev.inside.sum())
        row = (area_id, found, check.flagged, check.evidence_mines, res.expected, res.low, res.high, left)
        rows.append((*row, _naive(found, ev.coverage, ev.area)))
    cols = [
        "id",
        "n_finds",
        "flagged",
        "evidence_mines",
        "expected",
        "low",
        "high",
        "true_left",
        "naive_expected",
    ]
    out = pd.DataFrame(rows, columns=cols)
    kinds = areas.set_index("id")["hazard_kind"]
    out.insert(1, "hazard_kind", out["id"].map(kinds).to_numpy() if len(out) else [])
    return out


def _naive(found: int, coverage: WorkedLand, area: shapely.Geometry) -> float:
    """The obvious estimate without a pattern: finds times (1 - p) / p, ``p`` the mean detection of the
    area's worked land (nothing expected in land not worked, nor where nothing was found)."""
    xs, ys = coverage.centres()
    p = coverage.p[shapely.contains_xy(area, xs, ys) & (coverage.p > 0)]
    if found == 0 or len(p) == 0:
        return 0.0
    mean = float(p.mean())
    return found * (1 - mean) / mean


def summarise_release(frame: pd.DataFrame) -> dict:
    """Flags and interval coverage: areas with mines left (flagged share, interval holding the true count,
    overall and where finds were made) and areas truly clear (flagged), false flags per true flag; and the
    flags of the obvious estimate without a pattern (``naive_*``: finds x (1 - p) / p of at least one)."""
    left = frame.loc[frame["true_left"] > 0]
    clear = frame.loc[frame["true_left"] == 0]
    inside = (left["low"] <= left["true_left"]) & (left["true_left"] <= left["high"])
    with_finds = left["n_finds"] > 0
    true_flags = int(left["flagged"].sum())
    false_flags = int(clear["flagged"].sum())
    naive_true = int((left["naive_expected"] >= 1.0).sum())
    naive_false = int((clear["naive_expected"] >= 1.0).sum())
    return {
        "areas": len(frame),
        "with_mines_left": len(left),
        "truly_clear": len(clear),
        "true_flags": true_flags,
        "false_flags": false_flags,
        "flagged_share_with_mines_left": float(left["flagged"].mean()) if len(left) else float("nan"),
        "flagged_share_with_mines_left_and_finds": float(left.loc[with_finds, "flagged"].mean())
        if with_finds.any()
        else float("nan"),
        "flagged_share_truly_clear": float(clear["flagged"].mean()) if len(clear) else float("nan"),
        "false_flags_per_true_flag": false_flags / true_flags if true_flags else float("nan"),
        "interval_holds_truth": float(inside.mean()) if len(left) else float("nan"),
        "interval_holds_truth_with_finds": float(inside[with_finds].mean())
        if with_finds.any()
        else float("nan"),
        "interval_holds_truth_without_finds": float(inside[~with_finds].mean())
        if (~with_finds).any()
        else float("nan"),
        "naive_true_flags": naive_true,
        "naive_false_flags": naive_false,
        "naive_false_flags_per_true_flag": naive_false / naive_true if naive_true else float("nan"),
    }


def ordering_truth(
    hazardous_areas: pd.DataFrame,
    records: pd.DataFrame | None,
    mines_xy: np.ndarray,
    in_minefield: np.ndarray,
    *,
    settings: PatternSettings | None = None,
    crs: str = "EPSG:32638",
    min_targets: int = 5,
    limit: int | None = None,
    hazard_kinds: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Replay the clearance of every area holding at least ``min_targets`` mines laid in minefields.

    ``mines_xy`` (n x 2, m) are every true mine (AP and AT), ``in_minefield`` marks those laid in minefields
    (the targets). Returns one row per area (``id, hazard_kind, records, area_m2, targets`` and the area
    worked to find every target in each order, m2) and, per order, the share of targets found at each of
    ``STEPS`` (one row per area). ``hazard_kinds`` (e.g. ``("CHA",)``) and ``limit`` narrow the areas.
    """
    settings = settings or PatternSettings()
    metric = to_metric(hazardous_areas, crs).reset_index(drop=True)
    rows_by_id = (
        {r.record_id: r for r in record_rows_from_frame(records, crs=crs)} if records is not None else {}
    )
    tree = shapely.STRtree(metric.geometry.to_numpy())
    which = tree.query(shapely.points(mines_xy[in_minefield]), predicate="intersects")[1]
    counts = pd.Series(which).value_counts()
    chosen = counts[counts >= min_targets].index.to_numpy()
    if hazard_kinds is not None:
        chosen = chosen[np.isin(metric["hazard_kind"].to_numpy()[chosen], hazard_kinds)]
    chosen = chosen[:limit] if limit is not None else chosen
    out: list[dict] = []
    curves: dict[str, list[np.ndarray]] = {name: [] for name in ("pattern", "lane_by_lane", "record")}
    for h in chosen:
        area = metric.geometry.iat[h]
        near = shapely.contains_xy(shapely.buffer(area, 5.0), mines_xy[:, 0], mines_xy[:, 1])
        recs = [rows_by_id[i] for i in evidence_record_ids(metric["evidence"].iat[h]) if i in rows_by_id]
        replay = replay_clearance(
            area, mines_xy[near], target=in_minefield[near], records=recs, settings=settings
        )
        out.append(
            {
                "id": metric["id"].iat[h],
                "hazard_kind": metric["hazard_kind"].iat[h],
                "records": len(recs),
                "area_m2": replay.area_m2,
                "targets": replay.n_targets,
                **{f"{name}_m2": replay.area_to_all(name) for name in curves},
            }
        )
        for name in curves:
            curves[name].append(replay.share_found(name))
    return pd.DataFrame(out), {k: np.array(v).reshape(-1, len(STEPS)) for k, v in curves.items()}


def _higher(pattern: np.ndarray, lane: np.ndarray) -> bool:
    """The pattern's share found is at least the lane order's at every step, and higher wherever the lane
    order has not yet found them all."""
    open_steps = lane < 1 - 1e-9
    return bool(np.all(pattern >= lane - 1e-9) and np.all(pattern[open_steps] > lane[open_steps]))


def summarise_ordering(
    frame: pd.DataFrame, curves: dict[str, np.ndarray], mask: np.ndarray | None = None
) -> dict:
    """Area to find every target (sum over areas, and the median per area) of the pattern and record
    orders against lane by lane, the mean share found at each step, whether the pattern's is higher at every
    step (where lane by lane has not found them all) and by how many points on average; ``mask`` picks
    areas."""
    mask = np.ones(len(frame), bool) if mask is None else np.asarray(mask, bool)
    f = frame.loc[mask]
    lane = f["lane_by_lane_m2"].sum()
    mean = {k: v[mask].mean(axis=0) if mask.any() else np.full(len(STEPS), np.nan) for k, v in curves.items()}
    return {
        "areas": int(mask.sum()),
        "targets": int(f["targets"].sum()),
        "pattern_area_vs_lane": float(f["pattern_m2"].sum() / lane) if lane else float("nan"),
        "record_area_vs_lane": float(f["record_m2"].sum() / lane) if lane else float("nan"),
        "median_reduction_vs_lane": float(np.median(1 - f["pattern_m2"] / f["lane_by_lane_m2"]))
        if len(f)
        else float("nan"),
        "steps": list(STEPS),
        "mean_share_found": {k: [round(float(x), 3) for x in v] for k, v in mean.items()},
        "pattern_higher_at_every_step": _higher(mean["pattern"], mean["lane_by_lane"]),
        "mean_gain_points": round(float(100 * np.mean(mean["pattern"] - mean["lane_by_lane"])), 1),
    }


def _found_first(area: shapely.Geometry, mines: np.ndarray, share: float, cell_m: float) -> np.ndarray:
    """The mines found when ``area`` is worked lane by lane until ``share`` of ``mines`` are found."""
    grid = lane_grid(area, cell_m)
    order = lane_order(grid)
    position = np.empty(len(grid), int)
    position[order] = np.arange(len(grid))
    cells = grid.cell_of(mines[:, 0], mines[:, 1])
    rank = np.where(cells >= 0, position[np.maximum(cells, 0)], len(grid))
    need = max(1, int(np.ceil(share * len(mines))))
    return mines[rank <= np.sort(rank)[need - 1]]


def record_correction(
    records: pd.DataFrame,
    minefields: pd.DataFrame,
    mines_xy: np.ndarray,
    mine_field: np.ndarray,
    record_field: Mapping[str, str],
    *,
    share: float = 0.3,
    margin_m: float = 20.0,
    settings: PatternSettings | None = None,
    crs: str = "EPSG:32638",
) -> pd.DataFrame:
    """For each record of a true minefield (``record_field``: record id -> minefield id), work the minefield
    (its polygon in ``minefields`` buffered by ``margin_m``) lane by lane until ``share`` of its mines are
    found, align the record to those finds, and measure the median distance (m) of all its true mines to the
    record's rows as drawn (``drawn_m``), as moved (``moved_m``) and to the rows the model holds (``model_m``:
    traced and moved record rows)."""
    settings = settings or PatternSettings()
    fields = to_metric(minefields, crs).set_index("minefield")
    rows_by_id = {r.record_id: r for r in record_rows_from_frame(records, crs=crs)}
    out = []
    for record_id, field_id in record_field.items():
        if record_id not in rows_by_id or field_id not in fields.index:
            continue
        mines = mines_xy[mine_field == field_id]
        if len(mines) < 2 * settings.min_row_finds:
            continue
        record: RecordRows = rows_by_id[record_id]
        area = shapely.buffer(fields.geometry[field_id], margin_m, join_style="mitre")
        finds = _found_first(area, mines, share, settings.cell_m)
        pattern = fit_pattern(finds, records=[record], settings=settings, crs=crs)
        fit = pattern.records[0]
        traced = (
            np.concatenate([g.row_lines() for g in pattern.groups]) if pattern.groups else np.zeros((0, 4))
        )
        held = np.concatenate([traced, fit.aligned.lines])
        out.append(
            {
                "record": record_id,
                "minefield": field_id,
                "finds": len(finds),
                "mines": len(mines),
                "status": fit.status,
                "offset_m": fit.offset_m,
                "rotation_deg": fit.rotation_deg,
                "drawn_m": float(np.median(segment_distance(mines, record.lines))),
                "moved_m": float(np.median(segment_distance(mines, fit.aligned.lines))),
                "model_m": float(np.median(segment_distance(mines, held))),
            }
        )
    return pd.DataFrame(out)


def summarise_correction(frame: pd.DataFrame, fates: Mapping[str, str] | None = None) -> dict:
    """Per fate (``fates``: record id -> fate; all records together without it): records, share whose moved
    rows lie closer to the true mines than the rows as drawn, and the median distances (m)."""
    f = frame.assign(fate=frame["record"].map(fates) if fates is not None else "all")
    out: dict[str, dict] = {}
    for fate, part in f.groupby("fate"):
        out[str(fate)] = {
            "records": len(part),
            "moved_closer_share": float((part["moved_m"] < part["drawn_m"]).mean()),
            "model_closer_share": float((part["model_m"] < part["drawn_m"]).mean()),
            "median_drawn_m": float(part["drawn_m"].median()),
            "median_moved_m": float(part["moved_m"].median()),
            "median_model_m": float(part["model_m"].median()),
            "median_offset_m": float(part["offset_m"].median()),
        }
    return out
