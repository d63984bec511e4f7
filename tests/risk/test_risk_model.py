"""RiskModel follows scikit-learn's estimator contract, is calibrated and deterministic; baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from mineaction.errors import ModelError
from mineaction.risk.model import RiskModel, baseline_scores
from mineaction.risk.persist import ModelBundle, bundle_from_bytes, bundle_to_bytes


def _data(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"dist_front_line_m": rng.uniform(0, 5000, n), "noise, with comma": rng.normal(size=n)})
    p = 1 / (1 + np.exp((X["dist_front_line_m"] - 1500) / 400))
    y = (rng.random(n) < p).astype(int)
    y[rng.random(n) < 0.3] = -1  # unknown cells
    return X, y


def test_constructor_only_stores_params_and_clone_works() -> None:
    model = RiskModel(n_estimators=50, random_state=3)
    assert model.get_params()["n_estimators"] == 50 and not hasattr(model, "booster_")
    assert clone(model).get_params() == model.get_params()


def test_unfitted_model_raises_model_error() -> None:
    X, _ = _data(50)
    with pytest.raises(ModelError, match="not fitted"):
        RiskModel().predict_proba(X)


def test_fit_returns_self_with_learned_state_and_ranks_well() -> None:
    X, y = _data()
    model = RiskModel(n_estimators=60)
    assert model.fit(X, y) is model
    assert list(model.feature_names_in_) == list(X.columns) and model.n_features_in_ == 2
    assert model.n_train_ == int((y >= 0).sum())
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    near, far = proba[X["dist_front_line_m"] < 500, 1].mean(), proba[X["dist_front_line_m"] > 3500, 1].mean()
    assert near > 0.7 and far < 0.1


def test_probabilities_are_calibrated_on_the_labelled_rate() -> None:
    X, y = _data(3000, seed=1)
    model = RiskModel(n_estimators=60).fit(X, y)
    labelled = y >= 0
    assert abs(model.predict_proba(X[labelled])[:, 1].mean() - y[labelled].mean()) < 0.03


def test_unknown_rows_are_never_negatives() -> None:
    X, y = _data()
    a = RiskModel(n_estimators=40).fit(X, y).predict_proba(X)[:, 1]
    X2 = X.copy()
    X2.loc[y == -1, "dist_front_line_m"] = 0.0  # changing unknown rows must change nothing
    b = RiskModel(n_estimators=40).fit(X2, y).predict_proba(X)[:, 1]
    assert np.array_equal(a, b)


def test_same_seed_same_model_and_missing_columns_named() -> None:
    X, y = _data()
    a = RiskModel(n_estimators=40, random_state=5).fit(X, y).predict_proba(X)
    b = RiskModel(n_estimators=40, random_state=5).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)
    model = RiskModel(n_estimators=40).fit(X, y)
    with pytest.raises(ModelError, match="noise, with comma"):
        model.predict_proba(X[["dist_front_line_m"]])


def test_too_few_labels_is_a_clear_error() -> None:
    X, _ = _data(20)
    with pytest.raises(ModelError, match="positive and .* negative"):
        RiskModel().fit(X, np.r_[np.ones(2), np.zeros(18)].astype(int))


def test_baselines_score_only_when_their_columns_exist() -> None:
    X = pd.DataFrame({"dist_front_line_m": [10.0, 500.0], "past_event_density": [0.0, 2.0]})
    scores = baseline_scores(X)
    assert set(scores) == {"front_line", "past_events"}
    assert scores["front_line"][0] > scores["front_line"][1]


def test_model_bundle_round_trips_and_rejects_foreign_bytes() -> None:
    X, y = _data(400)
    model = RiskModel(n_estimators=20).fit(X, y)
    bundle = ModelBundle(model, "table", tuple(X.columns), None, {"label": "y"})
    again = bundle_from_bytes(bundle_to_bytes(bundle))
    assert again.features == bundle.features and again.metadata == {"label": "y"}
    assert np.array_equal(again.model.predict_proba(X), model.predict_proba(X))
    with pytest.raises(Exception, match="not a mineaction risk model"):
        bundle_from_bytes(b"hello")
    with pytest.raises(ModelError, match="unfitted"):
        bundle_to_bytes(ModelBundle(RiskModel(), "table", ()))


def test_a_temporal_split_without_enough_results_is_reported_not_raised() -> None:
    from mineaction.risk.validation import compare_schemes, shuffled_folds

    X, y = _data(600)
    after = np.full(len(y), -1)
    after[:3] = 1  # no negatives after the split
    result = compare_schemes(
        RiskModel(n_estimators=20),
        X,
        y,
        folds={"shuffled": shuffled_folds(len(y))},
        temporal=(after, y, "2024-01-01"),
        headline="shuffled",
    )
    assert result["schemes"]["temporal"]["available"] is False
    assert "negative" in result["schemes"]["temporal"]["reason"] and result["roc_auc"] > 0.8
