"""The evidence jobs on a hand-made scene: results are frozen, their JSON is the command's, as_of works."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_scenes import build_records_scene, frame  # noqa: E402

from mineaction.cli.main import cli  # noqa: E402
from mineaction.store import init_store, open_store  # noqa: E402
from mineaction.workflows import (  # noqa: E402
    StoreSnapshot,
    assess_records,
    check_quality,
    raise_alerts,
    summarise_store,
)


@pytest.fixture()
def store_path(tmp_path: Path) -> str:
    path = tmp_path / "scene.gpkg"
    frames = build_records_scene()
    frames["accidents"] = frame(
        "accidents",
        [{"id": "AC-000001", "occurred_on": date(2022, 3, 1), "recorded_at": "2022-03-02T00:00:00Z"}],
        [Point(50, 50)],
    )
    frames["victims"] = frame(
        "victims",
        [{"id": "VI-000001", "accident": "AC-000001", "age": 12, "sex": "male", "outcome": "killed"}],
    )
    with init_store(str(path)) as store:
        for kind, data in frames.items():
            store.write(kind, data, author="test", reason="scene")
    return str(path)


def _cli_json(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("job", "command"),
    [
        (assess_records, ("records", "assess")),
        (raise_alerts, ("alerts",)),
        (check_quality, ("quality",)),
        (summarise_store, ("stats",)),
    ],
)
def test_result_json_is_the_commands_json(store_path: str, job: object, command: tuple[str, ...]) -> None:
    with open_store(store_path) as store:
        result = job(store)  # type: ignore[operator]
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.extra = 1  # type: ignore[union-attr]
    assert json.loads(json.dumps(result.to_dict())) == _cli_json(*command, store_path)


def test_stats_count_victims_and_yearly_aggregates(store_path: str) -> None:
    with open_store(store_path) as store:
        assert summarise_store(store).victims["total"] == 1
        rows = [{"year": 1991, "victims": 10, "killed": 2, "children": 1, "women": 1}]
        store.save_document("aggregates", "casualties", {"rows": rows}, author="test", reason="aggregates")
        stats = summarise_store(store)
    assert stats.victims["total"] == 11 and stats.victims["children"] == 2
    assert stats.victims["since"] == 1991 and stats.victims_recorded["total"] == 1


def test_snapshot_as_of_sees_what_was_known_then(store_path: str) -> None:
    with open_store(store_path) as store:
        then = StoreSnapshot(store, as_of=date(2022, 3, 1))
        now = StoreSnapshot(store)
        assert len(then.frame("accidents")) == 0 and len(now.frame("accidents")) == 1
        assert summarise_store(then).records["accidents"] == 0


def test_snapshot_carries_the_stores_area_of_interest(tmp_path: Path) -> None:
    with init_store(tmp_path / "co.gpkg", aoi=(-80, -5, -66, 13)) as store:
        assert StoreSnapshot(store).settings.aoi == (-80.0, -5.0, -66.0, 13.0)
