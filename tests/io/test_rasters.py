"""Risk rasters written a window at a time (tiled, compressed, unwritten tiles as nodata) and DEMs read once
and resampled onto any grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from mineaction.errors import InputError
from mineaction.io.rasters import NODATA, RiskRasterWriter, read_dem, read_dem_source, write_risk_geotiff
from mineaction.risk.grid import Grid


def test_windows_written_one_at_a_time_make_the_whole_raster(tmp_path: Path) -> None:
    grid = Grid(620_000.0, 4_440_000.0, 50.0, (600, 700), "EPSG:32638")
    rng = np.random.default_rng(0)
    surface = rng.random(grid.shape, dtype=np.float32)
    surface[::7, ::5] = np.nan
    out = tmp_path / "risk.tif"
    skipped = (slice(300, 600), slice(0, 300))  # a block never computed (no scored cell)
    with RiskRasterWriter.open(out, grid, simulated=True) as writer:
        for r0 in range(0, 600, 300):
            for c0 in range(0, 700, 300):  # windows not aligned with the 256-cell tiles
                if (r0, c0) != (300, 0):
                    writer.write(r0, c0, surface[r0 : r0 + 300, c0 : c0 + 300])
        assert not out.exists()  # renamed into place only when complete
    with rasterio.open(out) as src:
        assert src.block_shapes == [(256, 256)] and src.compression.value == "DEFLATE"
        assert src.tags()["simulated"].startswith("yes") and src.nodata == NODATA
        data = src.read(1)
    expect = np.where(np.isnan(surface), NODATA, surface)
    expect[skipped] = NODATA
    np.testing.assert_array_equal(data, expect)
    assert not list(tmp_path.glob(".risk*"))


def test_whole_surface_writer_matches_and_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    grid = Grid(620_000.0, 4_440_000.0, 100.0, (40, 30), "EPSG:32638")
    surface = np.linspace(0, 1, grid.size, dtype=np.float32).reshape(grid.shape)
    write_risk_geotiff(tmp_path / "a.tif", grid, surface, simulated=False)
    with rasterio.open(tmp_path / "a.tif") as src:
        np.testing.assert_array_equal(src.read(1), surface)
    with (
        pytest.raises(ValueError),
        RiskRasterWriter.open(tmp_path / "b.tif", grid, simulated=False) as writer,
    ):
        writer.write(0, 0, surface)
        raise ValueError("stopped half-way")
    assert not (tmp_path / "b.tif").exists()


def test_dem_read_once_samples_any_grid_as_the_file_reader_does(tmp_path: Path) -> None:
    dem_grid = Grid(619_000.0, 4_441_000.0, 30.0, (120, 140), "EPSG:32638")
    xs, ys = dem_grid.centres()
    elevation = (200 + 0.02 * (xs - 619_000) + 0.01 * (ys - 4_437_000)).astype(np.float32)
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", **dem_grid.profile()) as dst:
        dst.write(elevation, 1)
    source = read_dem_source(path)
    grid = Grid(620_000.0, 4_440_000.0, 50.0, (40, 50), "EPSG:32638")
    sampled = source.sample(grid)
    np.testing.assert_allclose(sampled, read_dem(path, grid), rtol=1e-4, atol=0.05)
    gx, gy = grid.centres()
    plane = 200 + 0.02 * (gx - 619_000) + 0.01 * (gy - 4_437_000)  # resampling gives the plane back
    np.testing.assert_allclose(sampled, plane, atol=0.2)  # 0.6 m from one DEM cell to the next
    with pytest.raises(InputError, match="cannot read the DEM"):
        read_dem_source(tmp_path / "missing.tif")
