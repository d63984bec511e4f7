"""The patterns job on a store cut from the tiny twin: a frozen result whose JSON is the command's, one area
in full, every area with finds or a record otherwise, settings from the one Settings object; the quality job
lists the released areas the release check flags, and a report proposing such a release waits flagged."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from twin_store import twin_store  # noqa: E402

from mineaction.errors import InputError  # noqa: E402
from mineaction.settings import Settings  # noqa: E402
from mineaction.store import open_store  # noqa: E402
from mineaction.workflows import StoreSnapshot, analyse_patterns, check_quality, pattern_settings  # noqa: E402
from mineaction.workflows.patterns import RELEASE_CHECK  # noqa: E402


@pytest.fixture(scope="module")
def store(tiny_twin: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    return twin_store(tiny_twin, tmp_path_factory.mktemp("patterns") / "twin.gpkg")


def test_one_area_in_full(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    with open_store(path) as opened:
        result = analyse_patterns(opened, area=picked["record"])
    assert dataclasses.is_dataclass(result) and result.simulated and result.detail
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.detail = False  # type: ignore[misc]
    area = result.areas[0]
    assert area.status == "released" and area.mine_finds >= 20 and area.rows
    assert area.rows[0]["line"].startswith("LINESTRING (46.") or area.rows[0]["line"].startswith(
        "LINESTRING (47."
    )
    assert area.records and area.records[0]["status"] in {"confirmed", "corrected"}
    assert area.order is None  # a released area has no cells left to work
    document = json.loads(json.dumps(result.to_dict()))
    assert (
        document["areas"][0]["residual"]["interval"][0] <= document["areas"][0]["residual"]["expected_mines"]
    )
    assert set(document["areas"][0]["release"]) == {
        "area",
        "flagged",
        "evidence_mines",
        "threshold_mines",
        "reasons",
        "notes",
    }


def test_every_area_with_finds_or_a_record_in_one_line_each(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    with open_store(path) as opened:
        result = analyse_patterns(StoreSnapshot(opened))
        released = analyse_patterns(opened, status="released")
    ids = {a.area for a in result.areas}
    assert set(picked.values()) <= ids
    assert {a.status for a in released.areas} == {"released"}
    working = next(a for a in result.areas if a.area == picked["working"])
    assert working.order is not None and working.order["next_cells"]
    document = result.to_dict()
    assert document["n_areas"] == len(result.areas) and set(document["areas"][0]) >= {
        "area",
        "expected_mines",
        "flagged",
    }


def test_settings_reach_the_model_and_an_unknown_area_is_one_clear_error(
    store: tuple[str, dict[str, str]],
) -> None:
    path, picked = store
    strict = Settings().replace(pattern_flag_mines=0.01, pattern_detection_clearance=0.5)
    model = pattern_settings(strict)
    assert model.flag_expected_mines == 0.01 and model.detection["clearance"] == 0.5
    with open_store(path) as opened:
        result = analyse_patterns(opened, settings=strict, area=picked["record"])
        assert result.areas[0].flagged
        with pytest.raises(InputError, match="HA-999999"):
            analyse_patterns(opened, area="HA-999999")


def test_quality_lists_the_released_areas_the_release_check_flags(store: tuple[str, dict[str, str]]) -> None:
    path, picked = store
    with open_store(path) as opened:
        released = analyse_patterns(opened, status="released")
        quality = check_quality(opened)
        lax = check_quality(opened, settings=Settings().replace(pattern_flag_mines=1e6))
        skipped = check_quality(opened, release_check=False)
        reused = check_quality(opened, patterns=released)
    flagged = {a.area for a in released.areas if a.flagged}
    issues = quality.issues.loc[quality.issues["check"] == RELEASE_CHECK]
    assert picked["record"] in flagged and set(issues["id"]) == flagged
    assert picked["working"] not in set(issues["id"])  # only released areas are checked
    assert issues["value"].str.contains("mines expected").all()
    assert issues["fix"].str.contains(f"--area {picked['record']}", regex=False).any()
    assert RELEASE_CHECK not in set(lax.issues["check"]) | set(skipped.issues["check"])
    assert reused.to_dict() == quality.to_dict()


def test_a_report_proposing_a_release_the_pattern_contradicts_waits_flagged(
    store: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    from mineaction.access import Principal
    from mineaction.workflows import submit_report

    path, picked = store
    copy = tmp_path / "review.gpkg"
    copy.write_bytes(Path(path).read_bytes())
    vera = Principal("vera", "verifier", "ANAMA", via="token")
    with open_store(str(copy)) as opened:
        area = opened.read("hazardous_areas")
        working = area.loc[area["id"] == picked["working"]].assign(status="released")
        expected = analyse_patterns(opened, area=picked["working"]).areas[0].residual["expected_mines"]
        sent = submit_report(opened, vera, "hazardous_areas", working, source_ref="release-1")
        lax = Settings().replace(pattern_flag_mines=1e6)
        quiet = submit_report(opened, vera, "hazardous_areas", working, source_ref="release-2", settings=lax)
        other = submit_report(
            opened, vera, "hazardous_areas", working.assign(status="in_progress"), source_ref="release-3"
        )
    assert sent.status == "flagged"
    (finding,) = [f for f in sent.findings if f["check"] == RELEASE_CHECK]
    assert finding["id"] == picked["working"] and f"{expected:.1f} mines expected" in finding["value"]
    assert not [f for f in (*quiet.findings, *other.findings) if f["check"] == RELEASE_CHECK]
