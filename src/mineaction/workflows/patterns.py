"""The patterns job: mine-laying patterns of hazardous areas, their residual mines, clearance order and
release check (``mineaction patterns``).

``analyse_patterns(store)`` reads the hazardous areas, activities, finds and minefield records once, and for
each area (one, or every area with mine finds or a record) fits the laying pattern to its finds with its
records as prior, estimates the mines still in the ground (expected, interval, map), ranks the cells to work
next beside lane by lane and the record's order, and checks it as if proposed for release. Lines are given in
WGS84 (WKT), positions of cells and map hotspots in the metric CRS (m). docs/patterns.md explains the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction import analysis, patterns
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, to_jsonable
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = [
    "AreaPatterns",
    "PatternsResult",
    "RELEASE_CHECK",
    "analyse_patterns",
    "pattern_settings",
    "proposed_release_findings",
    "release_issues",
]

#: The data-quality check of a released area whose finds' pattern or record implies mines left in it.
RELEASE_CHECK = "released with mines implied"
_NO_JSON = {"json": False}
_KINDS = ("hazardous_areas", "activities", "finds", "minefield_records")


def pattern_settings(settings: Settings) -> patterns.PatternSettings:
    """The pattern model's settings from the one ``Settings`` (detection by activity kind, flag threshold,
    cell sizes, seed); the model's priors keep their documented defaults (docs/patterns.md)."""
    detection = {
        **patterns.PatternSettings().detection,
        "clearance": settings.pattern_detection_clearance,
        "BAC": settings.pattern_detection_bac,
        "TS": settings.pattern_detection_ts,
    }
    return patterns.PatternSettings(
        detection=detection,
        flag_expected_mines=settings.pattern_flag_mines,
        cell_m=settings.pattern_cell_m,
        map_cell_m=settings.pattern_map_cell_m,
        random_state=settings.random_state,
    )


def _wkt_lines(lines: np.ndarray, crs: str) -> list[str]:
    """Segments ``(k, 4)`` in ``crs`` as WKT lines in WGS84 (7 decimals)."""
    if len(lines) == 0:
        return []
    geoms = shapely.linestrings(np.asarray(lines, float).reshape(-1, 2, 2))
    wgs = gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326")
    return [shapely.to_wkt(g, rounding_precision=7) for g in wgs]


def _rows(pattern: patterns.Pattern) -> list[dict[str, Any]]:
    out = []
    for g, group in enumerate(pattern.groups):
        lines = _wkt_lines(group.row_lines(), pattern.crs)
        for r, (row, line) in enumerate(zip(group.rows, lines, strict=True)):
            out.append(
                {
                    "rows": g + 1,
                    "row": r + 1,
                    "line": line,
                    "direction_deg": round(float(np.degrees(group.angle)), 1),
                    "length_m": round(row.u_last - row.u_first, 1),
                    "spacing_m": round(row.spacing_m, 2),
                    "regularity": round(row.regularity, 2),
                    "finds": row.n_finds,
                    "record_row": row.record_row + 1 if row.record_row >= 0 else None,
                }
            )
    return out


def _records(pattern: patterns.Pattern) -> list[dict[str, Any]]:
    return [
        {**fit.to_dict(), "moved_rows": _wkt_lines(fit.aligned.lines, pattern.crs)} for fit in pattern.records
    ]


@dataclass(frozen=True, eq=False)
class AreaPatterns(JsonResult):
    """One hazardous area: its fitted pattern (rows as WGS84 lines, clusters, fit quality), its records'
    offset and rotation, the mines still expected in it (``residual``: expected, interval, by source, map
    hotspots), the clearance order (``order``: next cells, expected share found per share of area worked for
    the pattern, lane by lane and the record's order; absent for released areas) and the release check
    (``release``: flagged, reasons, notes). Counts are mines, areas m2, distances m."""

    area: str
    status: str
    area_m2: float
    mine_finds: int
    rows: tuple[Mapping[str, Any], ...]
    clusters: int
    scattered_finds: int
    quality: Mapping[str, Any]
    records: tuple[Mapping[str, Any], ...]
    residual: Mapping[str, Any]
    release: Mapping[str, Any]
    order: Mapping[str, Any] | None
    residual_map: patterns.ResidualMap = field(metadata=_NO_JSON)
    pattern: patterns.Pattern = field(metadata=_NO_JSON)

    @property
    def flagged(self) -> bool:
        return bool(self.release["flagged"])

    def summary_row(self) -> dict[str, Any]:
        """One line of the table of areas: id, status, finds, rows, expected mines and interval, flag."""
        corrected = [r for r in self.records if r["status"] in ("confirmed", "corrected")]
        reasons = self.release["reasons"]
        return {
            "area": self.area,
            "status": self.status,
            "mine_finds": self.mine_finds,
            "rows": len(self.rows),
            "record": corrected[0]["record"] if corrected else None,
            "record_offset_m": corrected[0]["offset_m"] if corrected else None,
            "record_rotation_deg": corrected[0]["rotation_deg"] if corrected else None,
            "expected_mines": self.residual["expected_mines"],
            "interval": self.residual["interval"],
            "flagged": self.flagged,
            "reason": reasons[0]["code"] if reasons else None,
        }


