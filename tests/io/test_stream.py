"""Importing in batches: the same store as a whole-file import, issues and rejects over the whole file,
repeats across batches, a second import adding nothing, and a kill -9 in the middle leaving the store as it
was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from mineaction.errors import ValidationError
from mineaction.io.importer import import_file
from mineaction.store import init_store, open_store

AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "test import"}
BATCH = 150  # rows a batch: the 1,200 finds make 8 batches


@pytest.fixture(scope="module")
def finds(tiny_twin: Any) -> gpd.GeoDataFrame:
    """The tiny twin's first 1,200 finds (SIMULATED), without owner_org (not a column of a field file)."""
    frame = tiny_twin.layers["finds"].iloc[:1200].drop(columns=["owner_org"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def as_csv(frame: gpd.GeoDataFrame, path: Path) -> Path:
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    plain["lon"], plain["lat"] = shapely.get_x(frame.geometry.values), shapely.get_y(frame.geometry.values)
    plain.to_csv(path, index=False)
    return path


def as_file(frame: gpd.GeoDataFrame, folder: Path, fmt: str) -> Path:
    if fmt == "csv":
        return as_csv(frame, folder / "finds.csv")
    path = folder / "finds.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def new_store(path: Path) -> Path:
    init_store(path, aoi=AZERBAIJAN).close()
    return path


def content(store_path: Path | str) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame]:
    with open_store(str(store_path)) as store:
        return store.counts(), store.read("finds"), store.history("finds")


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_batches_store_what_the_whole_file_stores(tmp_path: Path, finds: gpd.GeoDataFrame, fmt: str) -> None:
    source = as_file(finds, tmp_path, fmt)
    results = {}
    for name, batch_rows in (("whole", None), ("batched", BATCH)):
        with open_store(new_store(tmp_path / f"{name}.gpkg")) as store:
            results[name] = import_file(store, source, kind="finds", batch_rows=batch_rows, **WHO)
    whole, batched = content(tmp_path / "whole.gpkg"), content(tmp_path / "batched.gpkg")
    assert batched[0]["finds"] == whole[0]["finds"] == len(finds)
    pd.testing.assert_frame_equal(batched[1], whole[1])
    pd.testing.assert_frame_equal(batched[2], whole[2])  # one insert revision each, same author and reason
    assert results["batched"].counts == results["whole"].counts


def test_repeats_across_batches_are_records_and_a_second_import_adds_nothing(
    tmp_path: Path, finds: gpd.GeoDataFrame
) -> None:
    anonymous = finds.assign(id=None, recorded_at=None)
    repeated = pd.concat([anonymous, anonymous.iloc[:3]], ignore_index=True)  # rows 1-3 again at the end
    source = as_csv(gpd.GeoDataFrame(repeated, crs="EPSG:4326"), tmp_path / "finds.csv")
    with open_store(new_store(tmp_path / "store.gpkg")) as store:
        first = import_file(store, source, kind="finds", batch_rows=BATCH, **WHO)
        second = import_file(store, source, kind="finds", batch_rows=BATCH, **WHO)
        counts, history = store.counts(), store.history("finds")
    n = len(finds)
    assert first.counts["finds"].inserted == n + 3  # a repeated report is a record of its own
    warned = [w.row for w in first.report.warnings if w.reason.startswith("exact duplicate")]
    assert warned == [n + 1, n + 2, n + 3]  # rows counted over the file (row 1: the first record)
    assert (second.counts["finds"].inserted, second.counts["finds"].unchanged) == (0, n + 3)
    assert counts["finds"] == n + 3 and len(history) == n + 3


def with_errors(finds: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The finds with errors far apart: a point outside the area of interest (row 400), a date in the future
    (row 1,000) and an id given again (row 1,150 repeats row 10's id)."""
    bad = finds.copy()
    bad.loc[399, "geometry"] = shapely.Point(30.0, 45.0)
    bad.loc[999, "found_on"] = "2999-01-01"
    bad.loc[1149, "id"] = bad.loc[9, "id"]
    return bad


def test_every_issue_is_reported_with_rows_counted_over_the_file(
    tmp_path: Path, finds: gpd.GeoDataFrame
) -> None:
    source = as_csv(with_errors(finds), tmp_path / "finds.csv")
    issues = {}
    for name, batch_rows in (("whole", None), ("batched", BATCH)):
        store_path = new_store(tmp_path / f"{name}.gpkg")
        with open_store(store_path) as store, pytest.raises(ValidationError) as caught:
            import_file(store, source, kind="finds", batch_rows=batch_rows, **WHO)
        assert content(store_path)[0]["finds"] == 0
        issues[name] = caught.value.report.to_frame() if caught.value.report is not None else None
        assert "import refused, nothing stored" in str(caught.value)
    assert issues["batched"] is not None and issues["whole"] is not None
    errors = issues["batched"][issues["batched"]["severity"] == "error"]
    assert errors["row"].tolist() == [400, 1000, 1150]
    assert "already used on row 10" in errors["reason"].iloc[2]
    pd.testing.assert_frame_equal(issues["batched"], issues["whole"], check_dtype=False)


def test_a_file_of_another_area_is_refused_with_its_extent_as_a_whole_file_is(
    tmp_path: Path, finds: gpd.GeoDataFrame
) -> None:
    """Every row outside the store's area (the finds moved 60 degrees west, into Colombia's longitudes): the
    batched refusal names the rows' extent, ready for ``init --aoi``, as the whole-file one does."""
    moved = finds.copy()
    moved["geometry"] = shapely.transform(finds.geometry.values, lambda xy: xy - [120.0, 34.0])
    source = as_csv(moved, tmp_path / "elsewhere.csv")
    messages = {}
    for name, batch_rows in (("whole", None), ("batched", BATCH)):
        store_path = new_store(tmp_path / f"{name}.gpkg")
        with open_store(store_path) as store, pytest.raises(ValidationError) as caught:
            import_file(store, source, kind="finds", batch_rows=batch_rows, **WHO)
        messages[name] = str(caught.value)
    west, south, east, north = shapely.total_bounds(moved.geometry.values)
    for text in messages.values():
        assert "1,200 of 1,200 rows: geometry outside the area of interest" in text
        assert "mineaction init STORE --aoi W,S,E,N (these rows lie within " in text
    hint = messages["whole"].split("these rows lie within ")[1].split(")")[0]
    assert hint == messages["batched"].split("these rows lie within ")[1].split(")")[0]
    w, s, e, n = (float(v) for v in hint.split(","))
    assert w <= west and s <= south and e >= east and n >= north and e - w < (east - west) + 0.2


def test_rejects_file_gets_every_rejected_row(tmp_path: Path, finds: gpd.GeoDataFrame) -> None:
    source = as_csv(with_errors(finds), tmp_path / "finds.csv")
    tables, stored = {}, {}
    for name, batch_rows in (("whole", None), ("batched", BATCH)):
        rejects = tmp_path / f"{name}.rejects.csv"
        store_path = new_store(tmp_path / f"{name}.gpkg")
        with open_store(store_path) as store:
            result = import_file(
                store,
                source,
                kind="finds",
                batch_rows=batch_rows,
                skip_invalid=True,
                rejects_path=rejects,
                **WHO,
            )
        assert result.rejects_path == str(rejects)
        tables[name], stored[name] = pd.read_csv(rejects), content(store_path)[1]
    assert tables["batched"]["row"].tolist() == [400, 1000, 1150]
    # the whole-file reader parses recorded_at as it reads; a batch keeps the file's own text for every value
    assert tables["batched"]["recorded_at"].iloc[0].endswith("T16:00:00Z")
    same = [c for c in tables["whole"].columns if c != "recorded_at"]
    pd.testing.assert_frame_equal(tables["batched"][same], tables["whole"][same])
    pd.testing.assert_frame_equal(stored["batched"], stored["whole"])
    assert len(stored["batched"]) == len(finds) - 3


_CHILD = """
import sys, time
from pathlib import Path
from mineaction.io.importer import import_file
from mineaction.store import open_store

store, source, marker = sys.argv[1:4]

def pause(rows):
    if rows >= 2 * int(sys.argv[4]):  # two batches written inside the transaction: wait to be killed
        Path(marker).write_text(str(rows))
        time.sleep(120)

with open_store(store) as target:
    import_file(target, source, kind="finds", author="killed", reason="killed", batch_rows=int(sys.argv[4]),
                on_batch=pause)
"""


def kill_mid_import(store: str, source: Path, folder: Path) -> None:
    """Run an import in a child process and kill -9 it after its second batch."""
    marker = folder / "paused"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, store, str(source), str(marker), str(BATCH)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), f"the import did not reach its second batch (exit {child.poll()})"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_kill_9_mid_import_leaves_the_geopackage_as_it_was(tmp_path: Path, finds: gpd.GeoDataFrame) -> None:
    store_path = new_store(tmp_path / "store.gpkg")
    with open_store(store_path) as store:  # some records already there
        import_file(store, as_csv(finds.iloc[:50], tmp_path / "first.csv"), kind="finds", **WHO)
    before = content(store_path)
    kill_mid_import(str(store_path), as_csv(finds, tmp_path / "finds.csv"), tmp_path)
    after = content(store_path)  # opens: SQLite rolls the interrupted transaction back
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])
    pd.testing.assert_frame_equal(after[2], before[2])
    assert pyogrio.read_info(store_path, layer="finds")["features"] == 50  # GDAL reads it too


@pytest.mark.slow
@pytest.mark.postgis
def test_postgis_batched_import_and_kill_9(tmp_path: Path, postgis_url: str, finds: gpd.GeoDataFrame) -> None:
    source = as_csv(finds, tmp_path / "finds.csv")
    kill_mid_import(postgis_url, source, tmp_path)
    assert content(postgis_url)[0]["finds"] == 0
    with open_store(postgis_url) as store:
        first = import_file(store, source, kind="finds", batch_rows=BATCH, **WHO)
        second = import_file(store, source, kind="finds", batch_rows=BATCH, **WHO)
    assert (first.counts["finds"].inserted, second.counts["finds"].unchanged) == (len(finds), len(finds))
    assert content(postgis_url)[0]["finds"] == len(finds)
