"""The analysis commands through the command line, on a small GeoPackage store with a hand-made scene."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_scenes import build_records_scene, frame  # noqa: E402

from mineaction.cli.main import cli  # noqa: E402


@pytest.fixture()
def store_path(tmp_path: Path) -> str:
    from mineaction.store import init_store

    path = tmp_path / "scene.gpkg"
    frames = build_records_scene()
    frames["accidents"] = frame(
        "accidents",
        [
            {"id": "AC-000001", "occurred_on": date(2022, 3, 1), "district": "Lachin"},
            {"id": "AC-000002", "occurred_on": date(2023, 3, 1), "district": "Lachin"},
        ],
        [Point(50, 50), Point(5000, 50)],
    )
    frames["hazardous_areas"] = frame(
        "hazardous_areas",
        [
            {
                "id": "HA-000001",
                "hazard_kind": "SHA",
                "status": "open",
                "reported_on": date(2021, 1, 1),
                "recorded_at": "2021-01-02T10:00:00Z",  # in the store's history from then on
            }
        ],
        [box(4900, -100, 5100, 200)],
    )
    frames["victims"] = frame(
        "victims",
        [{"id": "VI-000001", "accident": "AC-000001", "age": 12, "sex": "male", "outcome": "killed"}],
    )
    with init_store(str(path)) as store:
        store.set_setting("simulated", True)
        for kind, data in frames.items():
            store.write(kind, data, author="test", reason="scene")
    return str(path)


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_records_assess_json(store_path: str) -> None:
    out = json.loads(_run("records", "assess", store_path, "--json"))
    for key in ("record_accuracy", "record_recall", "outside_share_records", "outside_share_known_hazards"):
        assert 0 <= out[key] <= 1, key
    assert out["record_accuracy"] == pytest.approx(1 / 3)
    assert out["outside_share_records"] == 0.5
    assert out["outside_share_known_hazards"] == 0.5
    accuracy = out["intervals"]["record_accuracy"]
    assert (accuracy["k"], accuracy["n"], accuracy["method"]) == (1, 3, "wilson")
    assert accuracy["low"] == pytest.approx(0.0615, abs=1e-3) and accuracy["high"] == pytest.approx(
        0.7923, abs=1e-3
    )
    assert out["intervals"]["outside_share_records"]["n"] == out["n_accidents_located"]
    assert {r["id"] for r in out["records"]} == {"MR-000001", "MR-000002", "MR-000003", "MR-000004"}


def test_records_assess_table_has_units(store_path: str) -> None:
    text = _run("records", "assess", store_path)
    assert "33 % (6–79 %, n = 3)" in text and "(m)" in text


def test_alerts_and_quality_json(store_path: str) -> None:
    alerts = json.loads(_run("alerts", store_path, "--json"))
    assert alerts["alerts"] == [] and alerts["n_alerts"] == 0
    quality = json.loads(_run("quality", store_path, "--json"))
    assert quality["n_issues"] == len(quality["issues"])
    assert all({"kind", "id", "check", "value", "fix"} <= set(i) for i in quality["issues"])


def test_report_command_writes_offline_page(store_path: str, tmp_path: Path) -> None:
    _run("report", store_path, "--out", str(tmp_path / "report"))
    page = (tmp_path / "report" / "index.html").read_text()
    assert "SIMULATED" in page
    # the evidence sections are built (other sections may lack what they need on so small a scene)
    assert "Section briefing could not" not in page and "Section evidence_section could not" not in page
    assert "<h2>Minefield record accuracy</h2>" in page
    for src in re.findall(r'src="([^"]+)"', page):
        assert (tmp_path / "report" / src).is_file()
