"""Outside share: events (accidents, finds) lying outside every minefield record or every known hazard.

Definitions (docs/metrics.md):

- An event is **outside the records** when its point is farther than ``buffer_m`` (default 0: strictly outside
  the perimeter) from every minefield record's perimeter.
- An event is **outside the known hazards** when no hazardous area was known and not yet released on the
  event's date: known means ``reported_on <= event date`` and not ``released_on < event date``. The dates are
  the record's own fields (``reported_on``, ``released_on``). With the store's history
  (``hazards_with_history``) a hazard also counts only from the day it was first recorded in the store
  (``known_from``) until the day it was deleted (``removed_on``), and deleted hazards count while they lived.
- **Distance form**: share of events farther than ``distance_m`` from every reference event dated before the
  event (used on Colombia's register: MAP accidents vs earlier suspected-minefield reports).

Only events with a point (and ``location_known`` not false) count.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import to_metric, to_timestamps
from mineaction.domain.schema import entity

__all__ = [
    "event_dates",
    "hazards_with_history",
    "outside_flags",
    "outside_share",
    "outside_share_by",
    "share_farther_than",
]


def event_dates(events: pd.DataFrame) -> pd.Series:
    """The date of each event (datetime64) from its kind's date field (``occurred_on``, ``found_on``)."""
    for kind in ("accidents", "finds"):
        field = entity(kind).date_field
        if field and field in events.columns:
            return to_timestamps(events[field]).set_axis(events.index)
    return pd.Series(pd.NaT, index=events.index)


def _located(events: pd.DataFrame | None, crs: str) -> gpd.GeoDataFrame:
    metric = to_metric(events, crs)
    if "location_known" in metric.columns:
        unknown = metric["location_known"].astype(object).isin([False, "false", "False"])
        metric = metric.loc[~unknown.to_numpy(dtype=bool)]
    return metric


def outside_flags(
    events: pd.DataFrame | None,
    records: pd.DataFrame | None,
    hazards: pd.DataFrame | None,
    *,
    crs: str,
    buffer_m: float = 0.0,
) -> pd.DataFrame:
    """Per located event: ``outside_records`` and ``outside_known_hazards`` (bools), with year and district.

    Parameters
    ----------
    events : DataFrame
        Accidents or finds (EPSG:4326).
    records, hazards : DataFrame
        Minefield records and hazardous areas (EPSG:4326 polygons).
    crs : str
        Metric CRS for the buffer distance.
    buffer_m : float
        An event within this distance (m) of a polygon counts as inside it.
    """
    ev = _located(events, crs)
    dates = event_dates(ev)
    out = pd.DataFrame(
        {
            "id": ev["id"].to_numpy() if "id" in ev else np.arange(len(ev)),
            "date": dates.to_numpy(),
            "year": dates.dt.year.to_numpy(),
            "district": ev["district"].to_numpy() if "district" in ev else None,
        },
        index=ev.index,
    )
    pts = ev.geometry.to_numpy()
    rec = to_metric(records, crs)
    inside_rec = np.zeros(len(ev), dtype=bool)
    if len(rec) and len(ev):
        idx, _ = shapely.STRtree(rec.geometry.to_numpy()).query(pts, predicate="dwithin", distance=buffer_m)
        inside_rec[np.unique(idx)] = True
    out["outside_records"] = ~inside_rec
    out["outside_known_hazards"] = ~_inside_known(ev, dates, to_metric(hazards, crs), buffer_m)
    return out


def _inside_known(
    ev: gpd.GeoDataFrame, dates: pd.Series, haz: gpd.GeoDataFrame, buffer_m: float
) -> np.ndarray:
    inside = np.zeros(len(ev), dtype=bool)
    if haz.empty or ev.empty:
        return inside
    ev_idx, haz_idx = shapely.STRtree(haz.geometry.to_numpy()).query(
        ev.geometry.to_numpy(), predicate="dwithin", distance=buffer_m
    )
    when = dates.to_numpy()[ev_idx]
    reported = to_timestamps(haz["reported_on"]).to_numpy()[haz_idx] if "reported_on" in haz else None
    released = to_timestamps(haz["released_on"]).to_numpy()[haz_idx] if "released_on" in haz else None
    known = np.ones(len(ev_idx), dtype=bool)
    if reported is not None:
        known &= ~pd.isna(reported) & (reported <= when)
    if released is not None:
        known &= pd.isna(released) | (released >= when)
    if "known_from" in haz:
        known &= to_timestamps(haz["known_from"]).to_numpy()[haz_idx] <= when
    if "removed_on" in haz:
        removed = to_timestamps(haz["removed_on"]).to_numpy()[haz_idx]
        known &= pd.isna(removed) | (removed > when)
    inside[np.unique(ev_idx[known])] = True
    return inside


