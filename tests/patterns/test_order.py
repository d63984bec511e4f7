"""Clearance order: cells in lanes along the area, lane by lane, the record's order, and the pattern's order
putting the cells where the rows go on first."""

from __future__ import annotations

import numpy as np
import shapely
from pattern_scenes import lay_rows, minefield_box, worked

from mineaction.patterns import PatternSettings, clearance_order, fit_pattern, lane_grid
from mineaction.patterns.order import lane_order, record_order, search_order


def test_cells_cover_the_area_in_lanes_along_its_long_axis() -> None:
    area = shapely.affinity.rotate(shapely.box(0, 0, 300, 80), 25, origin=(0, 0))
    grid = lane_grid(area, 10.0)
    assert abs(grid.area_m2.sum() - area.area) < 1.0
    assert abs(np.degrees(grid.angle) - 25.0) < 0.5
    order = lane_order(grid)
    assert sorted(order) == list(range(len(grid)))
    lanes = grid.lane[order]
    assert (np.diff(lanes) >= 0).all()  # one lane after the next
    first = grid.along[order][lanes == lanes[0]]
    second = grid.along[order][lanes == lanes[0] + 1]
    assert (np.diff(first) > 0).all() and (np.diff(second) < 0).all()  # up, then down
    assert (grid.lane[lane_order(grid, reverse=True)][:3] == grid.lane.max()).all()
    assert (grid.cell_of(grid.x, grid.y) == np.arange(len(grid))).all()


def test_the_record_order_starts_on_the_record_rows_and_search_lanes_come_first() -> None:
    _, lines = lay_rows(n_rows=1, seed=1)
    area = minefield_box(lines, 40.0)
    grid = lane_grid(area, 10.0)
    order = record_order(grid, lines)
    from mineaction.patterns import segment_distance

    first = segment_distance(np.column_stack([grid.x[order[:10]], grid.y[order[:10]]]), lines)
    assert (first < 10.0).all()
    rank = search_order(grid, 50.0)
    assert sorted(rank) == list(range(len(grid)))


def test_the_pattern_order_works_where_the_row_goes_on_first() -> None:
    mines, lines = lay_rows(angle_deg=0.0, n_rows=1, length_m=300.0, seed=2)
    area = minefield_box(lines, 30.0)
    half = shapely.intersection(area, shapely.box(*shapely.bounds(area)[:2], shapely.centroid(area).x, 1e9))
    coverage = worked([half], 0.95, around=area)
    found = mines[shapely.contains_xy(half, mines[:, 0], mines[:, 1])]
    settings = PatternSettings(draws=200)
    result = clearance_order(
        fit_pattern(found, coverage=coverage), coverage, area, record_lines=lines, settings=settings
    )
    grid = result.grid
    top = np.column_stack([grid.x[result.cells[:10]], grid.y[result.cells[:10]]])
    assert (np.abs(top[:, 1] - lines[0, 1]) < 10.0).all()  # on the row's line
    assert (top[:, 0] > shapely.centroid(area).x).all()  # in the half not worked
    curves = result.curves
    assert curves["pattern"][0][1] > curves["lane_by_lane"][0][1]
    document = result.to_dict(first=5)
    assert len(document["next_cells"]) == 5 and document["cells_to_work"] == len(result.cells)
    assert set(document["expected_share_found"]) == {"pattern", "lane_by_lane", "record"}
