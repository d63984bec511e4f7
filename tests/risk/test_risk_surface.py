"""Grid mode on a small simulated scenario: features, labels, no leakage, validation, candidates, feedback."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely
from risk_scenario import CRS, SIZE, X0, Y0, scenario

from mineaction.risk.candidates import find_candidates
from mineaction.risk.features import compute_features
from mineaction.risk.grid import grid_from_bounds
from mineaction.risk.labels import reland_labels
from mineaction.risk.model import RiskModel
from mineaction.risk.surface import evaluate_layers, predict_surface, prepare_cells
from mineaction.risk.weights import record_weights_from_assessment


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return scenario(0)


@pytest.fixture(scope="module")
def grid():
    return grid_from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), cell_m=100, crs=CRS)


def test_distances_come_from_the_layers(layers, grid) -> None:
    stack = compute_features(grid, layers)
    xs, _ = grid.centres()
    front_x = X0 + 8000 + (X0 + 8200 - X0 - 8000) * 0.5  # the line leans 200 m over 16 km
    dist = stack.arrays["dist_front_line_m"]
    expect = np.abs(xs - front_x)
    assert np.median(np.abs(dist - expect)) < 150  # cell-centre accuracy
    assert {
        "dist_road_m",
        "dist_settlement_m",
        "dist_water_m",
        "dist_record_m",
        "record_weight",
        "dist_hazardous_area_m",
        "past_event_density",
        "population_density",
    } <= set(stack.names)
    assert all(a.shape == grid.shape and a.dtype == np.float32 for a in stack.arrays.values())


def test_past_event_density_ignores_events_after_the_cutoff(layers, grid) -> None:
    early = compute_features(grid, layers, cutoff=date(2019, 1, 1)).arrays["past_event_density"]
    late = compute_features(grid, layers, cutoff=date(2030, 1, 1)).arrays["past_event_density"]
    n_finds = len(layers["finds"])
    assert late.sum() > early.sum()
    # density integrates to the event count (events per km2 x km2 per cell), minus what leaks off the edges
    per_cell_km2 = grid.cell_area_m2 / 1e6
    assert late.sum() * per_cell_km2 == pytest.approx(n_finds + len(layers["accidents"]), rel=0.1)


def test_labels_are_positive_at_finds_negative_in_cleared_land_and_unknown_elsewhere(layers, grid) -> None:
    labels = reland_labels(grid, layers)
    values, counts = np.unique(labels, return_counts=True)
    assert values.tolist() == [-1, 0, 1] and counts[2] > 50
    found = shapely.points(np.array([[X0 + 9000, Y0 + 500]]))  # a corner far from every activity
    assert labels[grid.cell_of(*shapely.get_coordinates(found).T)[:2]][0] == -1
    window = reland_labels(grid, layers, start=date(2023, 1, 1))
    assert (window == 1).sum() < (labels == 1).sum()


def test_record_weights_follow_measured_confirmation() -> None:
    import pandas as pd

    assessed = pd.DataFrame(
        {
            "id": ["MR-1", "MR-2", "MR-3", "MR-4"],
            "processed": [True, True, False, False],
            "confirmed": [True, False, False, False],
            "handed_over_by": ["A", "A", "A", "B"],
        }
    )
    weights = record_weights_from_assessment(assessed)
    assert weights == {"MR-1": 1.0, "MR-2": 0.05, "MR-3": 0.5, "MR-4": 0.5}


@pytest.mark.slow
def test_three_schemes_side_by_side_with_truth_capture(layers) -> None:
    result = evaluate_layers(
        layers, cell_m=200, cutoff=date(2021, 7, 1), truth=layers["truth"], model=RiskModel(n_estimators=80)
    )
    schemes = result["schemes"]
    assert set(schemes) == {"shuffled", "spatial", "region", "temporal"} and result["scheme"] == "region"
    for name in schemes:
        s = schemes[name]
        assert s["scheme"] == name and set(s["baselines"]) == {"records_only", "front_line", "past_events"}
        assert 0 <= s["truth_capture"]["10"] <= 1
    spatial = schemes["spatial"]
    assert spatial["roc_auc"] > 0.7 and spatial["capture"]["30"] > 0.5
    assert spatial["truth_capture"]["10"] > 0.3  # true mines (simulated) in the top 10 % of the area
    # the headline (region) carries the untuned references on its folds and a block-bootstrap interval
    region = schemes["region"]
    assert region["folds"] == 5 and set(region["reference_models"]) == {
        "lightgbm_default",
        "hist_gradient_boosting_default",
    }
    assert "reference_models" not in spatial
    for name in ("spatial", "region", "temporal"):
        auc = schemes[name]["intervals"]["roc_auc"]
        assert auc["low"] <= schemes[name]["roc_auc"] <= auc["high"] and auc["n_boot"] > 400
    assert "intervals" not in schemes["shuffled"]


def test_candidates_lie_outside_open_hazardous_areas(layers, grid) -> None:
    cells = prepare_cells(layers, grid=grid, cutoff=date(2021, 7, 1))
    X, labels = cells.frame()
    model = RiskModel(n_estimators=60).fit(X, labels)
    stack = compute_features(grid, layers)
    surface = predict_surface(model, stack)
    found = find_candidates(grid, surface, layers, top_share_pct=10, min_cells=2)
    assert len(found) > 0 and found.crs.to_epsg() == 4326
    assert (found["area_m2"] >= 2 * grid.cell_area_m2).all() and found["max_risk"].is_monotonic_decreasing
    hazards = layers["hazardous_areas"].to_crs(CRS).union_all()
    overlap = found.to_crs(CRS).intersection(hazards).area
    assert overlap.max() < 1e-3  # m2: candidates stop at the hazard's edge
    assert found["evidence"].str.contains("finds/accidents within").all()


def test_refit_after_new_survey_results_changes_the_surface(grid) -> None:
    before, after = scenario(0), scenario(0, new_finds=True)
    surfaces = []
    for lay in (before, after):
        cells = prepare_cells(lay, grid=grid, cutoff=date(2021, 7, 1))
        X, labels = cells.frame()
        model = RiskModel(n_estimators=60).fit(X, labels)
        surfaces.append(predict_surface(model, compute_features(grid, lay)))
    rows, cols = grid.cell_of(np.array([X0 + 12500, X0 + 15000]), np.array([Y0 + 15000, Y0 + 9500]))[:2]
    surveyed = (slice(int(rows[0]), int(rows[1])), slice(int(cols[0]), int(cols[1])))
    assert np.abs(surfaces[1] - surfaces[0]).max() > 0.05
    # mines found where nothing was known raise the risk the refitted model gives that land
    assert surfaces[1][surveyed].mean() > surfaces[0][surveyed].mean() + 0.02


def test_a_store_of_events_alone_learns_against_background_far_from_every_event(layers, grid) -> None:
    from scipy.spatial import cKDTree

    from mineaction.risk.labels import Background

    events_only = {k: v for k, v in layers.items() if k not in ("activities", "hazardous_areas")}
    assert not (reland_labels(grid, events_only) == 0).any()  # RELand labels alone cannot train
    rule = Background(gap_m=500.0, ratio=2.0, seed=3)
    cells = prepare_cells(events_only, grid=grid, cutoff=date(2021, 7, 1), background=rule)
    assert cells.label_basis == "presence-background"
    X, labels = cells.frame()
    n_positive, n_background = int((labels == 1).sum()), len(cells.background)
    assert 0 < n_background <= np.ceil(2.0 * n_positive) and int((labels == 0).sum()) == n_background
    ever = np.flatnonzero(reland_labels(grid, events_only).ravel() == 1)
    gap, _ = cKDTree(np.column_stack(grid.centres_of(ever))).query(
        np.column_stack(grid.centres_of(cells.background))
    )
    assert gap.min() >= 500.0  # never beside an event of any date, before the cut-off or after
    again = prepare_cells(events_only, grid=grid, cutoff=date(2021, 7, 1), background=rule)
    assert np.array_equal(again.background, cells.background)  # the seed decides the draw
    RiskModel(n_estimators=20).fit(X, labels)  # the model now has both classes to learn from
    # a store with survey and clearance results keeps its RELand labels: no background is drawn
    assert (
        prepare_cells(layers, grid=grid, cutoff=date(2021, 7, 1), background=rule).label_basis
        == "processed land"
    )
