"""The risk model on the digital twin (simulated data): features with a DEM, all three validation schemes
with the capture of all true mines, and the model against the records-only baseline at small scale."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from mineaction.risk.features import compute_features
from mineaction.risk.surface import default_cutoff, evaluate_layers, grid_for_layers
from mineaction.simulate import simulate


def _truth(scenario) -> gpd.GeoDataFrame:
    devices = scenario.truth["devices"]
    return gpd.GeoDataFrame(devices, geometry=gpd.points_from_xy(devices.lon, devices.lat), crs="EPSG:4326")


@pytest.fixture(scope="module")
def tiny(tiny_twin):
    return tiny_twin


def test_twin_features_include_terrain_from_the_dem(tiny) -> None:
    grid = grid_for_layers(tiny.layers, cell_m=500)
    xs, ys = grid.centres()
    dem = tiny.landscape.elevation(xs.ravel(), ys.ravel()).reshape(grid.shape)
    stack = compute_features(grid, tiny.layers, dem=dem, cutoff=default_cutoff(tiny.layers))
    assert {"elevation_m", "slope_deg", "dist_front_line_m", "dist_record_m", "past_event_density"} <= set(
        stack.names
    )
    assert 20 <= np.nanmin(stack.arrays["elevation_m"]) < np.nanmax(stack.arrays["elevation_m"]) < 5000
    assert np.nanmin(stack.arrays["slope_deg"]) >= 0 and np.nanmax(stack.arrays["slope_deg"]) < 90


@pytest.mark.slow
def test_tiny_twin_reports_every_scheme_with_true_mine_capture(tiny) -> None:
    result = evaluate_layers(tiny.layers, cell_m=250, truth=_truth(tiny))
    for name in ("shuffled", "spatial", "region", "temporal"):
        scheme = result["schemes"][name]
        assert scheme["n_positive"] > 20 and scheme["truth_mines"] > 0.99 * len(tiny.truth["devices"])
        assert scheme["truth_capture"]["10"] <= scheme["truth_capture"]["30"] <= 1
        assert set(scheme["baselines"]) == {"records_only", "front_line", "past_events"}
    spatial = result["schemes"]["spatial"]
    assert spatial["capture"]["10"] > 0.3 and spatial["truth_capture"]["10"] > 0.15


@pytest.mark.slow
def test_small_twin_spatial_capture_is_at_least_twice_the_records_only_baseline() -> None:
    small = simulate(scale="small", seed=0)
    result = evaluate_layers(small.layers, cell_m=250, truth=_truth(small))
    shuffled, spatial = result["schemes"]["shuffled"], result["schemes"]["spatial"]
    assert shuffled["capture"]["10"] is not None and spatial["capture"]["10"] is not None
    records = spatial["baselines"]["records_only"]["capture"]["10"]
    assert spatial["capture"]["10"] >= 2 * records, (spatial["capture"], records)
    # the model also ranks true (simulated) mines better than the records alone do
    assert spatial["truth_capture"]["10"] > spatial["baselines"]["records_only"]["truth_capture"]["10"]
