"""Replaying the clearance of a minefield in each order: the pattern order finds every mine in less worked
area than lane by lane, and finds more per area at every step."""

from __future__ import annotations

import numpy as np
import pytest
from pattern_scenes import lay_rows, minefield_box, record_of

from mineaction.patterns import STEPS, PatternSettings, replay_clearance


@pytest.mark.slow
def test_the_pattern_order_beats_lane_by_lane_and_a_shifted_record_does_not_mislead_it() -> None:
    mines, lines = lay_rows(angle_deg=20.0, n_rows=3, length_m=200.0, seed=1)
    area = minefield_box(lines, 40.0)
    shifted = record_of(lines, rotate_deg=8.0, shift=(0.0, 35.0))
    replay = replay_clearance(area, mines, records=[shifted], settings=PatternSettings())
    assert replay.n_targets == len(mines)
    lane, pattern = replay.area_to_all("lane_by_lane"), replay.area_to_all("pattern")
    assert pattern <= 0.75 * lane
    share = replay.share_found("pattern")
    assert (share[:-1] >= replay.share_found("lane_by_lane")[:-1]).all()
    assert share[-1] == 1.0 and len(share) == len(STEPS)
    trace = replay.traces["pattern"]
    assert np.isclose(trace.worked_m2[-1], replay.area_m2) and (np.diff(trace.worked_m2) > 0).all()


def test_only_the_target_mines_are_counted_and_an_empty_area_is_quick() -> None:
    mines, lines = lay_rows(n_rows=1, length_m=100.0, seed=2)
    area = minefield_box(lines, 30.0)
    target = np.zeros(len(mines), bool)
    target[:5] = True
    replay = replay_clearance(area, mines, target=target)
    assert replay.n_targets == 5
    empty = replay_clearance(area, np.zeros((0, 2)))
    assert empty.n_targets == 0 and empty.area_to_all("pattern") == 0.0
