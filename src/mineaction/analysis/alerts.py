"""New-contamination alerts: finds made after the last conflict, or found in land released earlier, clustered.

Definitions (docs/metrics.md):

- A find is **post-conflict** when its ``manufacture_year`` is later than the year of the last conflict
  period's end at its place: ``conflict_end[district]`` where given, else ``settings.ceasefire``
  (default 2020-11-10, so made in 2021 or later).
- A find is **in released land** when it lies inside the polygon of another activity that ended before the
  find's date and released (cancelled + reduced + cleared) at least the setting ``alert_released_min`` (0.9)
  of its polygon's area: land declared free earlier yet holding ordnance.
- Flagged finds are clustered with DBSCAN on their metric coordinates (``alert_eps_m``, default 500 m;
  ``alert_min_finds``, default 5): each cluster is an **alert** with its finds count, models, first and last
  find dates, district (the most frequent), centroid (WGS84) and a severity: ``high`` when post-conflict
  finds are ``alert_high_min`` (20) or more, ``medium`` when there are any post-conflict finds or that many
  finds in released land, else ``low``. Flagged finds outside any cluster stay visible in
  ``flag_new_contamination``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sklearn.cluster import DBSCAN

from mineaction.analysis.spatial import column, to_metric, to_timestamps
from mineaction.settings import Settings

__all__ = ["flag_new_contamination", "new_contamination_alerts"]

_ALERT_COLUMNS = [
    "alert",
    "n_finds",
    "n_post_conflict",
    "n_in_released_land",
    "models",
    "first_found",
    "last_found",
    "district",
    "severity",
    "lon",
    "lat",
    "find_ids",
]


def _released_polygons(activities: pd.DataFrame | None, crs: str, released_min: float) -> gpd.GeoDataFrame:
    acts = to_metric(activities, crs)
    if acts.empty or "ended_on" not in acts.columns:
        return acts.iloc[0:0]
    released = sum(
        column(acts, c, numeric=True, fill=0.0) for c in ("cancelled_m2", "reduced_m2", "cleared_m2")
    )
    area = acts.geometry.area
    ended = to_timestamps(acts["ended_on"]).set_axis(acts.index)
    keep = ended.notna() & (area > 0) & (released >= released_min * area)
    return acts.loc[keep].assign(_ended=ended[keep])


def flag_new_contamination(
    finds: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    *,
    settings: Settings,
    crs: str | None = None,
    released_min: float | None = None,
    conflict_end: Mapping[str, date] | None = None,
) -> gpd.GeoDataFrame:
    """Finds that signal new contamination, in the metric CRS, with bools ``post_conflict`` and
    ``in_released_land`` (at least one true on every row).

    ``conflict_end`` gives the end of the last conflict period by district where it differs from
    ``settings.ceasefire``; a find is post-conflict when made in a later year than its district's end.
    """
    crs = crs or settings.metric_crs
    fin = to_metric(finds, crs)
    if fin.empty:
        return fin.assign(post_conflict=pd.Series(dtype=bool), in_released_land=pd.Series(dtype=bool))
    year = column(fin, "manufacture_year", numeric=True)
    ends = {district: end.year for district, end in (conflict_end or {}).items()}
    cutoff = column(fin, "district").map(ends).fillna(settings.ceasefire.year).astype(float)
    post = (year > cutoff).fillna(False).to_numpy(dtype=bool)
    in_released = np.zeros(len(fin), dtype=bool)
    least = settings.alert_released_min if released_min is None else released_min
    rel = _released_polygons(activities, crs, least)
    if not rel.empty:
        f_idx, a_idx = shapely.STRtree(rel.geometry.to_numpy()).query(
            fin.geometry.to_numpy(), predicate="within"
        )
        found = to_timestamps(fin["found_on"]).to_numpy()[f_idx]
        earlier = rel["_ended"].to_numpy()[a_idx] < found
        if "activity" in fin.columns and "id" in rel.columns:
            earlier &= fin["activity"].to_numpy()[f_idx] != rel["id"].to_numpy()[a_idx]
        in_released[np.unique(f_idx[earlier])] = True
    flagged = fin.assign(post_conflict=post, in_released_land=in_released)
    return flagged.loc[post | in_released]


def _mode(values: pd.Series) -> str | None:
    counts = values.dropna().astype(str).value_counts()
    return str(counts.index[0]) if len(counts) else None


def _summarise(cluster: gpd.GeoDataFrame, high_min: int) -> dict[str, object]:
    dates = to_timestamps(cluster["found_on"])
    n_post, n_rel = int(cluster["post_conflict"].sum()), int(cluster["in_released_land"].sum())
    severity = "high" if n_post >= high_min else "medium" if (n_post or n_rel >= high_min) else "low"
    centre = (
        gpd.GeoSeries([shapely.centroid(shapely.multipoints(cluster.geometry.to_numpy()))], crs=cluster.crs)
        .to_crs(4326)
        .iloc[0]
    )
    models = sorted(cluster["model"].dropna().astype(str).unique()) if "model" in cluster else []
    return {
        "n_finds": int(len(cluster)),
        "n_post_conflict": n_post,
        "n_in_released_land": n_rel,
        "models": models,
        "first_found": dates.min().date(),
        "last_found": dates.max().date(),
        "district": _mode(cluster["district"]) if "district" in cluster else None,
        "severity": severity,
        "lon": round(centre.x, 5),
        "lat": round(centre.y, 5),
        "find_ids": sorted(cluster["id"].astype(str)) if "id" in cluster else [],
    }


def new_contamination_alerts(
    finds: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    *,
    settings: Settings,
    crs: str | None = None,
    eps_m: float | None = None,
    min_finds: int | None = None,
    high_min: int | None = None,
    released_min: float | None = None,
    conflict_end: Mapping[str, date] | None = None,
) -> pd.DataFrame:
    """Alerts of new contamination: clusters of flagged finds, most finds first.

    Parameters
    ----------
    finds, activities : DataFrame
        Frames with the schema's columns (EPSG:4326).
    settings : Settings
        ``ceasefire`` (cut-off date) and ``metric_crs``.
    crs : str, optional
        Metric CRS for clustering distances.
    eps_m : float, optional
        DBSCAN neighbourhood radius, m (default: the setting ``alert_eps_m``).
    min_finds : int, optional
        Fewest flagged finds that make an alert, DBSCAN ``min_samples`` (default: ``alert_min_finds``).
    high_min : int, optional
        Post-conflict finds from which an alert is ``high`` severity (default: ``alert_high_min``).
    released_min : float, optional
        Released share (0-1) of an activity's polygon from which its land counts as released (default:
        ``alert_released_min``).
    conflict_end : mapping of district to date, optional
        End of the last conflict period where it differs from ``settings.ceasefire``.

    Returns
    -------
    DataFrame
        ``alert, n_finds, n_post_conflict, n_in_released_land, models, first_found, last_found, district,
        severity, lon, lat`` (centroid, degrees WGS84) and ``find_ids``.
    """
    flagged = flag_new_contamination(
        finds, activities, settings=settings, crs=crs, released_min=released_min, conflict_end=conflict_end
    )
    eps_m = settings.alert_eps_m if eps_m is None else eps_m
    min_finds = settings.alert_min_finds if min_finds is None else min_finds
    high_min = settings.alert_high_min if high_min is None else high_min
    if len(flagged) < min_finds:
        return pd.DataFrame(columns=_ALERT_COLUMNS)
    xy = shapely.get_coordinates(flagged.geometry.to_numpy())
    labels = DBSCAN(eps=eps_m, min_samples=min_finds).fit_predict(xy)
    rows = [_summarise(flagged.loc[labels == label], high_min) for label in np.unique(labels[labels >= 0])]
    if not rows:
        return pd.DataFrame(columns=_ALERT_COLUMNS)
    alerts = pd.DataFrame(rows).sort_values(["n_finds", "first_found"], ascending=[False, True])
    alerts.insert(0, "alert", [f"ALERT-{i + 1:03d}" for i in range(len(alerts))])
    return alerts.reset_index(drop=True)[_ALERT_COLUMNS]


# What a person reads for each alert column (units where they apply), in display order.
ALERT_LABELS = {
    "alert": "alert",
    "n_finds": "finds",
    "n_post_conflict": "made after cut-off",
    "n_in_released_land": "in released land",
    "models": "models",
    "first_found": "first found",
    "last_found": "last found",
    "district": "district",
    "severity": "severity",
    "lon": "lon (deg)",
    "lat": "lat (deg)",
}


def alerts_for_display(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts of :func:`new_contamination_alerts` as a table for people: the columns of
    ``ALERT_LABELS`` under their labels, models joined with commas, coordinates in degrees (WGS84)."""
    shown = alerts.reindex(columns=list(ALERT_LABELS)).copy()
    shown["models"] = shown["models"].map(lambda names: ", ".join(names) if isinstance(names, list) else "")
    return shown.rename(columns=ALERT_LABELS)
