"""The report's patterns section on a store cut from the tiny twin: the records' measured offset, the
released areas the release check flags (also issues of the quality section), the areas still to work with
their orders, a residual map; none without areas with finds or a record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from twin_store import twin_store  # noqa: E402

from mineaction.report import build_report  # noqa: E402
from mineaction.report.patterns_section import build_section  # noqa: E402
from mineaction.store import open_store  # noqa: E402
from mineaction.workflows import report_data  # noqa: E402
from mineaction.workflows.patterns import RELEASE_CHECK  # noqa: E402


@pytest.fixture(scope="module")
def store(tiny_twin: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    return twin_store(tiny_twin, tmp_path_factory.mktemp("patterns-report") / "twin.gpkg")


@pytest.mark.slow
def test_section_shows_flags_orders_and_a_map(store: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    path, picked = store
    with open_store(path) as opened:
        data = report_data(opened)
    assert data.patterns is not None
    flagged = {a.area for a in data.patterns.areas if a.status == "released" and a.flagged}
    issues = data.evidence.quality.issues
    assert set(issues.loc[issues["check"] == RELEASE_CHECK, "id"]) == flagged and picked["record"] in flagged
    page = build_report(data, tmp_path / "r", modules=("patterns_section",)).read_text()
    section = page[page.index("<h2>Mine-laying patterns and release checks</h2>") :]
    assert "SIMULATED" in section and "mines expected (90 % interval)" in section
    assert picked["record"] in section and picked["working"] in section
    assert "found in the first 20 % of the area: pattern" in section
    assert "probability of a mine per m2" in section.lower() or "per m2" in section
    assert len(list((tmp_path / "r" / "figures").glob("*.png"))) == 2


def test_no_section_without_areas_with_finds_or_records(store_of: Any) -> None:
    assert build_section(report_data(store_of({}))) is None
