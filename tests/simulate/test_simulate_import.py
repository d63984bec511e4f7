"""The simulated files import into a GeoPackage store through the product's importer with no issue."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyogrio
import pytest

from mineaction.domain.schema import ENTITIES
from mineaction.io import import_file
from mineaction.settings import Settings
from mineaction.simulate import IMPORTS, SimulatedScenario
from mineaction.store import init_store


@pytest.mark.slow
def test_every_file_imports_without_issue(tiny: SimulatedScenario, tiny_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    with init_store(path, aoi=Settings().aoi) as store:
        for kind, name in IMPORTS:
            result = import_file(
                store,
                tiny_dir / name,
                kind=kind,
                author="test",
                reason="simulated test data",
                today=date(2025, 7, 1),
            )
            assert result.report.ok, f"{name}: {result.report.summary()}"
        counts = store.counts()
        released = tiny.layers["hazardous_areas"].query("status == 'released'").iloc[0]
        history = store.history("hazardous_areas", released["id"])
        before = store.get(
            "hazardous_areas",
            released["id"],
            as_of=date.fromisoformat(released["released_on"]) - timedelta(days=1),
        )
    assert counts == {kind: len(tiny.layers[kind]) for kind in ENTITIES}
    assert list(history["status"]) == ["open", "released"]
    assert before["status"] in {"open", "in_progress"}
    assert set(ENTITIES) <= set(pyogrio.list_layers(path)[:, 0])
