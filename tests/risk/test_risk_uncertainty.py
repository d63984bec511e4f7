"""Group-bootstrap intervals of ROC-AUC and capture: weighted metrics agree with the plain ones, and the
interval widens when cells come in groups."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mineaction.errors import InputError
from mineaction.risk.metrics import capture_curve
from mineaction.risk.uncertainty import (
    _Ranked,
    _weighted_capture,
    group_bootstrap_metrics,
    weighted_roc_auc,
)


def test_weighted_roc_auc_matches_sklearn_with_ties_and_repeated_rows() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 20, 400).astype(float)  # many ties
    labels = np.where(rng.uniform(size=400) < 0.3, 1, 0)
    labels[:50] = -1  # unknown cells are ignored
    known = labels >= 0
    assert weighted_roc_auc(scores, labels, np.ones(400)) == pytest.approx(
        roc_auc_score(labels[known], scores[known])
    )
    weights = rng.integers(0, 3, 400)
    repeated = np.repeat(np.arange(400), weights)
    sel = repeated[labels[repeated] >= 0]
    assert weighted_roc_auc(scores, labels, weights.astype(float)) == pytest.approx(
        roc_auc_score(labels[sel], scores[sel])
    )
    assert weighted_roc_auc(scores, np.zeros(400), np.ones(400)) is None


def test_bootstrap_interval_holds_the_value_and_is_wider_for_fewer_groups() -> None:
    rng = np.random.default_rng(2)
    n = 2000
    labels = (rng.uniform(size=n) < 0.25).astype(int)
    scores = labels * 0.8 + rng.normal(size=n)
    many = group_bootstrap_metrics(scores, labels, np.arange(n) // 10, n_boot=300)
    few = group_bootstrap_metrics(scores, labels, np.arange(n) // 400, n_boot=300)
    for result in (many, few):
        auc, cap = result["roc_auc"], result["capture"]
        assert auc["low"] <= auc["value"] <= auc["high"] and cap["low"] <= cap["value"] <= cap["high"]
    assert many["roc_auc"]["value"] == pytest.approx(roc_auc_score(labels, scores))
    assert many["capture"]["value"] == pytest.approx(capture_curve(scores, labels == 1)["10"])
    assert many["n_groups"] == 200 and few["n_groups"] == 5
    width = lambda r: r["roc_auc"]["high"] - r["roc_auc"]["low"]  # noqa: E731
    assert width(few) > 0 and width(many) > 0


def test_one_group_gives_no_interval_and_mismatched_lengths_are_refused() -> None:
    one = group_bootstrap_metrics(np.arange(10.0), np.r_[np.zeros(5), np.ones(5)], np.zeros(10))
    assert one["roc_auc"]["value"] == 1.0 and one["roc_auc"]["low"] is None and one["n_groups"] == 1
    with pytest.raises(InputError, match="one value per cell"):
        group_bootstrap_metrics(np.arange(3.0), np.zeros(3), np.zeros(4))


def test_resamples_scored_after_one_sort_equal_the_metrics_computed_afresh() -> None:
    """The bootstrap sorts the cells once and weights them per resample; each resample's ROC-AUC and
    capture must be those computed from scratch with the same weights (ties, NaN scores, unknown cells,
    groups drawn twice or not at all)."""
    rng = np.random.default_rng(5)
    n = 3000
    scores = rng.integers(0, 40, n).astype(float)  # many ties
    scores[rng.uniform(size=n) < 0.05] = np.nan
    labels = rng.choice([-1, 0, 1], size=n, p=[0.5, 0.3, 0.2])
    codes = rng.integers(0, 60, n)
    ranked = _Ranked(scores, labels, codes)
    for _ in range(20):
        draws = np.bincount(rng.integers(0, 60, 60), minlength=60).astype(float)
        weights = draws[codes]
        assert ranked.roc_auc(draws) == pytest.approx(weighted_roc_auc(scores, labels, weights), rel=1e-12)
        assert ranked.capture(draws, 10.0) == pytest.approx(
            _weighted_capture(scores, (labels == 1).astype(float), weights, 10.0), rel=1e-12
        )
    nothing = np.zeros(60)
    assert ranked.roc_auc(nothing) is None and ranked.capture(nothing, 10.0) is None
