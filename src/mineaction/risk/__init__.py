"""mineaction.risk: the contamination risk surface, its honest validation and survey candidates.

Pure computation on in-memory frames and arrays: nothing here opens a file or a connection; the command line
loads the data and saves the results.
"""

from mineaction.risk.candidates import find_candidates
from mineaction.risk.cover import CellMask, cell_mask
from mineaction.risk.engine import GridPlan, plan_grid, surface_array, surface_blocks
from mineaction.risk.features import FeatureStack, compute_features, distance_to, feature_inputs
from mineaction.risk.grid import Grid, grid_from_bounds
from mineaction.risk.labels import Background, reland_labels, truth_counts
from mineaction.risk.metrics import capture_curve, false_alarms_per_positive, score_summary
from mineaction.risk.model import BASELINES, Baseline, RiskModel, baseline_scores, require_columns
from mineaction.risk.persist import ModelBundle, bundle_from_bytes, bundle_to_bytes
from mineaction.risk.surface import (
    CellData,
    default_cutoff,
    evaluate_layers,
    grid_for_layers,
    predict_surface,
    prepare_cells,
)
from mineaction.risk.table import CellTable, cell_table, default_features, evaluate_table
from mineaction.risk.terrain import hillshade
from mineaction.risk.uncertainty import group_bootstrap_metrics
from mineaction.risk.validation import (
    block_folds,
    compare_schemes,
    coordinate_regions,
    evaluate_folds,
    evaluate_split,
    group_folds,
    region_folds,
    shuffled_folds,
)
from mineaction.risk.weights import record_weights_from_assessment
from mineaction.risk.window import FeatureInputs, Window

__all__ = [
    "BASELINES",
    "Background",
    "Baseline",
    "CellData",
    "CellMask",
    "CellTable",
    "FeatureInputs",
    "FeatureStack",
    "Grid",
    "GridPlan",
    "ModelBundle",
    "RiskModel",
    "Window",
    "baseline_scores",
    "block_folds",
    "bundle_from_bytes",
    "bundle_to_bytes",
    "capture_curve",
    "cell_mask",
    "cell_table",
    "compare_schemes",
    "compute_features",
    "coordinate_regions",
    "default_cutoff",
    "default_features",
    "distance_to",
    "evaluate_folds",
    "evaluate_layers",
    "evaluate_split",
    "evaluate_table",
    "false_alarms_per_positive",
    "feature_inputs",
    "find_candidates",
    "grid_for_layers",
    "grid_from_bounds",
    "group_bootstrap_metrics",
    "group_folds",
    "hillshade",
    "plan_grid",
    "predict_surface",
    "prepare_cells",
    "record_weights_from_assessment",
    "region_folds",
    "reland_labels",
    "require_columns",
    "score_summary",
    "shuffled_folds",
    "surface_array",
    "surface_blocks",
    "truth_counts",
]
