"""Intervals of reported shares: Wilson bounds, their coverage, the bootstrap of a share of money, and the
text people read ("61 % (44–75 %, n = 33)")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mineaction.analysis.intervals import format_share, share, weighted_share, wilson_interval
from mineaction.errors import InputError


def test_wilson_bounds_match_the_formula_at_the_edges_and_the_middle() -> None:
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    wider = wilson_interval(5, 10, confidence=0.99)
    assert wider[0] < low and wider[1] > high


def test_wilson_interval_covers_the_true_share_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    for p, n in ((0.25, 35), (0.6, 33), (0.05, 60)):
        draws = rng.binomial(n, p, 2000)
        covered = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(k, n) for k in draws)])
        assert covered >= 0.92, (p, n, covered)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(InputError, match="0 <= k <= n"):
        wilson_interval(5, 3)
    with pytest.raises(InputError, match="confidence"):
        wilson_interval(1, 3, confidence=1.5)


def test_share_carries_its_count_and_reads_as_people_expect() -> None:
    item = share(20, 33)
    assert item["k"] == 20 and item["n"] == 33 and item["method"] == "wilson"
    assert item["low"] < item["share"] < item["high"]
    assert format_share(item) == "61 % (44–75 %, n = 33)"
    assert format_share(share(0, 0)) == "n/a (n = 0)"


def test_weighted_share_bootstraps_grants_not_dollars() -> None:
    amounts = np.array([100.0, 50.0, 10.0, 5.0, 5.0, 30.0])
    foreign = np.array([False, False, True, False, True, False])
    item = weighted_share(amounts, foreign, random_state=1)
    assert item["share"] == pytest.approx(15 / 200) and item["k"] == 2 and item["n"] == 6
    assert 0.0 <= item["low"] <= item["share"] <= item["high"] <= 1.0
    assert item == weighted_share(amounts, foreign, random_state=1)  # seeded
    empty = weighted_share(np.array([]), np.array([], dtype=bool))
    assert math.isnan(empty["share"]) and empty["n"] == 0
    with pytest.raises(InputError, match="one flag per amount"):
        weighted_share(amounts, foreign[:3])
