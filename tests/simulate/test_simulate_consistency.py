"""Observed data agree with the truth: finds and accidents sit on true devices, finds only in worked land and
after the device was laid, every record of every kind has the schema's columns and says SIMULATED."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from mineaction.domain.schema import ENTITIES
from mineaction.domain.validate import validate_frame
from mineaction.simulate import SimulatedScenario
from mineaction.simulate.landscape import to_metric_xy
from mineaction.simulate.scales import METRIC_CRS


def _metric_points(frame: pd.DataFrame) -> np.ndarray:
    return frame.to_crs(METRIC_CRS).geometry.to_numpy()


def test_every_find_sits_on_its_true_device(tiny: SimulatedScenario) -> None:
    finds = tiny.layers["finds"]
    devices = tiny.truth["devices"].dropna(subset=["find"]).set_index("find").loc[finds["id"]]
    assert len(finds) > 500
    dist = np.hypot(
        finds.geometry.x.to_numpy() - devices["lon"].to_numpy(),
        finds.geometry.y.to_numpy() - devices["lat"].to_numpy(),
    )
    assert dist.max() < 1e-7  # degrees, about 1 cm
    assert (finds["category"].to_numpy() == devices["category"].to_numpy()).all()
    assert (
        pd.to_datetime(finds["found_on"]).to_numpy() > pd.to_datetime(devices["laid_on"]).to_numpy()
    ).all()


def test_finds_lie_in_land_worked_by_their_activity(tiny: SimulatedScenario) -> None:
    finds, acts = tiny.layers["finds"], tiny.layers["activities"].set_index("id")
    # the only finds without an activity id are the deliberate data-entry defects (simulate/defects.py)
    blank = set(finds.loc[finds["activity"].isna(), "id"])
    assert blank == {d["id"] for d in tiny.meta["defects"] if d["check"] == "find without activity"}
    finds = finds.loc[finds["activity"].notna()]
    act = acts.loc[finds["activity"]]
    assert set(act["activity_kind"]) <= {"TS", "clearance", "BAC"}
    inside = shapely.intersects(_metric_points(finds), act.to_crs(METRIC_CRS).geometry.to_numpy())
    assert inside.all()
    found = pd.to_datetime(finds["found_on"]).to_numpy()
    assert (found >= pd.to_datetime(act["started_on"]).to_numpy()).all()
    ended = pd.to_datetime(act["ended_on"]).to_numpy()
    assert (np.isnat(ended) | (found <= ended)).all()


def test_nothing_is_found_in_land_never_worked(tiny: SimulatedScenario) -> None:
    acts = tiny.layers["activities"]
    worked = acts.loc[acts["activity_kind"].isin(["TS", "clearance", "BAC"])].to_crs(METRIC_CRS)
    union = shapely.union_all(worked.geometry.to_numpy())
    devices = tiny.truth["devices"]
    pts = shapely.points(*to_metric_xy(devices["lon"].to_numpy(), devices["lat"].to_numpy()))
    in_worked = shapely.intersects(pts, union)
    assert devices["find"].notna().sum() > 0
    assert not (devices["find"].notna().to_numpy() & ~in_worked).any()
    assert (~in_worked).sum() > 0  # plenty of contamination is never worked


def test_every_accident_sits_on_a_live_true_device(tiny: SimulatedScenario) -> None:
    accidents = tiny.layers["accidents"]
    devices = tiny.truth["devices"].dropna(subset=["accident"]).set_index("accident").loc[accidents["id"]]
    assert len(accidents) >= 5
    dist = np.hypot(
        accidents.geometry.x.to_numpy() - devices["lon"].to_numpy(),
        accidents.geometry.y.to_numpy() - devices["lat"].to_numpy(),
    )
    assert dist.max() < 1e-7
    assert devices["find"].isna().all()  # a device that went off is not also found
    assert (pd.to_datetime(accidents["occurred_on"]) > pd.to_datetime(devices["laid_on"].to_numpy())).all()


def test_victims_belong_to_accidents_and_groups_are_coherent(tiny: SimulatedScenario) -> None:
    victims, accidents = tiny.layers["victims"], tiny.layers["accidents"]
    assert set(victims["accident"]) == set(accidents["id"])
    merged = victims.merge(accidents[["id", "demining"]], left_on="accident", right_on="id")
    assert ((merged["victim_group"] == "deminer") == merged["demining"]).all()


@pytest.mark.parametrize("kind", sorted(ENTITIES))
def test_layers_have_schema_columns_validate_and_say_simulated(tiny: SimulatedScenario, kind: str) -> None:
    frame = tiny.layers[kind]
    assert list(frame.columns[: len(ENTITIES[kind].fields)]) == list(ENTITIES[kind].field_names)
    assert len(frame) > 0
    assert frame["id"].is_unique
    assert frame["source"].str.startswith("SIMULATED").all() or kind in {"funding", "operators"}
    report = validate_frame(frame, kind, file=kind, today=date(2025, 7, 1))
    assert report.ok, report.summary()


def test_records_carry_rows_and_counts(tiny: SimulatedScenario) -> None:
    records = tiny.layers["minefield_records"]
    rows = records["mine_rows"].map(json.loads)
    assert (rows.map(len) > 0).all()
    totals = rows.map(lambda r: sum(item["count"] for item in r))
    assert (totals == records["claimed_total"]).all()
    assert set(tiny.truth["records"]["fate"]) >= {"good", "shifted", "phantom"}
