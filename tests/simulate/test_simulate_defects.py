"""The twin's deliberate data-entry defects: the quality report finds each one by record id and nothing else,
they are listed in README.txt and scenario.json, and they leave the truth and the other records alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from mineaction.analysis import data_quality
from mineaction.settings import Settings
from mineaction.simulate import SimulatedScenario
from mineaction.simulate.defects import (
    DAYS_SLIP,
    N_FINDS_WITHOUT_ACTIVITY,
    N_PRODUCTIVITY_SLIPS,
    inject_defects,
)

#: Run the checks as of this day: planned return dates of settlements (``target_on``) run to mid-2026 and the
#: future-date check would flag them on an earlier day.
TODAY = date(2026, 7, 1)


def _keys(rows: pd.DataFrame | list[dict[str, str]]) -> set[tuple[str, str, str]]:
    frame = pd.DataFrame(rows)
    return set(zip(frame["kind"], frame["id"], frame["check"], strict=True))


def test_quality_report_finds_every_defect_and_nothing_else(tiny: SimulatedScenario) -> None:
    defects = tiny.meta["defects"]
    counts = pd.DataFrame(defects)["check"].value_counts().to_dict()
    assert counts == {
        "find without activity": N_FINDS_WITHOUT_ACTIVITY,
        "implausible productivity": N_PRODUCTIVITY_SLIPS,
        "long edge": 1,
        "duplicate geometry": 1,
    }
    issues = data_quality(tiny.layers, settings=Settings(), today=TODAY)
    assert len(issues) == len(defects)
    assert _keys(issues) == _keys(defects)
    productivity = issues.loc[issues["check"] == "implausible productivity", "value"]
    assert set(productivity) == {"250.0 m2 per deminer-day"}  # 25 m2 a day with a digit dropped
    edge_m = float(issues.loc[issues["check"] == "long edge", "value"].iloc[0].split()[0])
    assert 6_000 <= edge_m <= 15_000


def test_defects_touch_only_observed_copies_and_keep_the_truth(tiny: SimulatedScenario) -> None:
    layers, earlier, table = inject_defects(tiny.layers, tiny.earlier, tiny.seed)
    assert _keys(table) != set()
    # injecting again works on fresh copies: the scenario's frames are not modified in place
    assert layers["finds"]["activity"].isna().sum() == 2 * N_FINDS_WITHOUT_ACTIVITY
    assert tiny.layers["finds"]["activity"].isna().sum() == N_FINDS_WITHOUT_ACTIVITY
    blank = tiny.layers["finds"].loc[tiny.layers["finds"]["activity"].isna()]
    assert (blank["category"] == "UXO").all()
    assert blank["source_doc"].str.startswith("AT-").all()  # the report reference still names the activity
    devices = tiny.truth["devices"]
    assert set(blank["id"]) <= set(devices["find"].dropna())  # still on a true device
    slipped = [d["id"] for d in tiny.meta["defects"] if d["check"] == "implausible productivity"]
    acts = tiny.layers["activities"].set_index("id").loc[slipped]
    assert (acts["method"] == "manual").all()
    np.testing.assert_allclose(acts["cleared_m2"] / acts["deminer_days"], 25.0 * DAYS_SLIP, rtol=1e-3)
    hazards = tiny.layers["hazardous_areas"]
    assert len(earlier["hazardous_areas"]) == len(hazards) + 1  # the duplicate is in both states
    assert set(tiny.earlier["hazardous_areas"]["id"]) == set(hazards["id"])


def test_readme_and_scenario_json_list_the_defects(tiny: SimulatedScenario, tiny_dir: Path) -> None:
    readme = (tiny_dir / "README.txt").read_text()
    assert "Deliberate data-entry defects" in readme
    for d in tiny.meta["defects"]:
        assert d["id"] in readme
    meta = json.loads((tiny_dir / "scenario.json").read_text())
    assert meta["defects"] == tiny.meta["defects"]
