"""An import that rejects most rows for one reason says so in one line, with the fix for the whole file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mineaction.errors import ValidationError
from mineaction.io.importer import import_file
from mineaction.store import init_store, open_store

AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "refusal test"}


def _finds_csv(path: Path, lon: np.ndarray, lat: np.ndarray, **columns: object) -> Path:
    n = len(lon)
    frame = pd.DataFrame(
        {"category": "AP", "found_on": "2022-05-01", "district": "D", "lon": lon, "lat": lat, **columns},
        index=range(n),
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    init_store(path, aoi=AZERBAIJAN).close()
    return path


def test_rows_from_elsewhere_are_refused_with_the_init_to_use(tmp_path: Path, store_path: Path) -> None:
    rng = np.random.default_rng(5)  # simulated reports spread over Colombia, and one lost minus sign
    lon, lat = rng.uniform(-78.5, -70.2, 60), rng.uniform(1.1, 11.0, 60)
    lon[7] = 74.2
    source = _finds_csv(tmp_path / "elsewhere.csv", lon, lat)
    before = hashlib.sha256(store_path.read_bytes()).hexdigest()
    with open_store(store_path) as store, pytest.raises(ValidationError) as refused:
        import_file(store, source, kind="finds", **WHO)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("elsewhere.csv: import refused, nothing stored: ")
    assert "60 of 60 rows: geometry outside the area of interest (lon 44.5 to 50.9" in message
    assert "mineaction init STORE --aoi W,S,E,N (these rows lie within " in message
    extent = [float(v) for v in message.split("lie within ")[1].split(")")[0].split(",")]
    west, south, east, north = extent
    assert west <= lon[lon < 0].min() and east >= lon[lon < 0].max() and east < 0  # the stray is left out
    assert south <= lat.min() and north >= lat.max()
    with open_store(store_path) as store, pytest.raises(ValidationError, match="every one of the 60 rows"):
        import_file(store, source, kind="finds", skip_invalid=True, rejects_path=tmp_path / "r.csv", **WHO)
    assert hashlib.sha256(store_path.read_bytes()).hexdigest() == before
    assert len(pd.read_csv(tmp_path / "r.csv")) == 60


def test_swapped_columns_throughout_say_so_first(tmp_path: Path, store_path: Path) -> None:
    rng = np.random.default_rng(6)
    lon, lat = rng.uniform(45.0, 50.0, 30), rng.uniform(38.5, 41.5, 30)
    source = _finds_csv(tmp_path / "swapped.csv", lat, lon)
    with open_store(store_path) as store, pytest.raises(ValidationError) as refused:
        import_file(store, source, kind="finds", **WHO)
    lead = str(refused.value).split("; first: ")[0]
    assert "30 of 30 rows: geometry outside the area of interest" in lead
    assert "create a store for their area" in lead  # whatever the rows' own hints, the whole file's fix


def test_scattered_errors_lead_with_the_first_one_only(tmp_path: Path, store_path: Path) -> None:
    lon, lat = np.full(10, 46.9), np.linspace(39.5, 40.0, 10)
    categories = ["AP"] * 8 + ["banana", "AP"]
    source = _finds_csv(tmp_path / "few.csv", lon, lat, category=categories)
    with open_store(store_path) as store, pytest.raises(ValidationError) as refused:
        import_file(store, source, kind="finds", **WHO)
    assert str(refused.value).startswith(
        "few.csv: import refused, nothing stored: 1 error(s), 0 warning(s); first: few.csv row 9, category"
    )
