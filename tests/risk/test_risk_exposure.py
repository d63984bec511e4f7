"""Expected casualties per hazardous area from risk x exposure, and the planner taking them: with the same
hazardous areas and the same past accidents, a different risk surface gives different expected casualties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from risk_scenario import CRS, scenario

from mineaction.errors import InputError
from mineaction.plan import build_problem
from mineaction.risk.exposure import area_risk, expected_casualties, land_exposure
from mineaction.risk.surface import grid_for_layers


@pytest.fixture(scope="module")
def layers():
    return scenario(0)


@pytest.fixture(scope="module")
def grid(layers):
    return grid_for_layers(layers, cell_m=250, crs=CRS)


def _surfaces(grid):
    xs, _ = grid.centres()
    flat = np.full(grid.shape, 0.1)
    west = np.where(xs < np.median(xs), 0.6, 0.02)  # the same land, risk moved to the west half
    return flat, west


def test_expected_casualties_follow_the_risk_surface_and_keep_the_total(layers, grid) -> None:
    flat, west = _surfaces(grid)
    open_areas = layers["hazardous_areas"]
    a = expected_casualties(grid, flat, open_areas, layers["assets"], total_per_year=12.0, crs=CRS)
    b = expected_casualties(grid, west, open_areas, layers["assets"], total_per_year=12.0, crs=CRS)
    assert set(a) == set(open_areas["id"]) and sum(a.values()) == pytest.approx(12.0)
    assert sum(b.values()) == pytest.approx(12.0)
    centre_x = open_areas.to_crs(CRS).geometry.centroid.x.to_numpy()
    west_ids = set(open_areas["id"][centre_x < np.median(grid.centres()[0])])
    west_share = lambda rates: sum(v for k, v in rates.items() if k in west_ids) / 12.0  # noqa: E731
    assert west_share(b) > west_share(a) + 0.2


def test_exposure_grows_with_people_near_and_risk_is_the_mean_over_the_area(layers, grid) -> None:
    areas = layers["hazardous_areas"].to_crs(CRS)
    assets = layers["assets"].to_crs(CRS)
    alone = land_exposure(areas, assets.iloc[0:0])
    with_people = land_exposure(areas, assets)
    assert np.all(with_people >= alone) and with_people.max() > alone.max()
    risk = area_risk(grid, np.full(grid.shape, 0.3), areas)
    assert np.allclose(risk, 0.3)
    with pytest.raises(InputError, match="does not match the grid"):
        area_risk(grid, np.zeros((2, 2)), areas)
    with pytest.raises(InputError, match="zero or more"):
        expected_casualties(
            grid, np.zeros(grid.shape), layers["hazardous_areas"], None, total_per_year=-1, crs=CRS
        )


def test_the_planner_takes_risk_based_casualties(layers, grid) -> None:
    flat, west = _surfaces(grid)
    areas = layers["hazardous_areas"]
    open_areas = areas[areas["status"] != "released"]
    assets = layers["assets"].assign(id=[f"ST-{i + 1:06d}" for i in range(len(layers["assets"]))])
    frames = {
        **layers,
        "assets": assets,
        "operators": pd.DataFrame({"id": ["OP-000001"], "name": ["ANAMA"], "teams": [4]}),
    }
    problems = [
        build_problem(
            frames,
            years=3,
            budget_usd=2_000_000.0,
            casualty_rate=expected_casualties(
                grid, s, open_areas, layers["assets"], total_per_year=6.0, crs=CRS
            ),
        )
        for s in (flat, west)
    ]
    first, second = (np.asarray(p.casualties_per_year) for p in problems)
    assert first.shape == second.shape and first.sum() == pytest.approx(second.sum(), rel=1e-6)
    assert not np.allclose(first, second)  # same areas, same accidents, another surface: other casualties
