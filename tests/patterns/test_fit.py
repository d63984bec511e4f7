"""Fitting patterns to finds: rows with their spacing, clusters and scattered finds, and a record's offset and
rotation measured against the rows its finds trace."""

from __future__ import annotations

import numpy as np
import shapely
from pattern_scenes import X0, Y0, lay_rows, record_of, worked

from mineaction.patterns import PatternSettings, fit_pattern, segment_distance


def test_rows_and_their_spacing_are_traced() -> None:
    mines, lines = lay_rows(angle_deg=30.0, n_rows=3, spacing_m=6.0, seed=1)
    pattern = fit_pattern(mines)
    assert len(pattern.groups) == 1 and pattern.n_rows == 3
    group = pattern.groups[0]
    assert abs(np.degrees(group.angle) - 30.0) < 1.0
    assert all(abs(r.spacing_m - 6.0) < 0.1 for r in group.rows)
    assert pattern.quality["on_rows"] > 0.95 and pattern.quality["rms_across_m"] < 1.0
    traced = group.row_lines()
    assert np.median(segment_distance(mines, traced)) < 1.0


def test_two_minefields_at_different_directions_are_two_groups() -> None:
    first, _ = lay_rows(angle_deg=10.0, n_rows=2, seed=2)
    second, _ = lay_rows(angle_deg=80.0, n_rows=1, centre=(X0 + 600, Y0), seed=3)
    pattern = fit_pattern(np.vstack([first, second]))
    angles = sorted(round(np.degrees(g.angle)) for g in pattern.groups)
    assert len(angles) == 2 and abs(angles[0] - 10) <= 1 and abs(angles[1] - 80) <= 1


def test_bunched_finds_off_rows_are_a_cluster_and_spread_ones_are_scattered() -> None:
    rng = np.random.default_rng(4)
    blob = np.array([X0, Y0]) + rng.normal(0, 4.0, (8, 2))
    spread = np.array([X0 + 1000, Y0]) + rng.uniform(-200, 200, (6, 2))
    land = shapely.box(X0 - 300, Y0 - 300, X0 + 1300, Y0 + 300)
    pattern = fit_pattern(np.vstack([blob, spread]), coverage=worked([land], around=land))
    assert pattern.n_rows == 0
    assert len(pattern.clusters) == 1 and len(pattern.clusters[0].finds) == 8
    assert len(pattern.scattered) == 6


def test_no_finds_gives_an_empty_pattern() -> None:
    pattern = fit_pattern(np.zeros((0, 2)))
    assert pattern.n_rows == 0 and not pattern.clusters and len(pattern.scattered) == 0
    assert pattern.quality["n_finds"] == 0


def test_a_shifted_and_turned_record_is_corrected_by_its_finds() -> None:
    mines, lines = lay_rows(angle_deg=45.0, n_rows=3, seed=5)
    record = record_of(lines, rotate_deg=-12.0, shift=(120.0, -90.0))
    found = mines[np.random.default_rng(6).uniform(size=len(mines)) < 0.5]
    pattern = fit_pattern(found, records=[record])
    fit = pattern.records[0]
    assert fit.status == "corrected" and len(fit.matched) == 3
    assert abs(fit.rotation_deg - 12.0) < 1.5
    assert abs(fit.offset_m - 150.0) < 10.0
    drawn = np.median(segment_distance(mines, record.lines))
    aligned = np.median(segment_distance(mines, fit.aligned.lines))
    assert aligned < 2.0 < 50.0 < drawn


def test_a_good_record_is_confirmed_and_a_record_far_away_is_untested() -> None:
    mines, lines = lay_rows(angle_deg=100.0, n_rows=2, seed=7)
    good = record_of(lines, shift=(2.0, -1.0))
    far = record_of(lines, shift=(5000.0, 0.0), record_id="MR-000002")
    pattern = fit_pattern(mines, records=[good, far], settings=PatternSettings())
    by_id = {r.record_id: r for r in pattern.records}
    assert by_id["MR-000001"].status == "confirmed" and by_id["MR-000001"].offset_m < 5.0
    assert by_id["MR-000002"].status == "untested" and np.isnan(by_id["MR-000002"].offset_m)
    assert by_id["MR-000001"].to_dict()["matched_rows"] == 2
