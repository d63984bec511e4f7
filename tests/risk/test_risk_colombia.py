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
def test_leave_one_municipality_out_is_reported_next_to_shuffled_cv() -> None:
    result = _run(
        "evaluate", "--cells", str(DATA), "--label", "mines_outcome", "--group", "Municipio", "--json"
    )
    shuffled, spatial = result["schemes"]["shuffled"], result["schemes"]["spatial"]
    assert result["scheme"] == "spatial" and spatial["folds"] == 19  # one fold per municipality
    assert spatial["roc_auc"] >= 0.62, spatial["roc_auc"]  # honest figure (reference about 0.67)
    assert shuffled["roc_auc"] >= 0.85 and shuffled["roc_auc"] > spatial["roc_auc"] + 0.1  # leakage exposed
    assert set(spatial["capture"]) == {"5", "10", "20", "30"}
    assert spatial["capture"]["30"] > 0.30  # better than the area share itself
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
