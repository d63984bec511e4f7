"""Fixtures of the pattern tests: the tiny simulated twin (seed 0), built once per session."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def twin(tiny_twin: Any) -> Any:
    return tiny_twin
