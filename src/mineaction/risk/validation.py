"""Honest validation of risk scores: shuffled, spatial, region and temporal schemes side by side.

Shuffled K-fold puts neighbouring cells on both sides of the split, so it measures memory of places more
than prediction for new land; it is reported to expose that leakage. Spatial validation holds out small
square blocks dealt at random into folds, so every held-out block still has trained neighbours. The
**region** scheme holds out whole regions (each group of a group column, such as a municipality, or
contiguous regions cut from the coordinates), as a user applying the model to a district it has never seen
would; it is the headline. The temporal split trains on what was known before a date and tests on what was
found after. The model, every baseline and (on request) the untuned reference models are scored on the
same held-out cells; held-out ROC-AUC and capture carry a bootstrap interval over whole groups.
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
from mineaction.risk.reference import REFERENCE_DESCRIPTIONS, reference_models
from mineaction.risk.uncertainty import group_bootstrap_metrics

__all__ = [
    "SCHEME_DESCRIPTIONS",
    "block_folds",
    "block_ids",
    "compare_schemes",
    "coordinate_regions",
    "evaluate_folds",
    "evaluate_split",
    "group_folds",
    "out_of_fold_scores",
    "region_folds",
    "shuffled_folds",
]

SCHEME_DESCRIPTIONS = {
    "shuffled": "shuffled K-fold over cells (neighbours leak across folds; optimistic)",
    "spatial": "spatial: square blocks held out, dealt at random into folds (neighbouring blocks train)",
    "region": "region: whole regions held out in turn (a group column, or contiguous regions from "
    "coordinates): land the model has never seen; the headline",
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


def block_ids(x: np.ndarray, y: np.ndarray, *, block_m: float) -> np.ndarray:
    """Square block (numbered from 0) of each row, blocks of ``block_m`` on a side (x, y in a metric CRS)."""
    if block_m <= 0:
        raise ConfigError(f"block size {block_m} m must be positive")
    bx = np.floor(np.asarray(x, float) / block_m).astype(np.int64)
    by = np.floor(np.asarray(y, float) / block_m).astype(np.int64)
    return pd.factorize(pd.Series(bx * 1_000_003 + by))[0].astype(np.int64)


def block_folds(
    x: np.ndarray, y: np.ndarray, *, block_m: float, k: int = 5, random_state: int = 0
) -> np.ndarray:
    """Fold of each row by square blocks of ``block_m`` m (x, y in a metric CRS) dealt into ``k`` folds."""
    block = block_ids(x, y, block_m=block_m)
    rng = np.random.default_rng(random_state)
    fold_of_block = rng.permutation(np.arange(block.max() + 1) % k)
    return fold_of_block[block]


def coordinate_regions(x: np.ndarray, y: np.ndarray, *, k: int = 5) -> np.ndarray:
    """Region (0 to k-1) of each row: ``k`` contiguous regions of about equal row counts.

    The rows are cut recursively across the longer side of their extent at the count quantile that leaves
    each part its share of the ``k`` regions (a k-d partition), so every region is one compact piece of
    land. Deterministic: no seed.
    """
    xs, ys = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    if xs.shape != ys.shape or not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ConfigError("region validation needs a finite x and y for every cell; fix the coordinates")
    if k < 2 or k > xs.size:
        raise ConfigError(f"cannot cut {xs.size} cells into {k} regions; use 2 to {xs.size} regions")
    out = np.zeros(xs.size, dtype=np.int64)
    _cut(np.arange(xs.size), xs, ys, k, 0, out)
    return out


def _cut(rows: np.ndarray, xs: np.ndarray, ys: np.ndarray, k: int, first: int, out: np.ndarray) -> None:
    if k == 1:
        out[rows] = first
        return
    coord = xs[rows] if np.ptp(xs[rows]) >= np.ptp(ys[rows]) else ys[rows]
    left_k = k // 2
    order = rows[np.argsort(coord, kind="stable")]
    split = int(round(len(rows) * left_k / k))
    _cut(order[:split], xs, ys, left_k, first, out)
    _cut(order[split:], xs, ys, k - left_k, first + left_k, out)


def region_folds(
    *,
    groups: Any = None,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    k: int = 5,
    max_groups: int = 50,
) -> np.ndarray:
    """Fold of each row for the region scheme: whole regions held out in turn.

    With a group column of at most ``max_groups`` groups, each group is a region (leave-one-group-out);
    with more groups and coordinates, the groups' centres are cut into ``k`` contiguous regions of groups;
    without groups, the cells themselves are cut into ``k`` contiguous regions (:func:`coordinate_regions`).

    Parameters
    ----------
    groups : array, optional
        Group of every row (e.g. municipality).
    x, y : array of float, optional
        Cell coordinates (any CRS; regions are cut along the axes).
    k : int
        Regions when they are cut from coordinates.
    max_groups : int
        Largest count of groups held out one by one.
    """
    if groups is not None:
        codes, uniques = pd.factorize(pd.Series(groups).astype(str), sort=True)
        if len(uniques) < 2:
            raise ConfigError(
                f"region validation needs at least 2 groups; the group column has {len(uniques)}"
            )
        if len(uniques) <= max_groups or x is None or y is None:
            return group_folds(groups, max_folds=max_groups)
        centre = pd.DataFrame({"g": codes, "x": x, "y": y}).groupby("g")[["x", "y"]].mean()
        region_of_group = coordinate_regions(centre["x"].to_numpy(), centre["y"].to_numpy(), k=k)
        return region_of_group[codes]
    if x is None or y is None:
        raise ConfigError("region validation needs a group column or cell coordinates")
    return coordinate_regions(x, y, k=k)


def out_of_fold_scores(
    model: Any, X: pd.DataFrame, labels: np.ndarray, folds: np.ndarray
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
    references: bool = False,
    reference_X: pd.DataFrame | None = None,
    interval_groups: np.ndarray | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Metrics of the model's out-of-fold scores and of every baseline on the same cells, for one scheme.

    Metrics are pooled over all held-out cells (``fold_roc_auc_mean`` gives the mean of per-fold ROC-AUCs);
    ``truth`` (true mines per row, simulated data only) adds the capture of all true mines.
    ``references`` adds ``reference_models``: the untuned LightGBM and HistGradientBoosting scored on the same
    folds (see ``mineaction.risk.reference``), on ``reference_X`` (the columns a user would give them,
    e.g. every numeric column) or else on ``X``. ``interval_groups`` (a group per row, e.g. the held-out
    municipality or block) adds ``intervals``: group-bootstrap intervals of the model's ROC-AUC and capture.
    """
    labels = np.asarray(labels).astype(int)
    folds = np.asarray(folds)
    scores, skipped = out_of_fold_scores(model, X, labels, folds)
    result: dict[str, Any] = {
        "scheme": scheme,
        "description": SCHEME_DESCRIPTIONS.get(scheme, scheme),
        "folds": int(np.unique(folds).size),
        "skipped_folds": skipped,
    }
    result["fold_roc_auc_mean"] = _fold_auc_mean(scores, labels, folds)
    result = _with_scores(result, scores, labels, X, truth, interval_groups, random_state)
    if references:
        result["reference_models"] = {}
        for name, ref in reference_models(random_state=random_state).items():
            ref_scores, _ = out_of_fold_scores(ref, X if reference_X is None else reference_X, labels, folds)
            summary = score_summary(ref_scores, labels)
            summary["fold_roc_auc_mean"] = _fold_auc_mean(ref_scores, labels, folds)
            summary["description"] = REFERENCE_DESCRIPTIONS[name]
            result["reference_models"][name] = summary
    return result


