"""Metrics of a risk score: ROC-AUC, average precision, capture curve, false alarms per positive.

Scores rank *area*: every cell of the evaluated set counts in "the top x % of the area", whatever its
label (1 positive, 0 known negative, -1 unknown). ROC-AUC and average precision use the labelled cells
only (1 versus 0; unknown cells are never negatives). Ties are shared out fairly: where the top x % cuts
through cells of equal score, each tied cell counts for the fraction of the tie that fits, so a flat
baseline gets no lucky ordering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from mineaction.errors import InputError

__all__ = [
    "CAPTURE_SHARES",
    "FALSE_ALARM_SHARE",
    "capture_curve",
    "false_alarms_per_positive",
    "score_summary",
    "top_share_weights",
]

CAPTURE_SHARES: tuple[int, ...] = (5, 10, 20, 30)
FALSE_ALARM_SHARE = 10


def top_share_weights(scores: np.ndarray, share_pct: float, *, area: np.ndarray | None = None) -> np.ndarray:
    """How much of each cell lies in the top ``share_pct`` % of the area ranked by score (0 to 1 per cell).

    Parameters
    ----------
    scores : array of float
        Risk score of every cell (higher is riskier); NaN scores rank last.
    share_pct : float
        Share of the area flagged, % (0 to 100).
    area : array of float, optional
        Area of every cell (any unit); equal areas when omitted.
    """
    s = np.nan_to_num(np.asarray(scores, dtype=float).ravel(), nan=-np.inf)
    a = np.ones_like(s) if area is None else np.asarray(area, dtype=float).ravel()
    budget = a.sum() * share_pct / 100.0
    order = np.argsort(-s, kind="stable")
    sorted_s, sorted_a = s[order], a[order]
    # Tie groups: first index of each run of equal scores in the sorted order.
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    group_area = np.add.reduceat(sorted_a, starts)
    before = np.r_[0.0, np.cumsum(group_area)[:-1]]
    fill = np.clip((budget - before) / np.where(group_area > 0, group_area, 1.0), 0.0, 1.0)
    sizes = np.diff(np.r_[starts, len(s)])
    weights = np.empty_like(s)
    weights[order] = np.repeat(fill, sizes)
    return weights


def capture_curve(
    scores: np.ndarray,
    positives: np.ndarray,
    *,
    shares: Sequence[float] = CAPTURE_SHARES,
    area: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Share of the positives (or of a positive weight, e.g. true mines per cell) in the top x % of the area.

    Returns a dict keyed by the share as text (``"5"``, ``"10"`` ...); None when there is no positive.
    """
    w = np.asarray(positives, dtype=float).ravel()
    total = w.sum()
    out: dict[str, float | None] = {}
    for share in shares:
        key = f"{share:g}"
        out[key] = (
            None if total <= 0 else float((top_share_weights(scores, share, area=area) * w).sum() / total)
        )
    return out


def false_alarms_per_positive(
    scores: np.ndarray, labels: np.ndarray, *, top_share_pct: float = FALSE_ALARM_SHARE
) -> float | None:
    """Known negatives (label 0) flagged per positive (label 1) flagged, when the top ``top_share_pct`` % of
    the area is flagged; None when no positive is flagged. Unknown cells (-1) count as neither."""
    labels = np.asarray(labels).ravel()
    flagged = top_share_weights(scores, top_share_pct)
    found = float(flagged[labels == 1].sum())
    return None if found <= 0 else float(flagged[labels == 0].sum() / found)


def _check_labels(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels).ravel()
    bad = np.setdiff1d(np.unique(labels[~np.isnan(labels.astype(float))]), [-1, 0, 1])
    if bad.size:
        raise InputError(f"labels hold {bad[:5].tolist()}; use 1 (positive), 0 (negative) or -1 (unknown)")
    return labels


def score_summary(
    scores: np.ndarray, labels: np.ndarray, *, truth: np.ndarray | None = None, area: np.ndarray | None = None
) -> dict[str, Any]:
    """Every metric of one score on one evaluated set of cells.

    Parameters
    ----------
    scores : array of float
        Score of every cell of the set.
    labels : array of int
        1 positive, 0 known negative, -1 unknown, one per cell.
    truth : array of float, optional
        True mines per cell (simulated data only); adds ``truth_capture``.
    area : array of float, optional
        Area of every cell; equal when omitted.

    Returns
    -------
    dict
        ``roc_auc``, ``average_precision`` (None when the labelled cells hold one class only), ``capture``
        (keyed "5", "10", "20", "30"), ``false_alarms_per_positive`` (top 10 % of the area flagged),
        ``n_cells``, ``n_positive``, ``n_negative`` and, with ``truth``, ``truth_capture``.
    """
    labels = _check_labels(labels)
    s = np.asarray(scores, dtype=float).ravel()
    known = (labels == 1) | (labels == 0)
    both = known.any() and np.unique(labels[known]).size == 2
    y, sk = labels[known].astype(int), np.nan_to_num(s[known], nan=-1e300, neginf=-1e300, posinf=1e300)
    summary: dict[str, Any] = {
        "roc_auc": float(roc_auc_score(y, sk)) if both else None,
        "average_precision": float(average_precision_score(y, sk)) if both else None,
        "capture": capture_curve(s, labels == 1, area=area),
        "false_alarms_per_positive": false_alarms_per_positive(s, labels),
        "false_alarm_share_pct": FALSE_ALARM_SHARE,
        "n_cells": int(s.size),
        "n_positive": int((labels == 1).sum()),
        "n_negative": int((labels == 0).sum()),
    }
    if truth is not None:
        summary["truth_capture"] = capture_curve(s, np.asarray(truth, dtype=float), area=area)
        summary["truth_mines"] = float(np.asarray(truth, dtype=float).sum())
    return summary
