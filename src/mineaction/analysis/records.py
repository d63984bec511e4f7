"""Minefield record accuracy (record level), record recall (mine level) and positional offsets.

Definitions (docs/metrics.md is the reader's copy; change both together):

- **Mine finds**: finds of category AP or AT.
- **Processed share** of a record: the share of its perimeter's area covered by the union of the polygons of
  activities that have ended (``ended_on`` set, any kind: NTS, TS, clearance, BAC, EOD, QA).
- **Fully processed** record: processed share >= the setting ``processed_share_min`` (default 0.9).
- **Matched finds** of a record: mine finds within ``tolerance`` (settings.positional_tolerance_m, 25 m) of
  its perimeter (inside it or at most that far outside).
- **Offset** of a matched find: its distance to the record's nearest mine row when the record has rows, else
  to the perimeter (0 inside); the record's offset is the median over its matched finds.
- **Confirmed**: at least one matched find. **Complete**: matched / claimed_total within
  settings.completeness_band (0.5 to 1.5). **Positioned**: median offset <= tolerance.
  **Accurate**: confirmed and complete and positioned.
- **Record accuracy** (of a set of records): share of fully processed records that are accurate; per source
  (``handed_over_by``) the same share within that source's records.
- **Record recall**: share of mine finds lying inside any record's perimeter buffered by the tolerance.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import mine_row_lines, to_metric
from mineaction.settings import Settings

__all__ = [
    "MINE_CATEGORIES",
    "processed_share",
    "record_accuracy",
    "record_accuracy_by_source",
    "assess_each_record",
    "record_recall",
]

#: Device categories that count as mines in the record metrics.
MINE_CATEGORIES: tuple[str, ...] = ("AP", "AT")


def _mine_finds(finds: pd.DataFrame | None, crs: str) -> gpd.GeoDataFrame:
    metric = to_metric(finds, crs)
    if "category" not in metric.columns:
        return metric.iloc[0:0]
    return metric.loc[metric["category"].isin(MINE_CATEGORIES)]


def processed_share(records: pd.DataFrame, activities: pd.DataFrame | None, *, crs: str) -> pd.Series:
    """Share (0-1) of each record's perimeter area covered by ended activities, indexed like ``records``."""
    rec = to_metric(records, crs)
    acts = to_metric(activities, crs)
    if "ended_on" in acts.columns:
        acts = acts.loc[pd.to_datetime(acts["ended_on"], errors="coerce").notna()]
    else:
        acts = acts.iloc[0:0]
    share = pd.Series(0.0, index=rec.index)
    if rec.empty or acts.empty:
        return share.reindex(records.index, fill_value=0.0)
    covered = shapely.union_all(shapely.make_valid(acts.geometry.to_numpy()))
    rec_geoms = shapely.make_valid(rec.geometry.to_numpy())
    area = shapely.area(rec_geoms)
    inter = shapely.area(shapely.intersection(rec_geoms, covered))
    share[:] = np.where(area > 0, inter / np.where(area > 0, area, 1.0), 0.0)
    return share.clip(0.0, 1.0).reindex(records.index, fill_value=0.0)


def _matched_offsets(
    rec: gpd.GeoDataFrame, mines: gpd.GeoDataFrame, rows: gpd.GeoDataFrame, tolerance_m: float
) -> pd.DataFrame:
    """One line per (record, matched find) with the find's offset in metres."""
    if rec.empty or mines.empty:
        return pd.DataFrame({"record": pd.Series(dtype=object), "offset_m": pd.Series(dtype=float)})
    tree = shapely.STRtree(rec.geometry.to_numpy())
    find_idx, rec_idx = tree.query(mines.geometry.to_numpy(), predicate="dwithin", distance=tolerance_m)
    pts = mines.geometry.to_numpy()[find_idx]
    offsets = shapely.distance(pts, rec.geometry.to_numpy()[rec_idx])
    record_ids = rec["id"].to_numpy()[rec_idx]
    if not rows.empty:
        row_union = rows.groupby("id").geometry.agg(lambda g: shapely.union_all(g.to_numpy()))
        has_rows = np.isin(record_ids, row_union.index.to_numpy())
        if has_rows.any():
            lines = row_union.reindex(record_ids[has_rows]).to_numpy()
            offsets[has_rows] = shapely.distance(pts[has_rows], lines)
    return pd.DataFrame({"record": record_ids, "offset_m": offsets})


