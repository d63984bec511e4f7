"""Honest validation of risk scores: shuffled, spatial (blocks or groups) and temporal schemes side by side.

Shuffled K-fold puts neighbouring cells on both sides of the split, so it measures memory of places more
than prediction for new land; it is reported to expose that leakage. Spatial validation holds out whole
square blocks (or whole groups such as municipalities); the temporal split trains on what was known
before a date and tests on what was found after. The model and every baseline are scored on the same
held-out cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from mineaction.errors import ConfigError, ModelError
from mineaction.risk.metrics import score_summary
from mineaction.risk.model import RiskModel, baseline_scores

__all__ = [
    "SCHEME_DESCRIPTIONS",
    "block_folds",
    "compare_schemes",
    "evaluate_folds",
    "evaluate_split",
    "group_folds",
    "out_of_fold_scores",
    "shuffled_folds",
]

SCHEME_DESCRIPTIONS = {
    "shuffled": "shuffled K-fold over cells (neighbours leak across folds; optimistic)",
    "spatial": "spatial: whole blocks or groups held out (honest for unseen land)",
    "temporal": "temporal: trained on results before the split date, tested on results after it",
}


def shuffled_folds(n: int, *, k: int = 5, random_state: int = 0) -> np.ndarray:
    """Fold number (0 to k-1) of each of ``n`` rows, shuffled."""
    rng = np.random.default_rng(random_state)
    return rng.permutation(np.arange(n) % k)


def group_folds(groups: Any, *, max_folds: int = 50, random_state: int = 0) -> np.ndarray:
    """Fold of each row so that a group never spans two folds.

    With at most ``max_folds`` groups each group is its own fold (leave-one-group-out); with more, groups are
    dealt at random into ``max_folds`` folds.
    """
    codes, uniques = pd.factorize(pd.Series(groups).astype(str), sort=True)
    if len(uniques) < 2:
        raise ConfigError(f"spatial validation needs at least 2 groups; the group column has {len(uniques)}")
    if len(uniques) <= max_folds:
        return codes.astype(np.int64)
    rng = np.random.default_rng(random_state)
    fold_of_group = rng.permutation(np.arange(len(uniques)) % max_folds)
    return fold_of_group[codes]


def block_folds(
    x: np.ndarray, y: np.ndarray, *, block_m: float, k: int = 5, random_state: int = 0
) -> np.ndarray:
    """Fold of each row by square blocks of ``block_m`` m (x, y in a metric CRS) dealt into ``k`` folds."""
    if block_m <= 0:
        raise ConfigError(f"block size {block_m} m must be positive")
    bx = np.floor(np.asarray(x, float) / block_m).astype(np.int64)
    by = np.floor(np.asarray(y, float) / block_m).astype(np.int64)
    block = pd.factorize(pd.Series(bx * 1_000_003 + by))[0]
    rng = np.random.default_rng(random_state)
    fold_of_block = rng.permutation(np.arange(block.max() + 1) % k)
    return fold_of_block[block]


def out_of_fold_scores(
    model: RiskModel, X: pd.DataFrame, labels: np.ndarray, folds: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Score of every row from a model that never saw the row's fold, and the folds that could not be fitted.

    Every row of a fold is scored, labelled or not; a fold whose training part lacks either class is skipped
    and its rows get NaN (ranked last).
    """
    scores = np.full(len(X), np.nan)
    skipped: list[int] = []
    labelled = (labels == 0) | (labels == 1)
    for fold in np.unique(folds):
        test = folds == fold
        train = ~test & labelled
        counts = np.bincount(labels[train].astype(int), minlength=2) if train.any() else np.zeros(2)
        if counts.min() < 3:
            skipped.append(int(fold))
            continue
        fitted = clone(model).fit(X[train], labels[train])
        scores[test] = fitted.predict_proba(X[test])[:, 1]
    return scores, skipped


