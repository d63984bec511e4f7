"""Risk model on real Colombian data: a temporal test on Antioquia and departments it has never seen.

Reads ``../shared/data/colombia/`` (the national register of mine events 1990-2019 and the RELand cell
table of Antioquia); nothing is downloaded. Three checks, each with the transparent baselines and the
untuned LightGBM beside the shipped ``RiskModel`` defaults:

1. **Temporal, Antioquia**: the RELand cells of Antioquia (by their coordinates; 19 municipalities of the
   east, where accidents peaked in 2002-2006 and nearly stopped after 2010). Train: features from the
   register's events up to 2001 (and the table's own terrain and access columns), label 1 where a mine
   accident (MAP or MUSE) of 2002-2004 lies in the cell. Test: features from events up to 2004, labels
   from accidents of 2005-2013. Baselines: records only (suspected-minefield reports within 1 km), past
   events (every event within 5 km), distance (to the nearest past event).
2. **Departments never seen**: the model is fitted on the Antioquia cells alone (features from events up
   to 2004, labels from accidents of 2005-2013; the RELand columns exist for Antioquia alone, so only
   event features are used) and applied, for each of several departments, to a 2 km grid over the land
   within 15 km of that department's known events and nearer to them than to any other department's (the
   register gives no boundaries): (a) ``same_years``: features to 2004, labels 2005-2013 (transfer in
   space); (b) ``later_years``: features to 2013, labels 2014-2019 (transfer in space and time).
3. Raw event features against region-relative ones (quantiles within the department predicted).

Run: ``python benchmarks/bench_risk_colombia.py [--out results.json]``. Every figure carries a
bootstrap interval over whole groups (municipalities in Antioquia; 20 km blocks elsewhere).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer

from mineaction.risk import RiskModel
from mineaction.risk.events import event_features, event_labels, relative_to_region
from mineaction.risk.metrics import score_summary
from mineaction.risk.reference import UntunedModel
from mineaction.risk.table import cell_table
from mineaction.risk.uncertainty import group_bootstrap_metrics
from mineaction.risk.validation import block_ids

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "colombia"
KINDS = {"accident": ["1", "2"], "suspected": ["8"], "demining": ["4"], "seizure": ["5"]}
DEPARTMENTS = ("META", "CAQUETA", "NARIÑO", "NORTE DE SANTANDER", "CAUCA", "BOLIVAR", "TOLIMA", "PUTUMAYO")
CELL_M = 2000.0
TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:9377", always_xy=True)  # MAGNA-SIRGAS origen nacional


def load_events() -> pd.DataFrame:
    """The register with metric x, y (m, EPSG:9377); rows with a sign error in longitude are dropped."""
    events = pd.read_csv(DATA / "events_1990_2019.csv")
    events = events[(events["lon"] < -66) & (events["lon"] > -80)].copy()
    events["x"], events["y"] = TO_METRIC.transform(events["lon"].to_numpy(), events["lat"].to_numpy())
    events["kind"] = events["tipo_evento"].astype(str)
    return events.reset_index(drop=True)


def features_at(cells: np.ndarray, events: pd.DataFrame, year: int) -> pd.DataFrame:
    return event_features(
        cells, events[["x", "y"]].to_numpy(), events["year"], events["kind"], cutoff_year=year, groups=KINDS
    )


def labels_between(cells: np.ndarray, events: pd.DataFrame, first: int, last: int) -> np.ndarray:
    acc = events[events["kind"].isin(KINDS["accident"]) & events["year"].between(first, last)]
    labels, _ = event_labels(cells, acc[["x", "y"]].to_numpy(), max_distance_m=CELL_M / 2 * 1.42)
    return labels


def baselines(X: pd.DataFrame) -> dict[str, np.ndarray]:
    """Transparent scores: the suspected-minefield reports alone, past events, distance to past events."""
    return {
        "records_only": X["suspected_within_1000m"].to_numpy(float),
        "past_events": X["all_within_5000m"].to_numpy(float),
        "distance": -X["dist_all_m"].to_numpy(float),
    }


def figures(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    s = score_summary(scores, labels)
    boot = group_bootstrap_metrics(scores, labels, groups, n_boot=300)
    return {
        "roc_auc": s["roc_auc"],
        "roc_auc_interval": [boot["roc_auc"]["low"], boot["roc_auc"]["high"]],
        "capture_10": s["capture"]["10"],
        "capture_10_interval": [boot["capture"]["low"], boot["capture"]["high"]],
        "capture": s["capture"],
        "n_cells": s["n_cells"],
        "n_positive": s["n_positive"],
    }


def fit_score(train_X: pd.DataFrame, train_y: np.ndarray, test_X: pd.DataFrame) -> dict[str, np.ndarray]:
    ours = RiskModel(random_state=0).fit(train_X, train_y)
    untuned = UntunedModel(kind="lightgbm_default").fit(train_X, train_y)
    return {
        "model": ours.predict_proba(test_X)[:, 1],
        "lightgbm_default": untuned.predict_proba(test_X)[:, 1],
    }


def antioquia() -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(DATA / "cells_antioquia.csv", encoding_errors="replace", low_memory=False)
    x, y = TO_METRIC.transform(frame["LONGITUD_X"].to_numpy(), frame["LATITUD_Y"].to_numpy())
    static = cell_table(frame, label="mines_outcome", group="Municipio").X
    return np.column_stack([x, y]), static, frame["Municipio"].astype(str).to_numpy()


def temporal_antioquia(events: pd.DataFrame) -> dict[str, Any]:
    cells, static, groups = antioquia()
    train_y, test_y = labels_between(cells, events, 2002, 2004), labels_between(cells, events, 2005, 2013)
    train_ev, test_ev = features_at(cells, events, 2001), features_at(cells, events, 2004)
    out: dict[str, Any] = {"n_cells": len(cells), "train_positive": int(train_y.sum())}
    for name, (tr, te) in {
        "events_only": (train_ev, test_ev),
        "events_and_terrain": (train_ev.join(static), test_ev.join(static)),
    }.items():
        out[name] = {k: figures(v, test_y, groups) for k, v in fit_score(tr, train_y, te).items()}
    out["baselines"] = {k: figures(v, test_y, groups) for k, v in baselines(test_ev).items()}
    return out


def department_cells(events: pd.DataFrame, name: str, year: int) -> np.ndarray:
    """A 2 km grid over the land within 15 km of ``name``'s events known by ``year`` and nearer to them than
    to any other department's (the register gives no boundaries)."""
    known = events[events["year"] <= year]
    own = known[known["departamento"] == name][["x", "y"]].to_numpy()
    lo, hi = own.min(axis=0) - 15_000, own.max(axis=0) + 15_000
    gx, gy = np.meshgrid(np.arange(lo[0], hi[0], CELL_M), np.arange(lo[1], hi[1], CELL_M))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    from scipy.spatial import cKDTree

    dist, idx = cKDTree(known[["x", "y"]].to_numpy()).query(grid, k=1)
    keep = (dist <= 15_000) & (known["departamento"].to_numpy()[idx] == name)
    return grid[keep]