@dataclass(frozen=True, eq=False)
class PatternsResult(JsonResult):
    """The patterns of the areas analysed: a summary (areas, flagged, expected mines in all, records by
    alignment status) and each area (in full with ``detail``, else one summary line each)."""

    simulated: bool
    metric_crs: str
    as_of: date | None
    areas: tuple[AreaPatterns, ...]
    detail: bool
    settings: Mapping[str, Any]

    @property
    def n_flagged(self) -> int:
        return sum(a.flagged for a in self.areas)

    def records_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for area in self.areas:
            for record in area.records:
                counts[record["status"]] = counts.get(record["status"], 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "simulated": self.simulated,
            "metric_crs": self.metric_crs,
            "as_of": to_jsonable(self.as_of),
            "n_areas": len(self.areas),
            "n_flagged": self.n_flagged,
            "expected_mines": round(sum(float(a.residual["expected_mines"]) for a in self.areas), 1),
            "records": self.records_by_status(),
            "settings": to_jsonable(self.settings),
            "areas": [a.to_dict() if self.detail else a.summary_row() for a in self.areas],
        }


def _area_result(
    index: patterns.EvidenceIndex, area_id: str, settings: patterns.PatternSettings
) -> AreaPatterns:
    ev = index.evidence(area_id)
    pattern = patterns.fit_pattern(
        ev.finds_xy, records=ev.records, settings=settings, crs=ev.crs, coverage=ev.coverage
    )
    check = patterns.check_release(pattern, ev.coverage, ev.area, area_id=area_id, settings=settings)
    release = {k: v for k, v in check.to_dict().items() if k != "residual"}
    order = None
    if ev.status != "released":
        lines = np.concatenate([r.lines for r in ev.records]) if ev.records else None
        order = patterns.clearance_order(
            pattern, ev.coverage, ev.area, record_lines=lines, settings=settings
        ).to_dict()
    assert check.residual.map is not None
    return AreaPatterns(
        area_id,
        ev.status,
        round(ev.area_m2, 1),
        int(ev.inside.sum()),
        tuple(_rows(pattern)),
        len(pattern.clusters),
        len(pattern.scattered),
        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in pattern.quality.items()},
        tuple(_records(pattern)),
        check.residual.to_dict(),
        release,
        order,
        check.residual.map,
        pattern,
    )


def _candidate_areas(index: patterns.EvidenceIndex, status: str | None) -> list[str]:
    """Areas with a mine find inside, or a minefield record named in their evidence or lying on them."""
    areas = index.areas
    if status is not None:
        areas = areas.loc[areas["status"] == status]
    geoms = areas.geometry.to_numpy()
    has = np.zeros(len(areas), bool)
    if len(index.find_xy):
        has[shapely.STRtree(geoms).query(shapely.points(index.find_xy), predicate="intersects")[1]] = True
    if len(index.records):
        has[shapely.STRtree(geoms).query(index.records.geometry.to_numpy(), predicate="intersects")[1]] = True
    named = (
        areas["evidence"].map(lambda e: bool(patterns.evidence_record_ids(e)))
        if "evidence" in areas
        else False
    )
    return [str(i) for i in areas.index[has | np.asarray(named, bool)]]


