"""Data quality: invalid or duplicate geometries, long edges, outside the area of interest, future dates,
implausible productivity, finds without activity, survivors' needs and services not linked to their victim,
risk education sessions placed nowhere; each issue names the record and the fix.

Every check is vectorised over a kind's frame and returns rows of the issues table
(``kind, id, check, value, fix``; ``id`` is the record id, or ``row N`` when a record has no id: N is the
source file's 1-based row when the frame carries the readers' ``_row`` column, else the frame's position).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import as_geoframe, column, to_timestamps
from mineaction.domain.schema import ENTITIES, PLANNED_DATE_FIELDS
from mineaction.settings import Settings

__all__ = ["QUALITY_COLUMNS", "data_quality", "quality_summary"]

QUALITY_COLUMNS = ["kind", "id", "check", "value", "fix"]
#: Kinds whose polygons are drawn by surveyors; roads, admin boundaries and context layers have long edges
#: by nature and are not checked for them.
LONG_EDGE_KINDS = ("hazardous_areas", "minefield_records", "activities")
_ROW = "_row"  # 1-based row of the source file, when frames come straight from a reader


def _issues(
    kind: str,
    frame: pd.DataFrame,
    mask: np.ndarray,
    check: str,
    values: pd.Series | np.ndarray | Callable[[np.ndarray], Any],
    fix: str,
) -> pd.DataFrame:
    """Issue rows for the rows of ``frame`` where ``mask`` is true; ``values`` is one value per row of the
    frame, or a function of the flagged positions (so values are only formatted for flagged rows)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    where = np.flatnonzero(mask)
    rows = frame[_ROW].to_numpy()[where] if _ROW in frame.columns else where + 1
    ids = np.array([f"row {r}" for r in rows], dtype=object)  # only the flagged rows
    if "id" in frame.columns:
        given = frame["id"].to_numpy()[where]
        ids = np.where(pd.notna(given), given.astype(str), ids)
    shown = values(where) if callable(values) else np.asarray(values, dtype=object)[where]
    return pd.DataFrame(
        {"kind": kind, "id": ids, "check": check, "value": [str(v) for v in shown], "fix": fix}
    )


def _outside_aoi(kind: str, gdf: pd.DataFrame, present: np.ndarray, settings: Settings) -> pd.DataFrame:
    west, south, east, north = settings.aoi
    points = shapely.point_on_surface(gdf.geometry.to_numpy())
    x, y = shapely.get_x(points), shapely.get_y(points)
    lat_ok = (y >= south) & (y <= north)
    outside = present & ~((x >= west) & (x <= east) & lat_ok)
    flipped = outside & (-x >= west) & (-x <= east) & lat_ok

    def describe(where: np.ndarray) -> list[str]:
        hint = np.where(
            flipped[where], "; the longitude with the opposite sign is inside: check the sign", ""
        )
        return [f"lon {x[i]:.5f} lat {y[i]:.5f}{h}" for i, h in zip(where, hint, strict=True)]

    return _issues(
        kind,
        gdf,
        outside,
        "outside the area of interest",
        describe,
        f"check the coordinates (lon/lat order, sign, CRS); area of interest {settings.aoi}",
    )


def _geometry_checks(kind: str, gdf: pd.DataFrame, settings: Settings) -> list[pd.DataFrame]:
    geoms = gdf.geometry.to_numpy()
    present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    wkb = pd.Series(shapely.to_wkb(np.where(present, geoms, np.array(None, dtype=object))))
    duplicate = (wkb.notna() & wkb.duplicated(keep="first")).to_numpy()
    return [
        _issues(
            kind,
            gdf,
            invalid,
            "invalid geometry",
            lambda where: shapely.is_valid_reason(geoms[where]),
            "repair the geometry (e.g. shapely make_valid or QGIS 'Fix geometries') and re-import",
        ),
        _issues(
            kind,
            gdf,
            duplicate,
            "duplicate geometry",
            lambda where: ["same as an earlier record"] * len(where),
            "merge or delete the duplicate record",
        ),
        _outside_aoi(kind, gdf, present, settings),
    ]