def _with_scores(
    result: dict[str, Any],
    scores: np.ndarray,
    labels: np.ndarray,
    X: pd.DataFrame,
    truth: np.ndarray | None,
    interval_groups: np.ndarray | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """``result`` with the model's metrics, every baseline's on the same labels, and the scores."""
    result.update(score_summary(scores, labels, truth=truth))
    if interval_groups is not None:
        result["intervals"] = group_bootstrap_metrics(
            scores, labels, interval_groups, random_state=random_state
        )
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
    interval_groups: np.ndarray | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Fit on ``train_labels`` and score every row against ``test_labels`` (e.g. results after a date).

    Cells already labelled for training are left out of the test set, so only new knowledge is scored.
    ``interval_groups`` (a group per row, e.g. a spatial block) adds group-bootstrap ``intervals``.
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
    return _with_scores(result, scores, test_labels, X, truth, interval_groups, random_state)


def compare_schemes(
    model: RiskModel,
    X: pd.DataFrame,
    labels: np.ndarray,
    *,
    folds: Mapping[str, np.ndarray],
    temporal: tuple[np.ndarray, np.ndarray, str] | None = None,
    truth: np.ndarray | None = None,
    headline: str = "region",
    keep_scores: bool = False,
    interval_groups: Mapping[str, np.ndarray] | None = None,
    references: bool = True,
    reference_X: pd.DataFrame | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Every scheme side by side, with the headline (honest) scheme's figures also at the top level.

    Parameters
    ----------
    folds : mapping
        Fold of each row by scheme name, e.g. ``{"shuffled": ..., "spatial": ..., "region": ...}``.
    temporal : (train_labels, test_labels, split_date), optional
        Labels before and after a split date; adds the ``temporal`` scheme.
    headline : str
        Scheme whose figures are copied to the top level (``scheme`` says which); the first scheme when
        absent.
    interval_groups : mapping, optional
        Group of each row by scheme name (``"temporal"`` too) for the group-bootstrap intervals of ROC-AUC
        and capture; a scheme of ``folds`` without an entry uses its folds as groups, except ``shuffled``,
        whose folds are not groups of neighbours (no interval).
    references : bool
        Score the untuned reference models on the headline scheme's folds too.
    reference_X : DataFrame, optional
        Their feature columns (default ``X``).
    """
    groups = dict(interval_groups or {})
    schemes: dict[str, Any] = {}
    for name, f in folds.items():
        schemes[name] = evaluate_folds(
            model,
            X,
            labels,
            f,
            scheme=name,
            truth=truth,
            references=references and name == headline,
            reference_X=reference_X,
            interval_groups=groups.get(name, None if name == "shuffled" else f),
            random_state=random_state,
        )
    schemes["temporal"] = _temporal(model, X, temporal, truth, groups.get("temporal"), random_state)
    for s in schemes.values():
        if not keep_scores:
            s.pop("scores", None)
    top = schemes.get(headline) or next(iter(schemes.values()))
    out = {k: v for k, v in top.items() if k not in ("description", "scores")}
    out["schemes"] = schemes
    return out


def _temporal(
    model: RiskModel,
    X: pd.DataFrame,
    temporal: tuple[np.ndarray, np.ndarray, str] | None,
    truth: np.ndarray | None,
    groups: np.ndarray | None,
    random_state: int,
) -> dict[str, Any]:
    if temporal is None:
        return {
            "scheme": "temporal",
            "available": False,
            "reason": "no dated results to split (table mode has no dates)",
        }
    train, test, split = temporal
    try:
        return evaluate_split(
            model, X, train, test, truth=truth, split=split, interval_groups=groups, random_state=random_state
        )
    except ModelError as exc:  # too few results on one side of the split: say so, keep the rest
        return {"scheme": "temporal", "available": False, "split": split, "reason": str(exc)}