def analyse_patterns(
    source: Store | StoreSnapshot,
    *,
    settings: Settings | None = None,
    area: str | None = None,
    status: str | None = None,
) -> PatternsResult:
    """Patterns, residual mines, clearance order and release check of one area (``area``, in full) or of
    every area with mine finds or a record (``status`` narrows them: open, in_progress, released), as the
    store knows them (a snapshot's ``as_of`` date gives what was known then)."""
    snap = as_snapshot(source, settings)
    frames = snap.frames(_KINDS)
    crs = analysis.metric_crs_for(frames, snap.settings)
    model = pattern_settings(snap.settings)
    index = patterns.EvidenceIndex(
        hazardous_areas=frames["hazardous_areas"],
        activities=frames["activities"],
        finds=frames["finds"],
        records=frames["minefield_records"],
        settings=model,
        crs=crs,
    )
    ids = [area] if area is not None else _candidate_areas(index, status)
    results = tuple(_area_result(index, i, model) for i in ids)
    shown = {k: getattr(model, k) for k in ("detection", "flag_expected_mines", "cell_m", "map_cell_m")}
    as_of = snap.as_of.date() if isinstance(snap.as_of, datetime) else snap.as_of
    return PatternsResult(snap.simulated, crs, as_of, results, area is not None, shown)


def release_issues(result: PatternsResult) -> pd.DataFrame:
    """Data-quality issues (``kind, id, check, value, fix``) for the released areas of ``result`` that the
    release check flags: the mines expected with their interval and the main reasons, and the fix."""
    rows = []
    for area in result.areas:
        if area.status != "released" or not area.flagged:
            continue
        res = area.residual
        low, high = res["interval"]
        why = "; ".join(f"{r['code'].replace('_', ' ')} {r['mines']:g}" for r in area.release["reasons"][:3])
        rows.append(
            {
                "kind": "hazardous_areas",
                "id": area.area,
                "check": RELEASE_CHECK,
                "value": f"{res['expected_mines']:.1f} mines expected ({low:g}-{high:g}): {why}",
                "fix": (
                    f"survey again the land the reasons name (mineaction patterns STORE --area {area.area} "
                    "shows the rows, the reasons and the map) before the release stands"
                ),
            }
        )
    return pd.DataFrame(rows, columns=analysis.QUALITY_COLUMNS)


def _finding(area: AreaPatterns, label: str) -> dict[str, Any]:
    res = area.residual
    low, high = res["interval"]
    why = "; ".join(f"{r['code'].replace('_', ' ')} {r['mines']:g}" for r in area.release["reasons"][:3])
    return {
        "check": RELEASE_CHECK,
        "id": label,
        "value": f"{res['expected_mines']:.1f} mines expected ({low:g}-{high:g}): {why}",
        "fix": "survey again the land the reasons name before releasing the area (mineaction patterns STORE "
        "--area ID shows the rows, the reasons and the map), or return the report",
    }


def proposed_release_findings(
    source: Store | StoreSnapshot, proposed: pd.DataFrame, *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The release check of the hazardous areas a report proposes to release.

    ``proposed`` holds the report's validated hazardous-area rows (EPSG:4326); those whose ``status`` is
    ``released`` are checked with their reported polygon against the finds, activities and minefield records
    the store holds. Returns one finding (``check``, ``id``, ``value``, ``fix``) per area the check flags: the
    area's id, or ``row N`` (1-based) for a new area.
    """
    if "status" not in proposed.columns or not (proposed["status"] == "released").any():
        return []
    snap = as_snapshot(source, settings)
    frames = snap.frames(_KINDS)
    given = proposed["id"] if "id" in proposed.columns else pd.Series(None, index=proposed.index)
    labels = [i if isinstance(i, str) and i else f"row {k + 1}" for k, i in enumerate(given)]
    rows = proposed.assign(id=labels).loc[(proposed["status"] == "released").to_numpy()]
    areas = frames["hazardous_areas"]
    kept = areas.loc[~areas["id"].isin(rows["id"])] if len(areas) else None
    merged = rows if kept is None or kept.empty else pd.concat([kept, rows], ignore_index=True)
    model = pattern_settings(snap.settings)
    index = patterns.EvidenceIndex(
        hazardous_areas=gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326"),
        activities=frames["activities"],
        finds=frames["finds"],
        records=frames["minefield_records"],
        settings=model,
        crs=analysis.metric_crs_for(frames, snap.settings),
    )
    checked = (_area_result(index, str(i), model) for i in rows["id"])
    return [_finding(area, area.area) for area in checked if area.flagged]