def departments(events: pd.DataFrame) -> dict[str, Any]:
    cells_a, _, _ = antioquia()
    train_X, train_y = features_at(cells_a, events, 2004), labels_between(cells_a, events, 2005, 2013)
    columns = list(train_X.columns)
    q = [f"{c}_q" for c in columns]
    rel_train = relative_to_region(train_X, np.zeros(len(train_X)), columns)[q]
    out: dict[str, Any] = {"train_cells": len(cells_a), "train_positive": int(train_y.sum())}
    for name in DEPARTMENTS:
        row: dict[str, Any] = {}
        for mode, (year, first, last) in {
            "same_years": (2004, 2005, 2013),
            "later_years": (2013, 2014, 2019),
        }.items():
            cells = department_cells(events, name, year)
            X, y = features_at(cells, events, year), labels_between(cells, events, first, last)
            blocks = block_ids(cells[:, 0], cells[:, 1], block_m=20_000.0)
            rel = relative_to_region(X, np.zeros(len(X)), columns)[q]
            row[mode] = {
                "n_cells": len(cells),
                "n_positive": int(y.sum()),
                "raw": {k: figures(v, y, blocks) for k, v in fit_score(train_X, train_y, X).items()},
                "relative": {k: figures(v, y, blocks) for k, v in fit_score(rel_train, train_y, rel).items()},
                "baselines": {k: figures(v, y, blocks) for k, v in baselines(X).items()},
            }
        out[name] = row
        print(f"{name}: {row['same_years']['n_cells']} cells", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, help="write the figures as JSON here too (a folder: risk_colombia.json in it)"
    )
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: the Colombian data folder {DATA.resolve()} is absent")
        return
    started = time.perf_counter()
    events = load_events()
    result = {"temporal_antioquia": temporal_antioquia(events), "departments": departments(events)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=1, default=float)
    if args.out:
        target = args.out / "risk_colombia.json" if args.out.is_dir() else args.out
        target.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
