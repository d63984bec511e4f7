"""Table mode on the real RELand table of Antioquia (Colombia): honest leave-one-municipality-out validation
next to shuffled CV, and a model fitted on some municipalities applied to the others, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.errors import ModelError

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "colombia" / "cells_antioquia.csv"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"real Colombian table absent ({DATA.resolve()})")


def _run(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["risk", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else {"output": result.output}


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    frame = pd.read_csv(DATA)
    names = sorted(frame["Municipio"].unique())
    folder = tmp_path_factory.mktemp("colombia")
    first, second = folder / "first.csv", folder / "second.csv"
    frame[frame["Municipio"].isin(names[:12])].to_csv(first, index=False)
    frame[~frame["Municipio"].isin(names[:12])].to_csv(second, index=False)
    return first, second


@pytest.mark.slow
def test_leave_one_municipality_out_is_the_headline_beside_untuned_references() -> None:
    result = _run(
        "evaluate", "--cells", str(DATA), "--label", "mines_outcome", "--group", "Municipio", "--json"
    )
    shuffled, region = result["schemes"]["shuffled"], result["schemes"]["region"]
    assert result["scheme"] == "region" and region["folds"] == 19  # one fold per municipality
    assert region["roc_auc"] >= 0.68, region["roc_auc"]  # measured 0.693
    refs = result["reference_models"]
    assert set(refs) == {"lightgbm_default", "hist_gradient_boosting_default"}
    # the shipped defaults are at least as good as the libraries' untuned defaults on the same folds
    assert all(region["roc_auc"] >= r["roc_auc"] for r in refs.values()), refs
    assert shuffled["roc_auc"] >= 0.85 and shuffled["roc_auc"] > region["roc_auc"] + 0.1  # leakage exposed
    assert set(region["capture"]) == {"5", "10", "20", "30"}
    assert region["capture"]["30"] > 0.30  # better than the area share itself
    auc = result["intervals"]["roc_auc"]
    assert result["intervals"]["n_groups"] == 19 and auc["low"] < region["roc_auc"] < auc["high"]
    # municipality-level columns (constant within each municipality) are left out by default
    assert "Amenaza" in result["group_constant_features"] and "Amenaza" not in result["features"]
    assert result["schemes"]["temporal"]["available"] is False


@pytest.mark.slow
def test_fit_on_some_municipalities_and_evaluate_on_the_others(
    halves: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = halves
    model = tmp_path / "antioquia.model"
    _run(
        "fit",
        "--cells",
        str(first),
        "--label",
        "mines_outcome",
        "--group",
        "Municipio",
        "--model",
        str(model),
    )
    assert model.exists()
    held_out = _run(
        "evaluate", "--model", str(model), "--cells", str(second), "--label", "mines_outcome", "--json"
    )
    assert held_out["scheme"] == "held_out_model"
    assert held_out["n_positive"] > 100 and held_out["roc_auc"] > 0.6
    assert 0 < held_out["capture"]["10"] <= held_out["capture"]["30"] <= 1


def test_missing_feature_is_one_error_naming_the_columns(halves: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = halves
    model = tmp_path / "few.model"
    _run(
        "fit",
        "--cells",
        str(first),
        "--label",
        "mines_outcome",
        "--features",
        "elevation,roads_dist,waterways_dist",
        "--model",
        str(model),
    )
    lacking = tmp_path / "lacking.csv"
    pd.read_csv(second).drop(columns=["roads_dist", "waterways_dist"]).to_csv(lacking, index=False)
    with pytest.raises(ModelError, match="roads_dist, waterways_dist"):
        CliRunner().invoke(
            cli,
            ["risk", "evaluate", "--model", str(model), "--cells", str(lacking), "--label", "mines_outcome"],
            catch_exceptions=False,
        )
