"""Small seeded minefields for the pattern tests: rows of mines laid at a spacing, in metres (UTM 38N)."""

from __future__ import annotations

import numpy as np
import shapely

from mineaction.patterns import Coverage, RecordRows, empty_coverage

X0, Y0 = 600_000.0, 4_400_000.0  # about 46.17 E 39.74 N


def lay_rows(
    *,
    angle_deg: float = 30.0,
    n_rows: int = 3,
    length_m: float = 200.0,
    spacing_m: float = 6.0,
    row_gap_m: float = 15.0,
    jitter_m: float = 0.5,
    centre: tuple[float, float] = (X0, Y0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mines of ``n_rows`` parallel rows (n x 2, m) and the rows as ``(k, 4)`` segments."""
    rng = np.random.default_rng(seed)
    a = np.radians(angle_deg)
    e, n = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
    mines, lines = [], []
    for r in range(n_rows):
        v = (r - (n_rows - 1) / 2) * row_gap_m
        u = -length_m / 2 + np.arange(int(length_m // spacing_m) + 1) * spacing_m
        pts = np.asarray(centre) + np.outer(u, e) + v * n + rng.normal(0, jitter_m, (len(u), 2))
        mines.append(pts)
        ends = np.asarray(centre) + np.outer([-length_m / 2, length_m / 2], e) + v * n
        lines.append(ends.ravel())
    return np.vstack(mines), np.array(lines)


def record_of(
    lines: np.ndarray,
    *,
    rotate_deg: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    spacing_m: float = 6.0,
    record_id: str = "MR-000001",
) -> RecordRows:
    """A record drawing ``lines`` turned by ``rotate_deg`` about their centre and moved by ``shift`` (m)."""
    rows = RecordRows(
        record_id,
        np.asarray(lines, float),
        np.full(len(lines), 30.0),
        np.full(len(lines), spacing_m),
        int(30 * len(lines)),
    )
    return rows.moved(np.radians(rotate_deg), np.asarray(shift, float))


def worked(
    polygons: list[shapely.Geometry], detection: float = 0.95, *, around: shapely.Geometry
) -> Coverage:
    """Coverage of ``polygons`` worked with ``detection``, around ``around`` + 100 m (2 m cells)."""
    minx, miny, maxx, maxy = shapely.bounds(shapely.buffer(around, 100.0))
    return empty_coverage((minx, miny, maxx, maxy), 2.0).with_polygons(polygons, [detection] * len(polygons))


def minefield_box(lines: np.ndarray, margin_m: float) -> shapely.Geometry:
    """The rectangle around the rows, ``margin_m`` wider on every side."""
    hull = shapely.oriented_envelope(shapely.multipoints(lines.reshape(-1, 2)))
    return shapely.buffer(hull, margin_m, join_style="mitre")
