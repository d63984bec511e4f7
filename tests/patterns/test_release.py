"""Release check: flagged when the pattern or the record says mines are left, with the reason; not flagged
for rows cleared end to end, nor on a prior alone."""

from __future__ import annotations

import numpy as np
import shapely
from pattern_scenes import lay_rows, minefield_box, record_of, worked

from mineaction.patterns import PatternSettings, check_release, fit_pattern

FAST = PatternSettings(draws=300)


def test_rows_cleared_end_to_end_are_not_flagged() -> None:
    mines, lines = lay_rows(n_rows=2, seed=1)
    area = minefield_box(lines, 40.0)
    coverage = worked([area], 0.95, around=area)
    check = check_release(
        fit_pattern(mines, coverage=coverage), coverage, area, area_id="HA-1", settings=FAST
    )
    assert not check.flagged and check.evidence_mines < 1.0
    assert check.to_dict()["area"] == "HA-1"


def test_a_row_going_on_into_land_not_worked_is_flagged_with_the_reason() -> None:
    mines, lines = lay_rows(angle_deg=0.0, n_rows=1, length_m=300.0, seed=2)
    area = minefield_box(lines, 30.0)
    half = shapely.intersection(area, shapely.box(*shapely.bounds(area)[:2], shapely.centroid(area).x, 1e9))
    coverage = worked([half], 0.95, around=area)
    found = mines[shapely.contains_xy(half, mines[:, 0], mines[:, 1])]
    check = check_release(fit_pattern(found, coverage=coverage), coverage, area, settings=FAST)
    assert check.flagged
    assert check.reasons[0].code == "rows_beyond_ends" and "row 1 of rows 1" in check.reasons[0].text
    assert check.residual.map is not None and check.residual.map.hotspots(1)


def test_record_rows_in_land_not_worked_flag_the_area() -> None:
    mines, lines = lay_rows(n_rows=3, seed=3)
    area = minefield_box(lines, 30.0)
    first_two = shapely.buffer(shapely.multilinestrings(lines[:2].reshape(-1, 2, 2)), 8.0)
    coverage = worked([first_two], 0.95, around=area)
    found = mines[shapely.contains_xy(first_two, mines[:, 0], mines[:, 1])]
    pattern = fit_pattern(found, records=[record_of(lines)], coverage=coverage)
    check = check_release(pattern, coverage, area, settings=FAST)
    assert check.flagged and check.reasons[0].code == "record_rows"
    assert "MR-000001 row 3" in check.reasons[0].text


def test_no_finds_and_no_record_is_a_note_not_a_flag() -> None:
    area = shapely.box(600_000, 4_400_000, 600_500, 4_400_500)
    coverage = worked([], around=area)
    check = check_release(fit_pattern(np.zeros((0, 2))), coverage, area, settings=FAST)
    assert not check.flagged and check.residual.expected > 1.0
    assert any("prior density" in note for note in check.notes)
