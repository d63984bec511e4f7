"""The twin's risk education and assistance to survivors: SIMULATED, valid, linked to its victims and
settlements, with returning settlements both reached and missed and needs met late or not at all."""

from __future__ import annotations

from datetime import date

import pandas as pd

from mineaction.analysis.eore import eore_table
from mineaction.domain.validate import validate_frame
from mineaction.simulate import SimulatedScenario
from mineaction.simulate.scales import END


def test_records_validate_and_say_simulated(tiny: SimulatedScenario) -> None:
    for kind in ("risk_education", "survivor_needs", "survivor_services"):
        frame = tiny.layers[kind]
        report = validate_frame(frame, kind, today=date(2025, 7, 1))
        assert report.ok and report.n_warnings == 0, report.summary()
        assert frame["source"].str.contains("SIMULATED").all()
        assert frame["id"].is_unique


def test_risk_education_reaches_some_returning_settlements_and_misses_others(tiny: SimulatedScenario) -> None:
    sessions = tiny.layers["risk_education"]
    assert {"face_to_face", "school", "media"} <= set(sessions["method"])
    assert (pd.to_datetime(sessions["delivered_on"]) <= pd.Timestamp(END)).all()
    truth = tiny.truth["eore_coverage"]
    due = truth.loc[truth["due"]]
    assert (due["families_reached"] == 0).any() and (due["families_reached"] > 0).any()
    assert (truth["families_reached"] <= truth["families_planned"]).all()
    assets = tiny.layers["assets"].set_index("id")
    named = sessions["settlement"].dropna()
    assert set(named) <= set(assets.index)
    assert (assets.loc[named, "asset_kind"] == "settlement").all()
    placed = eore_table(sessions, tiny.layers["assets"])
    targets = pd.to_datetime(placed["settlement"].map(assets["target_on"]))
    late = (placed["delivered_on"] > targets) & (placed["families_reached"] > 0)
    assert late.any()  # sessions after the families came back: too late to count


def test_school_children_follow_the_national_rate(tiny: SimulatedScenario) -> None:
    school = tiny.layers["risk_education"].query("method == 'school'")
    per_year = (school["girls"] + school["boys"]).groupby(school["delivered_on"].str[:4]).sum()
    assert per_year.loc["2023"] == round(55_000 * tiny.factor)
    assert tiny.calibration["eore_children_per_year"]["within"]


def test_survivors_link_to_their_victims_and_accidents(tiny: SimulatedScenario) -> None:
    victims = tiny.layers["victims"].set_index("id")
    for kind in ("survivor_needs", "survivor_services"):
        frame = tiny.layers[kind]
        assert set(frame["victim"]) <= set(victims.index)
        assert (victims.loc[frame["victim"], "outcome"] == "injured").all()
        assert (frame["accident"].to_numpy() == victims.loc[frame["victim"], "accident"].to_numpy()).all()
    injured = set(victims.index[victims["outcome"] == "injured"])
    assert set(tiny.truth["survivors"]["victim"]) == injured


def test_needs_are_met_late_or_not_at_all(tiny: SimulatedScenario) -> None:
    needs = tiny.layers["survivor_needs"]
    met = needs.loc[needs["status"] == "met"]
    waited = (pd.to_datetime(met["closed_on"]) - pd.to_datetime(met["assessed_on"])).dt.days
    assert waited.max() > 180
    assert needs["status"].isin(["open", "referred", "in_progress"]).any()
    assert (needs.loc[needs["status"] == "met", "closed_on"].notna()).all()


def test_personal_fields_hold_simulated_details_only(tiny: SimulatedScenario) -> None:
    victims = tiny.layers["victims"]
    born = pd.to_datetime(victims["date_of_birth"])
    assert born.notna().all() and (born < pd.Timestamp("2021-01-01")).all()
    details = pd.concat([tiny.layers["survivor_needs"]["details"], tiny.layers["survivor_services"]["notes"]])
    assert details.str.startswith("SIMULATED").all()
