"""Validation schemes: contiguous regions cut from coordinates, region folds from groups, and the table-mode
rule that leaves out columns constant within every group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mineaction.errors import ConfigError
from mineaction.risk.table import cell_table, evaluate_table, group_constant_features
from mineaction.risk.validation import coordinate_regions, region_folds


def test_coordinate_regions_are_compact_pieces_of_about_equal_size() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 100_000, 5000), rng.uniform(0, 40_000, 5000)
    regions = coordinate_regions(x, y, k=5)
    sizes = np.bincount(regions)
    assert sizes.size == 5 and sizes.min() >= 999 and sizes.max() <= 1001
    # compact: each region's bounding boxes do not overlap another's interior (a k-d partition)
    boxes = [
        (x[regions == r].min(), x[regions == r].max(), y[regions == r].min(), y[regions == r].max())
        for r in range(5)
    ]
    for i in range(5):
        for j in range(i + 1, 5):
            a, b = boxes[i], boxes[j]
            overlap_x = min(a[1], b[1]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[2], b[2])
            assert overlap_x <= 0 or overlap_y <= 0
    assert np.array_equal(regions, coordinate_regions(x, y, k=5))  # deterministic


def test_coordinate_regions_refuse_missing_coordinates_and_silly_counts() -> None:
    with pytest.raises(ConfigError, match="finite x and y"):
        coordinate_regions(np.array([0.0, np.nan, 2.0]), np.zeros(3), k=2)
    with pytest.raises(ConfigError, match="into 9 regions"):
        coordinate_regions(np.arange(3.0), np.arange(3.0), k=9)


def test_region_folds_hold_out_each_group_or_regions_of_groups() -> None:
    groups = np.repeat(np.array(["a", "b", "c", "d"]), 10)
    folds = region_folds(groups=groups)
    assert len(np.unique(folds)) == 4 and all(len(np.unique(folds[groups == g])) == 1 for g in "abcd")
    many = np.repeat(np.arange(60), 5)
    x, y = many * 1000.0 + 1.0, np.zeros(many.size)
    folds = region_folds(groups=many, x=x, y=y, k=3, max_groups=50)
    assert len(np.unique(folds)) == 3
    for g in range(60):  # a group never spans two regions, and regions are runs of neighbouring groups
        assert len(np.unique(folds[many == g])) == 1
    assert np.all(np.diff(folds[::5]) >= 0)
    with pytest.raises(ConfigError, match="group column or cell coordinates"):
        region_folds()


def _table(n_groups: int = 8, per: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.repeat([f"m{i}" for i in range(n_groups)], per)
    signal = rng.normal(size=group.size)
    frame = pd.DataFrame(
        {
            "Municipio": group,
            "signal": signal,
            "noise": rng.normal(size=group.size),
            "conflict_count": np.repeat(rng.integers(0, 500, n_groups), per),
            "lon": np.repeat(np.arange(n_groups) * 0.1, per) + rng.uniform(0, 0.05, group.size),
            "lat": rng.uniform(0, 0.05, group.size),
        }
    )
    frame["label"] = (signal + rng.normal(scale=0.7, size=group.size) > 0.5).astype(int)
    return frame


def test_group_constant_columns_are_left_out_only_by_default() -> None:
    frame = _table()
    assert group_constant_features(frame, ["signal", "conflict_count"], frame["Municipio"]) == [
        "conflict_count"
    ]
    table = cell_table(frame, label="label", group="Municipio")
    assert table.features == ("signal", "noise") and table.group_constant == ("conflict_count",)
    named = cell_table(frame, label="label", group="Municipio", features=["signal", "conflict_count"])
    assert named.features == ("signal", "conflict_count") and named.group_constant == ()
    assert "conflict_count" in cell_table(frame, label="label").features  # no group: nothing to test


@pytest.mark.slow
def test_evaluate_table_heads_with_regions_and_scores_references_on_all_columns() -> None:
    frame = _table()
    result = evaluate_table(frame, label="label", group="Municipio")
    assert result["scheme"] == "region" and result["folds"] == 8
    assert set(result["schemes"]) == {"shuffled", "spatial", "region", "temporal"}
    assert result["roc_auc"] > 0.7 and result["group_constant_features"] == ["conflict_count"]
    refs = result["reference_models"]
    assert set(refs) == {"lightgbm_default", "hist_gradient_boosting_default"}
    assert all(r["roc_auc"] > 0.6 for r in refs.values())
    assert result["intervals"]["n_groups"] == 8
    # without a group column, regions are cut from the lon/lat coordinates
    no_group = evaluate_table(frame.drop(columns="Municipio"), label="label", references=False)
    assert no_group["scheme"] == "region" and no_group["folds"] == 5 and "reference_models" not in no_group


@pytest.mark.slow
def test_risk_evaluate_prints_the_region_headline_with_references_and_interval(tmp_path) -> None:
    from click.testing import CliRunner

    from mineaction.cli.main import cli

    path = tmp_path / "cells.csv"
    _table().to_csv(path, index=False)
    args = ["risk", "evaluate", "--cells", str(path), "--label", "label", "--group", "Municipio"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    region = [line for line in lines if line.strip().startswith("region")]
    assert any("lightgbm_default" in line for line in region)
    assert any("hist_gradient_boosting_default" in line for line in region)
    assert any("model" in line and "(95 %" in line and "8 groups" in line for line in region)
    assert lines[-1].startswith("headline: region")