def _long_edges(kind: str, gdf: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    metric = as_geoframe(gdf).to_crs(settings.metric_crs)
    polys = metric.geom_type.isin(["Polygon", "MultiPolygon", "LineString", "MultiLineString"])
    if not polys.any():
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    coords, index = shapely.get_coordinates(metric.geometry[polys].boundary.to_numpy(), return_index=True)
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    same = index[1:] == index[:-1]
    longest = pd.Series(np.where(same, seg, 0.0)).groupby(index[1:]).max()
    edge = pd.Series(0.0, index=range(int(polys.sum())))
    edge.loc[longest.index] = longest.to_numpy()
    full = np.zeros(len(metric))
    full[np.flatnonzero(polys.to_numpy())] = edge.to_numpy()
    return _issues(
        kind,
        metric,
        full > settings.max_edge_m,
        "long edge",
        np.round(full).astype(int).astype(str) + " m",
        f"check for a stray vertex; edges over {settings.max_edge_m:,.0f} m are suspicious",
    )


def _future_dates(kind: str, frame: pd.DataFrame, today: date) -> list[pd.DataFrame]:
    out = []
    for field in ENTITIES[kind].fields:
        planned = field.name in PLANNED_DATE_FIELDS or field.name == "recorded_at"
        if field.type in ("date", "datetime") and field.name in frame.columns and not planned:
            when = to_timestamps(frame[field.name])
            if when.dt.tz is not None:
                when = when.dt.tz_convert(None)
            future = (when > pd.Timestamp(today)).to_numpy()
            out.append(
                _issues(
                    kind,
                    frame,
                    future,
                    f"future date in {field.name}",
                    frame[field.name],
                    f"correct {field.name}: it is after {today.isoformat()}",
                )
            )
    return out


def _activity_checks(
    acts: pd.DataFrame, finds: pd.DataFrame | None, settings: Settings
) -> list[pd.DataFrame]:
    out = []
    if {"cleared_m2", "deminer_days"} <= set(acts.columns):
        cleared = pd.to_numeric(acts["cleared_m2"], errors="coerce")
        days = pd.to_numeric(acts["deminer_days"], errors="coerce")
        manual = column(acts, "method") == "manual"
        rate = cleared / days.where(days > 0)
        bad = (manual & (rate > settings.max_manual_m2_per_deminer_day)).to_numpy()
        out.append(
            _issues(
                "activities",
                acts,
                bad,
                "implausible productivity",
                rate.round(1).astype(str) + " m2 per deminer-day",
                "check cleared_m2 and deminer_days (norm 25 m2 per "
                f"deminer-day; limit {settings.max_manual_m2_per_deminer_day:g})",
            )
        )
    if finds is not None and len(finds) and "activity" in finds.columns:
        known = set(acts["id"].dropna()) if "id" in acts.columns else set()
        missing = finds["activity"].isna() | ~finds["activity"].isin(known)
        out.append(
            _issues(
                "finds",
                finds,
                missing.to_numpy(),
                "find without activity",
                finds["activity"].astype(object).where(finds["activity"].notna(), "(empty)"),
                "link the find to the activity (AT-...) that found it, or record that activity",
            )
        )
    return out


def _linked(kind: str, frame: pd.DataFrame, victims: pd.DataFrame | None) -> list[pd.DataFrame]:
    """Needs and services that name no stored victim, or another accident than their victim's."""
    vic = pd.DataFrame(victims if victims is not None else {})
    accident_of = (
        pd.Series(column(vic, "accident").to_numpy(), index=column(vic, "id").to_numpy())
        if len(vic)
        else pd.Series(dtype=object)
    )
    victim = column(frame, "victim")
    unknown = (victim.isna() | ~victim.isin(set(accident_of.index))).to_numpy()
    theirs = victim.map(accident_of[~accident_of.index.duplicated()])
    given = column(frame, "accident")
    other = (given.notna() & theirs.notna() & (given != theirs)).to_numpy() & ~unknown
    return [
        _issues(
            kind,
            frame,
            unknown,
            "survivor not among the victims",
            victim.astype(object),
            "record the victim (VI-...) or correct the victim id",
        ),
        _issues(
            kind,
            frame,
            other,
            "accident is not the victim's",
            given.astype(object),
            "use the accident (AC-...) of the victim record, or correct the victim id",
        ),
    ]


def _people_checks(frames: Mapping[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """Survivors' needs and services linked to their victims; risk education sessions placed somewhere."""
    out = []
    for kind in ("survivor_needs", "survivor_services"):
        frame = frames.get(kind)
        if frame is not None and len(frame):
            out += _linked(kind, frame, frames.get("victims"))
    sessions = frames.get("risk_education")
    if sessions is not None and len(sessions):
        geoms = (
            sessions["geometry"] if "geometry" in sessions.columns else pd.Series(None, index=sessions.index)
        )
        nowhere = (
            (column(sessions, "form", fill="session") == "session")
            & column(sessions, "settlement").isna()
            & column(sessions, "district").isna()
            & (geoms.isna() | geoms.map(lambda g: g is not None and g.is_empty))
        ).to_numpy()
        out.append(
            _issues(
                "risk_education",
                sessions,
                nowhere,
                "session placed nowhere",
                np.full(len(sessions), "(no settlement, point or district)"),
                "give the settlement (ST-...), the point or at least the district",
            )
        )
    return out


def data_quality(
    frames: Mapping[str, pd.DataFrame], *, settings: Settings, today: date | None = None
) -> pd.DataFrame:
    """Every data-quality issue in ``frames`` (kind -> frame), one row each: kind, id, check, value, fix.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Frames with the schema's columns (EPSG:4326), by kind.
    settings : Settings
        ``aoi`` (degrees), ``max_edge_m`` (m), ``max_manual_m2_per_deminer_day``, ``metric_crs``.
    today : date, optional
        Dates after it are future dates; defaults to today (UTC).
    """
    today = today or date.today()
    parts: list[pd.DataFrame] = []
    for kind, frame in frames.items():
        if frame is None or frame.empty or kind not in ENTITIES:
            continue
        if "geometry" in frame.columns:
            gdf = (
                frame
                if isinstance(frame, gpd.GeoDataFrame)
                else gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
            )
            parts += _geometry_checks(kind, gdf, settings)
            if kind in LONG_EDGE_KINDS:
                parts.append(_long_edges(kind, gdf, settings))
        parts += _future_dates(kind, frame, today)
    if frames.get("activities") is not None:
        parts += _activity_checks(frames["activities"], frames.get("finds"), settings)
    parts += _people_checks(frames)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def quality_summary(issues: pd.DataFrame) -> pd.DataFrame:
    """Number of issues by kind and check."""
    if issues.empty:
        return pd.DataFrame(columns=["kind", "check", "n_issues"])
    return issues.groupby(["kind", "check"]).size().rename("n_issues").reset_index()
