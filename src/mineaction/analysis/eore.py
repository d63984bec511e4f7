"""Risk education (EORE) indicators: reach, coverage of returning families before their return, and whether
EORE reached the communities of accident victims beforehand (definitions in docs/metrics.md).

Pure functions over frames with the schema's columns (``risk_education``, ``assets``, ``victims``,
``accidents``; geometries in WGS84, distances in the metric CRS given, m). Every record is first placed at a
settlement (``eore_table``): the one it names, else the nearest settlement within ``radius_m`` of its point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import column, to_metric, to_timestamps

__all__ = [
    "AUDIENCE",
    "coverage_by",
    "coverage_share",
    "eore_table",
    "reach_by",
    "return_coverage",
    "return_events",
    "victims_reached",
]

#: Audience counts of a record (people): children are girls and boys (under 18), adults women and men.
AUDIENCE = ("girls", "boys", "women", "men")
_COUNTS = (*AUDIENCE, "with_disability", "returnees", "families_reached")


def _nearest_settlement(
    points: pd.DataFrame, settlements: pd.DataFrame, *, radius_m: float, crs: str
) -> pd.Series:
    """Id of the settlement nearest each row's point within ``radius_m`` (None beyond or without a point)."""
    out = pd.Series(None, index=points.index, dtype=object)
    located = to_metric(points, crs)
    places = to_metric(settlements, crs)
    if located.empty or places.empty:
        return out
    tree = shapely.STRtree(places.geometry.to_numpy())
    idx = tree.query_nearest(located.geometry.to_numpy(), max_distance=radius_m, all_matches=False)
    out.loc[located.index[idx[0]]] = places["id"].to_numpy()[idx[1]]
    return out


def _settlements(assets: pd.DataFrame | None) -> pd.DataFrame:
    if assets is None or assets.empty:
        return pd.DataFrame(columns=["id", "name", "district", "geometry"])
    return assets.loc[column(assets, "asset_kind") == "settlement"]


def eore_table(
    risk_education: pd.DataFrame | None,
    assets: pd.DataFrame | None,
    *,
    radius_m: float = 2000.0,
    crs: str = "EPSG:32638",
) -> pd.DataFrame:
    """One row per risk education record, placed and counted.

    Columns: ``id``, ``form``, ``method``, ``delivered_on`` (Timestamp), ``year``, ``settlement`` (the id it
    names, else the nearest settlement within ``radius_m`` m of its point, else None), ``placed_by``
    (``id``, ``point`` or None), ``district`` (its own, else its settlement's), the counts ``girls``,
    ``boys``, ``women``, ``men``, ``with_disability``, ``returnees``, ``families_reached`` (people, missing
    as 0), ``people`` (girls + boys + women + men), ``children``, ``adults`` and ``estimated``.
    """
    frame = pd.DataFrame(risk_education if risk_education is not None else {}).copy()
    out = pd.DataFrame({"id": column(frame, "id")}, index=frame.index)
    out["form"] = column(frame, "form", fill="session")
    out["method"] = column(frame, "method", fill="unknown")
    out["delivered_on"] = to_timestamps(column(frame, "delivered_on")).to_numpy()
    out["year"] = out["delivered_on"].dt.year.astype("Int64")
    named = column(frame, "settlement").where(lambda s: s.notna() & (s != ""), None)
    settle = _settlements(assets)
    placed = named.copy()
    if "geometry" in frame.columns and named.isna().any():
        unnamed = frame.loc[named.isna()]
        placed.loc[unnamed.index] = _nearest_settlement(unnamed, settle, radius_m=radius_m, crs=crs)
    out["settlement"] = placed.astype(object).where(placed.notna(), None)
    how = np.full(len(out), None, dtype=object)
    how[placed.notna().to_numpy()] = "point"
    how[named.notna().to_numpy()] = "id"
    out["placed_by"] = how
    home = settle.set_index("id")["district"] if "district" in settle.columns else pd.Series(dtype=object)
    own = column(frame, "district")
    out["district"] = own.where(own.notna(), out["settlement"].map(home)).fillna("unknown")
    for name in _COUNTS:
        out[name] = column(frame, name, numeric=True, fill=0).astype(int)
    out["children"] = out["girls"] + out["boys"]
    out["adults"] = out["women"] + out["men"]
    out["people"] = out["children"] + out["adults"]
    out["estimated"] = column(frame, "estimated").fillna(False).astype(bool)
    return out.reset_index(drop=True)


