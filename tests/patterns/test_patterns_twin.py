"""On the tiny simulated twin (seed 0), against its true mines: the evidence of an area is gathered from the
observed frames; released areas with mines left are flagged and their residual interval holds the true count,
areas released truly clear are rarely flagged; the pattern order finds every mine of the record areas in at
least 25 % less worked area than lane by lane and more per area at every step; shifted records are corrected
by their finds."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.errors import InputError
from mineaction.patterns import PatternSettings, area_evidence, fit_pattern
from mineaction.patterns import evaluate as ev
from mineaction.simulate import SimulatedScenario

CRS = "EPSG:32638"
SETTINGS = PatternSettings(draws=500)


def _mines(twin: SimulatedScenario) -> tuple[object, np.ndarray]:
    devices = twin.truth["devices"]
    mines = devices.loc[devices["category"].isin(["AP", "AT"])].reset_index(drop=True)
    return mines, ev.mines_xy_of(mines, CRS)


def _released_record_area(twin: SimulatedScenario) -> str:
    areas, finds = twin.layers["hazardous_areas"], twin.layers["finds"]
    cha = areas.loc[(areas["hazard_kind"] == "CHA") & (areas["status"] == "released"), "id"]
    counts = finds.loc[finds["category"].isin(["AP", "AT"])].groupby("hazardous_area").size()
    return str(counts.reindex(cha).fillna(0).idxmax())


def test_evidence_of_an_area_comes_from_the_observed_frames(twin: SimulatedScenario) -> None:
    layers = twin.layers
    area_id = _released_record_area(twin)
    evidence = area_evidence(
        area_id,
        hazardous_areas=layers["hazardous_areas"],
        activities=layers["activities"],
        finds=layers["finds"],
        records=layers["minefield_records"],
        settings=SETTINGS,
    )
    assert evidence.inside.sum() >= 20 and evidence.status == "released"
    assert evidence.coverage.p.max() == pytest.approx(0.95)  # cleared once, at the clearance detection
    assert len(evidence.records) >= 1 and evidence.activities
    pattern = fit_pattern(evidence.finds_xy, records=evidence.records, coverage=evidence.coverage)
    assert pattern.n_rows >= 1 and pattern.records[0].status in {"confirmed", "corrected"}
    with pytest.raises(InputError, match="HA-999999"):
        area_evidence(
            "HA-999999", hazardous_areas=layers["hazardous_areas"], activities=None, finds=None, records=None
        )


@pytest.mark.slow
def test_release_checks_against_the_mines_truly_left(twin: SimulatedScenario) -> None:
    mines, xy = _mines(twin)
    left = (mines["find"].isna() & mines["accident"].isna()).to_numpy()
    areas = twin.layers["hazardous_areas"]
    released = areas.loc[areas["status"] == "released"]
    sample = list(released.loc[released["hazard_kind"] == "CHA", "id"]) + list(
        released.loc[released["hazard_kind"] == "SHA", "id"].iloc[::6]
    )
    frame = ev.release_truth(twin.layers, xy[left], settings=SETTINGS, area_ids=sample)
    summary = ev.summarise_release(frame)
    assert summary["with_mines_left"] >= 15 and summary["truly_clear"] >= 30
    assert summary["flagged_share_with_mines_left_and_finds"] >= 0.7
    assert summary["flagged_share_truly_clear"] <= 0.1
    assert summary["false_flags_per_true_flag"] <= 0.5
    assert summary["interval_holds_truth_with_finds"] >= 0.7


@pytest.mark.slow
def test_the_pattern_order_finds_every_mine_in_less_area(twin: SimulatedScenario) -> None:
    mines, xy = _mines(twin)
    frame, curves = ev.ordering_truth(
        twin.layers["hazardous_areas"],
        twin.layers["minefield_records"],
        xy,
        mines["minefield"].notna().to_numpy(),
        settings=SETTINGS,
        hazard_kinds=("CHA",),
        limit=3,
    )
    summary = ev.summarise_ordering(frame, curves)
    assert summary["areas"] == 3 and summary["targets"] >= 100
    assert summary["pattern_area_vs_lane"] <= 0.75
    assert summary["pattern_higher_at_every_step"]


def test_shifted_records_are_corrected_by_their_finds(twin: SimulatedScenario) -> None:
    mines, xy = _mines(twin)
    truth = twin.truth["records"]
    shifted = truth.loc[truth["fate"].isin(["shifted", "partial"])]
    frame = ev.record_correction(
        twin.layers["minefield_records"],
        twin.truth["minefields"],
        xy,
        mines["minefield"].to_numpy(),
        dict(zip(shifted["record"], shifted["minefield"], strict=True)),
        settings=SETTINGS,
    )
    assert len(frame) >= 6
    assert (frame["status"] == "corrected").all()
    assert (frame["moved_m"] < frame["drawn_m"]).mean() >= 0.9
    assert frame["moved_m"].median() < 5.0 < 50.0 < frame["drawn_m"].median()