def _fold_auc_mean(scores: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> float | None:
    aucs = []
    for fold in np.unique(folds):
        sel = (folds == fold) & ((labels == 0) | (labels == 1)) & ~np.isnan(scores)
        if np.unique(labels[sel]).size == 2:
            aucs.append(roc_auc_score(labels[sel].astype(int), scores[sel]))
    return float(np.mean(aucs)) if aucs else None


def evaluate_folds(
    model: RiskModel,
    X: pd.DataFrame,
    labels: np.ndarray,
    folds: np.ndarray,
    *,
    scheme: str,
    truth: np.ndarray | None = None,
) -> dict[str, Any]:
    """Metrics of the model's out-of-fold scores and of every baseline on the same cells, for one scheme.

    Metrics are pooled over all held-out cells (``fold_roc_auc_mean`` gives the mean of per-fold ROC-AUCs);
    ``truth`` (true mines per row, simulated data only) adds the capture of all true mines.
    """
    labels = np.asarray(labels).astype(int)
    scores, skipped = out_of_fold_scores(model, X, labels, np.asarray(folds))
    result: dict[str, Any] = {
        "scheme": scheme,
        "description": SCHEME_DESCRIPTIONS.get(scheme, scheme),
        "folds": int(np.unique(folds).size),
        "skipped_folds": skipped,
    }
    result["fold_roc_auc_mean"] = _fold_auc_mean(scores, labels, np.asarray(folds))
    return _with_scores(result, scores, labels, X, truth)


def _with_scores(
    result: dict[str, Any],
    scores: np.ndarray,
    labels: np.ndarray,
    X: pd.DataFrame,
    truth: np.ndarray | None,
) -> dict[str, Any]:
    """``result`` with the model's metrics, every baseline's on the same labels, and the scores."""
    result.update(score_summary(scores, labels, truth=truth))
    result["baselines"] = {
        name: score_summary(s, labels, truth=truth) for name, s in baseline_scores(X).items()
    }
    result["scores"] = scores
    return result


def evaluate_split(
    model: RiskModel,
    X: pd.DataFrame,
    train_labels: np.ndarray,
    test_labels: np.ndarray,
    *,
    scheme: str = "temporal",
    truth: np.ndarray | None = None,
    split: str | None = None,
) -> dict[str, Any]:
    """Fit on ``train_labels`` and score every row against ``test_labels`` (e.g. results after a date).

    Cells already labelled for training are left out of the test set, so only new knowledge is scored.
    """
    train_labels = np.asarray(train_labels).astype(int)
    test_labels = np.where((train_labels == 0) | (train_labels == 1), -1, np.asarray(test_labels).astype(int))
    fitted = clone(model).fit(X, train_labels)
    scores = fitted.predict_proba(X)[:, 1]
    result: dict[str, Any] = {
        "scheme": scheme,
        "description": SCHEME_DESCRIPTIONS.get(scheme, scheme),
        "split": split,
        "n_train_labelled": int(np.isin(train_labels, (0, 1)).sum()),
    }
    return _with_scores(result, scores, test_labels, X, truth)


def compare_schemes(
    model: RiskModel,
    X: pd.DataFrame,
    labels: np.ndarray,
    *,
    folds: Mapping[str, np.ndarray],
    temporal: tuple[np.ndarray, np.ndarray, str] | None = None,
    truth: np.ndarray | None = None,
    headline: str = "spatial",
    keep_scores: bool = False,
) -> dict[str, Any]:
    """Every scheme side by side, with the headline (honest) scheme's figures also at the top level.

    Parameters
    ----------
    folds : mapping
        Fold of each row by scheme name, e.g. ``{"shuffled": ..., "spatial": ...}``.
    temporal : (train_labels, test_labels, split_date), optional
        Labels before and after a split date; adds the ``temporal`` scheme.
    headline : str
        Scheme whose figures are copied to the top level (``scheme`` says which).
    """
    schemes: dict[str, Any] = {}
    for name, f in folds.items():
        schemes[name] = evaluate_folds(model, X, labels, f, scheme=name, truth=truth)
    if temporal is not None:
        train, test, split = temporal
        try:
            schemes["temporal"] = evaluate_split(model, X, train, test, truth=truth, split=split)
        except ModelError as exc:  # too few results on one side of the split: say so, keep the rest
            schemes["temporal"] = {
                "scheme": "temporal",
                "available": False,
                "split": split,
                "reason": str(exc),
            }
    else:
        schemes["temporal"] = {
            "scheme": "temporal",
            "available": False,
            "reason": "no dated results to split (table mode has no dates)",
        }
    for s in schemes.values():
        if not keep_scores:
            s.pop("scores", None)
    top = schemes.get(headline) or next(iter(schemes.values()))
    out = {k: v for k, v in top.items() if k not in ("description", "scores")}
    out["schemes"] = schemes
    return out
