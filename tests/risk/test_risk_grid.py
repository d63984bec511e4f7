"""The risk grid: snapping, cell lookup, rasterising points, lines and polygons, raster profiles."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from mineaction.errors import ConfigError, InputError
from mineaction.risk.grid import Grid, grid_from_bounds


def test_grid_from_bounds_snaps_outwards_and_covers_the_bounds() -> None:
    grid = grid_from_bounds((1050.0, 2020.0, 1990.0, 2930.0), cell_m=100)
    assert (grid.west, grid.north, grid.shape) == (1000.0, 3000.0, (10, 10))
    west, south, east, north = grid.bounds
    assert west <= 1050 and south <= 2020 and east >= 1990 and north >= 2930
    assert grid.size == 100 and grid.cell_area_m2 == 10_000


@pytest.mark.parametrize("cell_m", [10.0, 2000.0])
def test_cell_size_out_of_range_is_a_config_error(cell_m: float) -> None:
    with pytest.raises(ConfigError, match="25 to 1000 m"):
        grid_from_bounds((0, 0, 5000, 5000), cell_m=cell_m)


def test_inverted_bounds_are_an_input_error() -> None:
    with pytest.raises(InputError, match="west, south, east, north"):
        grid_from_bounds((10, 0, 0, 10))


def test_centres_and_cell_of_agree() -> None:
    grid = Grid(0.0, 1000.0, 100.0, (10, 20))
    xs, ys = grid.centres()
    assert xs.shape == (10, 20) and xs[0, 0] == 50 and ys[0, 0] == 950 and ys[-1, 0] == 50
    row, col, inside = grid.cell_of(np.array([50.0, 1950.0, -1.0]), np.array([950.0, 50.0, 500.0]))
    assert (
        row[:2].tolist() == [0, 9] and col[:2].tolist() == [0, 19] and inside.tolist() == [True, True, False]
    )


def test_count_points_sums_weights_and_drops_outside_points() -> None:
    grid = Grid(0.0, 1000.0, 100.0, (10, 10))
    counts = grid.count_points(
        np.array([10.0, 20.0, 550.0, 5000.0]),
        np.array([990.0, 980.0, 450.0, 0.0]),
        weights=np.array([1.0, 2.0, 5.0, 7.0]),
    )
    assert counts[0, 0] == 3.0 and counts[5, 5] == 5.0 and counts.sum() == 8.0


def test_rasterize_lines_mark_every_cell_they_cross() -> None:
    grid = Grid(0.0, 1000.0, 100.0, (10, 10))
    line = shapely.LineString([(0, 505), (1000, 505)])
    burnt = grid.rasterize([line])
    assert burnt[4].sum() == 10 and burnt.sum() == 10


def test_rasterize_polygon_marks_inside_cells_and_keeps_the_max_value() -> None:
    grid = Grid(0.0, 1000.0, 100.0, (10, 10))
    big = shapely.box(210, 210, 790, 790)
    small = shapely.box(400, 400, 600, 600)
    burnt = grid.rasterize([big, small], values=np.array([0.3, 0.9]))
    assert burnt[5, 5] == pytest.approx(0.9) and burnt[3, 3] == pytest.approx(0.3) and burnt[0, 0] == 0
    assert (burnt > 0).sum() == 36  # the 6 x 6 cells of the big square
    lowest = grid.rasterize([big, small], values=np.array([0.3, 0.9]), reduce="min")
    assert lowest[5, 5] == pytest.approx(0.3)


def test_profile_round_trips_through_from_profile_and_dict() -> None:
    grid = grid_from_bounds((600_000, 4_400_000, 610_000, 4_405_000), cell_m=50)
    profile = grid.profile()
    assert profile["width"] == 200 and profile["height"] == 100 and profile["crs"] == "EPSG:32638"
    assert Grid.from_profile(profile) == grid
    assert Grid.from_dict(grid.to_dict()) == grid


def test_polygons_burn_the_same_in_small_chunks_as_one_by_one() -> None:
    rng = np.random.default_rng(1)
    grid = Grid(0.0, 5000.0, 100.0, (50, 50))
    centres = rng.uniform(-500, 5500, (40, 2))
    polys = shapely.buffer(shapely.points(centres), rng.uniform(50, 900, 40))
    vals = rng.random(40)
    whole = np.full(grid.shape, np.nan)
    grid._burn_polygons(whole, polys, vals, "max")
    chunked = np.full(grid.shape, np.nan)
    grid._burn_polygons(chunked, polys, vals, "max", chunk_cells=50)
    one_by_one = np.full(grid.shape, np.nan)
    xs, ys = grid.centres()
    for poly, value in zip(polys, vals, strict=True):
        inside = shapely.contains_xy(poly, xs, ys)
        one_by_one[inside] = np.fmax(one_by_one[inside], value)
    assert np.array_equal(whole, one_by_one, equal_nan=True)
    assert np.array_equal(chunked, one_by_one, equal_nan=True)
