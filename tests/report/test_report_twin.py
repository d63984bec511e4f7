"""The full report on the digital twin (tiny scale): offline, says SIMULATED, every image exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mineaction.report import build_report
from mineaction.workflows import is_simulated, report_data

simulate = pytest.importorskip("mineaction.simulate").simulate


@pytest.mark.slow
def test_report_on_the_twin(tmp_path: Path, store_of: Any) -> None:
    scenario = simulate(scale="tiny", seed=1)
    frames = dict(scenario.layers)
    assert is_simulated(frames)  # from the sources, without the store's setting
    data = report_data(store_of(frames))
    assert data.simulated
    index = build_report(data, tmp_path / "report", title="Mine action evidence report")
    page = index.read_text()
    assert "SIMULATED DATA" in page and "could not be built" not in page
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    images = [r for r in refs if r.endswith(".png")]
    assert len(images) >= 9  # maps, accuracy, outside share, casualties x2, release x3, funding
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), ref
        if not ref.startswith("#"):
            assert (index.parent / ref).is_file(), ref
    assert "<script" not in page and "url(" not in page
    record_accuracy = data.evidence.assessment.record_accuracy
    assert record_accuracy is None or 0 <= record_accuracy <= 1
