"""Bootstrap intervals of ROC-AUC and capture that resample whole groups of cells.

Neighbouring cells share their terrain, their history and often their label, so they are not independent
draws: a bootstrap over cells would give intervals far too narrow. Here whole groups (the held-out
municipalities, blocks or regions of a validation scheme) are drawn with replacement; a group drawn twice
counts twice. Each resample is expressed as a weight per cell (how many times its group was drawn), and
ROC-AUC and capture are computed with those weights, so a resample costs one pass over the cells after a
single sort.

Intervals are percentile intervals (95 % by default) over ``n_boot`` resamples; resamples in which the
metric is undefined (one class only, no positive) are dropped and counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mineaction.errors import InputError
from mineaction.risk.metrics import top_share_weights

__all__ = ["BOOTSTRAP_RESAMPLES", "group_bootstrap_metrics", "weighted_roc_auc"]

BOOTSTRAP_RESAMPLES = 500


def weighted_roc_auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float | None:
    """ROC-AUC of ``scores`` on labelled cells (1 vs 0) where cell i counts ``weights[i]`` times.

    Ties count one half, as in the Mann-Whitney statistic; None when either class has no weight.
    """
    s, y, w = np.asarray(scores, float), np.asarray(labels), np.asarray(weights, float)
    known = (y == 0) | (y == 1)
    s, y, w = np.nan_to_num(s[known], nan=-np.inf), y[known], w[known]
    order = np.argsort(s, kind="stable")
    s, y, w = s[order], y[order], w[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]]) if s.size else np.array([], int)
    pos = np.add.reduceat(np.where(y == 1, w, 0.0), starts) if s.size else np.zeros(0)
    neg = np.add.reduceat(np.where(y == 0, w, 0.0), starts) if s.size else np.zeros(0)
    p, n = pos.sum(), neg.sum()
    if p <= 0 or n <= 0:
        return None
    below = np.r_[0.0, np.cumsum(neg)[:-1]]
    return float((pos * (below + 0.5 * neg)).sum() / (p * n))


def _weighted_capture(
    scores: np.ndarray, positives: np.ndarray, weights: np.ndarray, share: float
) -> float | None:
    top = top_share_weights(scores, share, area=weights)
    total = (positives * weights).sum()
    return None if total <= 0 else float((top * positives * weights).sum() / total)


class _Ranked:
    """Cells sorted once by score, with their runs of tied scores, so that a resample (a weight per cell)
    costs a few passes over the cells and no sort: ROC-AUC over the labelled cells as
    ``weighted_roc_auc`` computes it, capture as ``_weighted_capture`` does."""

    def __init__(self, scores: np.ndarray, labels: np.ndarray, codes: np.ndarray) -> None:
        s = np.nan_to_num(scores, nan=-np.inf)
        known = (labels == 0) | (labels == 1)
        up = np.flatnonzero(known)[np.argsort(s[known], kind="stable")]  # labelled cells, ascending
        self.auc_codes = codes[up]
        self.auc_positive = labels[up] == 1
        self.auc_starts = _run_starts(s[up])
        down = np.argsort(-s, kind="stable")  # every cell, descending: the flagged area fills from the top
        self.cap_codes = codes[down]
        self.cap_positive = (labels[down] == 1).astype(float)
        self.cap_starts = _run_starts(s[down])

    def roc_auc(self, draws: np.ndarray) -> float | None:
        """ROC-AUC with cell weights ``draws[code]`` (how often each cell's group was drawn)."""
        if not self.auc_codes.size:
            return None
        w = draws[self.auc_codes]
        pos = np.add.reduceat(np.where(self.auc_positive, w, 0.0), self.auc_starts)
        neg = np.add.reduceat(np.where(self.auc_positive, 0.0, w), self.auc_starts)
        p, n = pos.sum(), neg.sum()
        if p <= 0 or n <= 0:
            return None
        below = np.r_[0.0, np.cumsum(neg)[:-1]]
        return float((pos * (below + 0.5 * neg)).sum() / (p * n))

    def capture(self, draws: np.ndarray, share: float) -> float | None:
        """Share of the positives' weight in the top ``share`` % of the weighted area (ties share alike)."""
        if not self.cap_codes.size:
            return None
        w = draws[self.cap_codes]
        area = np.add.reduceat(w, self.cap_starts)
        hits = np.add.reduceat(w * self.cap_positive, self.cap_starts)
        total = hits.sum()
        if total <= 0:
            return None
        before = np.r_[0.0, np.cumsum(area)[:-1]]
        fill = np.clip((area.sum() * share / 100.0 - before) / np.where(area > 0, area, 1.0), 0.0, 1.0)
        return float((fill * hits).sum() / total)


def _run_starts(sorted_scores: np.ndarray) -> np.ndarray:
    """First index of each run of equal values in a sorted array."""
    if not sorted_scores.size:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])


def _interval(draws: list[float], confidence: float) -> tuple[float | None, float | None]:
    if not draws:
        return None, None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return float(low), float(high)


def group_bootstrap_metrics(
    scores: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    *,
    capture_share: float = 10.0,
    n_boot: int = BOOTSTRAP_RESAMPLES,
    confidence: float = 0.95,
    random_state: int = 0,
) -> dict[str, Any]:
    """Group-bootstrap intervals of ROC-AUC and of capture in the top ``capture_share`` % of the area.

    Parameters
    ----------
    scores : array of float
        Score of every evaluated cell (held-out scores of a validation scheme).
    labels : array of int
        1 positive, 0 known negative, -1 unknown (unknown cells count as area, never as negatives).
    groups : array
        Group of every cell (municipality, block, region); groups are resampled whole.
    capture_share : float
        Share of the area flagged for the capture figure, %.
    n_boot : int
        Resamples.
    confidence : float
        Confidence level (0-1).
    random_state : int
        Seed.

    Returns
    -------
    dict
        ``roc_auc`` and ``capture`` each ``{"value", "low", "high", "n_boot"}``, plus ``n_groups``,
        ``capture_share_pct``, ``confidence`` and ``method``. Bounds are None with fewer than 2 groups.
    """
    s = np.asarray(scores, float).ravel()
    y = np.asarray(labels).ravel()
    if not (s.size == y.size == np.asarray(groups).size):
        raise InputError("scores, labels and groups must have one value per cell")
    codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)[1].ravel()
    n_groups = int(codes.max()) + 1 if codes.size else 0
    positives = (y == 1).astype(float)
    ones = np.ones_like(s)
    aucs: list[float] = []
    caps: list[float] = []
    if n_groups >= 2:
        rng = np.random.default_rng(random_state)
        ranked = _Ranked(s, y, codes)
        for _ in range(n_boot):
            draws = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups).astype(float)
            auc = ranked.roc_auc(draws)
            cap = ranked.capture(draws, capture_share)
            if auc is not None:
                aucs.append(auc)
            if cap is not None:
                caps.append(cap)
    auc_low, auc_high = _interval(aucs, confidence)
    cap_low, cap_high = _interval(caps, confidence)
    return {
        "roc_auc": {
            "value": weighted_roc_auc(s, y, ones),
            "low": auc_low,
            "high": auc_high,
            "n_boot": len(aucs),
        },
        "capture": {
            "value": _weighted_capture(s, positives, ones, capture_share),
            "low": cap_low,
            "high": cap_high,
            "n_boot": len(caps),
        },
        "capture_share_pct": capture_share,
        "n_groups": n_groups,
        "confidence": confidence,
        "method": "bootstrap over whole groups, percentile",
    }
