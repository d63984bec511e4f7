"""The public surface of mineaction.risk is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import mineaction.risk as risk

EXPECTED = {
    "BASELINES",
    "Baseline",
    "CellData",
    "CellTable",
    "FeatureStack",
    "Grid",
    "ModelBundle",
    "RiskModel",
    "baseline_scores",
    "block_folds",
    "bundle_from_bytes",
    "bundle_to_bytes",
    "capture_curve",
    "cell_table",
    "compare_schemes",
    "compute_features",
    "default_cutoff",
    "default_features",
    "distance_to",
    "evaluate_folds",
    "evaluate_layers",
    "evaluate_split",
    "false_alarms_per_positive",
    "find_candidates",
    "grid_for_layers",
    "grid_from_bounds",
    "group_folds",
    "predict_surface",
    "prepare_cells",
    "record_weights_from_assessment",
    "reland_labels",
    "require_columns",
    "score_summary",
    "shuffled_folds",
    "truth_counts",
}


def test_public_names_are_pinned_and_sorted() -> None:
    assert set(risk.__all__) == EXPECTED
    assert list(risk.__all__) == sorted(risk.__all__)
    assert all(hasattr(risk, name) for name in risk.__all__)


def test_every_baseline_is_documented() -> None:
    assert [b.name for b in risk.BASELINES] == ["records_only", "front_line", "past_events"]
    assert all(b.description and b.columns for b in risk.BASELINES)
