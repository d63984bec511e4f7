"""Shared fixtures of the simulator tests: one tiny scenario (seed 0) built once and written once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mineaction.simulate import SimulatedScenario, simulate, write_scenario


@pytest.fixture(scope="session")
def tiny() -> SimulatedScenario:
    return simulate(scale="tiny", seed=0)


@pytest.fixture(scope="session")
def tiny_dir(tiny: SimulatedScenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-seed0")
    write_scenario(tiny, out)
    return out
