"""On the digital twin (SIMULATED, small scale): the risk education and survivor indicators recover the values
the simulator put in.

Tolerance (docs/metrics.md): exact. The simulator places each settlement's sessions before its planned
return and within the 365-day lead time, a fifth of them by a point only, and records every service it
delivers, so the indicators must give back the truth to the family and to the day; any difference is a
defect of a definition.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mineaction.analysis.assistance import assistance_by, assistance_totals, survivor_table
from mineaction.analysis.eore import coverage_by, coverage_share, eore_table, return_coverage, return_events

simulate = pytest.importorskip("mineaction.simulate").simulate

pytestmark = pytest.mark.slow
END = "2025-06-30"


@pytest.fixture(scope="module")
def twin() -> Any:
    return simulate(scale="small", seed=0)


@pytest.fixture(scope="module")
def coverage(twin: Any) -> pd.DataFrame:
    layers = twin.layers
    table = eore_table(layers["risk_education"], layers["assets"])
    return return_coverage(table, return_events(layers["assets"]), as_of=END)


def test_coverage_by_settlement_recovers_the_truth(twin: Any, coverage: pd.DataFrame) -> None:
    truth = twin.truth["eore_coverage"].set_index("settlement")
    found = coverage_by(coverage, "settlement").set_index("settlement")
    assert set(found.index) == set(truth.index) and len(truth) >= 80
    assert (found["families_reached_before"] == truth["families_reached"].reindex(found.index)).all()
    assert found["coverage"].to_numpy() == pytest.approx(truth["coverage"].reindex(found.index).to_numpy())
    due = truth.loc[truth["due"]]
    missed = (due["families_reached"] == 0).mean()
    assert 0.15 <= missed <= 0.45  # some returning settlements are missed, most are reached
    share = coverage_share(coverage)
    assert share["coverage"] == pytest.approx(due["families_reached"].sum() / due["families_planned"].sum())


def test_point_only_sessions_are_placed_at_their_settlement(twin: Any) -> None:
    table = eore_table(twin.layers["risk_education"], twin.layers["assets"])
    by_point = table.loc[table["placed_by"] == "point"]
    assert len(by_point) >= 10
    assert (table.loc[table["method"] == "media", "settlement"].isna()).all()


def test_survivor_figures_recover_the_truth(twin: Any) -> None:
    layers, truth = twin.layers, twin.truth["survivors"].set_index("victim")
    table = survivor_table(
        layers["victims"],
        layers["accidents"],
        layers["survivor_needs"],
        layers["survivor_services"],
        as_of=END,
    ).set_index("victim")
    assert set(table.index) == set(truth.index) and len(truth) >= 25
    days = table["days_to_first_service"]
    assert (days.isna() == truth["days_to_first_service"].isna()).all()
    assert (days.dropna() == truth["days_to_first_service"].dropna().reindex(days.dropna().index)).all()
    totals = assistance_totals(table.reset_index())
    assert totals["median_days_to_first_service"] == truth["days_to_first_service"].median()
    assert totals["assessed"] == truth["assessed_on"].notna().sum()
    assert totals["needs_open_over_a_year"] == truth["needs_open_over_a_year"].sum() > 0
    assert 0.6 <= totals["assessed_share"] <= 0.95
    by_band = assistance_by(table.reset_index(), "age_band").set_index("age_band")
    children = truth.loc[truth["age"] < 18, "days_to_first_service"].dropna()
    if len(children):
        assert by_band.loc["child", "median_days_to_first_service"] == children.median()
