"""The risk report section: the risk job's results, figures from them (pure), and the section with its table
and captions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from risk_scenario import scenario

from mineaction.report.risk_section import build_section, capture_figure
from mineaction.store import open_store
from mineaction.workflows import RiskResults, report_data, risk_results


def _store(layers: dict[str, Any]) -> Any:
    store = open_store("memory://")
    store.set_setting("simulated", True)
    for kind, frame in layers.items():
        if len(frame):
            store.write(kind, frame, author="test", reason="risk scenario")
    return store


@pytest.fixture(scope="module")
def results() -> Iterator[tuple[Any, RiskResults]]:
    layers = scenario(0)
    truth = layers.pop("truth")
    store = _store(layers)
    try:
        yield store, risk_results(store, cell_m=400, truth=truth)
    finally:
        store.close()


def test_risk_results_hold_evaluation_surface_and_candidates(results: tuple[Any, RiskResults]) -> None:
    _, res = results
    assert set(res.evaluation.schemes) == {"shuffled", "spatial", "region", "temporal"}
    surface = res.surface.surface
    assert surface.shape == res.surface.grid.shape and 0 <= np.nanmin(surface) <= np.nanmax(surface) <= 1
    assert len(res.candidates.candidates) >= 1 and res.candidates.candidates.crs.to_epsg() == 4326
    assert res.cell_m == 400 and res.fit.n_positive > 0


def test_capture_figure_draws_model_baselines_and_no_skill_line(results: tuple[Any, RiskResults]) -> None:
    _, res = results
    fig = capture_figure(res.evaluation.to_dict(), simulated=True)
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == [
        "model",
        "records_only",
        "front_line",
        "past_events",
        "no skill",
    ]
    assert len(fig.axes) == 3 and "SIMULATED" in fig.texts[0].get_text()


def test_section_has_three_figures_and_says_simulated(results: tuple[Any, RiskResults]) -> None:
    store, res = results
    section = build_section(report_data(store, risk=res))
    assert section is not None and section.order == 60
    assert [f.name for f in section.figures] == ["map", "capture", "candidates"]
    assert all("Simulated" in f.caption for f in section.figures)
    assert "SIMULATED" in section.body_html and "ROC-AUC" in section.body_html
    # the region headline with its interval, and the untuned references in the table
    assert "regions held out in turn" in section.body_html and "95 % interval" in section.body_html
    assert "lightgbm_default (untuned)" in section.body_html


def test_no_section_without_events(store_of: Any) -> None:
    assert build_section(report_data(store_of({}))) is None


@pytest.mark.slow
def test_events_alone_give_a_background_model_that_says_so_or_the_reason_for_none(store_of: Any) -> None:
    from mineaction.settings import Settings

    layers = scenario(0)
    layers.pop("truth")
    layers["activities"] = layers["activities"].iloc[:0]  # finds but no processed land: no negatives
    layers["hazardous_areas"] = layers["hazardous_areas"].iloc[:0]
    store = store_of(layers, simulated=True)
    data = report_data(store, settings=Settings(report_risk_cell_m=500.0))  # coarse: a fast fit
    section = build_section(data)
    assert data.risk is not None and section is not None and section.figures
    assert data.risk.fit.metadata["label_basis"] == "presence-background"
    assert "serve as background (label 0)" in section.body_html and "optimistic" in section.body_html
    data = report_data(store, settings=Settings(risk_background_ratio=0.0))  # background turned off
    section = build_section(data)
    assert data.risk is None and section is not None and not section.figures
    assert "No risk model could be fitted" in section.body_html
