"""The evidence report on a small hand-built scene: every section, chart and map is written and local."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_scenes import build_records_scene, frame  # noqa: E402

from mineaction.report import build_report  # noqa: E402
from mineaction.report.briefing import briefing_cards  # noqa: E402
from mineaction.workflows import ReportData, report_data  # noqa: E402


def _frames() -> dict[str, pd.DataFrame]:
    frames = build_records_scene()
    frames["accidents"] = frame(
        "accidents",
        [
            {
                "id": "AC-000001",
                "occurred_on": date(2022, 3, 1),
                "district": "Lachin",
                "setting": "road",
                "source": "SIMULATED twin",
            },
            {"id": "AC-000002", "occurred_on": date(2023, 3, 1), "district": "Lachin", "setting": "farmland"},
        ],
        [Point(50, 50), Point(5000, 50)],
    )
    frames["victims"] = frame(
        "victims",
        [
            {
                "accident": "AC-000001",
                "age": 9,
                "sex": "male",
                "outcome": "killed",
                "victim_group": "civilian",
            },
            {
                "accident": "AC-000002",
                "age": 30,
                "sex": "female",
                "outcome": "injured",
                "victim_group": "civilian",
            },
        ],
    )
    frames["hazardous_areas"] = frame(
        "hazardous_areas",
        [{"id": "HA-000001", "hazard_kind": "SHA", "status": "open", "reported_on": date(2021, 1, 1)}],
        [box(-100, -100, 800, 200)],
    )
    frames["funding"] = frame(
        "funding",
        [
            {"donor": "State", "donor_kind": "national_state", "year": 2022, "amount_usd": 94_000.0},
            {"donor": "UNDP", "donor_kind": "multilateral", "year": 2022, "amount_usd": 6_000.0},
        ],
    )
    return frames


def _data(store_of: Any) -> ReportData:
    return report_data(store_of(_frames(), simulated=True))


def test_briefing_cards_have_units_and_figures(store_of: Any) -> None:
    cards = dict((label, value) for value, label in briefing_cards(_data(store_of)))
    values = list(cards.values())
    assert "33 %" in values  # one of three fully processed records is accurate
    assert "6 %" in values  # foreign share
    assert "2 casualties" in values
    labels = list(cards)
    assert any("accurate" in label and "(95 % interval 6–79 %)" in label for label in labels)
    assert any(v.endswith(" ha") for v in values) and any("US$/m2" in v for v in values)


def test_report_writes_every_section_offline(tmp_path: Path, store_of: Any) -> None:
    # only the evidence sections: the risk and plan sections need a fitted model or a plan
    index = build_report(_data(store_of), tmp_path / "report", modules=("briefing", "evidence_section"))
    page = index.read_text()
    for title in (
        "Briefing",
        "Maps",
        "Minefield record accuracy",
        "Accidents outside the mapped areas",
        "New contamination",
        "Casualties",
        "Land release",
        "Funding",
        "Data quality",
    ):
        assert f"<h2>{title}</h2>" in page, title
    assert "could not be built" not in page
    assert "SIMULATED" in page
    assert "33 % (6–79 %, n = 3)" in page  # record accuracy with its interval and count
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) >= 9
    assert all((index.parent / src).is_file() and not src.startswith("http") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)
