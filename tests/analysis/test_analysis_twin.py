"""On the digital twin (simulated, small scale): the analyses recover the twin's calibration and its truth.

The scenario is generated once per module; its ``calibration`` holds the values the simulator measured on the
same observed data with the same definitions, and ``truth`` says which devices were laid after the ceasefire
and which minefields are the old front-line belts.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mineaction.analysis import assess_records, new_contamination_alerts
from mineaction.settings import Settings

simulate = pytest.importorskip("mineaction.simulate").simulate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def twin() -> Any:
    return simulate(scale="small", seed=0)


@pytest.fixture(scope="module")
def assessed(twin: Any) -> dict[str, Any]:
    return assess_records(twin.layers, settings=Settings())


@pytest.mark.parametrize("figure", ["record_accuracy", "record_recall", "outside_share_records"])
def test_recovers_calibration(twin: Any, assessed: dict[str, Any], figure: str) -> None:
    actual = twin.calibration[figure]["actual"]
    assert assessed[figure] == pytest.approx(actual, abs=0.05)


def test_record_accuracy_parts_are_consistent(assessed: dict[str, Any]) -> None:
    parts = assessed["parts"]
    assert parts["n_processed"] >= 20
    assert parts["accuracy"] <= min(parts["confirmed"], parts["complete"], parts["positioned"])
    assert 0.1 <= assessed["record_accuracy"] <= 0.4
    # hazards known on the day are fewer than all records' land: most accidents fall outside them too
    assert 0 <= assessed["outside_share_known_hazards"] <= 1


def _device_kinds(twin: Any) -> pd.Series:
    devices, minefields = twin.truth["devices"], twin.truth["minefields"]
    kinds = devices["minefield"].map(minefields.set_index("minefield")["kind"])
    return pd.Series(kinds.to_numpy(), index=devices["find"]).loc[lambda s: s.index.notna()]


def test_alerts_find_the_post_ceasefire_cluster(twin: Any) -> None:
    alerts = new_contamination_alerts(twin.layers["finds"], twin.layers["activities"], settings=Settings())
    kinds = _device_kinds(twin)
    injected = set(kinds.index[kinds == "post_ceasefire"])
    assert len(injected) >= 50
    alerted = {fid for ids in alerts["find_ids"] for fid in ids}
    assert len(injected & alerted) / len(injected) >= 0.9
    assert set(alerts["district"]) <= {"Lachin", "Kalbajar"}
    for ids in alerts["find_ids"]:
        assert not (kinds.reindex(ids) == "belt").any(), "an alert lies in an old front-line belt"
    assert (alerts["models"].map(tuple) == ("PMN-E",)).all()
    assert alerts["first_found"].min().year == 2022