def reach_by(table: pd.DataFrame, by: str | tuple[str, ...] = ("district", "year")) -> pd.DataFrame:
    """Sessions, campaigns and people reached by ``by`` (any of district, year, method, settlement, form).

    Counts are people; ``people_estimated`` is the part of ``people`` that records give as an estimate of
    reach (media, digital), so ``people - people_estimated`` were counted in the room.
    """
    keys = [by] if isinstance(by, str) else list(by)
    columns = ["sessions", "campaigns", "people", "people_estimated", "children", "adults", *_COUNTS]
    if table.empty:
        return pd.DataFrame(columns=keys + columns)
    counts = table.assign(
        sessions=(table["form"] != "campaign").astype(int),
        campaigns=(table["form"] == "campaign").astype(int),
        people_estimated=np.where(table["estimated"], table["people"], 0),
    )
    return counts.groupby(keys, dropna=False)[columns].sum().reset_index()


def return_events(assets: pd.DataFrame | None, returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Returns to settlements: ``settlement, name, district, return_on, year, families``.

    From ``returns`` when given (one row per return, with ``settlement``, ``returned_on`` and
    ``families_returned``: returns as they happened, in tranches), else from the settlements' plans
    (``target_on``, ``families_planned``; settlements without a date or families are left out).
    """
    settle = _settlements(assets)
    info = settle.set_index("id")[["name", "district"]] if len(settle) else None
    if returns is not None:
        events = pd.DataFrame(
            {
                "settlement": column(returns, "settlement"),
                "return_on": to_timestamps(column(returns, "returned_on")).to_numpy(),
                "families": column(returns, "families_returned", numeric=True).to_numpy(),
            }
        )
    else:
        events = pd.DataFrame(
            {
                "settlement": column(settle, "id"),
                "return_on": to_timestamps(column(settle, "target_on")).to_numpy(),
                "families": column(settle, "families_planned", numeric=True).to_numpy(),
            }
        )
    events = events.loc[events["return_on"].notna() & (events["families"] > 0)].copy()
    events["families"] = events["families"].astype(int)
    for name in ("name", "district"):
        events[name] = events["settlement"].map(info[name]) if info is not None else None
    events["year"] = events["return_on"].dt.year.astype(int)
    order = ["settlement", "name", "district", "return_on", "year", "families"]
    return events[order].sort_values(["return_on", "settlement"], kind="stable").reset_index(drop=True)


def return_coverage(
    table: pd.DataFrame,
    events: pd.DataFrame,
    *,
    lead_days: int = 365,
    as_of: Any = None,
) -> pd.DataFrame:
    """Returning families reached by EORE before their return, one row per return event.

    Families reached (``families_reached``) by the records placed at a settlement count for its returns in
    date order: a record delivered on the return day or in the ``lead_days`` days before it counts for that
    return, up to its families; what is left over counts for the settlement's next return in reach. Records
    after the return count for no earlier return.

    Returns the events with ``families_reached_before`` (families), ``coverage`` (0-1),
    ``sessions_before``, ``last_session_on`` (Timestamp or NaT), ``due`` (return on or before ``as_of``,
    default: every return) and ``reached`` (coverage > 0).
    """
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    out = events.reset_index(drop=True).copy()
    dates = out["return_on"].to_numpy(dtype="datetime64[ns]")
    families = out["families"].to_numpy(dtype=np.int64)
    places = out["settlement"].to_numpy(dtype=object)
    reached = np.zeros(len(out), dtype=np.int64)
    sessions = np.zeros(len(out), dtype=np.int64)
    last = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
    lead = np.timedelta64(lead_days, "D")
    placed = table.loc[table["settlement"].notna() & (table["families_reached"] > 0)]
    for place, records in placed.groupby("settlement"):
        records = records.sort_values("delivered_on", kind="stable")
        left = records["families_reached"].to_numpy(dtype=np.int64).copy()
        days = records["delivered_on"].to_numpy(dtype="datetime64[ns]")
        mine = np.flatnonzero(places == place)
        for k in mine[np.argsort(dates[mine], kind="stable")]:
            usable = (days <= dates[k]) & (days >= dates[k] - lead) & (left > 0)
            need = int(families[k])
            for j in np.flatnonzero(usable):
                take = min(need, int(left[j]))
                left[j] -= take
                need -= take
            reached[k] = families[k] - need
            sessions[k] = int(usable.sum())
            last[k] = days[usable].max() if usable.any() else np.datetime64("NaT")
    out["families_reached_before"] = reached
    out["coverage"] = reached / out["families"].clip(lower=1)
    out["sessions_before"] = sessions
    out["last_session_on"] = last
    out["due"] = True if cutoff is None else (out["return_on"] <= cutoff)
    out["reached"] = out["families_reached_before"] > 0
    return out


def coverage_by(coverage: pd.DataFrame, by: str | tuple[str, ...] = ("settlement", "year")) -> pd.DataFrame:
    """Families returning and reached before their return, and the coverage (0-1), by ``by`` (settlement,
    year, district); ``returns`` counts return events and ``missed`` those no record reached."""
    keys = [by] if isinstance(by, str) else list(by)
    if coverage.empty:
        return pd.DataFrame(
            columns=keys + ["returns", "missed", "families", "families_reached_before", "coverage"]
        )
    extra = [k for k in ("name", "district") if k not in keys and "settlement" in keys]
    grouped = coverage.assign(returns=1, missed=(~coverage["reached"]).astype(int)).groupby(
        keys, dropna=False
    )
    table = grouped[["returns", "missed", "families", "families_reached_before"]].sum()
    for name in extra:
        table[name] = grouped[name].first()
    table["coverage"] = table["families_reached_before"] / table["families"].clip(lower=1)
    return table.reset_index()


def coverage_share(coverage: pd.DataFrame) -> dict[str, Any]:
    """Headline figures over the returns that are due: ``coverage`` (families reached before their return /
    families returning, 0-1; None without returns), ``families``, ``families_reached_before``, ``returns``,
    ``returns_missed`` (no family reached) and ``upcoming`` (returns not yet due)."""
    due = coverage.loc[coverage["due"]] if len(coverage) else coverage
    families = int(due["families"].sum()) if len(due) else 0
    reached = int(due["families_reached_before"].sum()) if len(due) else 0
    return {
        "coverage": reached / families if families else None,
        "families": families,
        "families_reached_before": reached,
        "returns": int(len(due)),
        "returns_missed": int((~due["reached"]).sum()) if len(due) else 0,
        "upcoming": int(len(coverage) - len(due)),
    }


def victims_reached(
    victims: pd.DataFrame | None,
    accidents: pd.DataFrame | None,
    table: pd.DataFrame,
    assets: pd.DataFrame | None,
    *,
    window_days: int = 365,
    radius_m: float = 5000.0,
    groups: tuple[str, ...] = ("civilian",),
    crs: str = "EPSG:32638",
) -> dict[str, Any]:
    """Share of accident victims who came from communities that EORE reached in the ``window_days`` before.

    A victim's **community** is the settlement nearest the accident's point within ``radius_m`` m (accidents
    without a point, or farther from every settlement, have none). It was **reached** when a record placed at
    that settlement was delivered in the ``window_days`` days before the accident (not on the day). Only
    victims of ``groups`` count (default civilians: EORE's audience, not soldiers or deminers).

    Returns ``share`` (reached / victims with a community, 0-1, None without any), ``victims``,
    ``with_community``, ``reached`` (people) and ``by_year`` (rows of year, victims, with_community,
    reached, share).
    """
    vic = pd.DataFrame(victims if victims is not None else {})
    acc = pd.DataFrame(accidents if accidents is not None else {})
    if vic.empty or acc.empty:
        return {"share": None, "victims": 0, "with_community": 0, "reached": 0, "by_year": []}
    vic = vic.loc[column(vic, "victim_group", fill="unknown").isin(groups)]
    acc = acc.set_index("id", drop=False)
    community = _nearest_settlement(acc, _settlements(assets), radius_m=radius_m, crs=crs)
    when = to_timestamps(column(acc, "occurred_on")).set_axis(acc.index)
    rows = pd.DataFrame(
        {
            "community": vic["accident"].map(community).to_numpy(),
            "when": vic["accident"].map(when).to_numpy(),
        }
    )
    rows["reached"] = _reached(rows, table, window_days)
    rows["year"] = rows["when"].dt.year.astype("Int64")
    placed = rows["community"].notna()
    by_year = rows.assign(victims=1, with_community=placed.astype(int), reached=rows["reached"].astype(int))
    yearly = by_year.groupby("year")[["victims", "with_community", "reached"]].sum().reset_index()
    yearly["share"] = yearly["reached"] / yearly["with_community"].where(yearly["with_community"] > 0)
    n_placed = int(placed.sum())
    return {
        "share": float(rows["reached"].sum() / n_placed) if n_placed else None,
        "victims": int(len(rows)),
        "with_community": n_placed,
        "reached": int(rows["reached"].sum()),
        "by_year": yearly.to_dict(orient="records"),
    }


def _reached(rows: pd.DataFrame, table: pd.DataFrame, window_days: int) -> np.ndarray:
    placed = table.loc[table["settlement"].notna(), ["settlement", "delivered_on"]]
    days = {k: np.sort(g["delivered_on"].to_numpy()) for k, g in placed.groupby("settlement")}
    window = np.timedelta64(window_days, "D")
    out = np.zeros(len(rows), dtype=bool)
    for i, (place, when) in enumerate(zip(rows["community"], rows["when"], strict=True)):
        if place is None or pd.isna(when) or place not in days:
            continue
        d = days[place]
        hi = np.searchsorted(d, when.to_datetime64(), side="left")
        lo = np.searchsorted(d, (when.to_datetime64() - window), side="left")
        out[i] = hi > lo
    return out
