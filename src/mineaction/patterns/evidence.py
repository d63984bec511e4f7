"""The evidence about one hazardous area, taken from frames with the schema's columns (EPSG:4326).

``area_evidence(area_id, ...)`` gathers, in the metric CRS: the area's polygon; the mine finds (AP and AT) in
it and within ``context_m`` around it (finds next to the boundary show rows entering the area); the land
worked there by clearance, battle area clearance and technical survey, as a ``Coverage`` of detection
probabilities (``PatternSettings.detection`` by activity kind); and the minefield records that may describe
it (named in the area's evidence, or lying within ``context_m`` of it). The caller picks the data's date (a
store read ``as_of`` a day gives the evidence as known that day).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from mineaction.analysis.spatial import column, to_metric
from mineaction.errors import InputError
from mineaction.patterns.coverage import Coverage, empty_coverage
from mineaction.patterns.record import RecordRows, record_rows_from_frame
from mineaction.patterns.settings import PatternSettings

__all__ = ["MINE_CATEGORIES", "AreaEvidence", "EvidenceIndex", "area_evidence", "evidence_record_ids"]

#: Device categories that count as mines for patterns.
MINE_CATEGORIES = ("AP", "AT")


@dataclass(frozen=True)
class AreaEvidence:
    """What is known about one area, in the metric ``crs`` (metres).

    ``finds_xy`` (n x 2) with ``find_ids`` and ``found_on`` (dates as text) of the mine finds in and around
    the area; ``inside`` marks those in it; ``coverage``; ``records``; ``activities`` (ids of the activities
    whose work is in ``coverage``).
    """

    area_id: str
    area: shapely.Geometry
    status: str
    crs: str
    finds_xy: np.ndarray
    find_ids: tuple[str, ...]
    found_on: tuple[str, ...]
    inside: np.ndarray
    coverage: Coverage
    records: tuple[RecordRows, ...]
    activities: tuple[str, ...]

    @property
    def area_m2(self) -> float:
        return float(shapely.area(self.area))


def evidence_record_ids(evidence: Any) -> list[str]:
    """Ids of the minefield records (MR-...) named in a hazardous area's ``evidence`` (JSON text or list)."""
    if evidence is None or (isinstance(evidence, float) and np.isnan(evidence)):
        return []
    items = json.loads(evidence) if isinstance(evidence, str) and evidence.strip() else evidence
    ids: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            ids.extend(str(i) for i in item.get("ids", []) or [] if str(i).startswith("MR-"))
    return ids


