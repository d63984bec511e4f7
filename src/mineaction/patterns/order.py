"""Clearance order: which cells of an area to work next, beside lane-by-lane and the record's own order.

The area is cut into square cells of ``cell_m`` in **lanes** running along its long axis (the longer side of
its minimum rotated rectangle), as a clearance team lays out lanes. Three orders of the cells not yet cleared:

- **lane by lane**: one lane after the next from one side, each lane worked end to end, alternately up and
  down (the usual way, and the baseline);
- **record**: the cells nearest the record's rows first (trusting the record as drawn), then lane by lane;
- **pattern**: the cells holding the most expected mines under the fitted pattern first (the sum of the
  probabilities of the candidate positions in a cell, plus the cluster and scattered fields), and next to
  finds that no traced row explains (``neighbour_m``: mines have neighbours). Where the pattern says
  nothing more than the scattered density, **search lanes** come first: lanes ``search_lane_spacing_m``
  apart across and along the area, which cross any row longer than that spacing early; then lane by lane.

``clearance_order`` ranks the cells from what is known now (re-run it after new finds) and gives, for each
order, the expected share of the remaining mines found against the share of the area worked, under the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from mineaction.patterns.coverage import WorkedLand
from mineaction.patterns.fit import Pattern, segment_distance
from mineaction.patterns.settings import PatternSettings
from mineaction.patterns.slots import FieldUnit, RowUnit, build_units, slot_detection

__all__ = [
    "ClearanceOrder",
    "LaneCoverage",
    "LaneGrid",
    "cell_scores",
    "clearance_order",
    "lane_grid",
    "lane_order",
    "record_order",
    "search_order",
]


def _long_axis(area: shapely.Geometry) -> float:
    coords = shapely.get_coordinates(shapely.oriented_envelope(area))
    if len(coords) < 4:
        return 0.0
    a, b = coords[1] - coords[0], coords[2] - coords[1]
    side = a if np.hypot(*a) >= np.hypot(*b) else b
    return float(np.mod(np.arctan2(side[1], side[0]), np.pi))


@dataclass(frozen=True)
class LaneGrid:
    """Cells of an area in lanes: ``angle`` (direction of the lanes, radians), ``origin`` (m), ``cell_m``;
    per cell ``lane`` (lane number across the area), ``along`` (position in the lane), ``x``/``y`` (centre,
    m) and ``area_m2`` (the cell's part inside the area)."""

    angle: float
    origin: tuple[float, float]
    cell_m: float
    lane: np.ndarray
    along: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area_m2: np.ndarray
    lookup: np.ndarray

    def __len__(self) -> int:
        return len(self.lane)

    def _uv(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dx, dy = np.asarray(x, float) - self.origin[0], np.asarray(y, float) - self.origin[1]
        c, s = np.cos(self.angle), np.sin(self.angle)
        return c * dx + s * dy, -s * dx + c * dy

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the cell holding each point (m), -1 outside every cell."""
        u, v = self._uv(x, y)
        along = np.floor(u / self.cell_m).astype(np.int64)
        lane = np.floor(v / self.cell_m).astype(np.int64)
        na, nl = self.lookup.shape
        ok = (along >= 0) & (along < na) & (lane >= 0) & (lane < nl)
        out = np.full(len(along), -1, dtype=np.int64)
        out[ok] = self.lookup[along[ok], lane[ok]]
        return out

    def polygons(self) -> np.ndarray:
        """The cells as polygons (squares turned to the lanes; not cut to the area), metres."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        corners = []
        for du, dv in ((0, 0), (1, 0), (1, 1), (0, 1), (0, 0)):
            u = (self.along + du) * self.cell_m
            v = (self.lane + dv) * self.cell_m
            corners.append(np.column_stack([self.origin[0] + c * u - s * v, self.origin[1] + s * u + c * v]))
        return shapely.polygons(np.stack(corners, axis=1))


@dataclass(frozen=True)
class LaneCoverage:
    """Worked land held on the cells of a ``LaneGrid``: detection ``p`` (0-1) per cell; points take their
    cell's value (exact at the cells' edges, which a north-up raster is not for turned lanes)."""

    grid: LaneGrid
    p: np.ndarray
    crs: str = "EPSG:32638"

    @property
    def cell_m(self) -> float:
        return self.grid.cell_m

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cells = self.grid.cell_of(np.asarray(x, float), np.asarray(y, float))
        return np.where(cells >= 0, self.p[np.maximum(cells, 0)], 0.0)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        return self.grid.x, self.grid.y

    def with_cells(self, cells: np.ndarray, detection: float) -> LaneCoverage:
        """This coverage with one more pass (detection 0-1) over ``cells`` (indices)."""
        p = self.p.copy()
        p[cells] = 1.0 - (1.0 - p[cells]) * (1.0 - detection)
        return LaneCoverage(self.grid, p, self.crs)


def lane_grid(area: shapely.Geometry, cell_m: float) -> LaneGrid:
    """The cells (``cell_m`` square, metres) of ``area`` in lanes along its long axis; cells overlapping the
    area by less than 1 % of a cell are left out."""
    angle = _long_axis(area)
    c, s = np.cos(angle), np.sin(angle)
    pts = shapely.get_coordinates(area)
    u, v = c * pts[:, 0] + s * pts[:, 1], -s * pts[:, 0] + c * pts[:, 1]
    u0, v0 = np.floor(u.min()), np.floor(v.min())
    origin = (float(c * u0 - s * v0), float(s * u0 + c * v0))
    na, nl = int(np.ceil((u.max() - u0) / cell_m)), int(np.ceil((v.max() - v0) / cell_m))
    along, lane = (a.ravel() for a in np.meshgrid(np.arange(na), np.arange(nl)))
    empty = np.zeros(0)
    probe = LaneGrid(angle, origin, cell_m, lane, along, empty, empty, empty, np.zeros((0, 0), int))
    share = shapely.area(shapely.intersection(probe.polygons(), area))
    keep = share > 0.01 * cell_m**2
    cu, cv = (along[keep] + 0.5) * cell_m, (lane[keep] + 0.5) * cell_m
    x, y = origin[0] + c * cu - s * cv, origin[1] + s * cu + c * cv
    lookup = np.full((na, nl), -1, dtype=np.int64)
    lookup[along[keep], lane[keep]] = np.arange(int(keep.sum()))
    return LaneGrid(angle, origin, float(cell_m), lane[keep], along[keep], x, y, share[keep], lookup)


def lane_order(grid: LaneGrid, *, reverse: bool = False) -> np.ndarray:
    """Cells lane by lane (from the lowest lane, or the highest with ``reverse``), each lane end to end and
    alternately up and down."""
    index = np.unique(-grid.lane if reverse else grid.lane, return_inverse=True)[1]
    along = np.where(index % 2 == 0, grid.along, -grid.along)
    return np.lexsort((along, index))


def record_order(grid: LaneGrid, record_lines: np.ndarray) -> np.ndarray:
    """Cells nearest the record's rows (``(k, 4)`` segments, m) first, ties lane by lane; lane by lane
    without rows."""
    base = lane_order(grid)
    if len(record_lines) == 0:
        return base
    position = np.empty(len(grid), int)
    position[base] = np.arange(len(grid))
    distance = segment_distance(np.column_stack([grid.x, grid.y]), np.asarray(record_lines, float))
    return np.lexsort((position, np.round(distance / grid.cell_m)))


def search_order(grid: LaneGrid, spacing_m: float) -> np.ndarray:
    """Rank of each cell in the search schedule (lanes ``spacing_m`` apart, first across the area then along
    it; cells on no search lane rank after them all)."""
    k = max(1, int(round(spacing_m / grid.cell_m)))
    across = (grid.along % k) == k // 2
    along = (grid.lane % k) == k // 2
    base = lane_order(grid)
    position = np.empty(len(grid), int)
    position[base] = np.arange(len(grid))
    group = np.where(across, 0, np.where(along, 1, 2))
    order = np.lexsort((position, np.where(across, grid.along, 0), group))
    rank = np.empty(len(grid), int)
    rank[order] = np.arange(len(grid))
    return rank


def cell_scores(
    grid: LaneGrid,
    rows: list[RowUnit],
    fields: list[FieldUnit],
    coverage: WorkedLand,
    *,
    finds_off_rows: np.ndarray | None = None,
    neighbour_m: float = 10.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected mines not yet found in each cell, and the part of it from the scattered field alone.

    Row units add the probability of a mine at each candidate position to the cells around it where such a
    mine, not yet found, would most likely be (``slot_detection``); fields add
    their intensity times the undetected share of the cell; finds off traced rows add half a mine, spread
    over ``neighbour_m`` around them, to cells not yet worked.
    """
    score = np.zeros(len(grid))
    for unit in rows:
        p, pts, where = slot_detection(unit.xy, unit.sd_m, coverage)
        cells = grid.cell_of(pts[..., 0].ravel(), pts[..., 1].ravel())
        ok = cells >= 0
        if ok.any():
            share = (unit.marginals(p)[:, None] * where).ravel()
            np.add.at(score, cells[ok], share[ok])
    miss = 1.0 - coverage.at(grid.x, grid.y)
    scattered = np.zeros(len(grid))
    for field in fields:
        value = field.intensity * field.shape(grid.x, grid.y) * miss * grid.area_m2
        if field.kind == "scattered":
            scattered += value
        score += value
    if finds_off_rows is not None and len(finds_off_rows):
        d2 = (grid.x[:, None] - finds_off_rows[None, :, 0]) ** 2 + (
            grid.y[:, None] - finds_off_rows[None, :, 1]
        ) ** 2
        score += 0.5 * np.exp(-0.5 * d2 / neighbour_m**2).sum(axis=1) * (miss > 0.5)
    return score, scattered


def off_rows(pattern: Pattern) -> np.ndarray:
    """The finds of ``pattern`` on no traced row (n x 2, m)."""
    on = np.zeros(len(pattern.xy), bool)
    for group in pattern.groups:
        on[group.finds[group.member >= 0]] = True
    return pattern.xy[~on]


def pattern_rank(
    score: np.ndarray, scattered: np.ndarray, search: np.ndarray, todo: np.ndarray
) -> np.ndarray:
    """Cells to work in order: those where the pattern expects more than 1.5 x the scattered density, most
    expected first; then the search lanes; then the rest (lane by lane via ``search``)."""
    strong = todo & (score > 1.5 * scattered + 1e-9)
    first = np.flatnonzero(strong)
    first = first[np.lexsort((search[first], -score[first]))]
    rest = np.flatnonzero(todo & ~strong)
    rest = rest[np.argsort(search[rest], kind="stable")]
    return np.concatenate([first, rest])


@dataclass(frozen=True)
class ClearanceOrder:
    """The cells of an area not yet cleared, in the recommended order, and the expected share of the mines
    found against the share of the area worked for each order (under the fitted pattern).

    ``grid``; ``cells`` (indices into the grid, recommended order); ``expected`` (expected mines per grid
    cell); ``orders`` (name -> cell order); ``curves`` (name -> (area share, expected share) at 10 % steps).
    """

    grid: LaneGrid
    cells: np.ndarray
    expected: np.ndarray
    orders: dict[str, np.ndarray]
    curves: dict[str, list[tuple[float, float]]]

    def to_dict(self, *, first: int = 20) -> dict:
        top = self.cells[:first]
        return {
            "cell_m": self.grid.cell_m,
            "lane_direction_deg": round(float(np.degrees(self.grid.angle)), 1),
            "cells_to_work": len(self.cells),
            "expected_mines": round(float(self.expected[self.cells].sum()), 2),
            "next_cells": [
                {
                    "rank": k + 1,
                    "x": round(float(self.grid.x[c]), 1),
                    "y": round(float(self.grid.y[c]), 1),
                    "lane": int(self.grid.lane[c]),
                    "expected_mines": round(float(self.expected[c]), 3),
                }
                for k, c in enumerate(top)
            ],
            "expected_share_found": {
                name: [{"area_share": a, "mines_share": round(m, 3)} for a, m in curve]
                for name, curve in self.curves.items()
            },
        }


def _curve(order: np.ndarray, expected: np.ndarray, area: np.ndarray) -> list[tuple[float, float]]:
    cum_area = np.cumsum(area[order]) / max(area[order].sum(), 1e-9)
    cum_mines = np.cumsum(expected[order]) / max(expected[order].sum(), 1e-12)
    steps = np.round(np.arange(0.1, 1.01, 0.1), 1)
    return [(float(s), float(np.interp(s, cum_area, cum_mines))) for s in steps]


def clearance_order(
    pattern: Pattern,
    coverage: WorkedLand,
    area: shapely.Geometry,
    *,
    record_lines: np.ndarray | None = None,
    settings: PatternSettings | None = None,
) -> ClearanceOrder:
    """Rank the cells of ``area`` not yet cleared (detection below the clearance standard) by the fitted
    pattern, beside lane by lane and the record's order; metres in the pattern's CRS."""
    settings = settings or PatternSettings()
    grid = lane_grid(area, settings.cell_m)
    rows, fields = build_units(pattern, coverage, settings)
    score, scattered = cell_scores(
        grid, rows, fields, coverage, finds_off_rows=off_rows(pattern), neighbour_m=settings.neighbour_m
    )
    todo = coverage.at(grid.x, grid.y) < settings.detection_of("clearance")
    search = search_order(grid, settings.search_lane_spacing_m)
    lines = np.zeros((0, 4)) if record_lines is None else np.asarray(record_lines, float)
    orders = {
        "pattern": pattern_rank(score, scattered, search, todo),
        "lane_by_lane": np.array([c for c in lane_order(grid) if todo[c]], dtype=int),
        "record": np.array([c for c in record_order(grid, lines) if todo[c]], dtype=int),
    }
    curves = {name: _curve(order, score, grid.area_m2) for name, order in orders.items() if len(order)}
    return ClearanceOrder(grid, orders["pattern"], score, orders, curves)
