"""Untuned reference models scored beside the risk model: LightGBM and scikit-learn's HistGradientBoosting.

A shipped default is only worth its name if it beats what a user gets by fitting a well-known library with
its own defaults. The validation schemes therefore score these references on the same folds and the same
cells as ``RiskModel``: LightGBM's ``LGBMClassifier()`` and scikit-learn's
``HistGradientBoostingClassifier()``, each with the library's default parameters, on the same feature
columns, with no calibration and no monotone constraints. Only the seed and, for small training sets, the
thread count are set (neither is a tuning choice: threads change speed, not the fitted trees).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from mineaction.errors import ModelError
from mineaction.risk.model import SMALL_FIT_ROWS

__all__ = ["REFERENCE_DESCRIPTIONS", "UntunedModel", "reference_models"]

REFERENCE_DESCRIPTIONS = {
    "lightgbm_default": "LightGBM LGBMClassifier with its default parameters (untuned)",
    "hist_gradient_boosting_default": "scikit-learn HistGradientBoostingClassifier with its default "
    "parameters (untuned)",
}


class UntunedModel(ClassifierMixin, BaseEstimator):
    """A library's classifier with its default parameters, fitted on labelled rows (1 and 0) of a frame.

    Parameters
    ----------
    kind : {"lightgbm_default", "hist_gradient_boosting_default"}
        Which library model.
    random_state : int
        Seed.
    """

    def __init__(self, *, kind: str = "lightgbm_default", random_state: int = 0) -> None:
        self.kind = kind
        self.random_state = random_state

    def _estimator(self) -> Any:
        if self.kind == "lightgbm_default":
            from lightgbm import LGBMClassifier

            return LGBMClassifier(random_state=self.random_state, n_jobs=1, verbose=-1)
        if self.kind == "hist_gradient_boosting_default":
            from sklearn.ensemble import HistGradientBoostingClassifier

            return HistGradientBoostingClassifier(random_state=self.random_state)
        raise ModelError(
            f"reference model {self.kind!r} is not known; use one of {sorted(REFERENCE_DESCRIPTIONS)}"
        )

    def fit(self, X: pd.DataFrame, y: Any) -> UntunedModel:
        """Fit on the rows of ``X`` labelled 1 or 0 (``-1`` rows are dropped)."""
        from threadpoolctl import threadpool_limits

        labels = np.asarray(y).ravel()
        keep = (labels == 0) | (labels == 1)
        values = _values(X)[keep]
        self.classes_ = np.array([0, 1])
        # OpenMP threads on a small fit cost far more than they save on a shared machine (measured here:
        # 19 HistGradientBoosting fits on 4,200 rows, 59 s on one thread, over 5 min on two under load).
        with threadpool_limits(limits=1 if keep.sum() < SMALL_FIT_ROWS else None):
            self.estimator_ = self._estimator().fit(values, labels[keep].astype(int))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of the library model, shape (rows, 2)."""
        if not hasattr(self, "estimator_"):
            raise ModelError("this reference model is not fitted yet; call fit first")
        from threadpoolctl import threadpool_limits

        values = _values(X)
        with threadpool_limits(limits=1 if len(values) < SMALL_FIT_ROWS else None):
            return np.asarray(self.estimator_.predict_proba(values))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the probability is at least 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _values(X: Any) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(X, dtype=np.float64)


def reference_models(*, random_state: int = 0) -> dict[str, UntunedModel]:
    """The untuned reference models by name, seeded."""
    return {name: UntunedModel(kind=name, random_state=random_state) for name in REFERENCE_DESCRIPTIONS}
