"""Risk metrics: capture curve with fair ties, false alarms per positive, ROC-AUC on labelled cells only."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.errors import InputError
from mineaction.risk.metrics import capture_curve, false_alarms_per_positive, score_summary, top_share_weights


def test_capture_counts_positives_in_the_top_share_of_area() -> None:
    scores = np.arange(100, dtype=float)[::-1]  # cell 0 scores highest
    positives = np.zeros(100)
    positives[[0, 3, 7, 15, 50]] = 1
    cap = capture_curve(scores, positives)
    assert cap == {
        "5": pytest.approx(0.4),
        "10": pytest.approx(0.6),
        "20": pytest.approx(0.8),
        "30": pytest.approx(0.8),
    }


def test_ties_are_shared_fairly_so_a_flat_score_captures_its_share_of_area() -> None:
    flat = np.zeros(1000)
    positives = np.zeros(1000)
    positives[:100] = 1  # wherever the positives sit, a flat score cannot pick them first
    cap = capture_curve(flat, positives)
    assert cap["10"] == pytest.approx(0.10) and cap["30"] == pytest.approx(0.30)
    weights = top_share_weights(flat, 10)
    assert weights.sum() == pytest.approx(100) and np.allclose(weights, 0.1)


def test_capture_with_weights_counts_true_mines() -> None:
    scores = np.array([3.0, 2.0, 1.0, 0.0] * 5)
    mines = np.array([10.0, 0.0, 0.0, 1.0] * 5)
    assert capture_curve(scores, mines, shares=(25,))["25"] == pytest.approx(50 / 55)


def test_false_alarms_per_positive_ignores_unknown_cells() -> None:
    scores = np.arange(20, dtype=float)[::-1]
    labels = np.array([1, 0, -1, -1] + [0] * 16)
    assert false_alarms_per_positive(scores, labels, top_share_pct=20) == pytest.approx(1.0)
    assert false_alarms_per_positive(scores, np.zeros(20), top_share_pct=20) is None


def test_score_summary_uses_only_labelled_cells_for_auc() -> None:
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.95, 0.05])
    labels = np.array([1, 1, 0, 0, -1, -1])
    summary = score_summary(scores, labels, truth=np.array([1.0, 1, 0, 0, 2, 0]))
    assert summary["roc_auc"] == 1.0 and summary["average_precision"] == 1.0
    assert summary["n_positive"] == 2 and summary["n_negative"] == 2 and summary["n_cells"] == 6
    assert set(summary["capture"]) == {"5", "10", "20", "30"} and summary["truth_mines"] == 4.0


def test_one_class_gives_no_auc_and_bad_labels_are_named() -> None:
    assert score_summary(np.ones(3), np.array([1, 1, -1]))["roc_auc"] is None
    with pytest.raises(InputError, match=r"\[2\]"):
        score_summary(np.ones(3), np.array([1, 2, 0]))
