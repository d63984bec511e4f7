"""The risk model (calibrated gradient-boosted trees, scikit-learn contract) and its baselines.

``RiskModel`` wraps LightGBM (seeded, deterministic). Its probabilities are calibrated by
isotonic regression on out-of-fold scores, so a predicted 0.2 means about one cell in five of that score
was positive in training. Ties inside an isotonic step are broken by the raw score, so ranking metrics
see the full ordering. The baselines are transparent scores with nothing learned: the minefield records
alone, the distance to the former front line, and the density of past events.

Only labelled rows train the model: label 1 (positive) and 0 (known negative); -1 (unknown) rows are
dropped, never used as negatives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from mineaction.errors import InputError, ModelError

__all__ = [
    "BASELINES",
    "DEFAULT_MONOTONE",
    "MONOTONE_PATTERNS",
    "SMALL_FIT_ROWS",
    "Baseline",
    "RiskModel",
    "baseline_scores",
    "monotone_direction",
    "require_columns",
]

SMALL_FIT_ROWS = 50_000

#: Domain knowledge the trees must respect where these features are present: risk does not rise with
#: distance from the front line, hazardous areas, records, roads, water or settlements (where mines were
#: laid and where people meet them), and does not fall with record reliability, past events or population.
#: Labelled cells all lie in surveyed land, so without these the trees extrapolate to unsurveyed land from
#: spurious contrasts (measured on the small twin, seed 0, 250 m cells, spatial CV: held-out positives in
#: the top 10 % of the area 4 % without, 45 % with; all true mines 27 % and 40 %). ``monotone={}`` turns
#: them off.
DEFAULT_MONOTONE: dict[str, int] = {
    "dist_front_line_m": -1,
    "dist_hazardous_area_m": -1,
    "dist_record_m": -1,
    "dist_road_m": -1,
    "dist_water_m": -1,
    "dist_settlement_m": -1,
    "record_weight": 1,
    "past_event_density": 1,
    "population_density": 1,
}

#: The same knowledge for features named by pattern (event features of ``mineaction.risk.events``, and their
#: region-relative ``_q`` versions): risk does not rise with distance from past events of any kind, and does
#: not fall with more past events nearby or fall with fewer years since the last one. On Colombia's register
#: (benchmarks/bench_risk_colombia.py) these lift a model fitted on Antioquia and applied to eight
#: departments it never saw from 0.60 to 0.62 mean ROC-AUC (2005-2013 accidents), and the temporal test on
#: Antioquia from 0.68 to 0.73 (event features only).
MONOTONE_PATTERNS: tuple[tuple[str, int], ...] = (
    (r"dist_\w+_m(_q)?", -1),
    (r"\w+_within_[0-9.]+m(_q)?", 1),
    (r"years_since_event(_q)?", -1),
)


def monotone_direction(name: str, rules: Mapping[str, int] | None = None) -> int:
    """Monotone constraint of a feature: from ``rules`` when given, else ``DEFAULT_MONOTONE`` and then
    ``MONOTONE_PATTERNS`` (-1 risk falls as the feature grows, +1 rises, 0 free)."""
    if rules is not None:
        return int(rules.get(name, 0))
    if name in DEFAULT_MONOTONE:
        return DEFAULT_MONOTONE[name]
    return next((d for pattern, d in MONOTONE_PATTERNS if re.fullmatch(pattern, name)), 0)


def require_columns(frame: pd.DataFrame, names: Sequence[str], *, what: str = "the table") -> None:
    """Raise one ModelError naming every column of ``names`` that ``frame`` lacks."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ModelError(
            f"{what} lacks {len(missing)} feature column(s) the model was trained on: {', '.join(missing)}; "
            "add them (same names and units) or refit the model on the columns this table has"
        )


