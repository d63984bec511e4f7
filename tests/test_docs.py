"""The documentation runs as written: the Python quick-start notebook executes from top to bottom."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.slow
def test_quickstart_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    notebook = json.loads((DOCS / "quickstart.ipynb").read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__quickstart__"}
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert cells, "the quick start has no code"
    for number, cell in enumerate(cells, start=1):
        source = "".join(cell["source"])
        exec(compile(source, f"docs/quickstart.ipynb cell {number}", "exec"), namespace)  # noqa: S102
    assert os.listdir(tmp_path)  # the notebook wrote its store in a temporary folder