class EvidenceIndex:
    """Frames projected once to the metric ``crs`` and indexed, to gather the evidence of many areas fast.

    Parameters
    ----------
    hazardous_areas, activities, finds, records : DataFrame
        ``hazardous_areas``, ``activities``, ``finds`` and ``minefield_records`` frames with the schema's
        columns (EPSG:4326); any may be None or empty.
    settings : PatternSettings, optional
        ``context_m``, ``coverage_cell_m`` and the detection probabilities.
    crs : str
        Metric CRS for distances and areas (UTM 38N for Azerbaijan).
    """

    def __init__(
        self,
        *,
        hazardous_areas: pd.DataFrame,
        activities: pd.DataFrame | None,
        finds: pd.DataFrame | None,
        records: pd.DataFrame | None,
        settings: PatternSettings | None = None,
        crs: str = "EPSG:32638",
    ) -> None:
        self.settings = settings or PatternSettings()
        self.crs = crs
        self.areas = to_metric(hazardous_areas, crs).drop_duplicates("id", keep="last").set_index("id")
        acts = to_metric(activities, crs)
        detection = np.array([self.settings.detection_of(k) for k in column(acts, "activity_kind")])
        self.activities = acts.loc[detection > 0] if len(acts) else acts
        self.detection = detection[detection > 0] if len(acts) else detection
        self.activity_geoms = shapely.make_valid(self.activities.geometry.to_numpy())
        mines = to_metric(finds, crs)
        self.finds = (
            mines.loc[column(mines, "category").isin(MINE_CATEGORIES).to_numpy()] if len(mines) else mines
        )
        self.find_xy = np.column_stack([self.finds.geometry.x.to_numpy(), self.finds.geometry.y.to_numpy()])
        self.records_frame = records if records is not None else pd.DataFrame()
        self.records = to_metric(records, crs)
        self._trees = {
            "activities": shapely.STRtree(self.activity_geoms),
            "finds": shapely.STRtree(shapely.points(self.find_xy)) if len(self.find_xy) else None,
            "records": shapely.STRtree(self.records.geometry.to_numpy()),
        }

    @property
    def area_ids(self) -> list[str]:
        return [str(i) for i in self.areas.index]

    def _row(self, area_id: str) -> pd.Series:
        if area_id not in self.areas.index:
            raise InputError(
                f"hazardous area {area_id!r} not found (or has no polygon); give an id such as HA-000145"
            )
        return self.areas.loc[area_id]

    def _coverage(self, near: shapely.Geometry) -> tuple[Coverage, tuple[str, ...]]:
        base = empty_coverage(shapely.bounds(near), self.settings.coverage_cell_m, self.crs)
        hit = self._trees["activities"].query(near, predicate="intersects")
        hit = np.sort(hit)
        ids = tuple(str(i) for i in column(self.activities.iloc[hit], "id", fill=""))
        return base.with_polygons(list(self.activity_geoms[hit]), list(self.detection[hit])), ids

    def _records(self, area: shapely.Geometry, named: set[str]) -> tuple[RecordRows, ...]:
        if self.records.empty:
            return ()
        hit = self._trees["records"].query(area, predicate="dwithin", distance=self.settings.context_m)
        keep = np.zeros(len(self.records), bool)
        keep[hit] = True
        keep |= self.records["id"].isin(named).to_numpy()
        chosen = self.records_frame.loc[self.records.index[keep]]
        return tuple(record_rows_from_frame(chosen, crs=self.crs)) if len(chosen) else ()

    def evidence(self, area_id: str) -> AreaEvidence:
        """The evidence about hazardous area ``area_id`` (an ``InputError`` names an unknown id)."""
        row = self._row(area_id)
        area = shapely.make_valid(row.geometry)
        near = shapely.buffer(area, self.settings.context_m)
        coverage, act_ids = self._coverage(near)
        idx = np.zeros(0, int)
        if self._trees["finds"] is not None:
            idx = np.sort(self._trees["finds"].query(near, predicate="intersects"))
        xy = self.find_xy[idx] if len(idx) else np.zeros((0, 2))
        mines = self.finds.iloc[idx]
        return AreaEvidence(
            area_id,
            area,
            str(row.get("status") or ""),
            self.crs,
            xy,
            tuple(str(i) for i in column(mines, "id", fill="")),
            tuple(str(d) for d in column(mines, "found_on", fill="")),
            shapely.contains_xy(area, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool),
            coverage,
            self._records(area, set(evidence_record_ids(row.get("evidence")))),
            act_ids,
        )


def area_evidence(
    area_id: str,
    *,
    hazardous_areas: pd.DataFrame,
    activities: pd.DataFrame | None,
    finds: pd.DataFrame | None,
    records: pd.DataFrame | None,
    settings: PatternSettings | None = None,
    crs: str = "EPSG:32638",
) -> AreaEvidence:
    """The evidence about hazardous area ``area_id`` from frames with the schema's columns (EPSG:4326); for
    many areas, build one ``EvidenceIndex`` and call its ``evidence`` per area.

    Parameters
    ----------
    area_id : str
        Id of the hazardous area (HA-...).
    hazardous_areas, activities, finds, records : DataFrame
        ``hazardous_areas``, ``activities``, ``finds`` and ``minefield_records`` frames.
    settings : PatternSettings, optional
        ``context_m``, ``coverage_cell_m`` and the detection probabilities.
    crs : str
        Metric CRS for distances and areas (UTM 38N for Azerbaijan).

    Returns
    -------
    AreaEvidence
    """
    index = EvidenceIndex(
        hazardous_areas=hazardous_areas,
        activities=activities,
        finds=finds,
        records=records,
        settings=settings,
        crs=crs,
    )
    return index.evidence(area_id)