def hazards_with_history(current: pd.DataFrame | None, history: pd.DataFrame | None) -> pd.DataFrame | None:
    """Hazardous areas with the days the store knew them, from its append-only history.

    Parameters
    ----------
    current : DataFrame
        Live hazardous areas (``store.read("hazardous_areas")``).
    history : DataFrame
        Their revisions (``store.history("hazardous_areas")``: ``op``, ``changed_at`` (UTC) and the fields).

    Returns
    -------
    DataFrame
        The live areas plus deleted ones (as in their last revision before deletion), with ``known_from`` (day
        of the first revision, UTC) and ``removed_on`` (day of deletion, NaT while live).
    """
    if history is None or len(history) == 0 or "changed_at" not in history.columns:
        return current
    day = pd.to_datetime(history["changed_at"], utc=True).dt.tz_convert(None).dt.normalize()
    known_from = day.groupby(history["id"]).min()
    deleted = history["op"] == "delete"
    removed_on = day[deleted].groupby(history["id"][deleted]).max()
    gone = history.loc[~deleted & history["id"].isin(removed_on.index)].drop_duplicates("id", keep="last")
    fields = [c for c in gone.columns if current is None or c in current.columns]
    parts = [p for p in (current, gone[fields]) if p is not None and len(p)]
    if not parts:
        return current
    both = pd.concat(parts, ignore_index=True)
    ids = both["id"].to_numpy()
    both["known_from"] = known_from.reindex(ids).to_numpy()
    both["removed_on"] = removed_on.reindex(ids).to_numpy()
    return both


def outside_share(flags: pd.DataFrame, column: str = "outside_records") -> float:
    """Share (0-1) of events with ``column`` true; NaN when there are none."""
    return float(flags[column].mean()) if len(flags) else float("nan")


def outside_share_by(flags: pd.DataFrame, by: str | list[str] = "year") -> pd.DataFrame:
    """Outside shares (0-1) and event counts grouped by ``by`` (e.g. ``"year"``, ``"district"``)."""
    keys = [by] if isinstance(by, str) else list(by)
    cols = ["n_events", "outside_records", "outside_known_hazards"]
    if flags.empty:
        return pd.DataFrame(columns=keys + cols)
    grouped = flags.assign(n_events=1).groupby(keys, dropna=False)
    table = grouped.agg(
        n_events=("n_events", "sum"),
        outside_records=("outside_records", "mean"),
        outside_known_hazards=("outside_known_hazards", "mean"),
    )
    return table.reset_index()


def share_farther_than(
    events: pd.DataFrame, references: pd.DataFrame, *, distance_m: float, crs: str, use_centroids: bool = True
) -> dict[str, float | int]:
    """Share (0-1) of events farther than ``distance_m`` from every reference event dated before it.

    Parameters
    ----------
    events, references : DataFrame
        Point or polygon frames (EPSG:4326) with a date field (``event_dates``; references may be hazardous
        areas, dated by ``reported_on``). Filter both to the periods of interest before calling.
    distance_m : float
        Distance threshold, m.
    crs : str
        Metric CRS (for Colombia the UTM zone of the data, ``utm_crs_of``).
    use_centroids : bool
        Measure to each reference's centroid (the reported point when areas were made by buffering a
        point), else to its geometry.

    Returns
    -------
    dict
        ``n_events``, ``n_farther`` and ``share`` (NaN without events).
    """
    ev = _located(events, crs)
    refs = to_metric(references, crs)
    ref_dates = _reference_dates(refs)
    ev_dates = event_dates(ev).to_numpy()
    geoms = refs.geometry.centroid if use_centroids else refs.geometry
    near = np.zeros(len(ev), dtype=bool)
    if len(ev) and len(refs):
        tree = shapely.STRtree(geoms.to_numpy())
        ev_idx, ref_idx = tree.query(ev.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
        earlier = ref_dates.to_numpy()[ref_idx] < ev_dates[ev_idx]
        near[np.unique(ev_idx[earlier])] = True
    farther = ~near
    n = int(len(ev))
    return {
        "n_events": n,
        "n_farther": int(farther.sum()),
        "share": float(farther.mean()) if n else float("nan"),
    }


def _reference_dates(refs: pd.DataFrame) -> pd.Series:
    if "reported_on" in refs.columns:
        return to_timestamps(refs["reported_on"]).set_axis(refs.index)
    return event_dates(refs)
