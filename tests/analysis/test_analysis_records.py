"""Record accuracy, its parts, recall and processed share on a hand-built scene."""

from __future__ import annotations

import math

import pandas as pd
from analysis_scenes import frame

from mineaction.analysis import (
    assess_each_record,
    processed_share,
    record_accuracy,
    record_accuracy_by_source,
    record_recall,
)
from mineaction.settings import Settings


def test_record_assessment_parts(records_scene: dict[str, pd.DataFrame]) -> None:
    out = assess_each_record(
        records_scene["minefield_records"],
        records_scene["finds"],
        records_scene["activities"],
        settings=Settings(),
    ).set_index("id")
    assert out["processed"].tolist() == [True, True, True, False]
    assert out.loc["MR-000001", "n_finds"] == 10  # the UXO does not count
    assert out.loc["MR-000001", "median_offset_m"] < 1.0
    assert out.loc["MR-000001", "accurate"]
    # MR-2: two finds within 25 m of the perimeter, 20 % of the claim, 10-15 m outside it
    assert out.loc["MR-000002", "n_finds"] == 2
    assert out.loc["MR-000002", "confirmed"] and not out.loc["MR-000002", "complete"]
    assert math.isclose(out.loc["MR-000002", "median_offset_m"], 12.5, abs_tol=0.5)
    assert not out.loc["MR-000003", "confirmed"]


def test_record_accuracy_over_processed_records(records_scene: dict[str, pd.DataFrame]) -> None:
    assessed = assess_each_record(
        records_scene["minefield_records"],
        records_scene["finds"],
        records_scene["activities"],
        settings=Settings(),
    )
    parts = record_accuracy(assessed)
    assert parts["n_processed"] == 3
    assert math.isclose(parts["accuracy"], 1 / 3)
    assert math.isclose(parts["confirmed"], 2 / 3)
    by_source = record_accuracy_by_source(assessed).set_index("handed_over_by")
    assert by_source.loc["side A", "accuracy"] == 0.5
    assert by_source.loc["side B", "accuracy"] == 0.0 and by_source.loc["side B", "n_processed"] == 1


def test_tighter_tolerance_loses_positioning(records_scene: dict[str, pd.DataFrame]) -> None:
    strict = Settings(positional_tolerance_m=5.0)
    assessed = assess_each_record(
        records_scene["minefield_records"],
        records_scene["finds"],
        records_scene["activities"],
        settings=strict,
    ).set_index("id")
    assert assessed.loc["MR-000002", "n_finds"] == 0


def test_record_recall(records_scene: dict[str, pd.DataFrame]) -> None:
    recall = record_recall(records_scene["minefield_records"], records_scene["finds"], settings=Settings())
    # 20 mines (10 + 8 + 2 + 1 minus 1 UXO): 12 lie within 25 m of a record
    assert recall["n_mine_finds"] == 21
    assert recall["n_inside"] == 12
    assert math.isclose(recall["recall"], 12 / 21)


def test_processed_share_ignores_unfinished_activities(records_scene: dict[str, pd.DataFrame]) -> None:
    acts = records_scene["activities"].copy()
    acts["ended_on"] = None
    share = processed_share(records_scene["minefield_records"], acts, crs="EPSG:32638")
    assert (share == 0).all()


def test_empty_inputs_give_nan_not_errors() -> None:
    records = frame("minefield_records", [], [])
    assessed = assess_each_record(records, None, None, settings=Settings())
    assert assessed.empty
    assert math.isnan(record_accuracy(assessed)["accuracy"])
    assert math.isnan(record_recall(records, None, settings=Settings())["recall"])
