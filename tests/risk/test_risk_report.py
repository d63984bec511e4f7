"""The risk report section: figures from results (pure), and the section with its table and captions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from risk_scenario import scenario

from mineaction.report.framework import ReportContext
from mineaction.report.risk_section import build_section, capture_figure, risk_results


@pytest.fixture(scope="module")
def results():
    layers = scenario(0)
    truth = layers.pop("truth")
    return layers, risk_results(layers, cell_m=400, truth=truth)


def test_risk_results_hold_evaluation_surface_and_candidates(results) -> None:
    _, res = results
    assert set(res["evaluation"]["schemes"]) == {"shuffled", "spatial", "temporal"}
    surface = res["surface"]
    assert surface.shape == res["grid"].shape and 0 <= np.nanmin(surface) <= np.nanmax(surface) <= 1
    assert len(res["candidates"]) >= 1 and res["candidates"].crs.to_epsg() == 4326


def test_capture_figure_draws_model_baselines_and_no_skill_line(results) -> None:
    _, res = results
    fig = capture_figure(res["evaluation"], simulated=True)
    try:
        lines = fig.axes[0].get_lines()
        assert [ln.get_label() for ln in lines] == [
            "model",
            "records_only",
            "front_line",
            "past_events",
            "no skill",
        ]
        assert len(fig.axes) == 3 and "SIMULATED" in fig.texts[0].get_text()
    finally:
        plt.close(fig)


def test_section_has_three_figures_and_says_simulated(results) -> None:
    layers, res = results
    context = ReportContext(frames=layers, simulated=True, results={"risk": res})
    section = build_section(context)
    try:
        assert section is not None and section.order == 60
        assert [f.name for f in section.figures] == ["map", "capture", "candidates"]
        assert all("Simulated" in f.caption for f in section.figures)
        assert "SIMULATED" in section.body_html and "ROC-AUC" in section.body_html
    finally:
        for f in section.figures:
            plt.close(f.figure)
    assert build_section(ReportContext(frames={})) is None


def test_section_says_why_when_no_model_can_be_fitted() -> None:
    layers = scenario(0)
    layers.pop("truth")
    layers["activities"] = layers["activities"].iloc[:0]  # finds but no processed land: no negatives
    layers["hazardous_areas"] = layers["hazardous_areas"].iloc[:0]
    section = build_section(ReportContext(frames=layers, simulated=True))
    assert (
        section is not None and not section.figures and "No risk model could be fitted" in section.body_html
    )
