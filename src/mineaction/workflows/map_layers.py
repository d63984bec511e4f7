"""The dashboard map's computed layers: today's risk surface with the survey candidates, the DEM's hillshade.

``risk_layers`` fits the risk model on everything the store holds and predicts today's surface on the cells of
the report (the setting ``report_risk_cell_m``), so the map shows the figures the report and ``mineaction risk
predict`` would; a store with too little evidence to learn from gives a result that says so (``note``) rather
than an error. ``hillshade_layer`` shades the store's DEM (the context layer of kind ``dem``); None when the
store has none. Both are arrays with the corners of their grid in WGS84 (lon, lat), for the front end to draw
as images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mineaction.errors import InputError, ModelError
from mineaction.risk import hillshade
from mineaction.settings import Settings
from mineaction.store import Store
from mineaction.workflows.results import JsonResult, frame_rows
from mineaction.workflows.risk import (
    RiskFit,
    RiskSurface,
    SurveyCandidates,
    dem_source,
    find_survey_candidates,
    fit_risk_model,
    predict_risk_surface,
)
from mineaction.workflows.snapshot import StoreSnapshot, as_snapshot

__all__ = ["Hillshade", "RiskLayers", "hillshade_layer", "risk_layers"]

_NO_JSON = {"json": False}
#: Largest side of the hillshade image, pixels: a bigger DEM is read every n-th cell.
HILLSHADE_MAX_PX = 2048


def _corners(bounds: tuple[float, float, float, float], crs: str) -> list[list[float]]:
    """The grid's corners in WGS84 (lon, lat): top left, top right, bottom right, bottom left."""
    from pyproj import Transformer

    west, south, east, north = bounds
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xs, ys = to_wgs84.transform([west, east, east, west], [north, north, south, south])
    return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(xs, ys, strict=True)]


@dataclass(frozen=True)
class RiskLayers(JsonResult):
    """Today's risk surface (probability of contamination per cell, 0-1, NaN outside the scored area) and the
    survey candidates (WGS84 polygons); both None, with ``note`` saying why, when no model could be fitted."""

    simulated: bool
    note: str
    fit: RiskFit | None = field(default=None, metadata=_NO_JSON)
    surface: RiskSurface | None = field(default=None, metadata=_NO_JSON)
    candidates: SurveyCandidates | None = field(default=None, metadata=_NO_JSON)

    @property
    def corners(self) -> list[list[float]] | None:
        """The surface grid's corners in WGS84 (top left, top right, bottom right, bottom left)."""
        if self.surface is None:
            return None
        return _corners(self.surface.grid.bounds, self.surface.grid.crs)

    def candidate_features(self) -> list[dict[str, Any]]:
        """The candidates as GeoJSON features (WGS84), strongest first, with their scores."""
        if self.candidates is None:
            return []
        found = self.candidates.candidates
        rows = frame_rows(found.drop(columns="geometry", errors="ignore"))
        return [
            {
                "type": "Feature",
                "id": row["candidate_id"],
                "geometry": geometry.__geo_interface__,
                "properties": row,
            }
            for row, geometry in zip(rows, found.geometry, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        available = self.surface is not None
        out: dict[str, Any] = {"simulated": self.simulated, "note": self.note, "available": available}
        if self.surface is not None and self.fit is not None:
            out["surface"] = {**self.surface.to_dict(), "corners_lonlat": self.corners}
            out["model"] = {
                "n_positive": self.fit.n_positive,
                "n_negative": self.fit.n_negative,
                "cutoff": self.fit.metadata.get("cutoff"),
                "trained_at": self.fit.metadata.get("trained_at"),
            }
        if self.candidates is not None:
            totals = self.candidates.to_dict()
            out["candidates"] = {"n_candidates": totals["n_candidates"], "area_ha": totals["area_ha"]}
        return out


def risk_layers(
    source: Store | StoreSnapshot, *, settings: Settings | None = None, cell_m: float | None = None
) -> RiskLayers:
    """The risk model fitted on everything the store holds, today's surface and the survey candidates on
    ``cell_m`` m cells (default: the setting ``report_risk_cell_m``, as the report). A store with too few
    survey results to learn from (or no geometry at all) gives ``available`` false and the reason in
    ``note``."""
    snap = as_snapshot(source, settings)
    cell = snap.settings.report_risk_cell_m if cell_m is None else cell_m
    try:
        fitted = fit_risk_model(snap, cell_m=cell)
        surface = predict_risk_surface(snap, fitted.bundle)
        candidates = find_survey_candidates(snap, fitted.bundle, surface=surface)
    except (ModelError, InputError) as exc:  # too few survey results, or no geometry to lay a grid over
        return RiskLayers(snap.simulated, f"No risk model could be fitted: {exc}")
    return RiskLayers(snap.simulated, "", fitted, surface, candidates)


@dataclass(frozen=True)
class Hillshade(JsonResult):
    """The DEM's hillshade (brightness 0-1 per cell, NaN where the DEM has none), rows from the north, with
    the corners of its grid in WGS84 and its cell size (m, approximate for a DEM in degrees)."""

    shade: np.ndarray = field(metadata=_NO_JSON)
    corners_lonlat: list[list[float]]
    cell_m: float
    crs: str
    shape: tuple[int, int]


def _cell_metres(transform: Any, crs: str, latitude: float) -> tuple[float, float]:
    """Width and height of a cell, m (a geographic CRS's degrees converted at ``latitude``)."""
    from pyproj import CRS

    dx, dy = abs(float(transform.a)), abs(float(transform.e))
    if CRS.from_user_input(crs).is_geographic:
        return dx * 111_320.0 * float(np.cos(np.radians(latitude))), dy * 110_574.0
    return dx, dy


def hillshade_layer(source: Store | StoreSnapshot, *, settings: Settings | None = None) -> Hillshade | None:
    """The hillshade of the store's DEM (sun from the north-west, 45 degrees high), no larger than
    ``HILLSHADE_MAX_PX`` on a side; None when the store has no DEM."""
    snap = as_snapshot(source, settings)
    dem = dem_source(snap)
    if dem is None or dem.elevation.ndim != 2 or min(dem.elevation.shape) < 2:
        return None
    step = max(1, int(np.ceil(max(dem.elevation.shape) / HILLSHADE_MAX_PX)))
    elevation = dem.elevation[::step, ::step]
    rows, cols = elevation.shape
    t = dem.transform
    west, north = float(t.c), float(t.f)
    east, south = west + cols * step * float(t.a), north + rows * step * float(t.e)
    corners = _corners((west, south, east, north), dem.crs)
    dx, dy = _cell_metres(t, dem.crs, (corners[0][1] + corners[3][1]) / 2)
    shade = hillshade(elevation, dx_m=dx * step, dy_m=dy * step)
    return Hillshade(shade, corners, round(dx * step, 1), dem.crs, (rows, cols))
