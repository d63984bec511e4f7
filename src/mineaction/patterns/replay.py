"""Replay the clearance of an area against known mines in several orders, to measure how soon each finds them.

Where the true mines are known (the simulated twin), ``replay_clearance(area, mines)`` clears the area cell by
cell (``lane_grid``) in each order and records, after every step, the area worked (m2) and the target mines
found. Working a cell finds every mine in it (clearance to standard); mines found become finds that the next
step may use. The orders:

- ``lane_by_lane``: both starting sides, averaged (an operator has no reason to prefer either);
- ``record``: nearest the record's rows first (lane by lane without a record);
- ``pattern``: adaptive, as a team would use it: after each step the pattern is fitted again to all the finds
  so far (with the records as prior) and the next ``batch`` cells are the ones ``order.pattern_rank`` puts
  first. The batch is about 0.3 % of the cells (at least one), so the pattern is refitted a few hundred times
  per area at most.

Measured per order: the area worked when the last target mine is found, and the share of the target mines
found at each 5 % of the area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from mineaction.patterns.fit import fit_pattern
from mineaction.patterns.order import (
    LaneCoverage,
    LaneGrid,
    cell_scores,
    lane_grid,
    lane_order,
    off_rows,
    pattern_rank,
    record_order,
    search_order,
)
from mineaction.patterns.record import RecordRows
from mineaction.patterns.settings import PatternSettings
from mineaction.patterns.slots import build_units

__all__ = ["STEPS", "OrderTrace", "Replay", "replay_clearance"]

#: Shares of the area at which the share of mines found is reported.
STEPS = tuple(round(0.05 * k, 2) for k in range(1, 21))


@dataclass(frozen=True)
class OrderTrace:
    """One order's progress: cumulative ``worked_m2`` and target mines ``found`` after each step."""

    worked_m2: np.ndarray
    found: np.ndarray
    n_targets: int
    area_m2: float

    @property
    def area_to_all_m2(self) -> float:
        """Area worked (m2) when the last target mine was found (the whole area if some never are)."""
        if self.n_targets == 0:
            return 0.0
        done = np.flatnonzero(self.found >= self.n_targets)
        return float(self.worked_m2[done[0]]) if len(done) else float(self.area_m2)

    def share_found_at(self, steps: Sequence[float] = STEPS) -> np.ndarray:
        """Share (0-1) of the target mines found when each share of the area has been worked."""
        if self.n_targets == 0:
            return np.ones(len(steps))
        share = self.worked_m2 / self.area_m2
        k = np.searchsorted(share, np.asarray(steps) - 1e-9, side="left")
        k = np.clip(k, 0, len(share) - 1)
        return self.found[k] / self.n_targets


@dataclass(frozen=True)
class Replay:
    """The replay of one area: its area (m2), target mines, and a trace per order (``traces``; the lane
    order's two starting sides are ``lane_by_lane`` and ``lane_by_lane_reverse``)."""

    area_m2: float
    n_targets: int
    n_cells: int
    traces: dict[str, OrderTrace]

    def area_to_all(self, name: str) -> float:
        """Area (m2) worked to find every target mine in order ``name`` (the lane orders averaged)."""
        if name == "lane_by_lane":
            return 0.5 * (
                self.traces["lane_by_lane"].area_to_all_m2
                + self.traces["lane_by_lane_reverse"].area_to_all_m2
            )
        return self.traces[name].area_to_all_m2

    def share_found(self, name: str, steps: Sequence[float] = STEPS) -> np.ndarray:
        """Share of target mines found at each share of the area in order ``name`` (lane orders averaged)."""
        if name == "lane_by_lane":
            a = self.traces["lane_by_lane"].share_found_at(steps)
            return 0.5 * (a + self.traces["lane_by_lane_reverse"].share_found_at(steps))
        return self.traces[name].share_found_at(steps)


def _trace(order: np.ndarray, grid: LaneGrid, cell_targets: np.ndarray, n_targets: int) -> OrderTrace:
    area = grid.area_m2[order]
    return OrderTrace(np.cumsum(area), np.cumsum(cell_targets[order]), n_targets, float(grid.area_m2.sum()))


def _adaptive(
    grid: LaneGrid,
    mines: np.ndarray,
    mine_cell: np.ndarray,
    records: Sequence[RecordRows],
    settings: PatternSettings,
    batch: int,
) -> np.ndarray:
    """The pattern order as it unfolds: refit after every batch that found mines."""
    coverage = LaneCoverage(grid, np.zeros(len(grid)))
    search = search_order(grid, settings.search_lane_spacing_m)
    todo = np.ones(len(grid), bool)
    found = np.zeros(len(mines), bool)
    order: list[int] = []
    units = None
    loose = np.zeros((0, 2))
    while todo.any():
        if units is None:
            pattern = fit_pattern(mines[found], records=records, settings=settings, coverage=coverage)
            units = build_units(pattern, coverage, settings)
            loose = off_rows(pattern)
        score, scattered = cell_scores(
            grid, units[0], units[1], coverage, finds_off_rows=loose, neighbour_m=settings.neighbour_m
        )
        picked = pattern_rank(score, scattered, search, todo)[:batch]
        todo[picked] = False
        order.extend(int(c) for c in picked)
        coverage = coverage.with_cells(picked, 1.0)
        new = np.isin(mine_cell, picked) & ~found
        if new.any():
            found |= new
            units = None
    return np.asarray(order, dtype=int)


def replay_clearance(
    area: shapely.Geometry,
    mines_xy: np.ndarray,
    *,
    target: np.ndarray | None = None,
    records: Sequence[RecordRows] = (),
    settings: PatternSettings | None = None,
    batch: int | None = None,
) -> Replay:
    """Clear ``area`` against known mines in each order and record the progress.

    Parameters
    ----------
    area : shapely geometry
        The area to clear (polygon), metres in a metric CRS.
    mines_xy : ndarray, shape (n, 2)
        Every true mine in and around the area (m); those inside become finds when their cell is worked.
    target : ndarray of bool, optional
        The mines whose finding is measured (e.g. those laid in minefields); all by default.
    records : sequence of RecordRows
        Records of the area, the prior of the pattern order and the guide of the record order.
    settings : PatternSettings, optional
        ``cell_m``, ``search_lane_spacing_m``, ``neighbour_m`` and the model's priors.
    batch : int, optional
        Cells worked between refits of the pattern order (default: 0.3 % of the cells, at least 1).

    Returns
    -------
    Replay
    """
    settings = settings or PatternSettings()
    grid = lane_grid(area, settings.cell_m)
    mines = np.asarray(mines_xy, float).reshape(-1, 2)
    cell = grid.cell_of(mines[:, 0], mines[:, 1]) if len(mines) else np.zeros(0, int)
    keep = cell >= 0
    mines, cell = mines[keep], cell[keep]
    is_target = np.ones(len(mines), bool) if target is None else np.asarray(target, bool)[keep]
    n_targets = int(is_target.sum())
    cell_targets = np.bincount(cell[is_target], minlength=len(grid))
    lines = np.concatenate([r.lines for r in records]) if records else np.zeros((0, 4))
    batch = batch or max(1, int(round(0.003 * len(grid))))
    orders = {
        "lane_by_lane": lane_order(grid),
        "lane_by_lane_reverse": lane_order(grid, reverse=True),
        "record": record_order(grid, lines),
        "pattern": _adaptive(grid, mines, cell, records, settings, batch),
    }
    traces = {name: _trace(order, grid, cell_targets, n_targets) for name, order in orders.items()}
    return Replay(float(grid.area_m2.sum()), n_targets, len(grid), traces)
