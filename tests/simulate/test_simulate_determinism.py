"""The simulator is seeded: the same seed gives the same bytes (CSV, JSON, GeoTIFF) and the same GeoPackage
features; another seed gives other data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from mineaction.simulate import IMPORTS, simulate, write_scenario


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-seed0-again")
    write_scenario(simulate(scale="tiny", seed=0), out)
    return out


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob(pattern))


def test_same_seed_same_bytes(tiny_dir: Path, second_run: Path) -> None:
    names = _files(tiny_dir, "*.csv") + _files(tiny_dir, "*.json") + _files(tiny_dir, "*.tif")
    assert len(names) >= 10
    assert names == _files(second_run, "*.csv") + _files(second_run, "*.json") + _files(second_run, "*.tif")
    different = [str(n) for n in names if (tiny_dir / n).read_bytes() != (second_run / n).read_bytes()]
    assert different == []


def test_same_seed_same_geopackage_features(tiny_dir: Path, second_run: Path) -> None:
    truth = ["truth/minefields.gpkg", "truth/lanes.gpkg"]
    for name in [n for _, n in IMPORTS if n.endswith(".gpkg")] + truth:
        first = pyogrio.read_dataframe(tiny_dir / name)
        again = pyogrio.read_dataframe(second_run / name)
        assert len(first) > 0, name
        pd.testing.assert_frame_equal(
            pd.DataFrame(first.drop(columns="geometry")), pd.DataFrame(again.drop(columns="geometry"))
        )
        assert first.geometry.to_wkb().tolist() == again.geometry.to_wkb().tolist(), name


def test_other_seed_other_data(tiny_dir: Path, tmp_path: Path) -> None:
    write_scenario(simulate(scale="tiny", seed=1), tmp_path)
    assert (tmp_path / "finds.csv").read_bytes() != (tiny_dir / "finds.csv").read_bytes()
    assert (tmp_path / "dem.tif").read_bytes() != (tiny_dir / "dem.tif").read_bytes()
