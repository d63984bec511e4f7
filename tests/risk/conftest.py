"""Fixtures shared by the risk tests: the tiny digital twin (simulated), made once per session."""

from __future__ import annotations

from typing import Any

import pytest

from mineaction.simulate import simulate


@pytest.fixture(scope="session")
def tiny_twin() -> Any:
    """The tiny twin (seed 0): every risk test that needs the twin shares this one scenario."""
    return simulate(scale="tiny", seed=0)
