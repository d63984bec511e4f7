"""Worked land as a grid of detection probabilities: how likely a mine at each place would have been found.

A ``Coverage`` is a north-up grid (``west``, ``north``, ``cell_m``, metres in a metric CRS) holding, per cell,
the probability (0-1) that the work done there would have found a mine lying in it: 0 where nobody worked,
the activity kind's detection probability where one activity worked (``PatternSettings.detection``), and
``1 - (1 - p1)(1 - p2)...`` where several passes overlap. Cells are marked when their centre lies in a
worked polygon. Everything is arrays (vectorised shapely), never one call per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely

__all__ = ["Coverage", "WorkedLand", "empty_coverage"]


class WorkedLand(Protocol):
    """What the model needs of worked land: detection probability at points and on a set of cells.

    ``p`` (detection, 0-1) of cells of side ``cell_m`` centred at ``centres()``; ``at(x, y)`` the detection
    at points (m). ``Coverage`` (a north-up grid) and the replay's lane cells both provide it.
    """

    @property
    def cell_m(self) -> float: ...

    @property
    def crs(self) -> str: ...

    @property
    def p(self) -> np.ndarray: ...

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...

    def centres(self) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Coverage:
    """Detection probability (0-1) on a north-up grid; cell ``(row, col)`` spans ``west + col * cell_m``
    eastwards and ``north - row * cell_m`` southwards (metres in ``crs``)."""

    west: float
    north: float
    cell_m: float
    p: np.ndarray
    crs: str = "EPSG:32638"

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.p.shape[0]), int(self.p.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), m."""
        rows, cols = self.shape
        return (self.west, self.north - rows * self.cell_m, self.west + cols * self.cell_m, self.north)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre (each of ``shape``), m."""
        rows, cols = self.shape
        xs = self.west + (np.arange(cols) + 0.5) * self.cell_m
        ys = self.north - (np.arange(rows) + 0.5) * self.cell_m
        return np.meshgrid(xs, ys)

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and an inside-the-grid mask of points (m)."""
        col = np.floor((np.asarray(x, float) - self.west) / self.cell_m).astype(np.int64)
        row = np.floor((self.north - np.asarray(y, float)) / self.cell_m).astype(np.int64)
        inside = (row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1])
        return row, col, inside

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Detection probability at points (m); 0 outside the grid."""
        row, col, inside = self.index(x, y)
        out = np.zeros(len(row))
        out[inside] = self.p[row[inside], col[inside]]
        return out

    def worked_m2(self, mask: np.ndarray | None = None) -> float:
        """Area worked at all (m2), within ``mask`` (bool array of ``shape``) if given."""
        worked = self.p > 0 if mask is None else (self.p > 0) & mask
        return float(worked.sum() * self.cell_m**2)

    def with_polygons(self, polygons: Sequence, detections: Sequence[float]) -> Coverage:
        """This coverage with more passes over ``polygons`` (metric, same CRS), each with its detection
        probability (0-1)."""
        miss = 1.0 - self.p
        xs, ys = self.centres()
        for geom, det in zip(polygons, detections, strict=True):
            if geom is None or shapely.is_empty(geom) or det <= 0:
                continue
            minx, miny, maxx, maxy = shapely.bounds(geom)
            rows = slice(
                max(0, int((self.north - maxy) // self.cell_m)),
                max(0, int((self.north - miny) // self.cell_m) + 1),
            )
            cols = slice(
                max(0, int((minx - self.west) // self.cell_m)),
                max(0, int((maxx - self.west) // self.cell_m) + 1),
            )
            sub_x, sub_y = xs[rows, cols], ys[rows, cols]
            if sub_x.size == 0:
                continue
            inside = shapely.contains_xy(geom, sub_x, sub_y)
            block = miss[rows, cols]
            block[inside] *= 1.0 - float(det)
        return Coverage(self.west, self.north, self.cell_m, 1.0 - miss, self.crs)

    def with_cells(self, mask: np.ndarray, detection: float) -> Coverage:
        """This coverage with one more pass (detection 0-1) over the cells of ``mask`` (bool, ``shape``)."""
        p = 1.0 - (1.0 - self.p) * np.where(mask, 1.0 - detection, 1.0)
        return Coverage(self.west, self.north, self.cell_m, p, self.crs)


def empty_coverage(
    bounds: tuple[float, float, float, float], cell_m: float, crs: str = "EPSG:32638"
) -> Coverage:
    """A coverage with nothing worked over ``bounds`` (west, south, east, north; m), cells of ``cell_m``."""
    west, south, east, north = bounds
    cols = max(1, int(np.ceil((east - west) / cell_m)))
    rows = max(1, int(np.ceil((north - south) / cell_m)))
    return Coverage(float(west), float(north), float(cell_m), np.zeros((rows, cols)), crs)
