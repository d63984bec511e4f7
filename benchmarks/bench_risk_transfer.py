"""How the shipped risk defaults were chosen for land never seen: Antioquia, leave-one-municipality-out.

Reads ``../shared/data/colombia/cells_antioquia.csv`` (nothing is downloaded). On the region scheme (each
of the 19 municipalities held out in turn) it scores, on the same folds and the same labelled cells:

- the untuned references (LightGBM and HistGradientBoosting with the libraries' defaults, every column);
- the shipped LightGBM parameters with and without the rule that leaves out columns constant within every
  group (``mineaction.risk.table.group_constant_features``);
- parameter variants with the rule (fewer and more leaves, slower learning, column sampling, the library
  defaults), and region-relative features (quantiles within the municipality) next to raw ones.

The choice is made honestly in two halves: every candidate is ranked by leave-one-municipality-out on the
first 12 municipalities (alphabetical) alone, and the chosen one is confirmed on the other 7, fitted on the
12. Scores are the raw LightGBM scores of the shipped parameters (calibration does not change a ranking
within a fold). Run: ``python benchmarks/bench_risk_transfer.py [--out DIR]``; 668 s here on a loaded
machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score

from mineaction.risk.events import relative_to_region
from mineaction.risk.reference import UntunedModel
from mineaction.risk.table import cell_table, default_features, group_constant_features

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "colombia" / "cells_antioquia.csv"
SHIPPED = {
    "n_estimators": 100,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}
VARIANTS: dict[str, dict[str, Any]] = {
    "shipped": {},
    "leaves_7": {"num_leaves": 7},
    "leaves_31": {"num_leaves": 31},
    "slow_200_trees": {"n_estimators": 200, "learning_rate": 0.05},
    "colsample_0.5": {"colsample_bytree": 0.5},
    "min_child_50": {"min_child_samples": 50},
}


def _booster(**extra: Any) -> Callable[[], Any]:
    params = {**SHIPPED, **extra}
    return lambda: LGBMClassifier(
        **params, random_state=0, n_jobs=1, deterministic=True, force_row_wise=True, verbose=-1
    )


def _lomo(make: Callable[[], Any], X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    scores = np.full(len(y), np.nan)
    values = X.to_numpy(dtype=float, na_value=np.nan)
    for g in np.unique(groups):
        test = groups == g
        model = make().fit(values[~test], y[~test])
        scores[test] = model.predict_proba(values[test])[:, 1]
    per = [
        roc_auc_score(y[groups == g], scores[groups == g])
        for g in np.unique(groups)
        if len(set(y[groups == g])) == 2
    ]
    return {"pooled": float(roc_auc_score(y, scores)), "per_fold_mean": float(np.mean(per))}


def _holdout(make: Callable[[], Any], X: pd.DataFrame, y: np.ndarray, train: np.ndarray) -> float:
    values = X.to_numpy(dtype=float, na_value=np.nan)
    model = make().fit(values[train], y[train])
    return float(roc_auc_score(y[~train], model.predict_proba(values[~train])[:, 1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="a folder to write risk_transfer.json in")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA.resolve()} is absent")
        return
    started = time.perf_counter()
    frame = pd.read_csv(DATA, encoding_errors="replace", low_memory=False)
    frame = frame[frame["mines_outcome"].isin([0, 1])].reset_index(drop=True)
    y, groups = frame["mines_outcome"].to_numpy(int), frame["Municipio"].astype(str).to_numpy()
    every = default_features(frame, label="mines_outcome", group="Municipio")
    X_all = cell_table(frame, label="mines_outcome", group="Municipio", features=every).X
    X_rule = cell_table(frame, label="mines_outcome", group="Municipio").X
    continuous = [c for c in X_rule.columns if X_rule[c].nunique() > 10]
    X_rel = relative_to_region(X_rule, groups, continuous)
    candidates: dict[str, tuple[Callable[[], Any], pd.DataFrame]] = {
        "lightgbm_default (every column)": (lambda: UntunedModel(kind="lightgbm_default"), X_all),
        "hist_gradient_boosting_default (every column)": (
            lambda: UntunedModel(kind="hist_gradient_boosting_default"),
            X_all,
        ),
        "shipped without the rule": (_booster(), X_all),
        "shipped + region-relative (quantiles in the municipality)": (_booster(), X_rel),
    }
    candidates.update({f"{name} with the rule": (_booster(**p), X_rule) for name, p in VARIANTS.items()})
    names = sorted(set(groups))
    dev = np.isin(groups, names[:12])
    result: dict[str, Any] = {
        "group_constant": group_constant_features(frame, every, groups),
        "candidates": {},
    }
    for name, (make, X) in candidates.items():
        full = _lomo(make, X, y, groups)
        dev_only = _lomo(make, X[dev].reset_index(drop=True), y[dev], groups[dev])
        result["candidates"][name] = {
            "all_19": full,
            "development_12": dev_only,
            "confirm_7": _holdout(make, X, y, dev),
        }
        print(f"{name}: {full} dev {dev_only}", flush=True)
    for criterion in ("pooled", "per_fold_mean"):
        chosen = max(result["candidates"], key=lambda k: result["candidates"][k]["development_12"][criterion])
        result[f"chosen_on_development_by_{criterion}"] = chosen
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "risk_transfer.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
