"""mineaction.simulate: the seeded digital twin of the Karabakh region, with ground truth (SIMULATED data).

``simulate(scale=..., seed=...)`` builds a scenario in memory; ``write_scenario(scenario, out_dir)`` writes
the
files a user would import plus ``truth/`` and ``truth/calibration.json``.
"""

from mineaction.simulate.calibration import TARGETS, calibration_report
from mineaction.simulate.scales import SCALES, Scale
from mineaction.simulate.scenario import SimulatedScenario, simulate
from mineaction.simulate.writer import FILES, IMPORTS, write_scenario

__all__ = [
    "FILES",
    "IMPORTS",
    "SCALES",
    "Scale",
    "SimulatedScenario",
    "TARGETS",
    "calibration_report",
    "simulate",
    "write_scenario",
]
