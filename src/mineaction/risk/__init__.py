"""mineaction.risk: the contamination risk surface, its honest validation and survey candidates.

Pure computation on in-memory frames and arrays: nothing here opens a file or a connection; the command
line loads the data and saves the results.
"""

from mineaction.risk.grid import Grid, grid_from_bounds
from mineaction.risk.metrics import capture_curve, false_alarms_per_positive, score_summary
from mineaction.risk.model import BASELINES, Baseline, RiskModel, baseline_scores, require_columns
from mineaction.risk.table import CellTable, cell_table, default_features
from mineaction.risk.validation import (
    block_folds,
    compare_schemes,
    evaluate_folds,
    evaluate_split,
    group_folds,
    shuffled_folds,
)

__all__ = [
    "BASELINES",
    "Baseline",
    "CellTable",
    "Grid",
    "RiskModel",
    "baseline_scores",
    "block_folds",
    "capture_curve",
    "cell_table",
    "compare_schemes",
    "default_features",
    "evaluate_folds",
    "evaluate_split",
    "false_alarms_per_positive",
    "grid_from_bounds",
    "group_folds",
    "require_columns",
    "score_summary",
    "shuffled_folds",
]
