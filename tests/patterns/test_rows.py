"""Rows in a group of finds: their direction (Hough on pairs), the parallel rows (mixture, BIC) and the
spacing along each row (periodogram), with and without a record's prior."""

from __future__ import annotations

import numpy as np
from pattern_scenes import lay_rows

from mineaction.patterns.rows import find_bands, row_beat, row_direction


def _gap_deg(a: float, b: float) -> float:
    d = abs(np.degrees(a) - b) % 180
    return min(d, 180 - d)


def test_direction_of_three_rows_is_found() -> None:
    mines, _ = lay_rows(angle_deg=37.0, seed=1)
    angle, strength, contrast = row_direction(mines, pair_m=60.0)
    assert _gap_deg(angle, 37.0) < 1.0
    assert strength > 0.2 and contrast > 3.0


def test_a_round_blob_of_finds_has_no_direction() -> None:
    blob = np.random.default_rng(8).normal(0, 3.0, (10, 2))
    assert row_direction(blob, pair_m=60.0)[2] < 3.0


def test_the_finds_overrule_a_wrong_record_direction_and_the_record_decides_when_they_cannot() -> None:
    mines, _ = lay_rows(angle_deg=120.0, n_rows=2, seed=2)
    angle, _, _ = row_direction(mines, pair_m=60.0, prior=np.radians(100.0))
    assert _gap_deg(angle, 120.0) < 1.0
    alone, strength, _ = row_direction(mines[:1], pair_m=60.0, prior=np.radians(100.0))
    assert _gap_deg(alone, 100.0) < 1e-6 and strength == 0.0


def test_parallel_rows_are_separated_and_stray_finds_left_out() -> None:
    rng = np.random.default_rng(3)
    v = np.concatenate(
        [rng.normal(-15, 0.6, 30), rng.normal(0, 0.6, 30), rng.normal(12, 0.6, 30), [40.0, -60.0]]
    )
    bands = find_bands(v)
    assert np.allclose(bands.centre, [-15, 0, 12], atol=0.5)
    assert bands.sd_m < 1.0
    assert (bands.member[-2:] == -1).all() and (bands.member[:90] >= 0).sum() >= 88


def test_no_row_in_too_few_finds() -> None:
    bands = find_bands(np.array([0.0, 10.0, 30.0]), min_finds=4)
    assert len(bands.centre) == 0 and (bands.member == -1).all()


def test_spacing_survives_mines_not_found() -> None:
    rng = np.random.default_rng(4)
    u = np.arange(60) * 6.5 + rng.normal(0, 0.5, 60)
    kept = u[rng.uniform(size=60) < 0.6]
    beat = row_beat(kept)
    assert abs(beat.spacing_m - 6.5) < 0.05
    assert beat.regularity > 0.7
    predicted = beat.phase_m + np.round((u - beat.phase_m) / beat.spacing_m) * beat.spacing_m
    assert np.abs(predicted - u).max() < 2.0  # every mine, found or not, lies on the beat


def test_the_record_spacing_is_kept_when_it_fits() -> None:
    u = np.arange(0, 100, 10.0)
    assert abs(row_beat(u, prior=5.0).spacing_m - 5.0) < 1e-6  # 5 m fits every find as well as 10 m
    assert abs(row_beat(u, prior=7.0).spacing_m - 10.0) < 0.1  # 7 m does not
