"""Engines for the grid: every window gives the whole grid's values, Dask blocks give the in-process surface,
the cover leaves far land out, and the memory plan picks, or refuses with what would fit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from risk_scenario import CRS, SIZE, X0, Y0, scenario

from mineaction.errors import ConfigError
from mineaction.risk.cover import blocks_of, cell_mask, cover_of
from mineaction.risk.engine import plan_grid, surface_array, surface_blocks, surface_dask_array
from mineaction.risk.features import compute_features, feature_inputs
from mineaction.risk.grid import grid_from_bounds
from mineaction.risk.model import RiskModel
from mineaction.risk.surface import default_cutoff, predict_surface, prepare_cells
from mineaction.risk.window import Window, window_features

_BIG = 1 << 40  # a memory budget nothing exceeds, bytes


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return scenario(0)


def _ramp(grid) -> np.ndarray:  # a DEM as a function of any grid: a tilted plane with a bump, m
    xs, ys = grid.centres()
    return (300 + 0.01 * (xs - X0) + 40 * np.sin((ys - Y0) / 900.0)).astype(np.float32)


# wide kernels (coarse densities, 50 m) and narrow ones (200 m); odd block sides, so that edges, halos and
# coarse cells straddle the blocks
@pytest.mark.parametrize(("cell_m", "side"), [(50.0, 97), (200.0, 23)])
def test_every_window_gives_the_whole_grids_features(layers, cell_m: float, side: int) -> None:
    grid = grid_from_bounds((X0 - 3000, Y0, X0 + SIZE, Y0 + SIZE + 2000), cell_m=cell_m, crs=CRS)
    whole = compute_features(grid, layers, dem=_ramp).arrays
    inputs = feature_inputs(grid, layers, dem=_ramp)
    blocks = blocks_of(grid, side)
    assert len(blocks) > 8
    for window in blocks:
        part = window_features(inputs, window)
        assert list(part) == list(whole)
        for name, values in part.items():
            expect = whole[name][
                window.row0 : window.row0 + window.rows, window.col0 : window.col0 + window.cols
            ]
            np.testing.assert_allclose(values, expect, rtol=1e-5, atol=1e-4, err_msg=name)


def _fitted(layers) -> RiskModel:
    cells = prepare_cells(layers, cell_m=200, crs=CRS, cutoff=default_cutoff(layers))
    X, labels = cells.frame()
    return RiskModel(random_state=0).fit(X, labels)


def test_dask_blocks_give_the_in_process_surface(layers) -> None:
    model = _fitted(layers)
    grid = grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), cell_m=100, crs=CRS)
    mask = cell_mask(grid, layers)
    numpy_plan = plan_grid(grid, mask, n_features=12, budget_bytes=_BIG)
    dask_plan = plan_grid(grid, mask, n_features=12, engine="dask", budget_bytes=_BIG, block_cells=61)
    assert numpy_plan.engine == "numpy" and dask_plan.engine == "dask" and len(dask_plan.blocks) == 9
    inputs = feature_inputs(grid, layers)
    reference = predict_surface(model, compute_features(grid, layers), mask=mask.whole())
    in_process = surface_array(inputs, model, numpy_plan)
    by_blocks = np.full(grid.shape, np.inf, dtype=np.float32)
    for window, data in surface_blocks(inputs, model, dask_plan):
        part = (slice(window.row0, window.row0 + window.rows), slice(window.col0, window.col0 + window.cols))
        assert np.isinf(by_blocks[part]).all()  # every block comes once
        by_blocks[part] = data
    assert np.isfinite(reference).sum() > 10_000
    for surface in (in_process, by_blocks):
        np.testing.assert_allclose(surface, reference, rtol=1e-6, atol=1e-6, equal_nan=True)


def test_the_lazy_dask_array_gives_the_blocks_surface(layers) -> None:
    model = _fitted(layers)
    grid = grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE + 8000), cell_m=250, crs=CRS)
    mask = cell_mask(grid, layers, reach_m=2000)  # the north lies beyond reach: its blocks are never computed
    plan = plan_grid(grid, mask, n_features=12, engine="dask", budget_bytes=_BIG, block_cells=20)
    assert len(plan.blocks) < len(blocks_of(grid, 20))
    lazy = surface_dask_array(feature_inputs(grid, layers), model, plan)
    assert lazy.chunks == ((20, 20, 20, 20, 16), (20, 20, 20, 4))
    expected = surface_array(feature_inputs(grid, layers), model, plan)
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), expected)
    assert np.isnan(expected[:10]).all() and np.isfinite(expected).sum() > 1000


def test_cover_leaves_land_far_from_evidence_unscored(layers) -> None:
    # a grid reaching 40 km east of the scenario: the far east lies beyond the reach of any evidence
    grid = grid_from_bounds((X0, Y0, X0 + SIZE + 40_000, Y0 + SIZE), cell_m=200, crs=CRS)
    cover = cover_of(grid, layers, reach_m=5000)
    mask = cover.window(Window.whole(grid))
    xs, _ = grid.centres()
    assert mask[xs < X0 + SIZE].mean() > 0.95
    assert not mask[xs > X0 + SIZE + 8000].any()
    assert cover.covered_cells == int(mask.sum())
    plan = plan_grid(
        grid,
        cell_mask(grid, layers, reach_m=5000),
        n_features=12,
        engine="dask",
        budget_bytes=_BIG,
        block_cells=50,
    )
    assert len(plan.blocks) < len(blocks_of(grid, 50))  # blocks of far land are never computed


def test_plan_refuses_the_in_process_engine_with_what_would_fit(layers) -> None:
    grid = grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), cell_m=25, crs=CRS)
    mask = cell_mask(grid, layers)
    budget = 450 * 2**20
    assert plan_grid(grid, mask, n_features=12, budget_bytes=budget).engine == "dask"
    with pytest.raises(ConfigError, match=r"--engine dask, or cells of \d+ m or more") as refused:
        plan_grid(grid, mask, n_features=12, engine="numpy", budget_bytes=budget)
    assert len(str(refused.value).splitlines()) == 1
    cell = float(str(refused.value).split("cells of ")[-1].split(" m")[0])
    coarser = grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), cell_m=cell, crs=CRS)
    fits = plan_grid(coarser, cell_mask(coarser, layers), n_features=12, engine="numpy", budget_bytes=budget)
    assert fits.in_process_bytes <= budget
    with pytest.raises(ConfigError, match="engine 'spark' is not known"):
        plan_grid(grid, mask, n_features=12, engine="spark", budget_bytes=budget)


def test_sparse_cells_give_the_same_fitting_table(layers) -> None:
    grid = grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), cell_m=200, crs=CRS)
    mask = cell_mask(grid, layers)
    cutoff = default_cutoff(layers)
    whole = prepare_cells(layers, grid=grid, cutoff=cutoff)
    plan = plan_grid(grid, mask, n_features=12, engine="dask", budget_bytes=_BIG, block_cells=30)
    sparse = prepare_cells(layers, plan=plan, cutoff=cutoff)
    assert sparse.stack.cells is not None and whole.stack.cells is None
    (xw, lw), (xs, ls) = whole.frame(), sparse.frame()
    np.testing.assert_array_equal(lw, ls)
    np.testing.assert_allclose(xs.to_numpy(), xw.to_numpy(), rtol=1e-5, atol=1e-4)


@pytest.mark.slow
def test_twin_surface_on_a_local_dask_cluster_equals_the_in_process_one(tiny_twin) -> None:
    from mineaction.workflows.cluster import dask_client

    twin = tiny_twin.layers
    model = _fitted(twin)
    grid = grid_from_bounds(
        tuple(shapely.total_bounds(gpd.GeoSeries(twin["hazardous_areas"].geometry).to_crs(CRS).values)),
        cell_m=200,
        crs=CRS,
    )
    mask = cell_mask(grid, twin)
    inputs = feature_inputs(grid, twin)
    reference = surface_array(inputs, model, plan_grid(grid, mask, n_features=12, budget_bytes=_BIG))
    plan = plan_grid(grid, mask, n_features=12, engine="dask", budget_bytes=_BIG, block_cells=80)
    assert len(plan.blocks) > 4
    with dask_client(workers=2, worker_memory_mb=1024) as client:
        on_cluster = surface_array(inputs, model, plan, client=client)
        # --scheduler: a second client joins the running cluster by its address, as on a cluster of machines
        with dask_client(scheduler=client.scheduler.address) as joined:
            assert joined.scheduler.address == client.scheduler.address
            on_joined = surface_array(inputs, model, plan, client=joined)
    assert np.isfinite(reference).sum() > 30_000
    np.testing.assert_allclose(on_cluster, reference, rtol=1e-6, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(on_joined, on_cluster)