def assess_each_record(
    records: pd.DataFrame,
    finds: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    *,
    settings: Settings,
    crs: str | None = None,
    processed_min: float | None = None,
) -> pd.DataFrame:
    """Accuracy of each minefield record against the finds, one row per record.

    Parameters
    ----------
    records, finds, activities : DataFrame
        Frames with the schema's columns (EPSG:4326).
    settings : Settings
        ``positional_tolerance_m`` (m) and ``completeness_band``; ``metric_crs`` unless ``crs`` is given.
    crs : str, optional
        Metric CRS for distances and areas.
    processed_min : float, optional
        Processed share (0-1) from which a record counts as fully processed (default: the setting
        ``processed_share_min``).

    Returns
    -------
    DataFrame
        ``id, handed_over_by, district, claimed_total, processed_share, processed, n_finds, found_ratio,
        median_offset_m, confirmed, complete, positioned, accurate``.
    """
    crs = crs or settings.metric_crs
    tol = float(settings.positional_tolerance_m)
    rec = to_metric(records, crs)
    out = pd.DataFrame({"id": rec["id"].to_numpy() if "id" in rec else []})
    for col in ("handed_over_by", "district"):
        out[col] = rec[col].to_numpy() if col in rec else None
    claimed = pd.to_numeric(rec["claimed_total"], errors="coerce") if "claimed_total" in rec else None
    out["claimed_total"] = claimed.to_numpy() if claimed is not None else np.nan
    out["processed_share"] = processed_share(records.loc[rec.index], activities, crs=crs).to_numpy()
    least = settings.processed_share_min if processed_min is None else processed_min
    out["processed"] = out["processed_share"] >= least
    matched = _matched_offsets(rec, _mine_finds(finds, crs), mine_row_lines(rec).to_crs(crs), tol)
    grouped = matched.groupby("record")["offset_m"]
    out["n_finds"] = out["id"].map(grouped.size()).fillna(0).astype(int)
    out["median_offset_m"] = out["id"].map(grouped.median())
    out["found_ratio"] = out["n_finds"] / out["claimed_total"].where(out["claimed_total"] > 0)
    low, high = settings.completeness_band
    out["confirmed"] = out["n_finds"] > 0
    out["complete"] = out["found_ratio"].between(low, high).fillna(False).astype(bool)
    out["positioned"] = (out["median_offset_m"] <= tol).fillna(False).astype(bool)
    out["accurate"] = out["confirmed"] & out["complete"] & out["positioned"]
    return out


def _shares(assessed: pd.DataFrame) -> dict[str, float | int]:
    done = assessed.loc[assessed["processed"]]
    n = len(done)

    def share(col: str) -> float:
        return float(done[col].mean()) if n else float("nan")

    return {
        "n_records": int(len(assessed)),
        "n_processed": n,
        "confirmed": share("confirmed"),
        "complete": share("complete"),
        "positioned": share("positioned"),
        "accuracy": share("accurate"),
    }


def record_accuracy(assessed: pd.DataFrame) -> dict[str, float | int]:
    """Record accuracy (0-1) and its parts over the fully processed records of ``assess_each_record``.

    Returns ``n_records``, ``n_processed``, ``confirmed``, ``complete``, ``positioned`` and ``accuracy`` (the
    conjunction); shares are NaN when no record is fully processed.
    """
    return _shares(assessed)


def record_accuracy_by_source(assessed: pd.DataFrame) -> pd.DataFrame:
    """:func:`record_accuracy` per source (``handed_over_by``), one row per source."""
    if assessed.empty:
        return pd.DataFrame(
            columns=[
                "handed_over_by",
                "n_records",
                "n_processed",
                "confirmed",
                "complete",
                "positioned",
                "accuracy",
            ]
        )
    source = assessed["handed_over_by"].fillna("unknown")
    rows = [{"handed_over_by": name, **_shares(group)} for name, group in assessed.groupby(source)]
    return pd.DataFrame(rows)


def record_recall(
    records: pd.DataFrame, finds: pd.DataFrame | None, *, settings: Settings, crs: str | None = None
) -> dict[str, float | int]:
    """Share (0-1) of mine finds inside any record's perimeter buffered by the positional tolerance.

    Returns ``n_mine_finds``, ``n_inside`` and ``recall`` (NaN without mine finds).
    """
    crs = crs or settings.metric_crs
    mines = _mine_finds(finds, crs)
    rec = to_metric(records, crs)
    if mines.empty:
        return {"n_mine_finds": 0, "n_inside": 0, "recall": float("nan")}
    inside = np.zeros(len(mines), dtype=bool)
    if not rec.empty:
        tree = shapely.STRtree(rec.geometry.to_numpy())
        idx, _ = tree.query(
            mines.geometry.to_numpy(), predicate="dwithin", distance=float(settings.positional_tolerance_m)
        )
        inside[np.unique(idx)] = True
    return {"n_mine_finds": int(len(mines)), "n_inside": int(inside.sum()), "recall": float(inside.mean())}
