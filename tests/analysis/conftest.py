"""Fixtures of the analysis tests (scenes are built in analysis_scenes.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_scenes import build_records_scene


@pytest.fixture()
def records_scene() -> dict[str, pd.DataFrame]:
    return build_records_scene()
