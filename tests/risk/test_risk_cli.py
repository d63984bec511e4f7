"""The risk commands on a GeoPackage store of a small simulated scenario: fit, predict (GeoTIFF), evaluate,
candidates (GeoPackage), and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from risk_scenario import CRS, scenario

from mineaction.cli.main import cli
from mineaction.errors import ConfigError, InputError, ModelError
from mineaction.store import open_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("risk-store") / "scenario.gpkg"
    with open_store(path, create=True) as st:
        for kind, frame in scenario(0).items():
            if kind != "truth":
                st.write(kind, frame, author="tests", reason="simulated scenario")
    return str(path)


def _risk(*args: str) -> str:
    result = CliRunner().invoke(cli, ["risk", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def model(store: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("risk-model") / "grid.model"
    out = _risk("fit", store, "--model", path, "--cell-m", 200, "--cutoff", "2021-07-01")
    assert "positive" in out and path.exists()
    return path


def test_predict_writes_a_geotiff_with_the_grid_crs_and_transform(
    store: str, model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "risk.tif"
    assert "risk surface written" in _risk("predict", store, "--model", model, "--out", out)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 32638 and src.res == (200.0, 200.0) and src.count == 1
        assert src.transform.e == -200.0 and src.nodata == -9999.0
        data = src.read(1, masked=True)
    assert data.count() > 0.9 * data.size  # the area of interest covers the grid
    assert data.min() >= 0 and data.max() <= 1 and data.max() > 0.2
    assert not list(tmp_path.glob(".risk-*"))  # no temporary file left behind


def test_predict_block_by_block_writes_the_same_tiled_compressed_surface(
    store: str, model: Path, tmp_path: Path
) -> None:
    whole, blocks = tmp_path / "whole.tif", tmp_path / "blocks.tif"
    _risk("predict", store, "--model", model, "--out", whole, "--engine", "numpy")
    out = _risk("predict", store, "--model", model, "--out", blocks, "--engine", "dask", "--workers", "0")
    assert "Dask engine, blocks of" in out
    with rasterio.open(whole) as a, rasterio.open(blocks) as b:
        assert b.profile["tiled"] and b.block_shapes == [(256, 256)]
        assert b.compression is not None and b.compression.value == "DEFLATE"
        assert a.transform == b.transform and a.crs == b.crs
        np.testing.assert_allclose(b.read(1), a.read(1), rtol=1e-6, atol=1e-6)


def test_candidates_are_written_outside_open_hazardous_areas(store: str, model: Path, tmp_path: Path) -> None:
    out = tmp_path / "candidates.gpkg"
    assert "candidate areas" in _risk("candidates", store, "--model", model, "--out", out, "--top-share", 10)
    found = gpd.read_file(out, layer="candidates")
    assert len(found) > 0 and found.crs.to_epsg() == 4326
    assert {"max_risk", "mean_risk", "area_m2", "nearby_events", "evidence"} <= set(found.columns)
    hazards = scenario(0)["hazardous_areas"].to_crs(CRS).union_all()
    assert found.to_crs(CRS).intersection(hazards).area.max() < 1e-3


@pytest.mark.slow
def test_evaluate_store_reports_three_schemes_and_baselines(store: str, tmp_path: Path) -> None:
    truth = scenario(0)["truth"]
    truth_csv = tmp_path / "devices.csv"
    truth.assign(lon=truth.geometry.x, lat=truth.geometry.y).drop(columns="geometry").to_csv(truth_csv)
    result = json.loads(
        _risk("evaluate", store, "--json", "--cell-m", 200, "--cutoff", "2021-07-01", "--truth", truth_csv)
    )
    assert result["scheme"] == "region" and result["cutoff"] == "2021-07-01"
    assert set(result["schemes"]) == {"shuffled", "spatial", "region", "temporal"}
    assert set(result["reference_models"]) == {"lightgbm_default", "hist_gradient_boosting_default"}
    for name in ("shuffled", "spatial", "region", "temporal"):
        s = result["schemes"][name]
        assert set(s["capture"]) == {"5", "10", "20", "30"} and s["roc_auc"] is not None
        assert set(s["baselines"]) == {"records_only", "front_line", "past_events"}
    assert result["schemes"]["shuffled"]["roc_auc"] > result["schemes"]["spatial"]["roc_auc"]
    assert result["truth_mines"] == len(truth) and 0 < result["truth_capture"]["10"] <= 1


def test_errors_are_clear(store: str, tmp_path: Path) -> None:
    runner = CliRunner()
    with pytest.raises(ConfigError, match="either a STORE or --cells"):
        runner.invoke(cli, ["risk", "fit", "--model", str(tmp_path / "m")], catch_exceptions=False)
    with pytest.raises(InputError, match="no model file"):
        runner.invoke(
            cli,
            ["risk", "predict", store, "--model", str(tmp_path / "none"), "--out", str(tmp_path / "r.tif")],
            catch_exceptions=False,
        )
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a mineaction risk model"):
        runner.invoke(
            cli,
            ["risk", "predict", store, "--model", str(bad), "--out", str(tmp_path / "r.tif")],
            catch_exceptions=False,
        )
    table = tmp_path / "cells.csv"
    table.write_text("a,b,label\n1,2,1\n2,3,0\n3,4,0\n4,5,1\n5,6,1\n6,7,0\n7,8,1\n8,9,0\n")
    tmodel = tmp_path / "table.model"
    _risk("fit", "--cells", table, "--label", "label", "--model", tmodel)
    with pytest.raises(ModelError, match="fitted on a table"):
        runner.invoke(
            cli,
            ["risk", "predict", store, "--model", str(tmodel), "--out", str(tmp_path / "r.tif")],
            catch_exceptions=False,
        )
    assert not (tmp_path / "r.tif").exists()
