"""At scale ``small`` (seed 0) every calibration figure lies within its tolerance, the analysis package
recovers the record figures from the observed data alone, and the 2021-made PMN-E cluster is there."""

from __future__ import annotations

import pandas as pd
import pytest

from mineaction.simulate import TARGETS, SimulatedScenario, simulate


@pytest.fixture(scope="module")
def small() -> SimulatedScenario:
    return simulate(scale="small", seed=0)


@pytest.mark.slow
def test_every_figure_within_tolerance(small: SimulatedScenario) -> None:
    calibration = small.calibration
    assert set(calibration) == set(TARGETS)
    outside = {k: v for k, v in calibration.items() if not v["within"]}
    assert outside == {}
    assert abs(calibration["record_accuracy"]["actual"] - 0.25) <= 0.05
    assert 0.55 <= calibration["outside_share_records"]["actual"] <= 0.65
    assert calibration["hectares_released_per_year"]["target"] == pytest.approx(5_500.0)


@pytest.mark.slow
def test_analysis_recovers_the_figures_from_observed_data(small: SimulatedScenario) -> None:
    from mineaction.analysis import assess_records
    from mineaction.settings import Settings

    measured = assess_records(small.layers, settings=Settings())
    for name in ("record_accuracy", "record_recall", "outside_share_records"):
        assert measured[name] == pytest.approx(small.calibration[name]["actual"], abs=0.05), name


@pytest.mark.slow
def test_post_ceasefire_cluster_is_2021_pmn_e_found_in_2022(small: SimulatedScenario) -> None:
    devices = small.truth["devices"]
    pmne = devices.loc[devices["model"] == "PMN-E"]
    assert 200 <= len(pmne) <= 340  # about 2,700 x 0.1
    assert (pmne["manufacture_year"] == 2021).all()
    assert (pd.to_datetime(pmne["laid_on"]) >= pd.Timestamp("2021-01-01")).all()
    finds = small.layers["finds"]
    found = finds.loc[finds["model"] == "PMN-E"]
    assert len(found) > 100
    assert (found["manufacture_year"] == 2021).all()
    assert pd.to_datetime(found["found_on"]).min() >= pd.Timestamp("2022-08-01")
    assert set(found["district"]) <= {"Lachin", "Kalbajar"}
