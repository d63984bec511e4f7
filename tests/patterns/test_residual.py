"""Residual mines: expected count, interval and map, from traced rows, records and the land worked."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pattern_scenes import lay_rows, minefield_box, record_of, worked

from mineaction.patterns import PatternSettings, fit_pattern, residual_mines

FAST = PatternSettings(draws=500)


def test_a_row_cleared_end_to_end_leaves_little() -> None:
    mines, lines = lay_rows(n_rows=2, seed=1)
    area = minefield_box(lines, 40.0)
    coverage = worked([area], 0.95, around=area)
    result = residual_mines(fit_pattern(mines, coverage=coverage), coverage, area, settings=FAST)
    assert result.expected < 1.0
    assert result.low == 0.0
    assert result.by_source["rows_beyond_ends"] < 0.2


def test_mines_missed_in_cleared_land_are_pointed_at() -> None:
    mines, lines = lay_rows(n_rows=2, seed=2)
    area = minefield_box(lines, 40.0)
    coverage = worked([area], 0.95, around=area)
    missed = np.array([10, 20, 45])
    found = np.delete(mines, missed, axis=0)
    result = residual_mines(fit_pattern(found, coverage=coverage), coverage, area, settings=FAST)
    assert 1.5 <= result.by_source["gaps_in_rows"] <= 4.0
    assert result.low <= 3 <= result.high
    hot = np.array([[h["x"], h["y"]] for h in result.map.hotspots(3)])
    nearest = np.min(np.hypot(*(hot[:, None, :] - mines[missed][None, :, :]).transpose(2, 0, 1)), axis=1)
    assert (nearest < 5.0).all()  # the three hottest map cells sit on the missed mines


def test_a_row_running_into_land_not_worked_is_expected_to_go_on() -> None:
    mines, lines = lay_rows(angle_deg=0.0, n_rows=1, length_m=300.0, seed=3)
    area = minefield_box(lines, 30.0)
    half = shapely.intersection(area, shapely.box(*shapely.bounds(area)[:2], shapely.centroid(area).x, 1e9))
    coverage = worked([half], 0.95, around=area)
    found = mines[shapely.contains_xy(half, mines[:, 0], mines[:, 1])]
    result = residual_mines(fit_pattern(found, coverage=coverage), coverage, area, settings=FAST)
    truth = len(mines) - len(found)
    assert result.by_source["rows_beyond_ends"] > 3.0
    assert result.expected < truth + 5 and result.high >= 3.0
    beyond = residual_mines(fit_pattern(found, coverage=coverage), coverage, half, settings=FAST)
    assert beyond.beyond_boundary > 1.0  # seen from the worked half, the row runs on past its boundary


def test_an_untested_record_in_land_not_worked_counts_at_its_prior() -> None:
    _, lines = lay_rows(n_rows=2, length_m=120.0, seed=4)
    record = record_of(lines, spacing_m=6.0)
    area = minefield_box(lines, 30.0)
    coverage = worked([], around=area)
    result = residual_mines(fit_pattern(np.zeros((0, 2)), records=[record]), coverage, area, settings=FAST)
    slots = 2 * (int(120 / 6) + 1)
    assert result.by_source["record_rows"] == pytest.approx(0.5 * 0.9 * slots, rel=0.05)
    cleared = worked([area], 0.95, around=area)
    gone = residual_mines(fit_pattern(np.zeros((0, 2)), records=[record]), cleared, area, settings=FAST)
    assert gone.by_source["record_rows"] < 0.01  # worked and empty: the record's rows are not there


def test_the_interval_holds_the_truth_in_most_draws() -> None:
    hits = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        mines, lines = lay_rows(n_rows=2, length_m=150.0, seed=seed)
        area = minefield_box(lines, 30.0)
        coverage = worked([area], 0.9, around=area)
        found = rng.uniform(size=len(mines)) < 0.9
        result = residual_mines(fit_pattern(mines[found], coverage=coverage), coverage, area, settings=FAST)
        hits += result.low <= (~found).sum() <= result.high
    assert hits >= 9


def test_the_estimate_is_reproducible_and_serialisable() -> None:
    mines, lines = lay_rows(n_rows=1, seed=5)
    area = minefield_box(lines, 30.0)
    coverage = worked([area], 0.6, around=area)
    a = residual_mines(fit_pattern(mines[::2], coverage=coverage), coverage, area, settings=FAST)
    b = residual_mines(fit_pattern(mines[::2], coverage=coverage), coverage, area, settings=FAST)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict()["map"]["crs"] == "EPSG:32638" and a.map.density.min() >= 0
