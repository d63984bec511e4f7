"""Clearance progress in the twin: activities work lane by lane, finds are dated by their lane, work in
progress shows the land worked so far, and the truth's lanes and mine rows are consistent with the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from mineaction.simulate import SimulatedScenario
from mineaction.simulate.scales import METRIC_CRS


def test_every_find_lies_in_a_lane_worked_on_its_day(tiny: SimulatedScenario) -> None:
    finds = tiny.layers["finds"]
    finds = finds.loc[finds["activity"].notna()].to_crs(METRIC_CRS)
    lanes = tiny.truth["lanes"].to_crs(METRIC_CRS)
    idx_find, idx_lane = shapely.STRtree(lanes.geometry.to_numpy()).query(
        finds.geometry.to_numpy(), predicate="intersects"
    )
    pairs = pd.DataFrame(
        {
            "find": idx_find,
            "same": finds["activity"].to_numpy()[idx_find] == lanes["activity"].to_numpy()[idx_lane],
            "found": pd.to_datetime(finds["found_on"].to_numpy()[idx_find]),
            "from": pd.to_datetime(lanes["worked_from"].to_numpy()[idx_lane]),
            "to": pd.to_datetime(lanes["worked_to"].to_numpy()[idx_lane]),
        }
    )
    pairs = pairs.loc[pairs["same"]]
    assert set(pairs["find"]) == set(range(len(finds)))  # every find lies in a lane of its own activity
    on_day = (pairs["found"] >= pairs["from"]) & (pairs["found"] <= pairs["to"])
    assert on_day.groupby(pairs["find"]).any().all()


def test_finds_of_an_activity_follow_its_lanes(tiny: SimulatedScenario) -> None:
    finds = tiny.layers["finds"]
    finds = finds.loc[finds["activity"].notna()]
    per_activity = finds.groupby("activity")["found_on"].nunique()
    assert (per_activity > 5).sum() >= 20  # finds spread over the days the lanes were worked
    ids = finds["id"].str[3:].astype(int).to_numpy()
    days = pd.to_datetime(finds["found_on"]).to_numpy()
    assert (np.diff(days[np.argsort(ids)]) >= np.timedelta64(0, "D")).all()  # ids follow the days


def test_work_in_progress_shows_the_land_worked_so_far(tiny: SimulatedScenario) -> None:
    acts = tiny.layers["activities"]
    going = acts.loc[acts["ended_on"].isna() & acts["activity_kind"].isin(["clearance", "BAC"])]
    assert len(going) >= 3
    area = going.to_crs(METRIC_CRS).area.to_numpy()
    assert np.allclose(area, going["cleared_m2"].to_numpy(), rtol=0.02, atol=5.0)
    lanes = tiny.truth["lanes"].to_crs(METRIC_CRS)
    lane_area = lanes.assign(a=lanes.area).groupby("activity")["a"].sum()
    swept = (
        acts.loc[acts["activity_kind"].isin(["clearance", "BAC", "TS"])].set_index("id").to_crs(METRIC_CRS)
    )
    assert np.allclose(lane_area.reindex(swept.index).to_numpy(), swept.area.to_numpy(), rtol=1e-6)


def test_truth_rows_carry_the_true_mines(tiny: SimulatedScenario) -> None:
    rows = tiny.truth["mine_rows"]
    devices = tiny.truth["devices"]
    per_field = devices.loc[devices["minefield"].notna()].groupby("minefield").size()
    assert (rows.groupby("minefield")["count"].sum() <= per_field.reindex(rows["minefield"].unique())).all()
    lines = shapely.from_wkt(rows["line"].to_numpy())
    assert shapely.is_valid(lines).all() and (shapely.length(lines) > 0).all()


def test_lanes_and_rows_are_written_in_truth(tiny_dir: Path) -> None:
    lanes = pyogrio.read_dataframe(tiny_dir / "truth" / "lanes.gpkg")
    assert {"activity", "lane", "worked_from", "worked_to"} <= set(lanes.columns) and len(lanes) > 100
    rows = pd.read_csv(tiny_dir / "truth" / "mine_rows.csv")
    assert list(rows.columns) == ["minefield", "line", "category", "model", "count", "spacing_m"]
    assert "lanes each activity worked" in (tiny_dir / "README.txt").read_text()
    assert json.loads((tiny_dir / "scenario.json").read_text())["simulated"] is True