class RiskModel(ClassifierMixin, BaseEstimator):
    """Calibrated LightGBM classifier of contaminated cells.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree, reg_lambda
        LightGBM parameters (see its documentation).
    calibration : {"isotonic", "sigmoid"}
        How out-of-fold scores are mapped to probabilities.
    calibration_folds : int
        Folds of the out-of-fold scores the calibration is fitted on.
    monotone : dict of str to int, optional
        Monotone constraint by feature name (-1 risk falls as the feature grows, +1 rises, 0 free);
        ``DEFAULT_MONOTONE`` and ``MONOTONE_PATTERNS`` when None; ``{}`` for none.
    random_state : int
        Seed of every random choice (LightGBM bagging, calibration folds).
    n_jobs : int
        LightGBM threads for prediction, and for fitting on ``SMALL_FIT_ROWS`` (50,000) labelled rows or more;
        smaller fits use one thread.
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        calibration: str = "isotonic",
        calibration_folds: int = 3,
        monotone: dict[str, int] | None = None,
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.monotone = monotone
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _booster(self, rows: int) -> LGBMClassifier:
        # Threads cost more than they save on small training sets, and collapse on a busy machine (measured
        # here: 700 rows fitted in 0.5 s on one thread, 2 to 11 s on two), so small fits use one.
        threads = self.n_jobs if rows >= SMALL_FIT_ROWS else 1
        constraints = [monotone_direction(str(name), self.monotone) for name in self.feature_names_in_]
        return LGBMClassifier(
            monotone_constraints=constraints if any(constraints) else None,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            random_state=self.random_state,
            n_jobs=threads,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )

    def fit(self, X: pd.DataFrame, y: Any) -> RiskModel:
        """Fit on the labelled rows of ``X`` (a frame of numeric feature columns); ``y`` holds 1, 0 or -1."""
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ModelError(f"calibration {self.calibration!r} is not known; use 'isotonic' or 'sigmoid'")
        if not isinstance(X, pd.DataFrame):
            raise InputError("RiskModel.fit needs a DataFrame whose columns name the features")
        labels = np.asarray(y).ravel()
        keep = (labels == 0) | (labels == 1)
        values, target = _matrix(X)[keep], labels[keep].astype(int)
        counts = np.bincount(target, minlength=2)
        if counts.min() < max(2, self.calibration_folds):
            raise ModelError(
                f"cannot fit: {counts[1]} positive and {counts[0]} negative labelled rows; "
                f"need at least {max(2, self.calibration_folds)} of each (label 1 and 0)"
            )
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.classes_ = np.array([0, 1])
        oof = self._out_of_fold(values, target)
        self.calibrator_ = self._calibrator(oof, target)
        self.booster_ = self._booster(len(target)).fit(values, target)
        self.n_train_ = int(keep.sum())
        self.n_positive_ = int(counts[1])
        return self

    def _out_of_fold(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        oof = np.empty(len(target))
        folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(values, target):
            booster = self._booster(len(train)).fit(values[train], target[train])
            oof[test] = booster.predict(values[test], raw_score=True)
        return oof

    def _calibrator(self, raw: np.ndarray, target: np.ndarray) -> Any:
        if self.calibration == "sigmoid":
            return LogisticRegression().fit(raw.reshape(-1, 1), target)
        return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, target)

    def _check(self, X: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "booster_"):
            raise ModelError("this RiskModel is not fitted yet; call fit (or `mineaction risk fit`) first")
        if not isinstance(X, pd.DataFrame):
            raise InputError("RiskModel needs a DataFrame whose columns name the features")
        require_columns(X, list(self.feature_names_in_))
        return _matrix(X[list(self.feature_names_in_)])

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Raw (uncalibrated) LightGBM score of every row, log-odds."""
        values = self._check(X)
        raw = self.booster_.predict(values, raw_score=True, num_threads=self.n_jobs)
        return np.asarray(raw, dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, shape (rows, 2): column 1 is the probability the cell is contaminated."""
        raw = self.decision_function(X)
        if self.calibration == "sigmoid":
            p = self.calibrator_.predict_proba(raw.reshape(-1, 1))[:, 1]
        else:
            p = np.clip(self.calibrator_.predict(raw) + 1e-9 * expit(raw), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the calibrated probability is at least 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def feature_importance(self) -> pd.Series:
        """Gain of every feature (LightGBM), largest first."""
        if not hasattr(self, "booster_"):
            raise ModelError("this RiskModel is not fitted yet; call fit first")
        gain = self.booster_.booster_.feature_importance(importance_type="gain")
        return pd.Series(gain, index=list(self.feature_names_in_)).sort_values(ascending=False)


def _matrix(X: pd.DataFrame) -> np.ndarray:
    """Features as float64 (LightGBM gets arrays, so column names with any characters are fine)."""
    try:
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        bad = [
            c
            for c in X.columns
            if not pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
        ]
        raise InputError(f"feature columns {bad} are not numeric ({exc}); drop them or pick others") from None


@dataclass(frozen=True)
class Baseline:
    """A transparent score computed from named columns, with nothing learned."""

    name: str
    columns: tuple[str, ...]
    description: str
    score: Callable[[pd.DataFrame], np.ndarray]


def _records_only(X: pd.DataFrame) -> np.ndarray:
    # What the records alone say: inside a record, by its reliability; every other cell ties (shared fairly).
    return X["record_weight"].to_numpy(float)


BASELINES: tuple[Baseline, ...] = (
    Baseline(
        "records_only",
        ("record_weight",),
        "inside a minefield record, by its reliability weight; all other land ties",
        _records_only,
    ),
    Baseline(
        "front_line",
        ("dist_front_line_m",),
        "closer to the former front line is riskier",
        lambda X: -X["dist_front_line_m"].to_numpy(float),
    ),
    Baseline(
        "past_events",
        ("past_event_density",),
        "density of finds and accidents before the cut-off",
        lambda X: X["past_event_density"].to_numpy(float),
    ),
)


def baseline_scores(X: pd.DataFrame) -> dict[str, np.ndarray]:
    """Score of every baseline whose columns ``X`` has, by name."""
    return {b.name: b.score(X) for b in BASELINES if all(c in X.columns for c in b.columns)}
