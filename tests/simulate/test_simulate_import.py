"""The simulated files import into a GeoPackage store through the product's importer with no issue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyogrio
import pytest

from mineaction.domain.schema import ENTITIES
from mineaction.io import import_file
from mineaction.settings import Settings
from mineaction.simulate import FILES, Scenario
from mineaction.store import init_store


@pytest.mark.slow
def test_every_file_imports_without_issue(tiny: Scenario, tiny_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    with init_store(path, aoi=Settings().aoi) as store:
        for kind, name in FILES.items():
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
    assert counts == {kind: len(tiny.layers[kind]) for kind in ENTITIES}
    assert set(ENTITIES) <= set(pyogrio.list_layers(path)[:, 0])
